//! Row kernels of the CPU backend: softmax, log_softmax and layer_norm over each row of `n`
//! elements (the last dim), forward and backward, each row read once into cache and finished
//! there instead of one pass over memory (and one temporary) per composed op.
//!
//! Rows are spread over the pool in chunks of whole rows whose size depends only on `n`, and
//! every row is computed by one thread start to end, so 1 and N threads give the same bits.

use super::buffer::{Buf, CpuStorage};
use super::kernels::{fill_with_grain, map1, SimdFloat};
use super::parallel::{self, SendPtr};
use super::simd;
use crate::backend::UnaryOp;
use crate::dtype::{DType, Elem};
use crate::error::{bail, Result};
use crate::layout::Layout;
use std::borrow::Cow;
use std::mem::MaybeUninit;

/// Rows per chunk: about a quarter of the elementwise grain of elements (exp and the row sums
/// cost several adds each), never less than one row.
fn grain_rows(n: usize) -> usize {
    (parallel::ELEMENTWISE_GRAIN / 4 / n.max(1)).max(1)
}

/// A chunk of a fresh output as a plain slice, for kernels that write every element before
/// reading it.
///
/// # Safety
/// The caller must write each element before reading it (f32/f64 have no invalid bit patterns,
/// so uninitialised bytes are never observed as a value anyway).
unsafe fn write_only<T>(out: &mut [MaybeUninit<T>]) -> &mut [T] {
    std::slice::from_raw_parts_mut(out.as_mut_ptr() as *mut T, out.len())
}

/// The elements of `l` as one contiguous slice: borrowed when they already are, else gathered
/// (one vectorised copy; the row loops below then run on plain slices).
fn dense<'a, T: SimdFloat>(b: &'a Buf<T>, l: &Layout) -> Result<Cow<'a, [T]>> {
    let n = l.numel();
    if n == 0 {
        return Ok(Cow::Borrowed(&[]));
    }
    if l.is_contiguous() {
        return Ok(Cow::Borrowed(&b.as_slice()[l.offset..l.offset + n]));
    }
    Ok(Cow::Owned(map1(b, l, |x| x)?))
}

/// The per-row reductions, on the SIMD kernels; sums accumulate in f64.
trait RowFloat: SimdFloat {
    /// The buffer of a storage of this dtype (callers check the dtype first).
    fn buf(s: &CpuStorage) -> Result<&Buf<Self>>;
    fn wrap(v: Vec<Self>) -> CpuStorage;
    fn row_sum(r: &[Self]) -> f64;
    /// The max, NaN when any element is NaN (so a NaN row stays NaN, as in torch).
    fn row_max(r: &[Self]) -> Self;
}

impl RowFloat for f32 {
    fn buf(s: &CpuStorage) -> Result<&Buf<f32>> {
        match s {
            CpuStorage::F32(b) => Ok(b),
            s => bail!(DType, "row kernel: expected f32 operands, got {}", s.dtype()),
        }
    }
    fn wrap(v: Vec<f32>) -> CpuStorage {
        CpuStorage::F32(Buf::from_vec(v))
    }
    fn row_sum(r: &[f32]) -> f64 {
        simd::sum_f32(r)
    }
    fn row_max(r: &[f32]) -> f32 {
        simd::max_f32(r)
    }
}

impl RowFloat for f64 {
    fn buf(s: &CpuStorage) -> Result<&Buf<f64>> {
        match s {
            CpuStorage::F64(b) => Ok(b),
            s => bail!(DType, "row kernel: expected f64 operands, got {}", s.dtype()),
        }
    }
    fn wrap(v: Vec<f64>) -> CpuStorage {
        CpuStorage::F64(Buf::from_vec(v))
    }
    fn row_sum(r: &[f64]) -> f64 {
        simd::sum_f64(r)
    }
    fn row_max(r: &[f64]) -> f64 {
        simd::max_f64(r)
    }
}

/// `sum(f(a_i, b_i))` in f64 over eight independent accumulators (one chain would be bound by
/// the add latency).
#[inline(always)]
fn sum2<T: SimdFloat>(a: &[T], b: &[T], f: impl Fn(f64, f64) -> f64) -> f64 {
    let mut acc = [0f64; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for ((s, &u), &v) in acc.iter_mut().zip(x).zip(y) {
            *s += f(Elem::to_f64(u), Elem::to_f64(v));
        }
    }
    let tail: f64 = ra.iter().zip(rb).map(|(&u, &v)| f(Elem::to_f64(u), Elem::to_f64(v))).sum();
    acc.iter().sum::<f64>() + tail
}

