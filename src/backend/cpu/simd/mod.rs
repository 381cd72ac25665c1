//! Runtime-dispatched SIMD kernels over contiguous f32/f64 slices (scalar, AVX2+FMA, AVX-512F).
//!
//! The instruction set is picked once per process: the best one the CPU reports, lowered (never
//! raised) by `FERROGRAD_SIMD=scalar|avx2|avx512`. A wheel cannot assume the build machine's CPU,
//! so every x86 path is compiled with `#[target_feature]` and only called after detection.
//!
//! # Written once
//! Every algorithm (exp, log, tanh, sigmoid, relu, sign, clamp, the binary ops, the loops with
//! their tails and scalar operands, the sum and max/min scans) is written once, generic over
//! the instruction set and the float type: `vector.rs` defines the traits, `algo.rs` the element
//! functions, `loops.rs` the slice loops, `math.rs` the constants and the f32/f64 polynomials.
//! An instruction set contributes only its `Vector` implementations (one intrinsic per method)
//! and one `entry_points!` line that instantiates the loops inside its `#[target_feature]`
//! functions: `avx2.rs` and `avx512.rs`. `ops.rs` says which ops have kernels ([`Unary::new`],
//! [`Binary::new`]); nothing else keeps a list.
//!
//! # Adding ARM NEON
//! 1. `neon.rs`, `#[cfg(target_arch = "aarch64")]`: a token `Neon` whose `new` is
//!    `#[target_feature(enable = "neon")]`, `Vector` for `float32x4_t` and `float64x2_t`
//!    (`vaddq_f32`, `vfmaq_f32`, `vrndnq_f32`, `vcltq_f32` giving a `uint32x4_t` mask,
//!    `vbslq_f32` for `select`, ...) and `entry_points!("neon", Neon)`. Mind two x86 semantics
//!    the trait promises: `min`/`max` return the second operand for NaN and equal values
//!    (`vminq_f32` propagates NaN instead, so write `select(lt(a, b), a, b)`), and
//!    `neg_mul_add` is `c - a * b` (`vfmsq_f32(c, a, b)`). `pow2_split` and `exponent` shift the
//!    exponent field as avx2.rs does (`vshlq_n_s32`, `vcvtq_f32_s32`).
//! 2. `Level::Neon`, detected with `std::arch::is_aarch64_feature_detected!("neon")`, and an
//!    arm in `dispatch!`.
//! 3. Build and check from x86: `rustup target add aarch64-unknown-linux-gnu`, then
//!    `cargo check --lib --target aarch64-unknown-linux-gnu` and clippy the same way; to run
//!    the tests, install `gcc-aarch64-linux-gnu` and `qemu-user`, set
//!    `CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc` and
//!    `CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"`,
//!    and `cargo test --lib --target aarch64-unknown-linux-gnu simd`: tests.rs compares every
//!    level against the scalar one (bitwise, or within math.rs's ulp bounds).
//!
//! # Contract
//! A kernel exists only for an op it handles ([`Unary::new`] / [`Binary::new`] return `None`
//! for the rest, before the caller allocates), and it writes every element of `out` or panics
//! (unequal lengths): no path leaves `out` partly written.
//!
//! What each level promises against the scalar kernels of `kernels.rs`:
//! - add, sub, mul, div, maximum, minimum, neg, abs, relu, sqrt, sign, clamp: bitwise equal
//!   (maximum/minimum give the canonical NaN when either side is NaN, as `T::nan()` does).
//! - exp, log, tanh, sigmoid: within a few ulp of std's libm; the measured bounds are in `math.rs`.
//! - sum: pairwise over blocks, see [`sum_f32`]; max/min: the exact element the scalar reducer picks.

use crate::backend::{BinaryOp, UnaryOp};
use ops::{VecBinary, VecUnary};
use std::sync::OnceLock;

// The generic layers; instantiated by the instruction sets below (none on other targets).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
mod algo;
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
mod loops;
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
mod math;
mod ops;
mod scalar;
mod vector;
// The vector levels need Rust 1.89 (AVX-512 intrinsics, safe intrinsics inside
// `#[target_feature]` functions).
#[cfg(target_arch = "x86_64")]
#[clippy::msrv = "1.89"]
mod avx2;
#[cfg(target_arch = "x86_64")]
#[clippy::msrv = "1.89"]
mod avx512;
#[cfg(test)]
mod tests;

