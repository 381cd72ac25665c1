//! Elementwise, cast, copy, gather/scatter kernels of the CPU backend (scalar, strided).

use super::buffer::{try_with_capacity, Buf, CpuStorage, IntoCpuStorage};
use super::int::{int_arith, int_unary};
use super::parallel::{self, SendPtr};
use super::simd;
use crate::backend::{BackendStorage, BinaryOp, CmpOp, GradMask, MathTerOp, ReduceOp, UnaryOp};
use crate::dtype::{Category, DType, Elem, FloatElem, IntElem};
use crate::error::{bail, Result};
use crate::layout::{for_each_offset, Layout};
use std::mem::MaybeUninit;

/// A fresh Vec of `n` elements filled chunk by chunk (in parallel when large): `f(start, out)`
/// must write every element of `out`, which holds positions `start..start + out.len()`.
pub(super) fn fill<U: Elem>(n: usize, f: impl Fn(usize, &mut [MaybeUninit<U>]) + Sync) -> Result<Vec<U>> {
    fill_with_grain(n, parallel::ELEMENTWISE_GRAIN, f)
}

/// `fill` with chunks of `grain` elements.
pub(super) fn fill_with_grain<U: Elem>(
    n: usize,
    grain: usize,
    f: impl Fn(usize, &mut [MaybeUninit<U>]) + Sync,
) -> Result<Vec<U>> {
    let mut out = try_with_capacity::<U>(n)?;
    let ptr = SendPtr(out.spare_capacity_mut().as_mut_ptr());
    // SAFETY: chunks are disjoint ranges of the spare capacity (n elements reserved).
    parallel::for_chunks(n, grain, |s, e| f(s, unsafe { ptr.slice(s, e) }));
    // SAFETY: for_chunks covered 0..n and every chunk wrote all of its elements.
    unsafe { out.set_len(n) };
    Ok(out)
}

/// Maps three strided inputs of one shape into a fresh contiguous Vec (the op table's ternary
/// rows): one pass when all are contiguous, the strided walk otherwise.
pub(crate) fn map3<T: Elem, U: Elem>(
    a: &Buf<T>,
    la: &Layout,
    b: &Buf<T>,
    lb: &Layout,
    c: &Buf<T>,
    lc: &Layout,
    f: impl Fn(T, T, T) -> U + Sync,
) -> Result<Vec<U>> {
    let (sa, sb, sc) = (a.as_slice(), b.as_slice(), c.as_slice());
    let n = la.numel();
    if n > 0 && la.is_contiguous() && lb.is_contiguous() && lc.is_contiguous() {
        let (xa, xb, xc) =
            (&sa[la.offset..la.offset + n], &sb[lb.offset..lb.offset + n], &sc[lc.offset..lc.offset + n]);
        return fill(n, |start, out| {
            for (k, o) in out.iter_mut().enumerate() {
                let i = start + k;
                o.write(f(xa[i], xb[i], xc[i]));
            }
        });
    }
    let mut out = try_with_capacity(n)?;
    if n > 0 {
        for_each_offset(&la.shape, [la, lb, lc], |[i, j, k]| out.push(f(sa[i], sb[j], sc[k])));
    }
    Ok(out)
}

/// Row-wise view of a strided layout: the storage offset where each row of the last dim
/// starts (in row-major order), and the stride along that row.
fn row_starts<const N: usize>(layouts: [&Layout; N]) -> Result<([usize; N], Vec<[usize; N]>)> {
    let nd = layouts[0].ndim();
    let inner_strides = std::array::from_fn(|k| layouts[k].strides[nd - 1]);
    let outer: [Layout; N] = std::array::from_fn(|k| Layout {
        shape: layouts[k].shape[..nd - 1].into(),
        strides: layouts[k].strides[..nd - 1].into(),
        offset: layouts[k].offset,
    });
    let shape = outer[0].shape.clone();
    let mut starts = super::buffer::try_vec(shape.iter().product())?;
    for_each_offset(&shape, std::array::from_fn(|k| &outer[k]), |o| starts.push(o));
    Ok((inner_strides, starts))
}