fn exp_kernel() -> simd::Unary {
    simd::Unary::new(UnaryOp::Exp).expect("exp has a vector kernel at every level")
}

/// softmax (or log_softmax) of each row: the max, `exp(x - max)` into the output, its sum in
/// f64, then one scaling pass over the row while it is in cache (torch's lastdim kernel).
fn softmax_fwd<T: RowFloat>(x: &[T], n: usize, log: bool) -> Result<Vec<T>> {
    if x.is_empty() {
        return Ok(Vec::new());
    }
    let exp = exp_kernel();
    fill_with_grain(x.len(), grain_rows(n) * n, |start, out| {
        // SAFETY: every row of `out` is written by `exp.run` before it is read.
        let out = unsafe { write_only(out) };
        let mut shifted = vec![<T as Elem>::zero(); n];
        for (xr, or) in x[start..start + out.len()].chunks_exact(n).zip(out.chunks_exact_mut(n)) {
            let m = T::row_max(xr);
            for (s, &v) in shifted.iter_mut().zip(xr) {
                *s = v - m;
            }
            exp.run(&shifted, or);
            let sum = T::row_sum(or);
            if log {
                let ls = <T as Elem>::from_f64(sum.ln());
                for (o, &s) in or.iter_mut().zip(&shifted) {
                    *o = s - ls;
                }
            } else {
                let inv = <T as Elem>::from_f64(1.0 / sum);
                for o in or.iter_mut() {
                    *o = *o * inv;
                }
            }
        }
    })
}

/// The gradient of softmax (`y * (g - sum(g * y))`) or log_softmax (`g - exp(y) * sum(g)`)
/// from the output `y`, one row at a time.
fn softmax_bwd<T: RowFloat>(g: &[T], y: &[T], n: usize, log: bool) -> Result<Vec<T>> {
    if g.is_empty() {
        return Ok(Vec::new());
    }
    let exp = exp_kernel();
    fill_with_grain(g.len(), grain_rows(n) * n, |start, out| {
        // SAFETY: every element is written below and none is read before.
        let out = unsafe { write_only(out) };
        let e = start + out.len();
        let mut ey = if log { vec![<T as Elem>::zero(); n] } else { Vec::new() };
        let rows = g[start..e].chunks_exact(n).zip(y[start..e].chunks_exact(n));
        for ((gr, yr), or) in rows.zip(out.chunks_exact_mut(n)) {
            if log {
                let s = <T as Elem>::from_f64(T::row_sum(gr));
                exp.run(yr, &mut ey);
                for ((o, &gv), &ev) in or.iter_mut().zip(gr).zip(&ey) {
                    *o = gv - ev * s;
                }
            } else {
                let d = <T as Elem>::from_f64(sum2(gr, yr, |a, b| a * b));
                for ((o, &gv), &yv) in or.iter_mut().zip(gr).zip(yr) {
                    *o = yv * (gv - d);
                }
            }
        }
    })
}

/// layer_norm of each row: mean and biased variance in f64 (two passes over the row in cache,
/// so a large mean does not cancel the variance away), then `(x - mean) * rstd * w + b`.
/// Returns the output and each row's mean and rstd (saved for the backward).
fn layer_norm_fwd<T: RowFloat>(
    x: &[T],
    n: usize,
    w: Option<&[T]>,
    b: Option<&[T]>,
    eps: f64,
) -> Result<[Vec<T>; 3]> {
    let rows = x.len().checked_div(n).unwrap_or(0);
    let mut mean = super::try_with_capacity(rows)?;
    let mut rstd = super::try_with_capacity(rows)?;
    mean.resize(rows, <T as Elem>::zero());
    rstd.resize(rows, <T as Elem>::zero());
    if x.is_empty() {
        return Ok([Vec::new(), mean, rstd]);
    }
    let (pm, pr) = (SendPtr(mean.as_mut_ptr()), SendPtr(rstd.as_mut_ptr()));
    let out = fill_with_grain(x.len(), grain_rows(n) * n, |start, out| {
        // SAFETY: every element is written below and none is read before.
        let out = unsafe { write_only(out) };
        let (r0, r1) = (start / n, (start + out.len()) / n);
        // SAFETY: chunks hold disjoint whole rows, so their row ranges are disjoint.
        let (ms, rs) = unsafe { (pm.slice(r0, r1), pr.slice(r0, r1)) };
        let rows = x[start..start + out.len()].chunks_exact(n).zip(out.chunks_exact_mut(n));
        for ((xr, or), (m_out, r_out)) in rows.zip(ms.iter_mut().zip(rs.iter_mut())) {
            let mu = T::row_sum(xr) / n as f64;
            let var = sum2(xr, xr, |a, _| (a - mu) * (a - mu)) / n as f64;
            let r = 1.0 / (var + eps).sqrt();
            let (mt, rt) = (<T as Elem>::from_f64(mu), <T as Elem>::from_f64(r));
            for (o, &v) in or.iter_mut().zip(xr) {
                *o = (v - mt) * rt;
            }
            if let Some(w) = w {
                for (o, &wv) in or.iter_mut().zip(w) {
                    *o = *o * wv;
                }
            }
            if let Some(b) = b {
                for (o, &bv) in or.iter_mut().zip(b) {
                    *o = *o + bv;
                }
            }
            (*m_out, *r_out) = (mt, rt);
        }
    })?;
    Ok([out, mean, rstd])
}