/// An instruction-set level; later variants are wider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Scalar,
    /// AVX2 with FMA (Haswell, Zen and later).
    Avx2,
    /// AVX-512F (Skylake-X, Ice Lake, Zen 4 and later).
    Avx512,
}

impl Level {
    /// The widest level this CPU runs.
    pub fn best_supported() -> Level {
        *BEST.get_or_init(detect)
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::Scalar => "scalar",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
        }
    }

    /// Parses the names `FERROGRAD_SIMD` accepts.
    pub fn from_name(s: &str) -> Option<Level> {
        match s.trim().to_ascii_lowercase().as_str() {
            "scalar" | "none" | "off" => Some(Level::Scalar),
            "avx2" => Some(Level::Avx2),
            "avx512" | "avx512f" => Some(Level::Avx512),
            _ => None,
        }
    }
}

static BEST: OnceLock<Level> = OnceLock::new();
static ACTIVE: OnceLock<Level> = OnceLock::new();

#[cfg(target_arch = "x86_64")]
fn detect() -> Level {
    let avx2 = is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma");
    if avx2 && is_x86_feature_detected!("avx512f") {
        Level::Avx512
    } else if avx2 {
        Level::Avx2
    } else {
        Level::Scalar
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn detect() -> Level {
    Level::Scalar
}

/// The detected level, lowered by `FERROGRAD_SIMD` when that names a narrower one.
fn active_level() -> Level {
    *ACTIVE.get_or_init(|| resolve(Level::best_supported(), std::env::var("FERROGRAD_SIMD").ok().as_deref()))
}

/// An unknown name, or one naming a level the CPU lacks, is ignored rather than trusted.
fn resolve(best: Level, requested: Option<&str>) -> Level {
    requested.and_then(Level::from_name).map_or(best, |wanted| wanted.min(best))
}

/// A handle on one level's kernels. It can only be built for a level the CPU supports, which
/// is what makes the `unsafe` calls into the `#[target_feature]` code below sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Simd {
    level: Level,
}

/// Elements per pairwise-summation leaf: small enough that the in-block error stays tiny, large
/// enough that the recursion costs nothing.
const SUM_BLOCK: usize = 4096;

/// Sums `x` as a balanced tree of `block` sums, so the rounding error grows with log2 of the
/// number of blocks rather than with n.
fn pairwise<T>(x: &[T], block: &dyn Fn(&[T]) -> f64) -> f64 {
    if x.len() <= SUM_BLOCK {
        return block(x);
    }
    let mid = x.len().div_ceil(SUM_BLOCK) / 2 * SUM_BLOCK;
    let (l, r) = x.split_at(mid);
    pairwise(l, block) + pairwise(r, block)
}

/// What the scalar reducer returns for max/min: the first NaN if there is one, else the first
/// element equal to the extreme (which fixes the sign of a zero result). `found` is the extreme
/// over the non-NaN elements and whether any NaN was seen, as the vector loops report it.
fn pick_extreme<T: num_traits::Float>(x: &[T], found: (T, bool)) -> T {
    let (m, saw_nan) = found;
    if saw_nan {
        return x.iter().copied().find(|v| v.is_nan()).unwrap_or(m);
    }
    if m == T::zero() {
        return x.iter().copied().find(|&v| v == m).unwrap_or(m);
    }
    m
}

/// Calls `$name` of the level `$self` holds, with the scalar module for everything else.
macro_rules! dispatch {
    ($self:expr, $name:ident ( $($arg:expr),* )) => {
        match $self.level {
            #[cfg(target_arch = "x86_64")]
            Level::Avx512 => {
                // SAFETY: a `Simd` holds Avx512 only after `detect` saw avx512f, avx2 and fma.
                unsafe { avx512::$name($($arg),*) }
            }
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => {
                // SAFETY: a `Simd` holds Avx2 only after `detect` saw avx2 and fma.
                unsafe { avx2::$name($($arg),*) }
            }
            _ => scalar::$name($($arg),*),
        }
    };
}

/// The element types the kernels run on: f32 and f64 (sealed: `vector::Real` is private).
pub trait Elem: vector::Real {}
impl Elem for f32 {}
impl Elem for f64 {}

/// A unary op's kernel at one level; only exists for the ops ops.rs maps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unary {
    simd: Simd,
    op: VecUnary<f64>,
}