/// Chunks for row-wise work: whole rows, about ELEMENTWISE_GRAIN elements each.
fn row_grain(inner: usize) -> usize {
    (parallel::ELEMENTWISE_GRAIN / inner.max(1)).max(1) * inner.max(1)
}

/// Maps a strided input into a fresh contiguous Vec. `f` is a concrete closure per op, so each
/// loop compiles to straight-line (vectorisable) code.
pub(crate) fn map1<T: Elem, U: Elem>(b: &Buf<T>, l: &Layout, f: impl Fn(T) -> U + Sync) -> Result<Vec<U>> {
    let src = b.as_slice();
    let n = l.numel();
    if n == 0 {
        // An empty view may carry an offset past the end of its (empty) storage.
        return try_with_capacity(0);
    }
    if l.is_contiguous() {
        let s = &src[l.offset..l.offset + n];
        return fill(n, |start, out| {
            for (o, &x) in out.iter_mut().zip(&s[start..]) {
                o.write(f(x));
            }
        });
    }
    let inner = l.shape[l.ndim() - 1];
    let ([st], starts) = row_starts([l])?;
    fill_with_grain(n, row_grain(inner), |start, out| {
        for (k, row) in out.chunks_mut(inner).enumerate() {
            let [i] = starts[start / inner + k];
            if st == 1 {
                for (o, &x) in row.iter_mut().zip(&src[i..i + inner]) {
                    o.write(f(x));
                }
            } else {
                for (t, o) in row.iter_mut().enumerate() {
                    o.write(f(src[i + t * st]));
                }
            }
        }
    })
}

pub(crate) fn map2<T: Elem, U: Elem>(
    a: &Buf<T>,
    la: &Layout,
    b: &Buf<T>,
    lb: &Layout,
    f: impl Fn(T, T) -> U + Sync,
) -> Result<Vec<U>> {
    let (sa, sb) = (a.as_slice(), b.as_slice());
    let n = la.numel();
    if n == 0 {
        return try_with_capacity(0);
    }
    if la.is_contiguous() && lb.is_contiguous() {
        let (xa, xb) = (&sa[la.offset..la.offset + n], &sb[lb.offset..lb.offset + n]);
        return fill(n, |start, out| {
            for ((o, &x), &y) in out.iter_mut().zip(&xa[start..]).zip(&xb[start..]) {
                o.write(f(x, y));
            }
        });
    }
    if la.ndim() == 0 || n == 0 {
        let mut out = try_with_capacity(n)?;
        for_each_offset(&la.shape, [la, lb], |[i, j]| out.push(f(sa[i], sb[j])));
        return Ok(out);
    }
    let inner = la.shape[la.ndim() - 1];
    let ([s1, s2], starts) = row_starts([la, lb])?;
    // Broadcasting makes one side's row a constant (stride 0) or both rows contiguous: those
    // loops vectorise; other strides take the general loop.
    fill_with_grain(n, row_grain(inner), |start, out| {
        for (k, row) in out.chunks_mut(inner).enumerate() {
            let [i, j] = starts[start / inner + k];
            match (s1, s2) {
                (1, 1) => {
                    for ((o, &x), &y) in row.iter_mut().zip(&sa[i..i + inner]).zip(&sb[j..j + inner]) {
                        o.write(f(x, y));
                    }
                }
                (1, 0) => {
                    let y = sb[j];
                    for (o, &x) in row.iter_mut().zip(&sa[i..i + inner]) {
                        o.write(f(x, y));
                    }
                }
                (0, 1) => {
                    let x = sa[i];
                    for (o, &y) in row.iter_mut().zip(&sb[j..j + inner]) {
                        o.write(f(x, y));
                    }
                }
                _ => {
                    for (t, o) in row.iter_mut().enumerate() {
                        o.write(f(sa[i + t * s1], sb[j + t * s2]));
                    }
                }
            }
        }
    })
}

