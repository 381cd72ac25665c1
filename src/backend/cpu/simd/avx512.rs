//! The AVX-512F level: [`Vector`] for 16 f32 or 8 f64 lanes; the algorithms are algo.rs's and
//! loops.rs's, so this level gives avx2.rs's bits. Only AVX-512F instructions are used: the
//! float and/or/xor forms are AVX-512DQ, so bit operations go through the integer view.

use super::vector::{impl_vector, Isa, Vector};
use std::arch::x86_64::*;

/// Proof that the CPU runs AVX-512F (and AVX2 + FMA, which mod.rs requires with it): only
/// [`Avx512::new`] makes one, a `#[target_feature]` function.
#[derive(Clone, Copy)]
pub(super) struct Avx512(());

impl Avx512 {
    #[target_feature(enable = "avx512f,avx2,fma")]
    fn new() -> Avx512 {
        Avx512(())
    }
}

#[derive(Clone, Copy)]
pub(super) struct F32x16(__m512);
#[derive(Clone, Copy)]
pub(super) struct F64x8(__m512d);

impl Isa for Avx512 {
    type F32 = F32x16;
    type F64 = F64x8;

    #[inline(always)]
    fn widen(self, x: &[f32]) -> F64x8 {
        assert!(x.len() >= 8);
        // SAFETY: 8 readable f32 (checked); the token proves AVX-512F (see vector.rs).
        F64x8(unsafe { _mm512_cvtps_pd(_mm256_loadu_ps(x.as_ptr())) })
    }

    #[inline(always)]
    fn reduce_add(v: F64x8) -> f64 {
        // SAFETY: a vector exists only under the token (see vector.rs).
        unsafe { _mm512_reduce_add_pd(v.0) }
    }
}

const ROUND_NEAREST: i32 = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;

/// Float bit operations through the integer view (AVX-512F has no float and/or/xor).
macro_rules! int_view {
    ($($name:ident: $t:ty, $to:ident, $from:ident, $op:ident;)*) => {$(
        #[inline(always)]
        unsafe fn $name(a: $t, b: $t) -> $t {
            $from($op($to(a), $to(b)))
        }
    )*};
}
int_view! {
    and_ps: __m512, _mm512_castps_si512, _mm512_castsi512_ps, _mm512_and_si512;
    or_ps: __m512, _mm512_castps_si512, _mm512_castsi512_ps, _mm512_or_si512;
    xor_ps: __m512, _mm512_castps_si512, _mm512_castsi512_ps, _mm512_xor_si512;
    andnot_ps: __m512, _mm512_castps_si512, _mm512_castsi512_ps, _mm512_andnot_si512;
    and_pd: __m512d, _mm512_castpd_si512, _mm512_castsi512_pd, _mm512_and_si512;
    or_pd: __m512d, _mm512_castpd_si512, _mm512_castsi512_pd, _mm512_or_si512;
    xor_pd: __m512d, _mm512_castpd_si512, _mm512_castsi512_pd, _mm512_xor_si512;
    andnot_pd: __m512d, _mm512_castpd_si512, _mm512_castsi512_pd, _mm512_andnot_si512;
}

// The two vector types as tables of intrinsics (see `impl_vector!`).

impl_vector! {
    F32x16(__m512): f32, lanes 16, isa Avx512, mask __mmask16;
    splat _mm512_set1_ps; load _mm512_loadu_ps; store _mm512_storeu_ps;
    vec {
        add(b) => _mm512_add_ps; sub(b) => _mm512_sub_ps; mul(b) => _mm512_mul_ps; div(b) => _mm512_div_ps;
        sqrt() => _mm512_sqrt_ps; mul_add(b, c) => _mm512_fmadd_ps; neg_mul_add(b, c) => _mm512_fnmadd_ps;
        min(b) => _mm512_min_ps; max(b) => _mm512_max_ps; round() => _mm512_roundscale_ps::<ROUND_NEAREST>;
        and(b) => and_ps; or(b) => or_ps; xor(b) => xor_ps; and_not(b) => andnot_ps;
        exponent() => exponent_ps;
    }
    mask {
        lt(b) => _mm512_cmp_ps_mask::<_CMP_LT_OQ>; gt(b) => _mm512_cmp_ps_mask::<_CMP_GT_OQ>;
        ge(b) => _mm512_cmp_ps_mask::<_CMP_GE_OQ>; eq(b) => _mm512_cmp_ps_mask::<_CMP_EQ_OQ>;
        not_le(b) => _mm512_cmp_ps_mask::<_CMP_NLE_UQ>; not_ge(b) => _mm512_cmp_ps_mask::<_CMP_NGE_UQ>;
        unord(b) => _mm512_cmp_ps_mask::<_CMP_UNORD_Q>;
    }
    select(m, t, f) => _mm512_mask_blend_ps(m, f, t);
    mask_or(a, b) => a | b;
    mask_any(m) => m != 0;
    pow2_split => pow2_split_ps;
}