impl Unary {
    /// The process-wide level's kernel for `op`, or `None` when `op` has none.
    pub fn new(op: UnaryOp) -> Option<Unary> {
        Simd::get().unary(op)
    }

    /// `out[i] = op(x[i])` for every `i`; panics when the lengths differ.
    pub fn run<T: Elem>(self, x: &[T], out: &mut [T]) {
        assert_eq!(x.len(), out.len(), "simd unary: lengths differ");
        dispatch!(self.simd, unary(self.op, x, out))
    }
}

/// A binary op's kernel at one level; only exists for the ops ops.rs maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binary {
    simd: Simd,
    op: VecBinary,
}

impl Binary {
    /// The process-wide level's kernel for `op`, or `None` when `op` has none.
    pub fn new(op: BinaryOp) -> Option<Binary> {
        Simd::get().binary(op)
    }

    /// `out[i] = op(a[i], b[i])`; panics when the lengths differ.
    pub fn run<T: Elem>(self, a: &[T], b: &[T], out: &mut [T]) {
        assert!(a.len() == out.len() && b.len() == out.len(), "simd binary: lengths differ");
        dispatch!(self.simd, binary(self.op, a, b, out))
    }

    /// `out[i] = op(a[i], b)`, e.g. `x * 2.0`; panics when the lengths differ.
    pub fn run_scalar_rhs<T: Elem>(self, a: &[T], b: T, out: &mut [T]) {
        assert_eq!(a.len(), out.len(), "simd binary: lengths differ");
        dispatch!(self.simd, binary_scalar(self.op, a, b, false, out))
    }

    /// `out[i] = op(a, b[i])`, e.g. `1.0 - y`; panics when the lengths differ.
    pub fn run_scalar_lhs<T: Elem>(self, a: T, b: &[T], out: &mut [T]) {
        assert_eq!(b.len(), out.len(), "simd binary: lengths differ");
        dispatch!(self.simd, binary_scalar(self.op, b, a, true, out))
    }
}

impl Simd {
    /// The process-wide choice (detected once, see the module docs).
    pub fn get() -> Simd {
        Simd { level: active_level() }
    }

    /// The kernels of `level`, or `None` when this CPU cannot run them (tests and benchmarks
    /// compare levels through this).
    pub fn with_level(level: Level) -> Option<Simd> {
        (level <= Level::best_supported()).then_some(Simd { level })
    }

    pub fn level(self) -> Level {
        self.level
    }

    /// This level's kernel for `op`, `None` when it has none.
    pub fn unary(self, op: UnaryOp) -> Option<Unary> {
        VecUnary::new(op).map(|op| Unary { simd: self, op })
    }

    /// This level's kernel for `op`, `None` when it has none.
    pub fn binary(self, op: BinaryOp) -> Option<Binary> {
        VecBinary::new(op).map(|op| Binary { simd: self, op })
    }

    // The forms below run an op if it has a kernel and the lengths agree, and say whether they
    // did (nothing written otherwise): for the tests and benchmarks, which compare levels.

    pub fn unary_f32(self, op: UnaryOp, x: &[f32], out: &mut [f32]) -> bool {
        self.try_unary(op, x, out)
    }

    pub fn unary_f64(self, op: UnaryOp, x: &[f64], out: &mut [f64]) -> bool {
        self.try_unary(op, x, out)
    }

    pub fn binary_f32(self, op: BinaryOp, a: &[f32], b: &[f32], out: &mut [f32]) -> bool {
        self.try_binary(op, a, b, out)
    }

    pub fn binary_f64(self, op: BinaryOp, a: &[f64], b: &[f64], out: &mut [f64]) -> bool {
        self.try_binary(op, a, b, out)
    }

    pub fn binary_scalar_rhs_f32(self, op: BinaryOp, a: &[f32], b: f32, out: &mut [f32]) -> bool {
        self.try_scalar(op, a, b, false, out)
    }

    pub fn binary_scalar_lhs_f32(self, op: BinaryOp, a: f32, b: &[f32], out: &mut [f32]) -> bool {
        self.try_scalar(op, b, a, true, out)
    }

