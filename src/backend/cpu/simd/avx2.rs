//! The AVX2 + FMA level: [`Vector`] for 8 f32 or 4 f64 lanes, one intrinsic (or a short fixed
//! sequence) per method; the algorithms are algo.rs's and loops.rs's. mod.rs checks both
//! features once before it calls the entry points at the bottom.

use super::vector::{Isa, Vector};
use std::arch::x86_64::*;

/// Proof that the CPU runs AVX2 and FMA: only [`Avx2::new`] makes one, and it is a
/// `#[target_feature]` function, so calling it needs those features on (or `unsafe`).
#[derive(Clone, Copy)]
pub(super) struct Avx2(());

impl Avx2 {
    #[target_feature(enable = "avx2,fma")]
    fn new() -> Avx2 {
        Avx2(())
    }
}

#[derive(Clone, Copy)]
pub(super) struct F32x8(__m256);
#[derive(Clone, Copy)]
pub(super) struct F64x4(__m256d);

impl Isa for Avx2 {
    type F32 = F32x8;
    type F64 = F64x4;

    #[inline(always)]
    fn widen(self, x: &[f32]) -> F64x4 {
        assert!(x.len() >= 4);
        // SAFETY: 4 readable f32 (checked); the token proves AVX2 (see vector.rs).
        F64x4(unsafe { _mm256_cvtps_pd(_mm_loadu_ps(x.as_ptr())) })
    }

    #[inline(always)]
    fn reduce_add(v: F64x4) -> f64 {
        // SAFETY: a vector exists only under the token (see vector.rs).
        unsafe {
            let s = _mm_add_pd(_mm256_castpd256_pd128(v.0), _mm256_extractf128_pd::<1>(v.0));
            _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)))
        }
    }
}

const ROUND_NEAREST: i32 = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;

/// The methods both vector types share, given the intrinsics of each.
/// SAFETY (every `unsafe` below): a vector or token exists only once the CPU is known to run
/// AVX2 and FMA (see vector.rs); loads and stores check the slice length first.
macro_rules! avx2_vector {
    ($v:ident, $t:ty, $lanes:literal, $reg:ty,
     $set1:ident, $loadu:ident, $storeu:ident, $add:ident, $sub:ident, $mul:ident, $div:ident,
     $sqrt:ident, $fmadd:ident, $fnmadd:ident, $min:ident, $max:ident, $round:ident,
     $and:ident, $or:ident, $xor:ident, $andnot:ident, $cmp:ident, $blendv:ident, $movemask:ident,
     $pow2_split:ident, $exponent:ident) => {
        impl Vector for $v {
            type Elem = $t;
            type Isa = Avx2;
            type Mask = $reg;
            const LANES: usize = $lanes;

            #[inline(always)]
            fn splat(_: Avx2, v: $t) -> Self {
                $v(unsafe { $set1(v) })
            }
            #[inline(always)]
            fn load(_: Avx2, s: &[$t]) -> Self {
                assert!(s.len() >= $lanes);
                $v(unsafe { $loadu(s.as_ptr()) })
            }
            #[inline(always)]
            fn store(self, s: &mut [$t]) {
                assert!(s.len() >= $lanes);
                unsafe { $storeu(s.as_mut_ptr(), self.0) }
            }
            #[inline(always)]
            fn isa(self) -> Avx2 {
                Avx2(())
            }
            #[inline(always)]
            fn add(self, b: Self) -> Self {
                $v(unsafe { $add(self.0, b.0) })
            }
            #[inline(always)]
            fn sub(self, b: Self) -> Self {
                $v(unsafe { $sub(self.0, b.0) })
            }
            #[inline(always)]
            fn mul(self, b: Self) -> Self {
                $v(unsafe { $mul(self.0, b.0) })
            }
            #[inline(always)]
            fn div(self, b: Self) -> Self {
                $v(unsafe { $div(self.0, b.0) })
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                $v(unsafe { $sqrt(self.0) })
            }
            #[inline(always)]
            fn mul_add(self, b: Self, c: Self) -> Self {
                $v(unsafe { $fmadd(self.0, b.0, c.0) })
            }
            #[inline(always)]
            fn neg_mul_add(self, b: Self, c: Self) -> Self {
                $v(unsafe { $fnmadd(self.0, b.0, c.0) })
            }
            #[inline(always)]
            fn min(self, b: Self) -> Self {
                $v(unsafe { $min(self.0, b.0) })
            }
            #[inline(always)]
            fn max(self, b: Self) -> Self {
                $v(unsafe { $max(self.0, b.0) })
            }
            #[inline(always)]
            fn round(self) -> Self {
                $v(unsafe { $round::<ROUND_NEAREST>(self.0) })
            }
            #[inline(always)]
            fn and(self, b: Self) -> Self {
                $v(unsafe { $and(self.0, b.0) })
            }
            #[inline(always)]
            fn or(self, b: Self) -> Self {
                $v(unsafe { $or(self.0, b.0) })
            }
            #[inline(always)]
            fn xor(self, b: Self) -> Self {
                $v(unsafe { $xor(self.0, b.0) })
            }
            #[inline(always)]
            fn and_not(self, b: Self) -> Self {
                $v(unsafe { $andnot(self.0, b.0) })
            }
            #[inline(always)]
            fn lt(self, b: Self) -> $reg {
                unsafe { $cmp::<_CMP_LT_OQ>(self.0, b.0) }
            }
            #[inline(always)]
            fn gt(self, b: Self) -> $reg {
                unsafe { $cmp::<_CMP_GT_OQ>(self.0, b.0) }
            }
            #[inline(always)]
            fn ge(self, b: Self) -> $reg {
                unsafe { $cmp::<_CMP_GE_OQ>(self.0, b.0) }
            }
            #[inline(always)]
            fn eq(self, b: Self) -> $reg {
                unsafe { $cmp::<_CMP_EQ_OQ>(self.0, b.0) }
            }
            #[inline(always)]
            fn not_le(self, b: Self) -> $reg {
                unsafe { $cmp::<_CMP_NLE_UQ>(self.0, b.0) }
            }
            #[inline(always)]
            fn not_ge(self, b: Self) -> $reg {
                unsafe { $cmp::<_CMP_NGE_UQ>(self.0, b.0) }
            }
            #[inline(always)]
            fn unord(self, b: Self) -> $reg {
                unsafe { $cmp::<_CMP_UNORD_Q>(self.0, b.0) }
            }
            #[inline(always)]
            fn select(m: $reg, t: Self, f: Self) -> Self {
                $v(unsafe { $blendv(f.0, t.0, m) })
            }
            #[inline(always)]
            fn mask_or(a: $reg, b: $reg) -> $reg {
                unsafe { $or(a, b) }
            }
            #[inline(always)]
            fn mask_any(m: $reg) -> bool {
                unsafe { $movemask(m) != 0 }
            }
            #[inline(always)]
            fn pow2_split(n: Self) -> (Self, Self) {
                let (s1, s2) = unsafe { $pow2_split(n.0) };
                ($v(s1), $v(s2))
            }
            #[inline(always)]
            fn exponent(self) -> Self {
                $v(unsafe { $exponent(self.0) })
            }
        }
    };
}

