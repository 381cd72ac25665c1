//! The vector abstraction every SIMD algorithm is written against once: [`Isa`] (an instruction
//! set, as a zero-sized proof that the CPU runs it), [`Vector`] (one register of f32 or f64
//! lanes) and [`Real`] (what differs between f32 and f64: constants and the polynomials).
//!
//! Why our own traits and not the `pulp` crate (0.22, already in the tree through gemm): pulp's
//! `Simd` names every operation per float type (`add_f32s`, `add_f64s`), so code generic over
//! the float type would need a layer like this one on top anyway; it has no round-to-nearest,
//! exponent-field or exponent-building operations, which exp and log need bit-exact with the old
//! kernels; and its AVX-512 level sits behind a cargo feature (`x86-v4`) that gemm's build does
//! not promise. These traits are only what the algorithms use, so each instruction set's
//! implementation stays about 150 lines, one intrinsic per method.
//!
//! Soundness: a vector value can only be made through [`Vector::splat`] or [`Vector::load`],
//! which take the [`Isa`] token, and a token only exists once `mod.rs` has detected the
//! features (or inside a `#[target_feature]` entry point that `mod.rs` only calls after
//! detection). So the trait methods are safe, and the `unsafe` intrinsic calls in the
//! implementations rely on that one invariant.

/// An instruction set: a zero-sized token proving the CPU runs it, and its two vector types.
pub trait Isa: Copy {
    type F32: Vector<Elem = f32, Isa = Self>;
    type F64: Vector<Elem = f64, Isa = Self>;
    /// `F64::LANES` f32s from the front of `x`, each widened exactly to f64.
    fn widen(self, x: &[f32]) -> Self::F64;
    /// The sum of the lanes, in the order the instruction set adds them fastest (a fixed
    /// tree, so the result is deterministic per level).
    fn reduce_add(v: Self::F64) -> f64;
}

/// The float types the vector kernels run on, and what their algorithms do differently
/// (implemented in math.rs next to the constants).
pub trait Real: num_traits::Float + Default + Send + Sync + 'static {
    /// This type's vector on instruction set `I`.
    type Vec<I: Isa>: Vector<Elem = Self, Isa = I>;

    /// The first `I::F64::LANES` elements of `x` as an f64 vector (f32 widened exactly), for
    /// the pairwise-sum leaves.
    fn load_f64<I: Isa>(isa: I, x: &[Self]) -> I::F64;
    fn to_f64(self) -> f64;
    /// `x as Self` for the small exact constants the algorithms use (0.5, 2, ...).
    fn c(x: f64) -> Self;

    // exp (see math.rs for the method)
    const EXP_HI: Self;
    const EXP_LO: Self;
    const LOG2E: Self;
    const LN2_HI: Self;
    const LN2_LO: Self;
    const EXP_P: &'static [Self];
    // log
    const SQRT2: Self;
    const MIN_POSITIVE: Self;
    const SUBNORMAL_SCALE: Self;
    const SUBNORMAL_EXP: Self;
    /// The mantissa field's bits, as a float, for masking.
    const MANT_MASK: Self;
    // tanh
    const TANH_SMALL: Self;

    /// log(m * 2^e) = e * ln2 + log1p(f) for `f = m - 1`, m in [sqrt(1/2), sqrt(2)).
    fn log_reduced<V: Vector<Elem = Self>>(f: V, e: V) -> V;
    /// `r` such that tanh(a) = a + r * a for |a| < TANH_SMALL, `z = a^2`.
    fn tanh_small<V: Vector<Elem = Self>>(z: V) -> V;
}

/// One register of `LANES` floats. Comparisons give a [`Vector::Mask`] for [`Vector::select`];
/// `min`/`max` have x86's semantics (see there), which other instruction sets must reproduce.
pub trait Vector: Copy {
    type Elem: Real;
    type Isa: Isa;
    type Mask: Copy;
    const LANES: usize;

    fn splat(isa: Self::Isa, v: Self::Elem) -> Self;
    /// The first `LANES` elements of `s` (panics when shorter).
    fn load(isa: Self::Isa, s: &[Self::Elem]) -> Self;
    /// Into the first `LANES` elements of `s` (panics when shorter).
    fn store(self, s: &mut [Self::Elem]);
    /// The token this vector was made under, to build constants of the same kind.
    fn isa(self) -> Self::Isa;

    fn add(self, b: Self) -> Self;
    fn sub(self, b: Self) -> Self;
    fn mul(self, b: Self) -> Self;
    fn div(self, b: Self) -> Self;
    fn sqrt(self) -> Self;
    /// `self * b + c`, rounded once.
    fn mul_add(self, b: Self, c: Self) -> Self;
    /// `c - self * b`, rounded once.
    fn neg_mul_add(self, b: Self, c: Self) -> Self;
    /// `self < b ? self : b` lane-wise: `b` when either is NaN, `b` for equal values (x86).
    fn min(self, b: Self) -> Self;
    /// `self > b ? self : b` lane-wise: `b` when either is NaN, `b` for equal values (x86).
    fn max(self, b: Self) -> Self;
    /// Round to the nearest integer, ties to even.
    fn round(self) -> Self;

