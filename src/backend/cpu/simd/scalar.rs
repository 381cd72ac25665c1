//! The scalar reference level: the same formulas as `kernels.rs` over contiguous slices, with
//! std's libm for exp/log/tanh. Every vector level is tested against these functions.

use crate::backend::{BinaryOp, UnaryOp};
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

/// Clamp's bounds converted the way `kernels.rs` converts them (`T::from_f64`, an `as` cast);
/// a missing bound becomes an infinity, which no comparison lets through.
pub(super) fn clamp_bounds_f64(op: UnaryOp) -> (f64, f64) {
    match op {
        UnaryOp::Clamp { min, max } => (min.unwrap_or(f64::NEG_INFINITY), max.unwrap_or(f64::INFINITY)),
        _ => (f64::NEG_INFINITY, f64::INFINITY),
    }
}

pub(super) fn clamp_bounds_f32(op: UnaryOp) -> (f32, f32) {
    let (lo, hi) = clamp_bounds_f64(op);
    (lo as f32, hi as f32)
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

fn unary<T: Float>(op: UnaryOp, (lo, hi): (T, T), x: &[T], out: &mut [T]) -> bool {
    match op {
        UnaryOp::Neg => map(x, out, |v| -v),
        UnaryOp::Exp => map(x, out, T::exp),
        UnaryOp::Log => map(x, out, T::ln),
        UnaryOp::Sqrt => map(x, out, T::sqrt),
        UnaryOp::Tanh => map(x, out, T::tanh),
        UnaryOp::Sigmoid => map(x, out, sigmoid),
        UnaryOp::Relu => map(x, out, relu),
        UnaryOp::Abs => map(x, out, T::abs),
        UnaryOp::Sign => map(x, out, sign),
        UnaryOp::Clamp { .. } => map(x, out, |v| clamp(v, lo, hi)),
        // the ops without a SIMD path (UnaryOp::has_simd_path)
        _ => return false,
    }
    true
}

/// Expands to one loop per binary op; Pow returns `false`.
macro_rules! per_binary_op {
    ($op:expr, $t:ty, $run:ident ( $($arg:expr),* )) => {
        match $op {
            BinaryOp::Add => $run($($arg),*, |x: $t, y: $t| x + y),
            BinaryOp::Sub => $run($($arg),*, |x: $t, y: $t| x - y),
            BinaryOp::Mul => $run($($arg),*, |x: $t, y: $t| x * y),
            BinaryOp::Div => $run($($arg),*, |x: $t, y: $t| x / y),
            BinaryOp::Maximum => $run($($arg),*, maximum::<$t>),
            BinaryOp::Minimum => $run($($arg),*, minimum::<$t>),
            BinaryOp::Pow
            | BinaryOp::Remainder
            | BinaryOp::Fmod
            | BinaryOp::FloorDiv
            | BinaryOp::TruncDiv
            | BinaryOp::Math(_) => return false,
        }
    };
}

fn binary<T: Float>(op: BinaryOp, a: &[T], b: &[T], out: &mut [T]) -> bool {
    per_binary_op!(op, T, map2(a, b, out));
    true
}

fn binary_scalar<T: Float>(op: BinaryOp, a: &[T], s: T, scalar_lhs: bool, out: &mut [T]) -> bool {
    per_binary_op!(op, T, bcast(a, s, scalar_lhs, out));
    true
}

/// The non-NaN extreme (0 when there is none) and whether a NaN was seen; `pick_extreme` in
/// mod.rs turns that into the element the scalar reducer returns.
fn extreme<T: Float>(x: &[T], want_max: bool) -> (T, bool) {
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

pub(super) fn unary_f32(op: UnaryOp, x: &[f32], out: &mut [f32]) -> bool {
    unary(op, clamp_bounds_f32(op), x, out)
}

pub(super) fn unary_f64(op: UnaryOp, x: &[f64], out: &mut [f64]) -> bool {
    unary(op, clamp_bounds_f64(op), x, out)
}

pub(super) fn binary_f32(op: BinaryOp, a: &[f32], b: &[f32], out: &mut [f32]) -> bool {
    binary(op, a, b, out)
}

pub(super) fn binary_f64(op: BinaryOp, a: &[f64], b: &[f64], out: &mut [f64]) -> bool {
    binary(op, a, b, out)
}

pub(super) fn binary_scalar_f32(op: BinaryOp, a: &[f32], s: f32, scalar_lhs: bool, out: &mut [f32]) -> bool {
    binary_scalar(op, a, s, scalar_lhs, out)
}

pub(super) fn binary_scalar_f64(op: BinaryOp, a: &[f64], s: f64, scalar_lhs: bool, out: &mut [f64]) -> bool {
    binary_scalar(op, a, s, scalar_lhs, out)
}

/// One pairwise leaf: a plain f64 loop (error at most (len - 1) * 2^-53 * sum|x_i|).
pub(super) fn sum_block_f32(x: &[f32]) -> f64 {
    x.iter().map(|&v| f64::from(v)).sum()
}

pub(super) fn sum_block_f64(x: &[f64]) -> f64 {
    x.iter().sum()
}

pub(super) fn extreme_f32(x: &[f32], want_max: bool) -> (f32, bool) {
    extreme(x, want_max)
}

pub(super) fn extreme_f64(x: &[f64], want_max: bool) -> (f64, bool) {
    extreme(x, want_max)
}