fn float_unary<T: FloatElem>(x: T, op: UnaryOp) -> T {
    match op {
        UnaryOp::Neg => -x,
        UnaryOp::Exp => x.exp(),
        UnaryOp::Log => x.ln(),
        UnaryOp::Sqrt => x.sqrt(),
        UnaryOp::Tanh => x.tanh(),
        UnaryOp::Sigmoid => {
            // Two branches keep exp's argument non-positive, so neither overflows.
            if x >= <T as Elem>::zero() {
                <T as Elem>::one() / (<T as Elem>::one() + (-x).exp())
            } else {
                let e = x.exp();
                e / (<T as Elem>::one() + e)
            }
        }
        // NaN passes through relu, as in torch.
        UnaryOp::Relu => {
            if x > <T as Elem>::zero() || x.is_nan() {
                x
            } else {
                <T as Elem>::zero()
            }
        }
        UnaryOp::Abs => x.abs(),
        // Refused for floats in `unary` before any loop runs.
        UnaryOp::BitwiseNot => T::nan(),
        UnaryOp::LeakyRelu { slope } => {
            if x > <T as Elem>::zero() {
                x
            } else {
                x * T::from_f64(slope)
            }
        }
        // torch's silu kernel: `x / (1 + exp(-x))` (so -inf gives NaN and large negative x -0.0)
        UnaryOp::Silu => x / (<T as Elem>::one() + (-x).exp()),
        // torch's elu kernel: `x <= 0 ? expm1(x) * alpha : x`; expm1 keeps -0.0, NaN stays NaN
        UnaryOp::Elu { alpha } => {
            if x <= <T as Elem>::zero() {
                x.exp_m1() * T::from_f64(alpha)
            } else {
                x
            }
        }
        // one loop per row in `MathOp::map_float`/`ActOp::map_float`; never reaches the
        // per-element match
        UnaryOp::Math(..) | UnaryOp::Act(..) => T::nan(),
        UnaryOp::Gelu { tanh } => gelu(x, tanh),
        UnaryOp::Softplus { beta, threshold } => softplus(x, T::from_f64(beta), T::from_f64(threshold)),
        UnaryOp::Sign => {
            if x > <T as Elem>::zero() {
                <T as Elem>::one()
            } else if x < <T as Elem>::zero() {
                -<T as Elem>::one()
            } else {
                x
            }
        }
        UnaryOp::Clamp { min, max } => {
            let mut y = x;
            // torch: NaN stays NaN; min is applied before max, so min > max gives max.
            if let Some(lo) = min {
                let lo = T::from_f64(lo);
                if y < lo {
                    y = lo;
                }
            }
            if let Some(hi) = max {
                let hi = T::from_f64(hi);
                if y > hi {
                    y = hi;
                }
            }
            y
        }
    }
}

/// torch's scalar gelu kernels, step for step (so results round as torch's do).
fn gelu<T: FloatElem>(x: T, tanh: bool) -> T {
    let half = T::from_f64(0.5);
    let one = <T as Elem>::one();
    if tanh {
        let beta = T::from_f64(std::f64::consts::SQRT_2 * std::f64::consts::FRAC_2_SQRT_PI * 0.5);
        let inner = beta * (x + T::from_f64(0.044715) * (x * x * x));
        half * x * (one + inner.tanh())
    } else {
        x * half * (one + (x * T::from_f64(std::f64::consts::FRAC_1_SQRT_2)).erf())
    }
}

/// torch's softplus kernel (beta and threshold in the element type, as torch converts them).
fn softplus<T: FloatElem>(x: T, beta: T, threshold: T) -> T {
    if x * beta > threshold {
        x
    } else {
        (x * beta).exp().ln_1p() / beta
    }
}

/// Float types with SIMD kernels (backend/cpu/simd), chosen at run time.
pub(super) trait SimdFloat: FloatElem + simd::Elem {}
impl SimdFloat for f32 {}
impl SimdFloat for f64 {}

/// A chunk of a fresh output as a plain slice, for kernels that only store into it.
///
/// # Safety
/// The caller's kernel must write every element and read none (f32/f64 have no invalid bit
/// patterns, so the uninitialised bytes are never observed).
unsafe fn write_only<T>(out: &mut [MaybeUninit<T>]) -> &mut [T] {
    std::slice::from_raw_parts_mut(out.as_mut_ptr() as *mut T, out.len())
}