    // bitwise, on the floats' bit patterns
    fn and(self, b: Self) -> Self;
    fn or(self, b: Self) -> Self;
    fn xor(self, b: Self) -> Self;
    /// `!self & b`.
    fn and_not(self, b: Self) -> Self;

    // comparisons: the ordered ones are false when either side is NaN
    fn lt(self, b: Self) -> Self::Mask;
    fn gt(self, b: Self) -> Self::Mask;
    fn ge(self, b: Self) -> Self::Mask;
    fn eq(self, b: Self) -> Self::Mask;
    /// `!(self <= b)`: true for NaN.
    fn not_le(self, b: Self) -> Self::Mask;
    /// `!(self >= b)`: true for NaN.
    fn not_ge(self, b: Self) -> Self::Mask;
    /// Either side NaN.
    fn unord(self, b: Self) -> Self::Mask;
    /// `t` where `m` is set, else `f`.
    fn select(m: Self::Mask, t: Self, f: Self) -> Self;
    fn mask_or(a: Self::Mask, b: Self::Mask) -> Self::Mask;
    fn mask_any(m: Self::Mask) -> bool;

    // the exponent field
    /// 2^n as two normal factors 2^(n >> 1) and 2^(n - (n >> 1)), for integer-valued `n` within
    /// twice the normal exponent range (see math.rs: exp's clamp keeps n there).
    fn pow2_split(n: Self) -> (Self, Self);
    /// The unbiased exponent field of a positive normal `self`, as a float.
    fn exponent(self) -> Self;
}

/// Implements [`Vector`] for `struct $v($reg)` from a table of intrinsics, so an instruction
/// set's code is that table (and its exponent-field helpers), nothing else:
/// `vec { add(b) => _mm256_add_ps; ... }` makes `fn add(self, b: Self) -> Self` calling the
/// intrinsic on the registers, `mask { lt(b) => ...; }` the same returning the mask, and the
/// named lines fill in `select`, `mask_or`, `mask_any` and `pow2_split`.
///
/// SAFETY (every `unsafe` it expands to): a vector exists only under its instruction set's
/// token (see the module doc), and `load`/`store` check the slice length first.
macro_rules! impl_vector {
    (
        $v:ident($reg:ty): $t:ty, lanes $lanes:literal, isa $isa:ident, mask $mask:ty;
        splat $set1:expr; load $loadu:expr; store $storeu:expr;
        vec { $($name:ident($($arg:ident),*) => $f:expr;)* }
        mask { $($mname:ident($marg:ident) => $mf:expr;)* }
        select($sm:ident, $st:ident, $sf:ident) => $select:expr;
        mask_or($oa:ident, $ob:ident) => $mask_or:expr;
        mask_any($am:ident) => $mask_any:expr;
        pow2_split => $pow2_split:expr;
    ) => {
        impl Vector for $v {
            type Elem = $t;
            type Isa = $isa;
            type Mask = $mask;
            const LANES: usize = $lanes;

            #[inline(always)]
            fn splat(_: $isa, v: $t) -> Self {
                $v(unsafe { $set1(v) })
            }
            #[inline(always)]
            fn load(_: $isa, s: &[$t]) -> Self {
                assert!(s.len() >= $lanes);
                $v(unsafe { $loadu(s.as_ptr()) })
            }
            #[inline(always)]
            fn store(self, s: &mut [$t]) {
                assert!(s.len() >= $lanes);
                unsafe { $storeu(s.as_mut_ptr(), self.0) }
            }
            #[inline(always)]
            fn isa(self) -> $isa {
                $isa(())
            }
            $(
                #[inline(always)]
                fn $name(self, $($arg: Self),*) -> Self {
                    $v(unsafe { $f(self.0, $($arg.0),*) })
                }
            )*
            $(
                #[inline(always)]
                fn $mname(self, $marg: Self) -> $mask {
                    unsafe { $mf(self.0, $marg.0) }
                }
            )*
            #[inline(always)]
            fn select($sm: $mask, $st: Self, $sf: Self) -> Self {
                let ($st, $sf) = ($st.0, $sf.0);
                $v(unsafe { $select })
            }
            // AVX-512's masks are plain integers: no intrinsic, so no unsafe needed there.
            #[inline(always)]
            #[allow(unused_unsafe)]
            fn mask_or($oa: $mask, $ob: $mask) -> $mask {
                unsafe { $mask_or }
            }
            #[inline(always)]
            #[allow(unused_unsafe)]
            fn mask_any($am: $mask) -> bool {
                unsafe { $mask_any }
            }
            #[inline(always)]
            fn pow2_split(n: Self) -> (Self, Self) {
                let (s1, s2) = unsafe { $pow2_split(n.0) };
                ($v(s1), $v(s2))
            }
        }
    };
}
pub(super) use impl_vector;
