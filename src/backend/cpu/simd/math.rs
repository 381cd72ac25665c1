//! Constants and method of the vector exp/log/tanh/sigmoid, and the parts of them that differ
//! between f32 and f64 (the [`Real`] impls: log's and tanh's polynomials).
//!
//! Every instruction set runs the same steps (algo.rs) with the same constants (and FMA), so
//! they return the same bits; the bounds below are the largest distance, in ulps, from std's
//! libm (the scalar level) that the tests measured.
//!
//! exp(x): clamp x to [EXP_LO, EXP_HI] (NaN passes), n = round(x * log2 e), r = x - n*ln2 in two
//! FMA steps (Cody-Waite: LN2_HI has trailing zero bits, so n * LN2_HI is exact), |r| <= ln2/2;
//! e^r = 1 + r + r^2 * P(r); then scale by 2^n as 2^(n/2) * 2^(n - n/2), each factor built from
//! exponent bits. The first product is exact and the second rounds once, so overflow gives inf,
//! underflow 0, and subnormal results come out correctly rounded from e^r (gradual underflow,
//! as libm: no flushing). The clamp bounds lie past both thresholds, so they change no result.
//!
//! log(x): subnormal x is first scaled by 2^mant_bits; x = m * 2^e with m in [sqrt(1/2), sqrt(2)),
//! f = m - 1, log x = e * ln2 + log1p(f) with log1p(f) from a polynomial (f32: Cephes'
//! f - f^2/2 + f^3 P(f)) or fdlibm's s = f / (2 + f) series (f64). Then 0 gives -inf, x < 0
//! NaN, +inf +inf and NaN NaN.
//!
//! tanh(x): on a = |x|, a < 0.625 uses a + a^3 P(a^2) (f32) or a + a^3 P(a^2)/Q(a^2) (f64, Cephes),
//! which avoids the cancellation of 1 - 2/(e^2a + 1) near 0; a >= 0.625 uses that formula, which
//! saturates to 1 through exp's overflow to inf. The sign of x is copied back (tanh(-0) = -0).
//!
//! sigmoid(x): e = exp(-|x|) never overflows; the result is 1/(1+e) for x >= 0 and e/(1+e)
//! otherwise, the two branches of the scalar kernel.
//!
//! Measured max error against glibc's libm, in ulps (f32 over every input; f64 over about 50M
//! inputs per function: random bit patterns, dense over each function's range, and bit by bit
//! around exp's overflow and underflow thresholds):
//!
//! | | exp | log | tanh | sigmoid |
//! |---|---|---|---|---|
//! | f32 | 1 | 1 | 2 | 2 |
//! | f64 | 1 | 1 | 2 | 2 |
//!
//! Infinities, NaN and the sign of zero always match libm exactly.

// The constants keep the digits their sources (Cephes, fdlibm) publish, so they can be checked
// against them; the extra digits round to the same float.
#![allow(clippy::excessive_precision)]

use super::algo::horner;
use super::vector::{Isa, Real, Vector};