/// One loop per op: `float_unary(x, CONST)` inlines to that op's code alone. Contiguous inputs
/// go to the SIMD kernels.
fn unary_float<T: SimdFloat>(b: &Buf<T>, l: &Layout, op: UnaryOp) -> Result<Vec<T>> {
    let n = l.numel();
    if let Some(kernel) = simd::Unary::new(op).filter(|_| n > 0 && l.is_contiguous()) {
        let s = &b.as_slice()[l.offset..l.offset + n];
        return fill(n, |start, out| {
            // SAFETY: the SIMD kernel stores all of `out` (or panics) and reads none of it.
            let out = unsafe { write_only(out) };
            kernel.run(&s[start..start + out.len()], out);
        });
    }
    macro_rules! each {
        ($($v:ident),*) => {
            match op {
                $(UnaryOp::$v => map1(b, l, |x| float_unary(x, UnaryOp::$v)),)*
                UnaryOp::Clamp { min, max } => map1(b, l, move |x| float_unary(x, UnaryOp::Clamp { min, max })),
                UnaryOp::LeakyRelu { slope } => {
                    // the slope in the element type, as torch converts its negval once
                    let s = T::from_f64(slope);
                    map1(b, l, move |x| if x > <T as Elem>::zero() { x } else { x * s })
                }
                UnaryOp::Gelu { tanh } => map1(b, l, move |x| gelu(x, tanh)),
                UnaryOp::Softplus { beta, threshold } => {
                    let (b_, t_) = (T::from_f64(beta), T::from_f64(threshold));
                    map1(b, l, move |x| softplus(x, b_, t_))
                }
                UnaryOp::Math(m, p) => m.map_float(b, l, p),
                UnaryOp::Act(a, p) => a.map_float(b, l, p),
                UnaryOp::Elu { alpha } => {
                    let a = T::from_f64(alpha);
                    map1(b, l, move |x| if x <= <T as Elem>::zero() { x.exp_m1() * a } else { x })
                }
            }
        };
    }
    each!(Neg, Exp, Log, Sqrt, Tanh, Sigmoid, Relu, Abs, Sign, BitwiseNot, Silu)
}

/// Binary float ops: SIMD kernels on contiguous operands and on broadcast rows (one side a
/// row, the other a row or a constant); one scalar loop per op otherwise.
fn binary_float<T: SimdFloat>(
    a: &Buf<T>,
    la: &Layout,
    b: &Buf<T>,
    lb: &Layout,
    op: BinaryOp,
) -> Result<Vec<T>> {
    let n = la.numel();
    if let Some(kernel) = simd::Binary::new(op).filter(|_| n > 0 && la.ndim() > 0) {
        let (sa, sb) = (a.as_slice(), b.as_slice());
        if la.is_contiguous() && lb.is_contiguous() {
            let (xa, xb) = (&sa[la.offset..la.offset + n], &sb[lb.offset..lb.offset + n]);
            return fill(n, |start, out| {
                // SAFETY: the SIMD kernel stores all of `out` (or panics) and reads none of it.
                let out = unsafe { write_only(out) };
                let e = start + out.len();
                kernel.run(&xa[start..e], &xb[start..e], out);
            });
        }
        let inner = la.shape[la.ndim() - 1];
        let ([s1, s2], starts) = row_starts([la, lb])?;
        if matches!((s1, s2), (1, 1) | (1, 0) | (0, 1)) {
            return fill_with_grain(n, row_grain(inner), |start, out| {
                for (k, row) in out.chunks_mut(inner).enumerate() {
                    let [i, j] = starts[start / inner + k];
                    // SAFETY: the SIMD kernel stores all of `row` (or panics) and reads none of it.
                    let row = unsafe { write_only(row) };
                    match (s1, s2) {
                        (1, 1) => kernel.run(&sa[i..i + inner], &sb[j..j + inner], row),
                        (1, 0) => kernel.run_scalar_rhs(&sa[i..i + inner], sb[j], row),
                        _ => kernel.run_scalar_lhs(sa[i], &sb[j..j + inner], row),
                    }
                }
            });
        }
    }
    macro_rules! each {
        ($($v:ident),*) => {
            match op {
                $(BinaryOp::$v => map2(a, la, b, lb, |x, y| float_binary(x, y, BinaryOp::$v)),)*
                BinaryOp::Math(m) => m.map_float(a, la, b, lb),
            }
        };
    }
    each!(Add, Sub, Mul, Div, Pow, Maximum, Minimum, Remainder, Fmod, FloorDiv, TruncDiv)
}

