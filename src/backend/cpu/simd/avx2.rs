//! The AVX2 + FMA level: 8 f32 or 4 f64 lanes. Every function here needs both features, which
//! mod.rs checks once before it hands out this level.

use super::math::{f32c, f64c};
use super::scalar::{clamp_bounds_f32, clamp_bounds_f64};
use crate::backend::{BinaryOp, UnaryOp};
use std::arch::x86_64::*;

const ROUND_NEAREST: i32 = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;

// ---- loads, stores and the loop skeletons ----

#[inline]
#[target_feature(enable = "avx2,fma")]
fn ld_ps(p: &[f32; 8]) -> __m256 {
    // SAFETY: `p` is 8 readable f32; loadu has no alignment requirement.
    unsafe { _mm256_loadu_ps(p.as_ptr()) }
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn st_ps(p: &mut [f32; 8], v: __m256) {
    // SAFETY: `p` is 8 writable f32; storeu has no alignment requirement.
    unsafe { _mm256_storeu_ps(p.as_mut_ptr(), v) }
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn ld_pd(p: &[f64; 4]) -> __m256d {
    // SAFETY: `p` is 4 readable f64; loadu has no alignment requirement.
    unsafe { _mm256_loadu_pd(p.as_ptr()) }
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn st_pd(p: &mut [f64; 4], v: __m256d) {
    // SAFETY: `p` is 4 writable f64; storeu has no alignment requirement.
    unsafe { _mm256_storeu_pd(p.as_mut_ptr(), v) }
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn ld_ps4(p: &[f32; 4]) -> __m128 {
    // SAFETY: `p` is 4 readable f32; loadu has no alignment requirement.
    unsafe { _mm_loadu_ps(p.as_ptr()) }
}

/// Copies a short tail into a full register's worth of lanes (the rest 0), so remainders run the
/// same vector code, and every element gets the same answer wherever it sits in the slice.
fn pad<T: Copy + Default, const N: usize>(tail: &[T]) -> [T; N] {
    let mut buf = [T::default(); N];
    buf[..tail.len()].copy_from_slice(tail);
    buf
}

/// `out[i] = f(x[i])`, 8 lanes at a time. Lengths are equal (checked in mod.rs).
#[inline]
#[target_feature(enable = "avx2,fma")]
fn map_ps(x: &[f32], out: &mut [f32], f: impl Fn(__m256) -> __m256) {
    let (xc, xt) = x.as_chunks::<8>();
    let (oc, ot) = out.as_chunks_mut::<8>();
    for (xi, oi) in xc.iter().zip(oc) {
        st_ps(oi, f(ld_ps(xi)));
    }
    if !xt.is_empty() {
        let mut o = [0f32; 8];
        st_ps(&mut o, f(ld_ps(&pad(xt))));
        ot.copy_from_slice(&o[..ot.len()]);
    }
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn map2_ps(a: &[f32], b: &[f32], out: &mut [f32], f: impl Fn(__m256, __m256) -> __m256) {
    let (ac, at) = a.as_chunks::<8>();
    let (bc, bt) = b.as_chunks::<8>();
    let (oc, ot) = out.as_chunks_mut::<8>();
    for ((ai, bi), oi) in ac.iter().zip(bc).zip(oc) {
        st_ps(oi, f(ld_ps(ai), ld_ps(bi)));
    }
    if !at.is_empty() {
        let mut o = [0f32; 8];
        st_ps(&mut o, f(ld_ps(&pad(at)), ld_ps(&pad(bt))));
        ot.copy_from_slice(&o[..ot.len()]);
    }
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn map_pd(x: &[f64], out: &mut [f64], f: impl Fn(__m256d) -> __m256d) {
    let (xc, xt) = x.as_chunks::<4>();
    let (oc, ot) = out.as_chunks_mut::<4>();
    for (xi, oi) in xc.iter().zip(oc) {
        st_pd(oi, f(ld_pd(xi)));
    }
    if !xt.is_empty() {
        let mut o = [0f64; 4];
        st_pd(&mut o, f(ld_pd(&pad(xt))));
        ot.copy_from_slice(&o[..ot.len()]);
    }
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn map2_pd(a: &[f64], b: &[f64], out: &mut [f64], f: impl Fn(__m256d, __m256d) -> __m256d) {
    let (ac, at) = a.as_chunks::<4>();
    let (bc, bt) = b.as_chunks::<4>();
    let (oc, ot) = out.as_chunks_mut::<4>();
    for ((ai, bi), oi) in ac.iter().zip(bc).zip(oc) {
        st_pd(oi, f(ld_pd(ai), ld_pd(bi)));
    }
    if !at.is_empty() {
        let mut o = [0f64; 4];
        st_pd(&mut o, f(ld_pd(&pad(at)), ld_pd(&pad(bt))));
        ot.copy_from_slice(&o[..ot.len()]);
    }
}

/// `out[i] = f(x[i], s)`, or `f(s, x[i])` when `scalar_lhs`.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn bcast_ps(x: &[f32], s: f32, scalar_lhs: bool, out: &mut [f32], f: impl Fn(__m256, __m256) -> __m256) {
    let sv = _mm256_set1_ps(s);
    if scalar_lhs {
        map_ps(x, out, |v| f(sv, v))
    } else {
        map_ps(x, out, |v| f(v, sv))
    }
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn bcast_pd(x: &[f64], s: f64, scalar_lhs: bool, out: &mut [f64], f: impl Fn(__m256d, __m256d) -> __m256d) {
    let sv = _mm256_set1_pd(s);
    if scalar_lhs {
        map_pd(x, out, |v| f(sv, v))
    } else {
        map_pd(x, out, |v| f(v, sv))
    }
}

// ---- f32 element functions ----

#[inline]
#[target_feature(enable = "avx2,fma")]
fn relu_ps(x: __m256) -> __m256 {
    // "not x <= 0" is true for x > 0 and for NaN, which relu keeps; -0 becomes +0.
    _mm256_and_ps(x, _mm256_cmp_ps::<_CMP_NLE_UQ>(x, _mm256_setzero_ps()))
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn sign_ps(x: __m256) -> __m256 {
    let zero = _mm256_setzero_ps();
    let one = _mm256_set1_ps(1.0);
    let y = _mm256_blendv_ps(x, one, _mm256_cmp_ps::<_CMP_GT_OQ>(x, zero));
    _mm256_blendv_ps(y, _mm256_set1_ps(-1.0), _mm256_cmp_ps::<_CMP_LT_OQ>(x, zero))
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn clamp_ps(x: __m256, lo: __m256, hi: __m256) -> __m256 {
    // Ordered compares are false for NaN, so NaN stays; lo first, then hi, as the scalar kernel.
    let y = _mm256_blendv_ps(x, lo, _mm256_cmp_ps::<_CMP_LT_OQ>(x, lo));
    _mm256_blendv_ps(y, hi, _mm256_cmp_ps::<_CMP_GT_OQ>(y, hi))
}

/// 2^n for integer-valued `n` in [-252, 254], as two normal factors (see math.rs).
#[inline]
#[target_feature(enable = "avx2,fma")]
fn pow2_split_ps(n: __m256) -> (__m256, __m256) {
    let ni = _mm256_cvtps_epi32(n);
    let n1 = _mm256_srai_epi32::<1>(ni);
    let n2 = _mm256_sub_epi32(ni, n1);
    let bias = _mm256_set1_epi32(127);
    let s1 = _mm256_slli_epi32::<23>(_mm256_add_epi32(n1, bias));
    let s2 = _mm256_slli_epi32::<23>(_mm256_add_epi32(n2, bias));
    (_mm256_castsi256_ps(s1), _mm256_castsi256_ps(s2))
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn exp_ps(x: __m256) -> __m256 {
    // min/max return their second operand when one is NaN, so NaN survives the clamp.
    let x = _mm256_min_ps(_mm256_set1_ps(f32c::EXP_HI), x);
    let x = _mm256_max_ps(_mm256_set1_ps(f32c::EXP_LO), x);
    let n = _mm256_round_ps::<ROUND_NEAREST>(_mm256_mul_ps(x, _mm256_set1_ps(f32c::LOG2E)));
    let r = _mm256_fnmadd_ps(n, _mm256_set1_ps(f32c::LN2_HI), x);
    let r = _mm256_fnmadd_ps(n, _mm256_set1_ps(f32c::LN2_LO), r);
    let mut p = _mm256_set1_ps(f32c::EXP_P[0]);
    for &c in &f32c::EXP_P[1..] {
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(c));
    }
    let y = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r);
    let y = _mm256_add_ps(y, _mm256_set1_ps(1.0));
    let (s1, s2) = pow2_split_ps(n);
    _mm256_mul_ps(_mm256_mul_ps(y, s1), s2)
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn log_ps(x0: __m256) -> __m256 {
    let zero = _mm256_setzero_ps();
    let tiny = _mm256_cmp_ps::<_CMP_LT_OQ>(x0, _mm256_set1_ps(f32c::MIN_POSITIVE));
    let x = _mm256_blendv_ps(x0, _mm256_mul_ps(x0, _mm256_set1_ps(f32c::SUBNORMAL_SCALE)), tiny);
    let bits = _mm256_castps_si256(x);
    let e = _mm256_sub_epi32(_mm256_srli_epi32::<23>(bits), _mm256_set1_epi32(127));
    let e = _mm256_sub_ps(_mm256_cvtepi32_ps(e), _mm256_and_ps(tiny, _mm256_set1_ps(f32c::SUBNORMAL_EXP)));
    let m = _mm256_or_si256(
        _mm256_and_si256(bits, _mm256_set1_epi32(0x007f_ffff)),
        _mm256_set1_epi32(0x3f80_0000),
    );
    let m = _mm256_castsi256_ps(m);
    // m in [1, 2) -> [sqrt(1/2), sqrt(2)), so log1p's argument stays small on both sides of 1.
    let big = _mm256_cmp_ps::<_CMP_GE_OQ>(m, _mm256_set1_ps(f32c::SQRT2));
    let m = _mm256_blendv_ps(m, _mm256_mul_ps(m, _mm256_set1_ps(0.5)), big);
    let e = _mm256_add_ps(e, _mm256_and_ps(big, _mm256_set1_ps(1.0)));
    let f = _mm256_sub_ps(m, _mm256_set1_ps(1.0));
    let z = _mm256_mul_ps(f, f);
    let mut p = _mm256_set1_ps(f32c::LOG_P[0]);
    for &c in &f32c::LOG_P[1..] {
        p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(c));
    }
    let y = _mm256_mul_ps(_mm256_mul_ps(p, f), z);
    let y = _mm256_fmadd_ps(e, _mm256_set1_ps(f32c::LN2_LO), y);
    let y = _mm256_fnmadd_ps(z, _mm256_set1_ps(0.5), y);
    let r = _mm256_add_ps(f, y);
    let r = _mm256_fmadd_ps(e, _mm256_set1_ps(f32c::LN2_HI), r);
    // Special inputs last: 0 -> -inf, x < 0 or NaN -> NaN, +inf -> +inf.
    let r = _mm256_blendv_ps(r, _mm256_set1_ps(f32::NEG_INFINITY), _mm256_cmp_ps::<_CMP_EQ_OQ>(x0, zero));
    let r = _mm256_blendv_ps(r, _mm256_set1_ps(f32::NAN), _mm256_cmp_ps::<_CMP_NGE_UQ>(x0, zero));
    _mm256_blendv_ps(r, x0, _mm256_cmp_ps::<_CMP_EQ_OQ>(x0, _mm256_set1_ps(f32::INFINITY)))
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn tanh_ps(x: __m256) -> __m256 {
    let sign = _mm256_set1_ps(-0.0);
    let a = _mm256_andnot_ps(sign, x);
    let one = _mm256_set1_ps(1.0);
    // Large |x|: 1 - 2/(e^2a + 1); e^2a = inf gives exactly 1.
    let e = exp_ps(_mm256_add_ps(a, a));
    let large = _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0), _mm256_add_ps(e, one)));
    let z = _mm256_mul_ps(a, a);
    let mut p = _mm256_set1_ps(f32c::TANH_P[0]);
    for &c in &f32c::TANH_P[1..] {
        p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(c));
    }
    let small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), a, a);
    let is_small = _mm256_cmp_ps::<_CMP_LT_OQ>(a, _mm256_set1_ps(f32c::TANH_SMALL));
    let t = _mm256_blendv_ps(large, small, is_small);
    _mm256_or_ps(t, _mm256_and_ps(x, sign))
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn sigmoid_ps(x: __m256) -> __m256 {
    let one = _mm256_set1_ps(1.0);
    let e = exp_ps(_mm256_or_ps(x, _mm256_set1_ps(-0.0)));
    // x >= 0: 1/(1+e); otherwise (and for NaN, whose e is NaN) e/(1+e).
    let num = _mm256_blendv_ps(e, one, _mm256_cmp_ps::<_CMP_GE_OQ>(x, _mm256_setzero_ps()));
    _mm256_div_ps(num, _mm256_add_ps(one, e))
}

// ---- f64 element functions ----

#[inline]
#[target_feature(enable = "avx2,fma")]
fn relu_pd(x: __m256d) -> __m256d {
    _mm256_and_pd(x, _mm256_cmp_pd::<_CMP_NLE_UQ>(x, _mm256_setzero_pd()))
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn sign_pd(x: __m256d) -> __m256d {
    let zero = _mm256_setzero_pd();
    let y = _mm256_blendv_pd(x, _mm256_set1_pd(1.0), _mm256_cmp_pd::<_CMP_GT_OQ>(x, zero));
    _mm256_blendv_pd(y, _mm256_set1_pd(-1.0), _mm256_cmp_pd::<_CMP_LT_OQ>(x, zero))
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn clamp_pd(x: __m256d, lo: __m256d, hi: __m256d) -> __m256d {
    let y = _mm256_blendv_pd(x, lo, _mm256_cmp_pd::<_CMP_LT_OQ>(x, lo));
    _mm256_blendv_pd(y, hi, _mm256_cmp_pd::<_CMP_GT_OQ>(y, hi))
}

/// 2^n for integer-valued `n` in [-2044, 2046], as two normal factors (see math.rs).
#[inline]
#[target_feature(enable = "avx2,fma")]
fn pow2_split_pd(n: __m256d) -> (__m256d, __m256d) {
    // AVX2 has no 64-bit arithmetic shift, so halve in 32 bits and widen afterwards.
    let ni = _mm256_cvtpd_epi32(n);
    let n1 = _mm_srai_epi32::<1>(ni);
    let n2 = _mm_sub_epi32(ni, n1);
    let bias = _mm256_set1_epi64x(1023);
    let s1 = _mm256_slli_epi64::<52>(_mm256_add_epi64(_mm256_cvtepi32_epi64(n1), bias));
    let s2 = _mm256_slli_epi64::<52>(_mm256_add_epi64(_mm256_cvtepi32_epi64(n2), bias));
    (_mm256_castsi256_pd(s1), _mm256_castsi256_pd(s2))
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn exp_pd(x: __m256d) -> __m256d {
    let x = _mm256_min_pd(_mm256_set1_pd(f64c::EXP_HI), x);
    let x = _mm256_max_pd(_mm256_set1_pd(f64c::EXP_LO), x);
    let n = _mm256_round_pd::<ROUND_NEAREST>(_mm256_mul_pd(x, _mm256_set1_pd(f64c::LOG2E)));
    let r = _mm256_fnmadd_pd(n, _mm256_set1_pd(f64c::LN2_HI), x);
    let r = _mm256_fnmadd_pd(n, _mm256_set1_pd(f64c::LN2_LO), r);
    let mut p = _mm256_set1_pd(f64c::EXP_P[0]);
    for &c in &f64c::EXP_P[1..] {
        p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(c));
    }
    let y = _mm256_fmadd_pd(p, _mm256_mul_pd(r, r), r);
    let y = _mm256_add_pd(y, _mm256_set1_pd(1.0));
    let (s1, s2) = pow2_split_pd(n);
    _mm256_mul_pd(_mm256_mul_pd(y, s1), s2)
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn log_pd(x0: __m256d) -> __m256d {
    let zero = _mm256_setzero_pd();
    let one = _mm256_set1_pd(1.0);
    let tiny = _mm256_cmp_pd::<_CMP_LT_OQ>(x0, _mm256_set1_pd(f64c::MIN_POSITIVE));
    let x = _mm256_blendv_pd(x0, _mm256_mul_pd(x0, _mm256_set1_pd(f64c::SUBNORMAL_SCALE)), tiny);
    let bits = _mm256_castpd_si256(x);
    // The biased exponent (0..2047) as a double: OR it into the mantissa of 2^52, subtract 2^52.
    let magic = _mm256_set1_epi64x(0x4330_0000_0000_0000);
    let eb = _mm256_or_si256(_mm256_srli_epi64::<52>(bits), magic);
    let e = _mm256_sub_pd(_mm256_castsi256_pd(eb), _mm256_set1_pd(4_503_599_627_370_496.0 + 1023.0));
    let e = _mm256_sub_pd(e, _mm256_and_pd(tiny, _mm256_set1_pd(f64c::SUBNORMAL_EXP)));
    let m = _mm256_or_si256(
        _mm256_and_si256(bits, _mm256_set1_epi64x(0x000f_ffff_ffff_ffff)),
        _mm256_set1_epi64x(0x3ff0_0000_0000_0000),
    );
    let m = _mm256_castsi256_pd(m);
    let big = _mm256_cmp_pd::<_CMP_GE_OQ>(m, _mm256_set1_pd(f64c::SQRT2));
    let m = _mm256_blendv_pd(m, _mm256_mul_pd(m, _mm256_set1_pd(0.5)), big);
    let e = _mm256_add_pd(e, _mm256_and_pd(big, one));
    let f = _mm256_sub_pd(m, one);
    let s = _mm256_div_pd(f, _mm256_add_pd(_mm256_set1_pd(2.0), f));
    let z = _mm256_mul_pd(s, s);
    let w = _mm256_mul_pd(z, z);
    let lg = |i: usize| _mm256_set1_pd(f64c::LG[i]);
    let t1 = _mm256_fmadd_pd(w, lg(5), lg(3));
    let t1 = _mm256_mul_pd(w, _mm256_fmadd_pd(w, t1, lg(1)));
    let t2 = _mm256_fmadd_pd(w, lg(6), lg(4));
    let t2 = _mm256_fmadd_pd(w, t2, lg(2));
    let t2 = _mm256_mul_pd(z, _mm256_fmadd_pd(w, t2, lg(0)));
    let rr = _mm256_add_pd(t2, t1);
    let hfsq = _mm256_mul_pd(_mm256_set1_pd(0.5), _mm256_mul_pd(f, f));
    // fdlibm: k*ln2_hi - ((hfsq - (s*(hfsq+R) + k*ln2_lo)) - f)
    let q = _mm256_fmadd_pd(s, _mm256_add_pd(hfsq, rr), _mm256_mul_pd(e, _mm256_set1_pd(f64c::LN2_LO)));
    let q = _mm256_sub_pd(_mm256_sub_pd(hfsq, q), f);
    let r = _mm256_fmsub_pd(e, _mm256_set1_pd(f64c::LN2_HI), q);
    let r = _mm256_blendv_pd(r, _mm256_set1_pd(f64::NEG_INFINITY), _mm256_cmp_pd::<_CMP_EQ_OQ>(x0, zero));
    let r = _mm256_blendv_pd(r, _mm256_set1_pd(f64::NAN), _mm256_cmp_pd::<_CMP_NGE_UQ>(x0, zero));
    _mm256_blendv_pd(r, x0, _mm256_cmp_pd::<_CMP_EQ_OQ>(x0, _mm256_set1_pd(f64::INFINITY)))
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn tanh_pd(x: __m256d) -> __m256d {
    let sign = _mm256_set1_pd(-0.0);
    let a = _mm256_andnot_pd(sign, x);
    let one = _mm256_set1_pd(1.0);
    let e = exp_pd(_mm256_add_pd(a, a));
    let large = _mm256_sub_pd(one, _mm256_div_pd(_mm256_set1_pd(2.0), _mm256_add_pd(e, one)));
    let z = _mm256_mul_pd(a, a);
    let p = _mm256_fmadd_pd(_mm256_set1_pd(f64c::TANH_P[0]), z, _mm256_set1_pd(f64c::TANH_P[1]));
    let p = _mm256_fmadd_pd(p, z, _mm256_set1_pd(f64c::TANH_P[2]));
    let q = _mm256_add_pd(z, _mm256_set1_pd(f64c::TANH_Q[0]));
    let q = _mm256_fmadd_pd(q, z, _mm256_set1_pd(f64c::TANH_Q[1]));
    let q = _mm256_fmadd_pd(q, z, _mm256_set1_pd(f64c::TANH_Q[2]));
    let small = _mm256_fmadd_pd(_mm256_div_pd(_mm256_mul_pd(p, z), q), a, a);
    let is_small = _mm256_cmp_pd::<_CMP_LT_OQ>(a, _mm256_set1_pd(f64c::TANH_SMALL));
    let t = _mm256_blendv_pd(large, small, is_small);
    _mm256_or_pd(t, _mm256_and_pd(x, sign))
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn sigmoid_pd(x: __m256d) -> __m256d {
    let one = _mm256_set1_pd(1.0);
    let e = exp_pd(_mm256_or_pd(x, _mm256_set1_pd(-0.0)));
    let num = _mm256_blendv_pd(e, one, _mm256_cmp_pd::<_CMP_GE_OQ>(x, _mm256_setzero_pd()));
    _mm256_div_pd(num, _mm256_add_pd(one, e))
}

// ---- binary element functions ----

#[inline]
#[target_feature(enable = "avx2,fma")]
fn binary_op_ps(op: BinaryOp, a: __m256, b: __m256) -> __m256 {
    match op {
        BinaryOp::Add => _mm256_add_ps(a, b),
        BinaryOp::Sub => _mm256_sub_ps(a, b),
        BinaryOp::Mul => _mm256_mul_ps(a, b),
        BinaryOp::Div => _mm256_div_ps(a, b),
        // maxps(a, b) is `a > b ? a : b` and minps `a < b ? a : b`, the scalar kernel's
        // choice for equal values (±0 included); only NaN needs the explicit fix.
        BinaryOp::Maximum => _mm256_blendv_ps(
            _mm256_max_ps(a, b),
            _mm256_set1_ps(f32::NAN),
            _mm256_cmp_ps::<_CMP_UNORD_Q>(a, b),
        ),
        BinaryOp::Minimum => _mm256_blendv_ps(
            _mm256_min_ps(a, b),
            _mm256_set1_ps(f32::NAN),
            _mm256_cmp_ps::<_CMP_UNORD_Q>(a, b),
        ),
        // Never reached: the entry points refuse Pow before the loop.
        BinaryOp::Pow
        | BinaryOp::Remainder
        | BinaryOp::Fmod
        | BinaryOp::FloorDiv
        | BinaryOp::TruncDiv
        | BinaryOp::Math(_) => _mm256_set1_ps(f32::NAN),
    }
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn binary_op_pd(op: BinaryOp, a: __m256d, b: __m256d) -> __m256d {
    match op {
        BinaryOp::Add => _mm256_add_pd(a, b),
        BinaryOp::Sub => _mm256_sub_pd(a, b),
        BinaryOp::Mul => _mm256_mul_pd(a, b),
        BinaryOp::Div => _mm256_div_pd(a, b),
        BinaryOp::Maximum => _mm256_blendv_pd(
            _mm256_max_pd(a, b),
            _mm256_set1_pd(f64::NAN),
            _mm256_cmp_pd::<_CMP_UNORD_Q>(a, b),
        ),
        BinaryOp::Minimum => _mm256_blendv_pd(
            _mm256_min_pd(a, b),
            _mm256_set1_pd(f64::NAN),
            _mm256_cmp_pd::<_CMP_UNORD_Q>(a, b),
        ),
        BinaryOp::Pow
        | BinaryOp::Remainder
        | BinaryOp::Fmod
        | BinaryOp::FloorDiv
        | BinaryOp::TruncDiv
        | BinaryOp::Math(_) => _mm256_set1_pd(f64::NAN),
    }
}

// ---- entry points (called from mod.rs after detection) ----

/// Expands to one loop per op, so each loop body is the op alone, not a `match` per vector.
macro_rules! per_binary_op {
    ($op:expr, $map:ident ( $($arg:expr),* ), $vop:ident) => {
        match $op {
            BinaryOp::Add => $map($($arg),*, |x, y| $vop(BinaryOp::Add, x, y)),
            BinaryOp::Sub => $map($($arg),*, |x, y| $vop(BinaryOp::Sub, x, y)),
            BinaryOp::Mul => $map($($arg),*, |x, y| $vop(BinaryOp::Mul, x, y)),
            BinaryOp::Div => $map($($arg),*, |x, y| $vop(BinaryOp::Div, x, y)),
            BinaryOp::Maximum => $map($($arg),*, |x, y| $vop(BinaryOp::Maximum, x, y)),
            BinaryOp::Minimum => $map($($arg),*, |x, y| $vop(BinaryOp::Minimum, x, y)),
            BinaryOp::Pow
            | BinaryOp::Remainder
            | BinaryOp::Fmod
            | BinaryOp::FloorDiv
            | BinaryOp::TruncDiv
            | BinaryOp::Math(_) => return false,
        }
    };
}

#[target_feature(enable = "avx2,fma")]
pub(super) fn unary_f32(op: UnaryOp, x: &[f32], out: &mut [f32]) -> bool {
    match op {
        UnaryOp::Neg => map_ps(x, out, |v| _mm256_xor_ps(v, _mm256_set1_ps(-0.0))),
        UnaryOp::Abs => map_ps(x, out, |v| _mm256_andnot_ps(_mm256_set1_ps(-0.0), v)),
        UnaryOp::Sqrt => map_ps(x, out, |v| _mm256_sqrt_ps(v)),
        UnaryOp::Relu => map_ps(x, out, |v| relu_ps(v)),
        UnaryOp::Sign => map_ps(x, out, |v| sign_ps(v)),
        UnaryOp::Clamp { .. } => {
            let (lo, hi) = clamp_bounds_f32(op);
            let (lo, hi) = (_mm256_set1_ps(lo), _mm256_set1_ps(hi));
            map_ps(x, out, |v| clamp_ps(v, lo, hi))
        }
        UnaryOp::Exp => map_ps(x, out, |v| exp_ps(v)),
        UnaryOp::Log => map_ps(x, out, |v| log_ps(v)),
        UnaryOp::Tanh => map_ps(x, out, |v| tanh_ps(v)),
        UnaryOp::Sigmoid => map_ps(x, out, |v| sigmoid_ps(v)),
        // the ops without a SIMD path (UnaryOp::has_simd_path)
        _ => return false,
    }
    true
}

#[target_feature(enable = "avx2,fma")]
pub(super) fn unary_f64(op: UnaryOp, x: &[f64], out: &mut [f64]) -> bool {
    match op {
        UnaryOp::Neg => map_pd(x, out, |v| _mm256_xor_pd(v, _mm256_set1_pd(-0.0))),
        UnaryOp::Abs => map_pd(x, out, |v| _mm256_andnot_pd(_mm256_set1_pd(-0.0), v)),
        UnaryOp::Sqrt => map_pd(x, out, |v| _mm256_sqrt_pd(v)),
        UnaryOp::Relu => map_pd(x, out, |v| relu_pd(v)),
        UnaryOp::Sign => map_pd(x, out, |v| sign_pd(v)),
        UnaryOp::Clamp { .. } => {
            let (lo, hi) = clamp_bounds_f64(op);
            let (lo, hi) = (_mm256_set1_pd(lo), _mm256_set1_pd(hi));
            map_pd(x, out, |v| clamp_pd(v, lo, hi))
        }
        UnaryOp::Exp => map_pd(x, out, |v| exp_pd(v)),
        UnaryOp::Log => map_pd(x, out, |v| log_pd(v)),
        UnaryOp::Tanh => map_pd(x, out, |v| tanh_pd(v)),
        UnaryOp::Sigmoid => map_pd(x, out, |v| sigmoid_pd(v)),
        // the ops without a SIMD path (UnaryOp::has_simd_path)
        _ => return false,
    }
    true
}

#[target_feature(enable = "avx2,fma")]
pub(super) fn binary_f32(op: BinaryOp, a: &[f32], b: &[f32], out: &mut [f32]) -> bool {
    per_binary_op!(op, map2_ps(a, b, out), binary_op_ps);
    true
}

#[target_feature(enable = "avx2,fma")]
pub(super) fn binary_f64(op: BinaryOp, a: &[f64], b: &[f64], out: &mut [f64]) -> bool {
    per_binary_op!(op, map2_pd(a, b, out), binary_op_pd);
    true
}

/// `op(a[i], s)`, or `op(s, a[i])` when `scalar_lhs`.
#[target_feature(enable = "avx2,fma")]
pub(super) fn binary_scalar_f32(op: BinaryOp, a: &[f32], s: f32, scalar_lhs: bool, out: &mut [f32]) -> bool {
    per_binary_op!(op, bcast_ps(a, s, scalar_lhs, out), binary_op_ps);
    true
}

#[target_feature(enable = "avx2,fma")]
pub(super) fn binary_scalar_f64(op: BinaryOp, a: &[f64], s: f64, scalar_lhs: bool, out: &mut [f64]) -> bool {
    per_binary_op!(op, bcast_pd(a, s, scalar_lhs, out), binary_op_pd);
    true
}

// ---- reductions ----

#[inline]
#[target_feature(enable = "avx2,fma")]
fn hsum_pd(v: __m256d) -> f64 {
    let s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd::<1>(v));
    _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)))
}

/// One pairwise leaf: f32 widened exactly to f64 and added in 16 f64 lanes.
#[target_feature(enable = "avx2,fma")]
pub(super) fn sum_block_f32(x: &[f32]) -> f64 {
    let mut acc = [_mm256_setzero_pd(); 4];
    let (chunks, tail) = x.as_chunks::<16>();
    for c in chunks {
        for (a, q) in acc.iter_mut().zip(c.as_chunks::<4>().0) {
            *a = _mm256_add_pd(*a, _mm256_cvtps_pd(ld_ps4(q)));
        }
    }
    let v = _mm256_add_pd(_mm256_add_pd(acc[0], acc[1]), _mm256_add_pd(acc[2], acc[3]));
    hsum_pd(v) + tail.iter().map(|&t| f64::from(t)).sum::<f64>()
}

/// One pairwise leaf in 16 f64 lanes.
#[target_feature(enable = "avx2,fma")]
pub(super) fn sum_block_f64(x: &[f64]) -> f64 {
    let mut acc = [_mm256_setzero_pd(); 4];
    let (chunks, tail) = x.as_chunks::<16>();
    for c in chunks {
        for (a, q) in acc.iter_mut().zip(c.as_chunks::<4>().0) {
            *a = _mm256_add_pd(*a, ld_pd(q));
        }
    }
    let v = _mm256_add_pd(_mm256_add_pd(acc[0], acc[1]), _mm256_add_pd(acc[2], acc[3]));
    hsum_pd(v) + tail.iter().sum::<f64>()
}

/// The non-NaN extreme and whether a NaN was seen (mod.rs picks the element to return).
/// `f(v, acc)` is maxps/minps with the accumulator second, so a NaN in `v` leaves it alone.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn extreme_ps(x: &[f32], want_max: bool, f: impl Fn(__m256, __m256) -> __m256) -> (f32, bool) {
    if x.is_empty() {
        return (0.0, false);
    }
    let init = if want_max { f32::NEG_INFINITY } else { f32::INFINITY };
    let mut acc = [_mm256_set1_ps(init); 4];
    let mut nan = _mm256_setzero_ps();
    let (chunks, tail) = x.as_chunks::<32>();
    for c in chunks {
        for (a, q) in acc.iter_mut().zip(c.as_chunks::<8>().0) {
            let v = ld_ps(q);
            nan = _mm256_or_ps(nan, _mm256_cmp_ps::<_CMP_UNORD_Q>(v, v));
            *a = f(v, *a);
        }
    }
    let mut lanes = [0f32; 8];
    st_ps(&mut lanes, f(f(acc[0], acc[1]), f(acc[2], acc[3])));
    let mut saw_nan = _mm256_movemask_ps(nan) != 0;
    let better = |v: f32, m: f32| if want_max { v > m } else { v < m };
    let mut m = init;
    for &v in lanes.iter().chain(tail) {
        if v.is_nan() {
            saw_nan = true;
        } else if better(v, m) {
            m = v;
        }
    }
    (m, saw_nan)
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn extreme_pd(x: &[f64], want_max: bool, f: impl Fn(__m256d, __m256d) -> __m256d) -> (f64, bool) {
    if x.is_empty() {
        return (0.0, false);
    }
    let init = if want_max { f64::NEG_INFINITY } else { f64::INFINITY };
    let mut acc = [_mm256_set1_pd(init); 4];
    let mut nan = _mm256_setzero_pd();
    let (chunks, tail) = x.as_chunks::<16>();
    for c in chunks {
        for (a, q) in acc.iter_mut().zip(c.as_chunks::<4>().0) {
            let v = ld_pd(q);
            nan = _mm256_or_pd(nan, _mm256_cmp_pd::<_CMP_UNORD_Q>(v, v));
            *a = f(v, *a);
        }
    }
    let mut lanes = [0f64; 4];
    st_pd(&mut lanes, f(f(acc[0], acc[1]), f(acc[2], acc[3])));
    let mut saw_nan = _mm256_movemask_pd(nan) != 0;
    let better = |v: f64, m: f64| if want_max { v > m } else { v < m };
    let mut m = init;
    for &v in lanes.iter().chain(tail) {
        if v.is_nan() {
            saw_nan = true;
        } else if better(v, m) {
            m = v;
        }
    }
    (m, saw_nan)
}

#[target_feature(enable = "avx2,fma")]
pub(super) fn extreme_f32(x: &[f32], want_max: bool) -> (f32, bool) {
    if want_max {
        extreme_ps(x, true, |v, a| _mm256_max_ps(v, a))
    } else {
        extreme_ps(x, false, |v, a| _mm256_min_ps(v, a))
    }
}

#[target_feature(enable = "avx2,fma")]
pub(super) fn extreme_f64(x: &[f64], want_max: bool) -> (f64, bool) {
    if want_max {
        extreme_pd(x, true, |v, a| _mm256_max_pd(v, a))
    } else {
        extreme_pd(x, false, |v, a| _mm256_min_pd(v, a))
    }
}