impl_vector! {
    F64x8(__m512d): f64, lanes 8, isa Avx512, mask __mmask8;
    splat _mm512_set1_pd; load _mm512_loadu_pd; store _mm512_storeu_pd;
    vec {
        add(b) => _mm512_add_pd; sub(b) => _mm512_sub_pd; mul(b) => _mm512_mul_pd; div(b) => _mm512_div_pd;
        sqrt() => _mm512_sqrt_pd; mul_add(b, c) => _mm512_fmadd_pd; neg_mul_add(b, c) => _mm512_fnmadd_pd;
        min(b) => _mm512_min_pd; max(b) => _mm512_max_pd; round() => _mm512_roundscale_pd::<ROUND_NEAREST>;
        and(b) => and_pd; or(b) => or_pd; xor(b) => xor_pd; and_not(b) => andnot_pd;
        exponent() => exponent_pd;
    }
    mask {
        lt(b) => _mm512_cmp_pd_mask::<_CMP_LT_OQ>; gt(b) => _mm512_cmp_pd_mask::<_CMP_GT_OQ>;
        ge(b) => _mm512_cmp_pd_mask::<_CMP_GE_OQ>; eq(b) => _mm512_cmp_pd_mask::<_CMP_EQ_OQ>;
        not_le(b) => _mm512_cmp_pd_mask::<_CMP_NLE_UQ>; not_ge(b) => _mm512_cmp_pd_mask::<_CMP_NGE_UQ>;
        unord(b) => _mm512_cmp_pd_mask::<_CMP_UNORD_Q>;
    }
    select(m, t, f) => _mm512_mask_blend_pd(m, f, t);
    mask_or(a, b) => a | b;
    mask_any(m) => m != 0;
    pow2_split => pow2_split_pd;
}

// The exponent-field operations (the same steps as avx2.rs's, at this width).

#[inline(always)]
unsafe fn pow2_split_ps(n: __m512) -> (__m512, __m512) {
    let ni = _mm512_cvtps_epi32(n);
    let n1 = _mm512_srai_epi32::<1>(ni);
    let n2 = _mm512_sub_epi32(ni, n1);
    let bias = _mm512_set1_epi32(127);
    let s1 = _mm512_slli_epi32::<23>(_mm512_add_epi32(n1, bias));
    let s2 = _mm512_slli_epi32::<23>(_mm512_add_epi32(n2, bias));
    (_mm512_castsi512_ps(s1), _mm512_castsi512_ps(s2))
}

#[inline(always)]
unsafe fn exponent_ps(x: __m512) -> __m512 {
    let e = _mm512_srli_epi32::<23>(_mm512_castps_si512(x));
    _mm512_cvtepi32_ps(_mm512_sub_epi32(e, _mm512_set1_epi32(127)))
}

#[inline(always)]
unsafe fn pow2_split_pd(n: __m512d) -> (__m512d, __m512d) {
    // The 64-bit arithmetic shift is AVX-512F too, but halving in 32 bits mirrors avx2.rs.
    let ni = _mm512_cvtpd_epi32(n);
    let n1 = _mm256_srai_epi32::<1>(ni);
    let n2 = _mm256_sub_epi32(ni, n1);
    let bias = _mm512_set1_epi64(1023);
    let s1 = _mm512_slli_epi64::<52>(_mm512_add_epi64(_mm512_cvtepi32_epi64(n1), bias));
    let s2 = _mm512_slli_epi64::<52>(_mm512_add_epi64(_mm512_cvtepi32_epi64(n2), bias));
    (_mm512_castsi512_pd(s1), _mm512_castsi512_pd(s2))
}

#[inline(always)]
unsafe fn exponent_pd(x: __m512d) -> __m512d {
    let magic = _mm512_set1_epi64(0x4330_0000_0000_0000);
    let eb = _mm512_or_si512(_mm512_srli_epi64::<52>(_mm512_castpd_si512(x)), magic);
    _mm512_sub_pd(_mm512_castsi512_pd(eb), _mm512_set1_pd(4_503_599_627_370_496.0 + 1023.0))
}

super::loops::entry_points!("avx512f,avx2,fma", Avx512);