pub(super) mod f32c {
    /// Past ln(f32::MAX) = 88.72 and ln(2^-150) = -103.97; with these bounds n/2 and n - n/2
    /// stay normal exponents (|n| <= 159).
    pub const EXP_HI: f32 = 100.0;
    pub const EXP_LO: f32 = -110.0;
    pub const LOG2E: f32 = std::f32::consts::LOG2_E;
    /// Cephes' split of ln 2: LN2_HI = 355/512 is exact in 9 bits.
    pub const LN2_HI: f32 = 0.693359375;
    pub const LN2_LO: f32 = -2.12194440e-4;
    /// Cephes expf: e^r = 1 + r + r^2 * (P0 r^5 + ... + P5) on |r| <= ln2/2.
    pub const EXP_P: [f32; 6] = [
        1.9875691500E-4,
        1.3981999507E-3,
        8.3334519073E-3,
        4.1665795894E-2,
        1.6666665459E-1,
        5.0000001201E-1,
    ];
    pub const SQRT2: f32 = std::f32::consts::SQRT_2;
    /// Cephes logf: log1p(f) = f - f^2/2 + f^3 * (P0 f^8 + ... + P8) on m in [sqrt(1/2), sqrt(2)).
    pub const LOG_P: [f32; 9] = [
        7.0376836292E-2,
        -1.1514610310E-1,
        1.1676998740E-1,
        -1.2420140846E-1,
        1.4249322787E-1,
        -1.6668057665E-1,
        2.0000714765E-1,
        -2.4999993993E-1,
        3.3333331174E-1,
    ];
    /// Smallest normal, and the scale that lifts a subnormal into the normal range.
    pub const MIN_POSITIVE: f32 = f32::MIN_POSITIVE;
    pub const SUBNORMAL_SCALE: f32 = 8388608.0; // 2^23
    pub const SUBNORMAL_EXP: f32 = 23.0;
    pub const MANT_MASK: u32 = 0x007f_ffff;
    /// Below this |x| tanh uses its odd polynomial instead of exp.
    pub const TANH_SMALL: f32 = 0.625;
    /// Cephes tanhf: tanh a = a + a^3 * (P0 z^4 + ... + P4), z = a^2, on a < 0.625.
    pub const TANH_P: [f32; 5] =
        [-5.70498872745E-3, 2.06390887954E-2, -5.37397155531E-2, 1.33314422036E-1, -3.33332819422E-1];
}

pub(super) mod f64c {
    /// Past ln(f64::MAX) = 709.78 and ln(2^-1075) = -745.13; n/2 stays a normal exponent.
    pub const EXP_HI: f64 = 720.0;
    pub const EXP_LO: f64 = -760.0;
    pub const LOG2E: f64 = std::f64::consts::LOG2_E;
    /// fdlibm's split of ln 2: LN2_HI has 21 trailing zero bits.
    pub const LN2_HI: f64 = 6.93147180369123816490e-01;
    pub const LN2_LO: f64 = 1.90821492927058770002e-10;
    /// Taylor: e^r = 1 + r + r^2 * (c13 r^11 + ... + c2), c_k = 1/k!; the first omitted term is
    /// below 5e-18 relative on |r| <= ln2/2.
    pub const EXP_P: [f64; 12] = [
        1.0 / 6227020800.0,
        1.0 / 479001600.0,
        1.0 / 39916800.0,
        1.0 / 3628800.0,
        1.0 / 362880.0,
        1.0 / 40320.0,
        1.0 / 5040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
    ];
    pub const SQRT2: f64 = std::f64::consts::SQRT_2;
    /// fdlibm e_log.c: log1p(f) = f - (hfsq - s*(hfsq + R)), s = f/(2+f), hfsq = f^2/2,
    /// R = z*(LG1 + w*(LG3 + w*(LG5 + w*LG7))) + w*(LG2 + w*(LG4 + w*LG6)), z = s^2, w = z^2.
    pub const LG: [f64; 7] = [
        6.666666666666735130e-01,
        3.999999999940941908e-01,
        2.857142874366239149e-01,
        2.222219843214978396e-01,
        1.818357216161805012e-01,
        1.531383769920937332e-01,
        1.479819860511658591e-01,
    ];
    pub const MIN_POSITIVE: f64 = f64::MIN_POSITIVE;
    pub const SUBNORMAL_SCALE: f64 = 4503599627370496.0; // 2^52
    pub const SUBNORMAL_EXP: f64 = 52.0;
    pub const MANT_MASK: u64 = 0x000f_ffff_ffff_ffff;
    pub const TANH_SMALL: f64 = 0.625;
    /// Cephes tanh: tanh a = a + a^3 * P(z)/Q(z), z = a^2, on a < 0.625 (Q's leading 1 implied).
    pub const TANH_P: [f64; 3] =
        [-9.64399179425052238628E-1, -9.92877231001918586564E1, -1.61468768441708447952E3];
    pub const TANH_Q: [f64; 3] =
        [1.12811678491632931402E2, 2.23548839060100448583E3, 4.84406305325125486048E3];
}