avx2_vector!(
    F32x8,
    f32,
    8,
    __m256,
    _mm256_set1_ps,
    _mm256_loadu_ps,
    _mm256_storeu_ps,
    _mm256_add_ps,
    _mm256_sub_ps,
    _mm256_mul_ps,
    _mm256_div_ps,
    _mm256_sqrt_ps,
    _mm256_fmadd_ps,
    _mm256_fnmadd_ps,
    _mm256_min_ps,
    _mm256_max_ps,
    _mm256_round_ps,
    _mm256_and_ps,
    _mm256_or_ps,
    _mm256_xor_ps,
    _mm256_andnot_ps,
    _mm256_cmp_ps,
    _mm256_blendv_ps,
    _mm256_movemask_ps,
    pow2_split_ps,
    exponent_ps
);
avx2_vector!(
    F64x4,
    f64,
    4,
    __m256d,
    _mm256_set1_pd,
    _mm256_loadu_pd,
    _mm256_storeu_pd,
    _mm256_add_pd,
    _mm256_sub_pd,
    _mm256_mul_pd,
    _mm256_div_pd,
    _mm256_sqrt_pd,
    _mm256_fmadd_pd,
    _mm256_fnmadd_pd,
    _mm256_min_pd,
    _mm256_max_pd,
    _mm256_round_pd,
    _mm256_and_pd,
    _mm256_or_pd,
    _mm256_xor_pd,
    _mm256_andnot_pd,
    _mm256_cmp_pd,
    _mm256_blendv_pd,
    _mm256_movemask_pd,
    pow2_split_pd,
    exponent_pd
);

// The exponent-field operations, the only ones that differ by more than the suffix.

/// 2^(n >> 1) and 2^(n - (n >> 1)) from exponent bits (n integer-valued, in [-252, 254]).
#[inline(always)]
unsafe fn pow2_split_ps(n: __m256) -> (__m256, __m256) {
    let ni = _mm256_cvtps_epi32(n);
    let n1 = _mm256_srai_epi32::<1>(ni);
    let n2 = _mm256_sub_epi32(ni, n1);
    let bias = _mm256_set1_epi32(127);
    let s1 = _mm256_slli_epi32::<23>(_mm256_add_epi32(n1, bias));
    let s2 = _mm256_slli_epi32::<23>(_mm256_add_epi32(n2, bias));
    (_mm256_castsi256_ps(s1), _mm256_castsi256_ps(s2))
}

#[inline(always)]
unsafe fn exponent_ps(x: __m256) -> __m256 {
    let e = _mm256_srli_epi32::<23>(_mm256_castps_si256(x));
    _mm256_cvtepi32_ps(_mm256_sub_epi32(e, _mm256_set1_epi32(127)))
}

/// The f64 form (n in [-2044, 2046]). AVX2 has no 64-bit arithmetic shift, so halve in 32 bits
/// and widen afterwards.
#[inline(always)]
unsafe fn pow2_split_pd(n: __m256d) -> (__m256d, __m256d) {
    let ni = _mm256_cvtpd_epi32(n);
    let n1 = _mm_srai_epi32::<1>(ni);
    let n2 = _mm_sub_epi32(ni, n1);
    let bias = _mm256_set1_epi64x(1023);
    let s1 = _mm256_slli_epi64::<52>(_mm256_add_epi64(_mm256_cvtepi32_epi64(n1), bias));
    let s2 = _mm256_slli_epi64::<52>(_mm256_add_epi64(_mm256_cvtepi32_epi64(n2), bias));
    (_mm256_castsi256_pd(s1), _mm256_castsi256_pd(s2))
}

/// The biased exponent (0..2047) as a double: OR it into the mantissa of 2^52, subtract 2^52.
#[inline(always)]
unsafe fn exponent_pd(x: __m256d) -> __m256d {
    let magic = _mm256_set1_epi64x(0x4330_0000_0000_0000);
    let eb = _mm256_or_si256(_mm256_srli_epi64::<52>(_mm256_castpd_si256(x)), magic);
    _mm256_sub_pd(_mm256_castsi256_pd(eb), _mm256_set1_pd(4_503_599_627_370_496.0 + 1023.0))
}

super::loops::entry_points!("avx2,fma", Avx2);