fn float_binary<T: FloatElem>(x: T, y: T, op: BinaryOp) -> T {
    match op {
        BinaryOp::Add => x + y,
        BinaryOp::Sub => x - y,
        BinaryOp::Mul => x * y,
        BinaryOp::Div => x / y,
        BinaryOp::Pow => x.powf(y),
        // torch.maximum/minimum propagate NaN from either side.
        BinaryOp::Maximum => {
            if x.is_nan() || y.is_nan() {
                T::nan()
            } else if x > y {
                x
            } else {
                y
            }
        }
        BinaryOp::Minimum => {
            if x.is_nan() || y.is_nan() {
                T::nan()
            } else if x < y {
                x
            } else {
                y
            }
        }
        // torch's CPU formulas (fmod, then move into the divisor's sign), so the results agree
        // bit for bit, -0.0 and infinite divisors included.
        BinaryOp::Fmod => x % y,
        BinaryOp::Remainder => {
            let m = x % y;
            if m != <T as Elem>::zero() && (y < <T as Elem>::zero()) != (m < <T as Elem>::zero()) {
                m + y
            } else {
                m
            }
        }
        BinaryOp::TruncDiv => (x / y).trunc(),
        BinaryOp::FloorDiv => {
            if y == <T as Elem>::zero() {
                return x / y;
            }
            let m = x % y;
            let mut d = (x - m) / y;
            if m != <T as Elem>::zero() && (y < <T as Elem>::zero()) != (m < <T as Elem>::zero()) {
                d = d - <T as Elem>::one();
            }
            if d != <T as Elem>::zero() {
                let f = d.floor();
                if d - f > <T as Elem>::from_f64(0.5) {
                    f + <T as Elem>::one()
                } else {
                    f
                }
            } else {
                // Keeps the sign of the true quotient, as torch does (-0.0 for -1 // 3).
                <T as Elem>::zero().copysign(x / y)
            }
        }
        BinaryOp::Math(_) => unreachable!("table rows run their own kernels"),
    }
}

fn cmp<T: PartialOrd>(x: T, y: T, op: CmpOp) -> bool {
    match op {
        CmpOp::Eq => x == y,
        CmpOp::Ne => x != y,
        CmpOp::Lt => x < y,
        CmpOp::Le => x <= y,
        CmpOp::Gt => x > y,
        CmpOp::Ge => x >= y,
    }
}

/// One element converted as torch casts: integers to integers through i64 (exact, then
/// wrapping into a narrower type), floats to integers truncated (saturating), anything to bool
/// by being nonzero, and the rest through f64. The match is on constants: it folds away.
#[inline(always)]
pub(crate) fn convert<T: Elem, U: Elem>(x: T) -> U {
    match (T::DTYPE.category(), U::DTYPE.category()) {
        (_, Category::Bool) => U::from_bool(x.to_bool()),
        (Category::Int | Category::Bool, Category::Int) => U::from_i64(x.to_i64()),
        _ => U::from_f64(x.to_f64()),
    }
}

fn cast_to<T: Elem>(b: &Buf<T>, l: &Layout, dtype: DType) -> Result<CpuStorage> {
    fn go<T: Elem, U: IntoCpuStorage>(b: &Buf<T>, l: &Layout) -> Result<CpuStorage> {
        Ok(U::into_storage(map1(b, l, convert::<T, U>)?))
    }
    crate::with_dtype!(dtype, U => go::<T, U>(b, l))
}

fn mismatch(op: &str, a: DType, b: DType) -> crate::Error {
    crate::Error::DType(format!("{op}: expected both operands to have the same dtype, but got {a} and {b}"))
}