/// layer_norm's input gradient, per row with `xh = (x - mean) * rstd` and `gw = g * w`:
/// `rstd * (gw - mean(gw) - xh * mean(gw * xh))` (the centred form: no `b * x + c` that
/// cancels when the mean is large). With `want_gxh`, also `g * xh` for the weight's gradient
/// (a column sum the caller takes).
fn layer_norm_bwd<T: RowFloat>(
    g: &[T],
    x: &[T],
    mean: &[T],
    rstd: &[T],
    w: Option<&[T]>,
    n: usize,
    want_gxh: bool,
) -> Result<(Vec<T>, Option<Vec<T>>)> {
    if g.is_empty() {
        return Ok((Vec::new(), want_gxh.then(Vec::new)));
    }
    let mut gxh = None;
    if want_gxh {
        let mut v = super::try_with_capacity(g.len())?;
        v.resize(g.len(), <T as Elem>::zero());
        gxh = Some(v);
    }
    let pg = gxh.as_mut().map(|v| SendPtr(v.as_mut_ptr()));
    let dx = fill_with_grain(g.len(), grain_rows(n) * n, |start, out| {
        // SAFETY: every element is written below and none is read before.
        let out = unsafe { write_only(out) };
        let e = start + out.len();
        // SAFETY: chunks cover disjoint element ranges.
        let mut gxh_chunk = pg.as_ref().map(|p| unsafe { p.slice(start, e) });
        let (mut xh, mut gw) = (vec![<T as Elem>::zero(); n], vec![<T as Elem>::zero(); n]);
        let rows = g[start..e].chunks_exact(n).zip(x[start..e].chunks_exact(n));
        for (i, ((gr, xr), or)) in rows.zip(out.chunks_exact_mut(n)).enumerate() {
            let row = start / n + i;
            let (mt, rt) = (mean[row], rstd[row]);
            for (h, &v) in xh.iter_mut().zip(xr) {
                *h = (v - mt) * rt;
            }
            match w {
                Some(w) => gw.iter_mut().zip(gr).zip(w).for_each(|((o, &a), &b)| *o = a * b),
                None => gw.copy_from_slice(gr),
            }
            let c1 = <T as Elem>::from_f64(T::row_sum(&gw) / n as f64);
            let c2 = <T as Elem>::from_f64(sum2(&gw, &xh, |a, b| a * b) / n as f64);
            for ((o, &a), &h) in or.iter_mut().zip(&gw).zip(&xh) {
                *o = rt * (a - c1 - h * c2);
            }
            if let Some(p) = gxh_chunk.as_mut() {
                let dst = &mut p[i * n..(i + 1) * n];
                for ((d, &a), &h) in dst.iter_mut().zip(gr).zip(&xh) {
                    *d = a * h;
                }
            }
        }
    })?;
    Ok((dx, gxh))
}

/// Checks that `layout` is whole rows of `n` and returns how many.
fn rows_of(op: &str, l: &Layout, n: usize) -> Result<usize> {
    let numel = l.numel();
    if (n == 0 && numel != 0) || (n != 0 && !numel.is_multiple_of(n)) {
        bail!(Backend, "{op}: {numel} elements are not rows of {n}")
    }
    Ok(numel.checked_div(n).unwrap_or(0))
}

/// Runs the generic `$f::<T>($args)` for the element type of `$s` (float32 or float64).
macro_rules! by_float {
    ($op:expr, $s:expr, $f:ident($($arg:expr),*)) => {
        match $s.dtype() {
            DType::F32 => $f::<f32>($($arg),*),
            DType::F64 => $f::<f64>($($arg),*),
            d => bail!(DType, "{}: not implemented for '{d}'", $op),
        }
    };
}

