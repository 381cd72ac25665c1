//! The scalar reference level: the same formulas as `kernels.rs` over contiguous slices, with
//! std's libm for exp/log/tanh, over the same op enums (ops.rs) as the vector levels. Every
//! vector level is tested against these functions, and CPUs without a vector level run them.

use super::ops::{VecBinary, VecUnary};
use super::vector::Real;
use num_traits::Float;

// The element functions, written as `kernels.rs::float_unary`/`float_binary` write them.

/// Two branches keep exp's argument non-positive, so neither overflows.
#[inline]
fn sigmoid<T: Float>(x: T) -> T {
    if x >= T::zero() {
        T::one() / (T::one() + (-x).exp())
    } else {
        let e = x.exp();
        e / (T::one() + e)
    }
}

/// NaN passes through relu, as in torch.
#[inline]
fn relu<T: Float>(x: T) -> T {
    if x > T::zero() || x.is_nan() {
        x
    } else {
        T::zero()
    }
}

#[inline]
fn sign<T: Float>(x: T) -> T {
    if x > T::zero() {
        T::one()
    } else if x < T::zero() {
        -T::one()
    } else {
        x
    }
}

/// torch: NaN stays NaN; min is applied before max, so min > max gives max.
#[inline]
fn clamp<T: Float>(x: T, lo: T, hi: T) -> T {
    let mut y = x;
    if y < lo {
        y = lo;
    }
    if y > hi {
        y = hi;
    }
    y
}

/// torch.maximum/minimum propagate NaN from either side.
#[inline]
fn maximum<T: Float>(x: T, y: T) -> T {
    if x.is_nan() || y.is_nan() {
        T::nan()
    } else if x > y {
        x
    } else {
        y
    }
}

#[inline]
fn minimum<T: Float>(x: T, y: T) -> T {
    if x.is_nan() || y.is_nan() {
        T::nan()
    } else if x < y {
        x
    } else {
        y
    }
}

// One loop per op (the `match` sits outside), so each loop body is the op alone and LLVM can
// auto-vectorise the simple ones at the baseline instruction set.

#[inline]
fn map<T: Copy>(x: &[T], out: &mut [T], f: impl Fn(T) -> T) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = f(v);
    }
}

#[inline]
fn map2<T: Copy>(a: &[T], b: &[T], out: &mut [T], f: impl Fn(T, T) -> T) {
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        *o = f(x, y);
    }
}

/// `f(a[i], s)`, or `f(s, a[i])` when `scalar_lhs`.
#[inline]
fn bcast<T: Copy>(a: &[T], s: T, scalar_lhs: bool, out: &mut [T], f: impl Fn(T, T) -> T) {
    if scalar_lhs {
        map(a, out, |y| f(s, y))
    } else {
        map(a, out, |x| f(x, s))
    }
}

/// Expands `$body` once per op with `$f` that op's scalar function, so each loop is one op.
macro_rules! per_binary_op {
    ($op:expr, $t:ty, |$f:ident| $body:expr) => {
        match $op {
            VecBinary::Add => {
                let $f = |x: $t, y: $t| x + y;
                $body
            }
            VecBinary::Sub => {
                let $f = |x: $t, y: $t| x - y;
                $body
            }
            VecBinary::Mul => {
                let $f = |x: $t, y: $t| x * y;
                $body
            }
            VecBinary::Div => {
                let $f = |x: $t, y: $t| x / y;
                $body
            }
            VecBinary::Maximum => {
                let $f = maximum::<$t>;
                $body
            }
            VecBinary::Minimum => {
                let $f = minimum::<$t>;
                $body
            }
        }
    };
}

pub(super) fn unary<T: Real>(op: VecUnary<f64>, x: &[T], out: &mut [T]) {
    match op.cast::<T>() {
        VecUnary::Neg => map(x, out, |v| -v),
        VecUnary::Exp => map(x, out, T::exp),
        VecUnary::Log => map(x, out, T::ln),
        VecUnary::Sqrt => map(x, out, T::sqrt),
        VecUnary::Tanh => map(x, out, T::tanh),
        VecUnary::Sigmoid => map(x, out, sigmoid),
        VecUnary::Relu => map(x, out, relu),
        VecUnary::Abs => map(x, out, T::abs),
        VecUnary::Sign => map(x, out, sign),
        VecUnary::Clamp(lo, hi) => map(x, out, |v| clamp(v, lo, hi)),
    }
}

pub(super) fn binary<T: Real>(op: VecBinary, a: &[T], b: &[T], out: &mut [T]) {
    per_binary_op!(op, T, |f| map2(a, b, out, f))
}

pub(super) fn binary_scalar<T: Real>(op: VecBinary, a: &[T], s: T, scalar_lhs: bool, out: &mut [T]) {
    per_binary_op!(op, T, |f| bcast(a, s, scalar_lhs, out, f))
}

/// The non-NaN extreme (0 when there is none) and whether a NaN was seen; `pick_extreme` in
/// mod.rs turns that into the element the scalar reducer returns.
pub(super) fn extreme<T: Float>(x: &[T], want_max: bool) -> (T, bool) {
    let mut best: Option<T> = None;
    let mut saw_nan = false;
    for &v in x {
        if v.is_nan() {
            saw_nan = true;
            continue;
        }
        let better = |b: T| if want_max { v > b } else { v < b };
        best = match best {
            Some(b) if !better(b) => Some(b),
            _ => Some(v),
        };
    }
    (best.unwrap_or_else(T::zero), saw_nan)
}

/// One pairwise leaf: a plain f64 loop (error at most (len - 1) * 2^-53 * sum|x_i|).
pub(super) fn sum_block<T: Real>(x: &[T]) -> f64 {
    x.iter().map(|&v| v.to_f64()).sum()
}
