//! The element functions, written once over [`Vector`]: every instruction set and both float
//! types run these steps (math.rs describes the methods and their measured error). All are
//! `#[inline(always)]` so they, and the intrinsics under them, inline into the
//! `#[target_feature]` entry point that instantiates them.

use super::ops::{VecBinary, VecUnary};
use super::vector::{Real, Vector};
use num_traits::Float;

/// `P(x)` for `P = c[0] x^(n-1) + ... + c[n-1]`, by Horner with FMA (unrolled: `c` is constant).
#[inline(always)]
pub(super) fn horner<V: Vector>(x: V, c: &[V::Elem]) -> V {
    let mut p = V::splat(x.isa(), c[0]);
    for &ci in &c[1..] {
        p = p.mul_add(x, V::splat(x.isa(), ci));
    }
    p
}

/// A constant of `x`'s kind.
#[inline(always)]
fn k<V: Vector>(x: V, c: V::Elem) -> V {
    V::splat(x.isa(), c)
}

#[inline(always)]
fn kf<V: Vector>(x: V, c: f64) -> V {
    V::splat(x.isa(), V::Elem::c(c))
}

#[inline(always)]
fn relu<V: Vector>(x: V) -> V {
    // "not x <= 0" is true for x > 0 and for NaN, which relu keeps; -0 becomes +0.
    let zero = kf(x, 0.0);
    V::select(x.not_le(zero), x, zero)
}

#[inline(always)]
fn sign<V: Vector>(x: V) -> V {
    let zero = kf(x, 0.0);
    let y = V::select(x.gt(zero), kf(x, 1.0), x);
    V::select(x.lt(zero), kf(x, -1.0), y)
}

#[inline(always)]
fn clamp<V: Vector>(x: V, lo: V, hi: V) -> V {
    // Ordered compares are false for NaN, so NaN stays; lo first, then hi, as the scalar kernel.
    let y = V::select(x.lt(lo), lo, x);
    V::select(y.gt(hi), hi, y)
}

#[inline(always)]
pub(super) fn exp<V: Vector>(x: V) -> V {
    // min/max return their second operand when one is NaN, so NaN survives the clamp.
    let x = k(x, V::Elem::EXP_HI).min(x);
    let x = k(x, V::Elem::EXP_LO).max(x);
    let n = x.mul(k(x, V::Elem::LOG2E)).round();
    let r = n.neg_mul_add(k(x, V::Elem::LN2_HI), x);
    let r = n.neg_mul_add(k(x, V::Elem::LN2_LO), r);
    let p = horner(r, V::Elem::EXP_P);
    let y = p.mul_add(r.mul(r), r).add(kf(x, 1.0));
    let (s1, s2) = V::pow2_split(n);
    y.mul(s1).mul(s2)
}

#[inline(always)]
fn log<V: Vector>(x0: V) -> V {
    let zero = kf(x0, 0.0);
    let one = kf(x0, 1.0);
    let tiny = x0.lt(k(x0, V::Elem::MIN_POSITIVE));
    let x = V::select(tiny, x0.mul(k(x0, V::Elem::SUBNORMAL_SCALE)), x0);
    let e = x.exponent();
    let e = V::select(tiny, e.sub(k(x, V::Elem::SUBNORMAL_EXP)), e);
    let m = x.and(k(x, V::Elem::MANT_MASK)).or(one);
    // m in [1, 2) -> [sqrt(1/2), sqrt(2)), so log1p's argument stays small on both sides of 1.
    let big = m.ge(k(x, V::Elem::SQRT2));
    let m = V::select(big, m.mul(kf(x, 0.5)), m);
    let e = V::select(big, e.add(one), e);
    let r = V::Elem::log_reduced(m.sub(one), e);
    // Special inputs last: 0 -> -inf, x < 0 or NaN -> NaN, +inf -> +inf.
    let r = V::select(x0.eq(zero), k(x0, V::Elem::neg_infinity()), r);
    let r = V::select(x0.not_ge(zero), k(x0, V::Elem::nan()), r);
    V::select(x0.eq(k(x0, V::Elem::infinity())), x0, r)
}

#[inline(always)]
fn tanh<V: Vector>(x: V) -> V {
    let sign = kf(x, -0.0);
    let a = sign.and_not(x);
    let one = kf(x, 1.0);
    // Large |x|: 1 - 2/(e^2a + 1); e^2a = inf gives exactly 1.
    let e = exp(a.add(a));
    let large = one.sub(kf(x, 2.0).div(e.add(one)));
    let small = V::Elem::tanh_small(a.mul(a)).mul_add(a, a);
    let t = V::select(a.lt(k(x, V::Elem::TANH_SMALL)), small, large);
    t.or(x.and(sign))
}

#[inline(always)]
fn sigmoid<V: Vector>(x: V) -> V {
    let one = kf(x, 1.0);
    let e = exp(x.or(kf(x, -0.0)));
    // x >= 0: 1/(1+e); otherwise (and for NaN, whose e is NaN) e/(1+e).
    let num = V::select(x.ge(kf(x, 0.0)), one, e);
    num.div(one.add(e))
}

/// One unary op on one vector. The loops in loops.rs call this with a constant `op` inside a
/// per-op `match`, so after inlining each loop body is that op alone.
#[inline(always)]
pub(super) fn unary<V: Vector>(op: VecUnary<V::Elem>, x: V) -> V {
    match op {
        VecUnary::Neg => x.xor(kf(x, -0.0)),
        VecUnary::Abs => kf(x, -0.0).and_not(x),
        VecUnary::Sqrt => x.sqrt(),
        VecUnary::Relu => relu(x),
        VecUnary::Sign => sign(x),
        VecUnary::Clamp(lo, hi) => clamp(x, k(x, lo), k(x, hi)),
        VecUnary::Exp => exp(x),
        VecUnary::Log => log(x),
        VecUnary::Tanh => tanh(x),
        VecUnary::Sigmoid => sigmoid(x),
    }
}

/// One binary op on one pair of vectors.
#[inline(always)]
pub(super) fn binary<V: Vector>(op: VecBinary, a: V, b: V) -> V {
    match op {
        VecBinary::Add => a.add(b),
        VecBinary::Sub => a.sub(b),
        VecBinary::Mul => a.mul(b),
        VecBinary::Div => a.div(b),
        // max(a, b) is `a > b ? a : b` and min `a < b ? a : b`, the scalar kernel's choice for
        // equal values (±0 included); only NaN needs the explicit fix.
        VecBinary::Maximum => V::select(a.unord(b), k(a, V::Elem::nan()), a.max(b)),
        VecBinary::Minimum => V::select(a.unord(b), k(a, V::Elem::nan()), a.min(b)),
    }
}
