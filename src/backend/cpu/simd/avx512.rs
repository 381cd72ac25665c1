//! The AVX-512F level: [`Vector`] for 16 f32 or 8 f64 lanes; the algorithms are algo.rs's and
//! loops.rs's, so this level gives avx2.rs's bits. Only AVX-512F instructions are used: the
//! float and/or/xor forms are AVX-512DQ, so bit operations go through the integer view.

use super::vector::{Isa, Vector};
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

/// The methods both vector types share, given the intrinsics of each.
/// SAFETY (every `unsafe` below): a vector or token exists only once the CPU is known to run
/// AVX-512F (see vector.rs); loads and stores check the slice length first.
macro_rules! avx512_vector {
    ($v:ident, $t:ty, $lanes:literal, $reg:ty, $mask:ty, $set1:ident, $loadu:ident, $storeu:ident,
     $add:ident, $sub:ident, $mul:ident, $div:ident, $sqrt:ident, $fmadd:ident, $fnmadd:ident,
     $min:ident, $max:ident, $round:ident, $to_int:ident, $from_int:ident, $cmp:ident, $blend:ident,
     $pow2_split:ident, $exponent:ident) => {
        impl Vector for $v {
            type Elem = $t;
            type Isa = Avx512;
            type Mask = $mask;
            const LANES: usize = $lanes;

            #[inline(always)]
            fn splat(_: Avx512, v: $t) -> Self {
                $v(unsafe { $set1(v) })
            }
            #[inline(always)]
            fn load(_: Avx512, s: &[$t]) -> Self {
                assert!(s.len() >= $lanes);
                $v(unsafe { $loadu(s.as_ptr()) })
            }
            #[inline(always)]
            fn store(self, s: &mut [$t]) {
                assert!(s.len() >= $lanes);
                unsafe { $storeu(s.as_mut_ptr(), self.0) }
            }
            #[inline(always)]
            fn isa(self) -> Avx512 {
                Avx512(())
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
                // through the integer view: AVX-512F has no float and/or/xor
                $v(unsafe { $from_int(_mm512_and_si512($to_int(self.0), $to_int(b.0))) })
            }
            #[inline(always)]
            fn or(self, b: Self) -> Self {
                // through the integer view: AVX-512F has no float and/or/xor
                $v(unsafe { $from_int(_mm512_or_si512($to_int(self.0), $to_int(b.0))) })
            }
            #[inline(always)]
            fn xor(self, b: Self) -> Self {
                // through the integer view: AVX-512F has no float and/or/xor
                $v(unsafe { $from_int(_mm512_xor_si512($to_int(self.0), $to_int(b.0))) })
            }
            #[inline(always)]
            fn and_not(self, b: Self) -> Self {
                // through the integer view: AVX-512F has no float and/or/xor
                $v(unsafe { $from_int(_mm512_andnot_si512($to_int(self.0), $to_int(b.0))) })
            }
            #[inline(always)]
            fn lt(self, b: Self) -> $mask {
                unsafe { $cmp::<_CMP_LT_OQ>(self.0, b.0) }
            }
            #[inline(always)]
            fn gt(self, b: Self) -> $mask {
                unsafe { $cmp::<_CMP_GT_OQ>(self.0, b.0) }
            }
            #[inline(always)]
            fn ge(self, b: Self) -> $mask {
                unsafe { $cmp::<_CMP_GE_OQ>(self.0, b.0) }
            }
            #[inline(always)]
            fn eq(self, b: Self) -> $mask {
                unsafe { $cmp::<_CMP_EQ_OQ>(self.0, b.0) }
            }
            #[inline(always)]
            fn not_le(self, b: Self) -> $mask {
                unsafe { $cmp::<_CMP_NLE_UQ>(self.0, b.0) }
            }
            #[inline(always)]
            fn not_ge(self, b: Self) -> $mask {
                unsafe { $cmp::<_CMP_NGE_UQ>(self.0, b.0) }
            }
            #[inline(always)]
            fn unord(self, b: Self) -> $mask {
                unsafe { $cmp::<_CMP_UNORD_Q>(self.0, b.0) }
            }
            #[inline(always)]
            fn select(m: $mask, t: Self, f: Self) -> Self {
                $v(unsafe { $blend(m, f.0, t.0) })
            }
            #[inline(always)]
            fn mask_or(a: $mask, b: $mask) -> $mask {
                a | b
            }
            #[inline(always)]
            fn mask_any(m: $mask) -> bool {
                m != 0
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

avx512_vector!(
    F32x16,
    f32,
    16,
    __m512,
    __mmask16,
    _mm512_set1_ps,
    _mm512_loadu_ps,
    _mm512_storeu_ps,
    _mm512_add_ps,
    _mm512_sub_ps,
    _mm512_mul_ps,
    _mm512_div_ps,
    _mm512_sqrt_ps,
    _mm512_fmadd_ps,
    _mm512_fnmadd_ps,
    _mm512_min_ps,
    _mm512_max_ps,
    _mm512_roundscale_ps,
    _mm512_castps_si512,
    _mm512_castsi512_ps,
    _mm512_cmp_ps_mask,
    _mm512_mask_blend_ps,
    pow2_split_ps,
    exponent_ps
);
avx512_vector!(
    F64x8,
    f64,
    8,
    __m512d,
    __mmask8,
    _mm512_set1_pd,
    _mm512_loadu_pd,
    _mm512_storeu_pd,
    _mm512_add_pd,
    _mm512_sub_pd,
    _mm512_mul_pd,
    _mm512_div_pd,
    _mm512_sqrt_pd,
    _mm512_fmadd_pd,
    _mm512_fnmadd_pd,
    _mm512_min_pd,
    _mm512_max_pd,
    _mm512_roundscale_pd,
    _mm512_castpd_si512,
    _mm512_castsi512_pd,
    _mm512_cmp_pd_mask,
    _mm512_mask_blend_pd,
    pow2_split_pd,
    exponent_pd
);

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