impl BackendStorage for CpuStorage {
    fn dtype(&self) -> DType {
        CpuStorage::dtype(self)
    }

    fn to_dtype(&self, layout: &Layout, dtype: DType) -> Result<Self> {
        crate::with_buf!(self, b => cast_to(b, layout, dtype))
    }

    fn unary(&self, l: &Layout, op: UnaryOp) -> Result<Self> {
        if let (UnaryOp::Math(m, _), true) = (op, op.bool_out()) {
            return Ok(match self {
                CpuStorage::F32(b) => CpuStorage::Bool(Buf::from_vec(m.map_pred(b, l)?)),
                CpuStorage::F64(b) => CpuStorage::Bool(Buf::from_vec(m.map_pred(b, l)?)),
                other => {
                    bail!(DType, "{}: the op layer tests integers as floats, got {}", m.name(), other.dtype())
                }
            });
        }
        Ok(match self {
            CpuStorage::Bool(b) if op == UnaryOp::BitwiseNot => {
                CpuStorage::Bool(Buf::from_vec(map1(b, l, |x| !x)?))
            }
            CpuStorage::F32(_) | CpuStorage::F64(_) if op == UnaryOp::BitwiseNot => {
                bail!(DType, "bitwise_not: \"bitwise_not_cpu\" not implemented for '{}'", self.dtype())
            }
            CpuStorage::F32(b) => CpuStorage::F32(Buf::from_vec(unary_float(b, l, op)?)),
            CpuStorage::F64(b) => CpuStorage::F64(Buf::from_vec(unary_float(b, l, op)?)),
            CpuStorage::Bool(b) if op == UnaryOp::Abs || op == UnaryOp::Relu => {
                CpuStorage::Bool(Buf::from_vec(map1(b, l, |x| x)?))
            }
            other => {
                fn go<T: IntElem + IntoCpuStorage>(
                    b: &Buf<T>,
                    l: &Layout,
                    op: UnaryOp,
                ) -> Result<CpuStorage> {
                    Ok(T::into_storage(map1(b, l, |x| int_unary(x, op))?))
                }
                let int = if op.keeps_int() { crate::with_int_buf!(other, b => go(b, l, op)) } else { None };
                int.unwrap_or_else(|| {
                    Err(crate::Error::DType(format!("{op:?}: not implemented for dtype {}", other.dtype())))
                })?
            }
        })
    }

    fn binary(&self, la: &Layout, rhs: &Self, lb: &Layout, op: BinaryOp) -> Result<Self> {
        if let BinaryOp::Math(m) = op {
            // a table row: its own kernel per dtype
            return Ok(match (self, rhs) {
                (CpuStorage::F32(a), CpuStorage::F32(b)) => {
                    CpuStorage::F32(Buf::from_vec(m.map_float(a, la, b, lb)?))
                }
                (CpuStorage::F64(a), CpuStorage::F64(b)) => {
                    CpuStorage::F64(Buf::from_vec(m.map_float(a, la, b, lb)?))
                }
                (CpuStorage::Bool(a), CpuStorage::Bool(b)) => {
                    CpuStorage::Bool(Buf::from_vec(m.map_bool(a, la, b, lb)?))
                }
                (a, b) => {
                    match crate::with_int_pair!(a, b, (x, y) => m.map_int(x, la, y, lb).map(IntoCpuStorage::into_storage))
                    {
                        Some(r) => r?,
                        None => return Err(mismatch(m.name(), a.dtype(), b.dtype())),
                    }
                }
            });
        }
        Ok(match (self, rhs) {
            (CpuStorage::F32(a), CpuStorage::F32(b)) => {
                CpuStorage::F32(Buf::from_vec(binary_float(a, la, b, lb, op)?))
            }
            (CpuStorage::F64(a), CpuStorage::F64(b)) => {
                CpuStorage::F64(Buf::from_vec(binary_float(a, la, b, lb, op)?))
            }
            (CpuStorage::Bool(a), CpuStorage::Bool(b)) => {
                let f = match op {
                    BinaryOp::Add | BinaryOp::Maximum => |x: bool, y: bool| x | y,
                    BinaryOp::Mul | BinaryOp::Minimum => |x: bool, y: bool| x & y,
                    _ => bail!(DType, "{op:?}: not implemented for bool tensors"),
                };
                CpuStorage::Bool(Buf::from_vec(map2(a, la, b, lb, f)?))
            }
            (a, b) => match crate::with_int_pair!(a, b, (x, y) => int_arith(x, la, y, lb, op)) {
                Some(r) => r?,
                None => return Err(mismatch(&format!("{op:?}"), a.dtype(), b.dtype())),
            },
        })
    }