    pub fn binary_scalar_rhs_f64(self, op: BinaryOp, a: &[f64], b: f64, out: &mut [f64]) -> bool {
        self.try_scalar(op, a, b, false, out)
    }

    pub fn binary_scalar_lhs_f64(self, op: BinaryOp, a: f64, b: &[f64], out: &mut [f64]) -> bool {
        self.try_scalar(op, b, a, true, out)
    }

    fn try_unary<T: Elem>(self, op: UnaryOp, x: &[T], out: &mut [T]) -> bool {
        let k = self.unary(op).filter(|_| x.len() == out.len());
        k.map(|k| k.run(x, out)).is_some()
    }

    fn try_binary<T: Elem>(self, op: BinaryOp, a: &[T], b: &[T], out: &mut [T]) -> bool {
        let k = self.binary(op).filter(|_| a.len() == out.len() && b.len() == out.len());
        k.map(|k| k.run(a, b, out)).is_some()
    }

    /// `op(x[i], s)`, or `op(s, x[i])` when `scalar_lhs`.
    fn try_scalar<T: Elem>(self, op: BinaryOp, x: &[T], s: T, scalar_lhs: bool, out: &mut [T]) -> bool {
        let Some(k) = self.binary(op).filter(|_| x.len() == out.len()) else {
            return false;
        };
        if scalar_lhs {
            k.run_scalar_lhs(s, x, out)
        } else {
            k.run_scalar_rhs(x, s, out)
        }
        true
    }

    /// See [`sum_f32`].
    pub fn sum_f32(self, x: &[f32]) -> f64 {
        pairwise(x, &|b| dispatch!(self, sum_block(b)))
    }

    /// See [`sum_f64`].
    pub fn sum_f64(self, x: &[f64]) -> f64 {
        pairwise(x, &|b| dispatch!(self, sum_block(b)))
    }

    pub fn max_f32(self, x: &[f32]) -> f32 {
        pick_extreme(x, dispatch!(self, extreme(x, true)))
    }

    pub fn min_f32(self, x: &[f32]) -> f32 {
        pick_extreme(x, dispatch!(self, extreme(x, false)))
    }

    pub fn max_f64(self, x: &[f64]) -> f64 {
        pick_extreme(x, dispatch!(self, extreme(x, true)))
    }

    pub fn min_f64(self, x: &[f64]) -> f64 {
        pick_extreme(x, dispatch!(self, extreme(x, false)))
    }
}

/// Sum of `x` in f64 (0.0 when empty). Each f32 widens exactly to f64; leaves of 4096 elements
/// are summed in L f64 lanes (L = 16 for AVX2, 32 for AVX-512, 1 scalar) and the leaf sums are
/// added pairwise. With u = 2^-53 the error is at most (4096/L + log2(L) + log2(n/4096) + 2)
/// times u * sum|x_i|: below 3.3e-14 * sum|x_i| on the vector levels and 4.6e-13 * sum|x_i|
/// scalar, for n up to 2^40. That is far inside f32 pairwise summation, log2(n) * 2^-24 *
/// sum|x_i|, and the plain f64 loop this replaces, (n - 1) * u * sum|x_i|. Levels agree to that
/// bound, not bitwise.
pub fn sum_f32(x: &[f32]) -> f64 {
    Simd::get().sum_f32(x)
}

/// Sum of `x` with the same blocked pairwise scheme and bound as [`sum_f32`].
pub fn sum_f64(x: &[f64]) -> f64 {
    Simd::get().sum_f64(x)
}

/// The largest element, as the scalar reducer picks it: NaN if any element is NaN (the first
/// one), else the first element equal to the maximum (so max(0.0, -0.0) is 0.0); 0.0 for an
/// empty slice, as the scalar reducer returns (torch rejects that case before the kernel).
pub fn max_f32(x: &[f32]) -> f32 {
    Simd::get().max_f32(x)
}

/// The smallest element, with the NaN, tie and empty rules of [`max_f32`].
pub fn min_f32(x: &[f32]) -> f32 {
    Simd::get().min_f32(x)
}

/// The f64 form of [`max_f32`].
pub fn max_f64(x: &[f64]) -> f64 {
    Simd::get().max_f64(x)
}

/// The f64 form of [`min_f32`].
pub fn min_f64(x: &[f64]) -> f64 {
    Simd::get().min_f64(x)
}
