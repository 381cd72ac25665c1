//! The slice loops, written once over [`Isa`] and [`Real`]: elementwise maps (tails padded into
//! one more full vector), the scalar-operand forms, the pairwise-sum leaf and the max/min scan.
//! [`entry_points!`] instantiates them inside one instruction set's `#[target_feature]`
//! functions, which is where everything here inlines to.

use super::algo;
use super::ops::{VecBinary, VecUnary};
use super::vector::{Isa, Real, Vector};
use num_traits::Float;

/// Widest vector in elements (AVX-512 f32); the tail buffers below hold one vector.
const MAX_LANES: usize = 16;

/// `out[i] = f(x[i])`, one vector at a time. A short tail is copied into a zero-padded vector,
/// so remainders run the same code and every element gets the same answer wherever it sits.
#[inline(always)]
fn map<V: Vector>(isa: V::Isa, x: &[V::Elem], out: &mut [V::Elem], f: impl Fn(V) -> V) {
    assert!(x.len() == out.len() && V::LANES <= MAX_LANES);
    let mut xc = x.chunks_exact(V::LANES);
    let mut oc = out.chunks_exact_mut(V::LANES);
    for (xi, oi) in (&mut xc).zip(&mut oc) {
        f(V::load(isa, xi)).store(oi);
    }
    let (xt, ot) = (xc.remainder(), oc.into_remainder());
    if !xt.is_empty() {
        let mut buf = [V::Elem::default(); MAX_LANES];
        buf[..xt.len()].copy_from_slice(xt);
        f(V::load(isa, &buf)).store(&mut buf);
        ot.copy_from_slice(&buf[..ot.len()]);
    }
}

/// `out[i] = f(a[i], b[i])`, with the tail handled as in [`map`].
#[inline(always)]
fn map2<V: Vector>(isa: V::Isa, a: &[V::Elem], b: &[V::Elem], out: &mut [V::Elem], f: impl Fn(V, V) -> V) {
    assert!(a.len() == out.len() && b.len() == out.len() && V::LANES <= MAX_LANES);
    let mut ac = a.chunks_exact(V::LANES);
    let mut bc = b.chunks_exact(V::LANES);
    let mut oc = out.chunks_exact_mut(V::LANES);
    for ((ai, bi), oi) in (&mut ac).zip(&mut bc).zip(&mut oc) {
        f(V::load(isa, ai), V::load(isa, bi)).store(oi);
    }
    let (at, bt, ot) = (ac.remainder(), bc.remainder(), oc.into_remainder());
    if !at.is_empty() {
        let mut pa = [V::Elem::default(); MAX_LANES];
        let mut pb = [V::Elem::default(); MAX_LANES];
        pa[..at.len()].copy_from_slice(at);
        pb[..bt.len()].copy_from_slice(bt);
        f(V::load(isa, &pa), V::load(isa, &pb)).store(&mut pa);
        ot.copy_from_slice(&pa[..ot.len()]);
    }
}

/// Expands `$body` once per op with `$o` bound to that op as a constant, so each loop inlines
/// the one op (a `match` per vector would cost more than add itself).
macro_rules! per_binary_op {
    ($op:expr, |$o:ident| $body:expr) => {
        match $op {
            VecBinary::Add => {
                let $o = VecBinary::Add;
                $body
            }
            VecBinary::Sub => {
                let $o = VecBinary::Sub;
                $body
            }
            VecBinary::Mul => {
                let $o = VecBinary::Mul;
                $body
            }
            VecBinary::Div => {
                let $o = VecBinary::Div;
                $body
            }
            VecBinary::Maximum => {
                let $o = VecBinary::Maximum;
                $body
            }
            VecBinary::Minimum => {
                let $o = VecBinary::Minimum;
                $body
            }
        }
    };
}

/// `out[i] = op(x[i])`.
#[inline(always)]
pub(super) fn unary<I: Isa, T: Real>(isa: I, op: VecUnary<T>, x: &[T], out: &mut [T]) {
    type V<I, T> = <T as Real>::Vec<I>;
    macro_rules! each {
        ($($v:ident),*) => {
            match op {
                $(VecUnary::$v => map(isa, x, out, |v: V<I, T>| algo::unary(VecUnary::$v, v)),)*
                VecUnary::Clamp(lo, hi) => map(isa, x, out, |v: V<I, T>| algo::unary(VecUnary::Clamp(lo, hi), v)),
            }
        };
    }
    each!(Neg, Abs, Sqrt, Relu, Sign, Exp, Log, Tanh, Sigmoid)
}

/// `out[i] = op(a[i], b[i])`.
#[inline(always)]
pub(super) fn binary<I: Isa, T: Real>(isa: I, op: VecBinary, a: &[T], b: &[T], out: &mut [T]) {
    per_binary_op!(op, |o| map2(isa, a, b, out, |x: T::Vec<I>, y| algo::binary(o, x, y)))
}