    fn compare(&self, la: &Layout, rhs: &Self, lb: &Layout, op: CmpOp) -> Result<Self> {
        let v = match (self, rhs) {
            (CpuStorage::F32(a), CpuStorage::F32(b)) => map2(a, la, b, lb, |x, y| cmp(x, y, op))?,
            (CpuStorage::F64(a), CpuStorage::F64(b)) => map2(a, la, b, lb, |x, y| cmp(x, y, op))?,
            (CpuStorage::Bool(a), CpuStorage::Bool(b)) => map2(a, la, b, lb, |x, y| cmp(x, y, op))?,
            (a, b) => match crate::with_int_pair!(a, b, (x, y) => map2(x, la, y, lb, |x, y| cmp(x, y, op))) {
                Some(r) => r?,
                None => return Err(mismatch(&format!("{op:?}"), a.dtype(), b.dtype())),
            },
        };
        Ok(CpuStorage::Bool(Buf::from_vec(v)))
    }

    fn ternary(
        &self,
        la: &Layout,
        b: &Self,
        lb: &Layout,
        c: &Self,
        lc: &Layout,
        op: MathTerOp,
    ) -> Result<Self> {
        Ok(match (self, b, c) {
            (CpuStorage::F32(x), CpuStorage::F32(y), CpuStorage::F32(z)) => {
                CpuStorage::F32(Buf::from_vec(op.map_float(x, la, y, lb, z, lc)?))
            }
            (CpuStorage::F64(x), CpuStorage::F64(y), CpuStorage::F64(z)) => {
                CpuStorage::F64(Buf::from_vec(op.map_float(x, la, y, lb, z, lc)?))
            }
            (x, ..) => bail!(DType, "{}: no kernel for {} operands", op.name(), x.dtype()),
        })
    }

    fn masked_grad(&self, lg: &Layout, x: &Self, lx: &Layout, mask: GradMask) -> Result<Self> {
        super::grad::masked_grad(self, lg, x, lx, mask)
    }

    fn where_cond(&self, lc: &Layout, a: &Self, la: &Layout, b: &Self, lb: &Layout) -> Result<Self> {
        let CpuStorage::Bool(c) = self else { bail!(DType, "where: condition must be a bool tensor") };
        fn go<T: Elem>(
            c: &Buf<bool>,
            lc: &Layout,
            a: &Buf<T>,
            la: &Layout,
            b: &Buf<T>,
            lb: &Layout,
        ) -> Result<Vec<T>> {
            let (sc, sa, sb) = (c.as_slice(), a.as_slice(), b.as_slice());
            let mut out = try_with_capacity(lc.numel())?;
            for_each_offset(&lc.shape, [lc, la, lb], |[i, j, k]| out.push(if sc[i] { sa[j] } else { sb[k] }));
            Ok(out)
        }
        Ok(match (a, b) {
            (CpuStorage::F32(x), CpuStorage::F32(y)) => f32::into_storage(go(c, lc, x, la, y, lb)?),
            (CpuStorage::F64(x), CpuStorage::F64(y)) => f64::into_storage(go(c, lc, x, la, y, lb)?),
            (CpuStorage::Bool(x), CpuStorage::Bool(y)) => bool::into_storage(go(c, lc, x, la, y, lb)?),
            (x, y) => {
                match crate::with_int_pair!(x, y, (a, b) => go(c, lc, a, la, b, lb).map(IntoCpuStorage::into_storage))
                {
                    Some(r) => r?,
                    None => return Err(mismatch("where", x.dtype(), y.dtype())),
                }
            }
        })
    }