fn softmax_typed<T: RowFloat>(s: &CpuStorage, l: &Layout, n: usize, log: bool) -> Result<CpuStorage> {
    Ok(T::wrap(softmax_fwd(&dense(T::buf(s)?, l)?, n, log)?))
}

fn softmax_bwd_typed<T: RowFloat>(
    g: (&CpuStorage, &Layout),
    y: (&CpuStorage, &Layout),
    n: usize,
    log: bool,
) -> Result<CpuStorage> {
    let (gs, ys) = (dense(T::buf(g.0)?, g.1)?, dense(T::buf(y.0)?, y.1)?);
    Ok(T::wrap(softmax_bwd(&gs, &ys, n, log)?))
}

type Operand<'a> = Option<(&'a CpuStorage, &'a Layout)>;

fn param<'a, T: RowFloat>(p: Operand<'a>) -> Result<Option<Cow<'a, [T]>>> {
    p.map(|(s, l)| dense(T::buf(s)?, l)).transpose()
}

fn layer_norm_typed<T: RowFloat>(
    x: (&CpuStorage, &Layout),
    n: usize,
    w: Operand,
    b: Operand,
    eps: f64,
) -> Result<[CpuStorage; 3]> {
    let (w, b) = (param::<T>(w)?, param::<T>(b)?);
    let [o, m, r] = layer_norm_fwd(&dense(T::buf(x.0)?, x.1)?, n, w.as_deref(), b.as_deref(), eps)?;
    Ok([T::wrap(o), T::wrap(m), T::wrap(r)])
}

fn layer_norm_bwd_typed<T: RowFloat>(
    g: (&CpuStorage, &Layout),
    x: (&CpuStorage, &Layout),
    stats: [&CpuStorage; 2],
    w: Operand,
    n: usize,
    want_gxh: bool,
) -> Result<(CpuStorage, Option<CpuStorage>)> {
    let (gs, xs, w) = (dense(T::buf(g.0)?, g.1)?, dense(T::buf(x.0)?, x.1)?, param::<T>(w)?);
    let (m, r) = (T::buf(stats[0])?.as_slice(), T::buf(stats[1])?.as_slice());
    let (dx, gxh) = layer_norm_bwd(&gs, &xs, m, r, w.as_deref(), n, want_gxh)?;
    Ok((T::wrap(dx), gxh.map(T::wrap)))
}

impl crate::backend::RowKernels for CpuStorage {
    fn softmax_rows(&self, l: &Layout, n: usize, log: bool) -> Result<Self> {
        rows_of("softmax", l, n)?;
        by_float!("softmax", self, softmax_typed(self, l, n, log))
    }

    fn softmax_backward_rows(&self, lg: &Layout, y: &Self, ly: &Layout, n: usize, log: bool) -> Result<Self> {
        rows_of("softmax_backward", lg, n)?;
        if lg.shape != ly.shape {
            bail!(Backend, "softmax_backward: gradient and output shapes differ")
        }
        by_float!("softmax_backward", self, softmax_bwd_typed((self, lg), (y, ly), n, log))
    }

    fn layer_norm_rows(
        &self,
        l: &Layout,
        n: usize,
        weight: Operand,
        bias: Operand,
        eps: f64,
    ) -> Result<[Self; 3]> {
        rows_of("layer_norm", l, n)?;
        for (_, pl) in weight.iter().chain(bias.iter()) {
            if pl.numel() != n {
                bail!(Backend, "layer_norm: a parameter of {} elements for rows of {n}", pl.numel())
            }
        }
        by_float!("layer_norm", self, layer_norm_typed((self, l), n, weight, bias, eps))
    }

    fn layer_norm_backward_rows(
        &self,
        lg: &Layout,
        x: (&Self, &Layout),
        stats: [&Self; 2],
        weight: Operand,
        n: usize,
        want_gxh: bool,
    ) -> Result<(Self, Option<Self>)> {
        let rows = rows_of("layer_norm_backward", lg, n)?;
        let bad_param = weight.is_some_and(|(_, wl)| wl.numel() != n);
        if lg.shape != x.1.shape || stats.iter().any(|s| s.len() != rows) || bad_param {
            bail!(Backend, "layer_norm_backward: operand shapes differ")
        }
        by_float!(
            "layer_norm_backward",
            self,
            layer_norm_bwd_typed((self, lg), x, stats, weight, n, want_gxh)
        )
    }
}
