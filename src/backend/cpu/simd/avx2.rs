//! The AVX2 + FMA level: [`Vector`] for 8 f32 or 4 f64 lanes, one intrinsic (or a short fixed
//! sequence) per method; the algorithms are algo.rs's and loops.rs's. mod.rs checks both
//! features once before it calls the entry points at the bottom.

use super::vector::{impl_vector, Isa, Vector};
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

// The two vector types as tables of intrinsics (see `impl_vector!`).

impl_vector! {
    F32x8(__m256): f32, lanes 8, isa Avx2, mask __m256;
    splat _mm256_set1_ps; load _mm256_loadu_ps; store _mm256_storeu_ps;
    vec {
        add(b) => _mm256_add_ps; sub(b) => _mm256_sub_ps; mul(b) => _mm256_mul_ps; div(b) => _mm256_div_ps;
        sqrt() => _mm256_sqrt_ps; mul_add(b, c) => _mm256_fmadd_ps; neg_mul_add(b, c) => _mm256_fnmadd_ps;
        min(b) => _mm256_min_ps; max(b) => _mm256_max_ps; round() => _mm256_round_ps::<ROUND_NEAREST>;
        and(b) => _mm256_and_ps; or(b) => _mm256_or_ps; xor(b) => _mm256_xor_ps; and_not(b) => _mm256_andnot_ps;
        exponent() => exponent_ps;
    }
    mask {
        lt(b) => _mm256_cmp_ps::<_CMP_LT_OQ>; gt(b) => _mm256_cmp_ps::<_CMP_GT_OQ>;
        ge(b) => _mm256_cmp_ps::<_CMP_GE_OQ>; eq(b) => _mm256_cmp_ps::<_CMP_EQ_OQ>;
        not_le(b) => _mm256_cmp_ps::<_CMP_NLE_UQ>; not_ge(b) => _mm256_cmp_ps::<_CMP_NGE_UQ>;
        unord(b) => _mm256_cmp_ps::<_CMP_UNORD_Q>;
    }
    select(m, t, f) => _mm256_blendv_ps(f, t, m);
    mask_or(a, b) => _mm256_or_ps(a, b);
    mask_any(m) => _mm256_movemask_ps(m) != 0;
    pow2_split => pow2_split_ps;
}

impl_vector! {
    F64x4(__m256d): f64, lanes 4, isa Avx2, mask __m256d;
    splat _mm256_set1_pd; load _mm256_loadu_pd; store _mm256_storeu_pd;
    vec {
        add(b) => _mm256_add_pd; sub(b) => _mm256_sub_pd; mul(b) => _mm256_mul_pd; div(b) => _mm256_div_pd;
        sqrt() => _mm256_sqrt_pd; mul_add(b, c) => _mm256_fmadd_pd; neg_mul_add(b, c) => _mm256_fnmadd_pd;
        min(b) => _mm256_min_pd; max(b) => _mm256_max_pd; round() => _mm256_round_pd::<ROUND_NEAREST>;
        and(b) => _mm256_and_pd; or(b) => _mm256_or_pd; xor(b) => _mm256_xor_pd; and_not(b) => _mm256_andnot_pd;
        exponent() => exponent_pd;
    }
    mask {
        lt(b) => _mm256_cmp_pd::<_CMP_LT_OQ>; gt(b) => _mm256_cmp_pd::<_CMP_GT_OQ>;
        ge(b) => _mm256_cmp_pd::<_CMP_GE_OQ>; eq(b) => _mm256_cmp_pd::<_CMP_EQ_OQ>;
        not_le(b) => _mm256_cmp_pd::<_CMP_NLE_UQ>; not_ge(b) => _mm256_cmp_pd::<_CMP_NGE_UQ>;
        unord(b) => _mm256_cmp_pd::<_CMP_UNORD_Q>;
    }
    select(m, t, f) => _mm256_blendv_pd(f, t, m);
    mask_or(a, b) => _mm256_or_pd(a, b);
    mask_any(m) => _mm256_movemask_pd(m) != 0;
    pow2_split => pow2_split_pd;
}

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