    fn reduce(&self, layout: &Layout, rows: usize, reduced: usize, op: ReduceOp) -> Result<Self> {
        super::reduce::reduce(self, layout, rows, reduced, op)
    }

    fn matmul(&self, la: &Layout, rhs: &Self, lb: &Layout) -> Result<Self> {
        super::matmul::matmul(self, la, rhs, lb)
    }

    fn copy_into(&self, dl: &Layout, src: &Self, sl: &Layout) -> Result<()> {
        fn go<T: Elem, S: Elem>(d: &Buf<T>, dl: &Layout, s: &Buf<S>, sl: &Layout) {
            // SAFETY: dst elements are written once each; src may alias dst only when the caller
            // copied it first (Tensor::copy_ does).
            let dst = unsafe { d.as_mut_slice() };
            let src = s.as_slice();
            let conv = convert::<S, T>;
            let n = dl.numel();
            if n == 0 {
                return;
            }
            if dl.is_contiguous() && sl.is_contiguous() {
                // The common in-place case (x -= lr * g): one straight loop, a memcpy when
                // the dtypes match.
                let (d, s) = (&mut dst[dl.offset..dl.offset + n], &src[sl.offset..sl.offset + n]);
                for (o, &x) in d.iter_mut().zip(s) {
                    *o = conv(x);
                }
                return;
            }
            for_each_offset(&dl.shape, [dl, sl], |[i, j]| dst[i] = conv(src[j]));
        }
        crate::with_buf!(self, d => crate::with_buf!(src, s => go(d, dl, s, sl)));
        Ok(())
    }

    fn gather(&self, offsets: &[usize]) -> Result<Self> {
        fn go<T: IntoCpuStorage>(b: &Buf<T>, offsets: &[usize]) -> Result<CpuStorage> {
            let s = b.as_slice();
            let mut out = try_with_capacity(offsets.len())?;
            out.extend(offsets.iter().map(|&o| s[o]));
            Ok(T::into_storage(out))
        }
        crate::with_buf!(self, b => go(b, offsets))
    }

    fn scatter(&self, offsets: &[usize], src: &Self, sl: &Layout, accumulate: bool) -> Result<()> {
        fn go<T: Elem>(
            d: &Buf<T>,
            offsets: &[usize],
            s: &Buf<T>,
            sl: &Layout,
            acc: bool,
            add: fn(T, T) -> T,
        ) -> Result<()> {
            let vals = map1(s, sl, |x| x)?;
            // SAFETY: single writer; offsets are in bounds (checked by the caller).
            let dst = unsafe { d.as_mut_slice() };
            for (&o, &v) in offsets.iter().zip(&vals) {
                dst[o] = if acc { add(dst[o], v) } else { v };
            }
            Ok(())
        }
        match (self, src) {
            (CpuStorage::F32(d), CpuStorage::F32(s)) => go(d, offsets, s, sl, accumulate, |a, b| a + b),
            (CpuStorage::F64(d), CpuStorage::F64(s)) => go(d, offsets, s, sl, accumulate, |a, b| a + b),
            (CpuStorage::Bool(d), CpuStorage::Bool(s)) => go(d, offsets, s, sl, accumulate, |a, b| a | b),
            (a, b) => crate::with_int_pair!(a, b, (d, s) => go(d, offsets, s, sl, accumulate, IntElem::wrapping_add))
                .unwrap_or_else(|| Err(mismatch("index_put", a.dtype(), b.dtype()))),
        }
    }

    fn fill(&self, layout: &Layout, value: f64) -> Result<()> {
        fn go<T: Elem>(d: &Buf<T>, l: &Layout, v: T) {
            // SAFETY: single writer over the view's elements.
            let dst = unsafe { d.as_mut_slice() };
            for_each_offset(&l.shape, [l], |[i]| dst[i] = v);
        }
        crate::with_buf!(self, d => go(d, layout, Elem::from_f64(value)));
        Ok(())
    }
}