/// Implements [`Real`]'s constants from the f32c/f64c module of the same type.
macro_rules! real_consts {
    ($m:ident) => {
        const EXP_HI: Self = $m::EXP_HI;
        const EXP_LO: Self = $m::EXP_LO;
        const LOG2E: Self = $m::LOG2E;
        const LN2_HI: Self = $m::LN2_HI;
        const LN2_LO: Self = $m::LN2_LO;
        const EXP_P: &'static [Self] = &$m::EXP_P;
        const SQRT2: Self = $m::SQRT2;
        const MIN_POSITIVE: Self = $m::MIN_POSITIVE;
        const SUBNORMAL_SCALE: Self = $m::SUBNORMAL_SCALE;
        const SUBNORMAL_EXP: Self = $m::SUBNORMAL_EXP;
        const MANT_MASK: Self = Self::from_bits($m::MANT_MASK);
        const TANH_SMALL: Self = $m::TANH_SMALL;
    };
}

impl Real for f32 {
    type Vec<I: Isa> = I::F32;
    real_consts!(f32c);

    #[inline(always)]
    fn load_f64<I: Isa>(isa: I, x: &[f32]) -> I::F64 {
        isa.widen(x)
    }

    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }

    #[inline(always)]
    fn c(x: f64) -> f32 {
        x as f32
    }

    /// Cephes logf: f - f^2/2 + f^3 P(f), with e * ln2 added in two parts around it.
    #[inline(always)]
    fn log_reduced<V: Vector<Elem = f32>>(f: V, e: V) -> V {
        let k = |c: f32| V::splat(f.isa(), c);
        let z = f.mul(f);
        let y = horner(f, &f32c::LOG_P).mul(f).mul(z);
        let y = e.mul_add(k(f32c::LN2_LO), y);
        let y = z.neg_mul_add(k(0.5), y);
        e.mul_add(k(f32c::LN2_HI), f.add(y))
    }

    /// Cephes tanhf: a^2 P(a^2).
    #[inline(always)]
    fn tanh_small<V: Vector<Elem = f32>>(z: V) -> V {
        horner(z, &f32c::TANH_P).mul(z)
    }
}

impl Real for f64 {
    type Vec<I: Isa> = I::F64;
    real_consts!(f64c);

    #[inline(always)]
    fn load_f64<I: Isa>(isa: I, x: &[f64]) -> I::F64 {
        I::F64::load(isa, x)
    }

    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }

    #[inline(always)]
    fn c(x: f64) -> f64 {
        x
    }

    /// fdlibm e_log.c: k*ln2_hi - ((hfsq - (s*(hfsq+R) + k*ln2_lo)) - f), s = f/(2+f).
    #[inline(always)]
    fn log_reduced<V: Vector<Elem = f64>>(f: V, e: V) -> V {
        let k = |c: f64| V::splat(f.isa(), c);
        let s = f.div(k(2.0).add(f));
        let z = s.mul(s);
        let w = z.mul(z);
        let lg = |i: usize| k(f64c::LG[i]);
        let t1 = w.mul(w.mul_add(w.mul_add(lg(5), lg(3)), lg(1)));
        let t2 = w.mul_add(w.mul_add(lg(6), lg(4)), lg(2));
        let t2 = z.mul(w.mul_add(t2, lg(0)));
        let rr = t2.add(t1);
        let hfsq = k(0.5).mul(f.mul(f));
        let q = s.mul_add(hfsq.add(rr), e.mul(k(f64c::LN2_LO)));
        let q = hfsq.sub(q).sub(f);
        // e * ln2_hi - q, rounded once (negating q is exact)
        e.mul_add(k(f64c::LN2_HI), q.xor(k(-0.0)))
    }

    /// Cephes tanh: a^2 P(a^2) / Q(a^2), Q's leading 1 implied.
    #[inline(always)]
    fn tanh_small<V: Vector<Elem = f64>>(z: V) -> V {
        let q = z.add(V::splat(z.isa(), f64c::TANH_Q[0]));
        let q = q.mul_add(z, V::splat(z.isa(), f64c::TANH_Q[1]));
        let q = q.mul_add(z, V::splat(z.isa(), f64c::TANH_Q[2]));
        horner(z, &f64c::TANH_P).mul(z).div(q)
    }
}