/// `out[i] = op(x[i], s)`, or `op(s, x[i])` when `scalar_lhs`.
#[inline(always)]
pub(super) fn binary_scalar<I: Isa, T: Real>(
    isa: I,
    op: VecBinary,
    x: &[T],
    s: T,
    scalar_lhs: bool,
    out: &mut [T],
) {
    let sv = T::Vec::<I>::splat(isa, s);
    per_binary_op!(op, |o| if scalar_lhs {
        map(isa, x, out, |v| algo::binary(o, sv, v))
    } else {
        map(isa, x, out, |v| algo::binary(o, v, sv))
    })
}

/// One pairwise-sum leaf: the elements (f32 widened exactly) added in four f64 vectors.
#[inline(always)]
pub(super) fn sum_block<I: Isa, T: Real>(isa: I, x: &[T]) -> f64 {
    let l = I::F64::LANES;
    let mut acc = [I::F64::splat(isa, 0.0); 4];
    let mut chunks = x.chunks_exact(4 * l);
    for c in &mut chunks {
        for (j, a) in acc.iter_mut().enumerate() {
            *a = a.add(T::load_f64(isa, &c[j * l..]));
        }
    }
    let v = acc[0].add(acc[1]).add(acc[2].add(acc[3]));
    I::reduce_add(v) + chunks.remainder().iter().map(|&t| t.to_f64()).sum::<f64>()
}

/// The non-NaN extreme and whether a NaN was seen (mod.rs picks the element to return).
/// `f(v, acc)` is max or min with the accumulator second, so a NaN in `v` leaves it alone.
#[inline(always)]
fn extreme_with<V: Vector>(
    isa: V::Isa,
    x: &[V::Elem],
    want_max: bool,
    f: impl Fn(V, V) -> V,
) -> (V::Elem, bool) {
    if x.is_empty() {
        return (V::Elem::default(), false);
    }
    let init = if want_max { V::Elem::neg_infinity() } else { V::Elem::infinity() };
    let l = V::LANES;
    let mut acc = [V::splat(isa, init); 4];
    let zero = V::splat(isa, V::Elem::default());
    let mut nan = zero.unord(zero);
    let mut chunks = x.chunks_exact(4 * l);
    for c in &mut chunks {
        for (j, a) in acc.iter_mut().enumerate() {
            let v = V::load(isa, &c[j * l..]);
            nan = V::mask_or(nan, v.unord(v));
            *a = f(v, *a);
        }
    }
    let mut lanes = [V::Elem::default(); MAX_LANES];
    f(f(acc[0], acc[1]), f(acc[2], acc[3])).store(&mut lanes);
    let mut saw_nan = V::mask_any(nan);
    let better = |v: V::Elem, m: V::Elem| if want_max { v > m } else { v < m };
    let mut m = init;
    for &v in lanes[..l].iter().chain(chunks.remainder()) {
        if v.is_nan() {
            saw_nan = true;
        } else if better(v, m) {
            m = v;
        }
    }
    (m, saw_nan)
}

#[inline(always)]
pub(super) fn extreme<I: Isa, T: Real>(isa: I, x: &[T], want_max: bool) -> (T, bool) {
    if want_max {
        extreme_with(isa, x, true, |v: T::Vec<I>, a| v.max(a))
    } else {
        extreme_with(isa, x, false, |v: T::Vec<I>, a| v.min(a))
    }
}

/// The entry points of one instruction set: `entry_points!("avx2,fma", Avx2)` defines
/// `unary`, `binary`, `binary_scalar`, `sum_block` and `extreme`, generic over the float type,
/// each compiled with those features so that the loops above and the `$isa` intrinsics inline.
/// `$isa::new()` must itself be a `#[target_feature]` function with the same features (so it
/// is safe to call only where they are on).
macro_rules! entry_points {
    ($features:literal, $isa:ident) => {
        use super::loops;
        use super::ops::{VecBinary, VecUnary};
        use super::vector::Real;

        #[target_feature(enable = $features)]
        pub(super) fn unary<T: Real>(op: VecUnary<f64>, x: &[T], out: &mut [T]) {
            loops::unary($isa::new(), op.cast(), x, out)
        }

        #[target_feature(enable = $features)]
        pub(super) fn binary<T: Real>(op: VecBinary, a: &[T], b: &[T], out: &mut [T]) {
            loops::binary($isa::new(), op, a, b, out)
        }

        #[target_feature(enable = $features)]
        pub(super) fn binary_scalar<T: Real>(op: VecBinary, a: &[T], s: T, scalar_lhs: bool, out: &mut [T]) {
            loops::binary_scalar($isa::new(), op, a, s, scalar_lhs, out)
        }

        #[target_feature(enable = $features)]
        pub(super) fn sum_block<T: Real>(x: &[T]) -> f64 {
            loops::sum_block($isa::new(), x)
        }

        #[target_feature(enable = $features)]
        pub(super) fn extreme<T: Real>(x: &[T], want_max: bool) -> (T, bool) {
            loops::extreme($isa::new(), x, want_max)
        }
    };
}
pub(super) use entry_points;
