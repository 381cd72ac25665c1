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

/// A lane-wise function for [`map`]: a trait with `#[inline(always)]` impls rather than a
/// closure, because a closure is a function of its own that LLVM may leave out of line (and one
/// written outside the `#[target_feature]` entry point lacks its features, so the intrinsics
/// under it become calls too: exp ran 40x slower that way).
pub(super) trait Lanewise<V: Vector>: Copy {
    fn apply(self, v: V) -> V;
}

impl<V: Vector> Lanewise<V> for VecUnary<V::Elem> {
    #[inline(always)]
    fn apply(self, v: V) -> V {
        algo::unary(self, v)
    }
}

/// A binary op with one operand a constant vector: `op(s, v)` when `lhs`, else `op(v, s)`.
#[derive(Clone, Copy)]
pub(super) struct WithScalar<V> {
    pub(super) op: VecBinary,
    pub(super) s: V,
    pub(super) lhs: bool,
}

impl<V: Vector> Lanewise<V> for WithScalar<V> {
    #[inline(always)]
    fn apply(self, v: V) -> V {
        if self.lhs {
            algo::binary(self.op, self.s, v)
        } else {
            algo::binary(self.op, v, self.s)
        }
    }
}

/// `out[i] = f(x[i])`, one vector at a time. A short tail is copied into a zero-padded vector,
/// so remainders run the same code and every element gets the same answer wherever it sits.
#[inline(always)]
pub(super) fn map<V: Vector>(isa: V::Isa, x: &[V::Elem], out: &mut [V::Elem], f: impl Lanewise<V>) {
    assert!(x.len() == out.len() && V::LANES <= MAX_LANES);
    let mut xc = x.chunks_exact(V::LANES);
    let mut oc = out.chunks_exact_mut(V::LANES);
    for (xi, oi) in (&mut xc).zip(&mut oc) {
        f.apply(V::load(isa, xi)).store(oi);
    }
    let (xt, ot) = (xc.remainder(), oc.into_remainder());
    if !xt.is_empty() {
        let mut buf = [V::Elem::default(); MAX_LANES];
        buf[..xt.len()].copy_from_slice(xt);
        f.apply(V::load(isa, &buf)).store(&mut buf);
        ot.copy_from_slice(&buf[..ot.len()]);
    }
}

/// `out[i] = op(a[i], b[i])`, with the tail handled as in [`map`].
#[inline(always)]
pub(super) fn map2<V: Vector>(isa: V::Isa, a: &[V::Elem], b: &[V::Elem], out: &mut [V::Elem], op: VecBinary) {
    assert!(a.len() == out.len() && b.len() == out.len() && V::LANES <= MAX_LANES);
    let mut ac = a.chunks_exact(V::LANES);
    let mut bc = b.chunks_exact(V::LANES);
    let mut oc = out.chunks_exact_mut(V::LANES);
    for ((ai, bi), oi) in (&mut ac).zip(&mut bc).zip(&mut oc) {
        algo::binary(op, V::load(isa, ai), V::load(isa, bi)).store(oi);
    }
    let (at, bt, ot) = (ac.remainder(), bc.remainder(), oc.into_remainder());
    if !at.is_empty() {
        let mut pa = [V::Elem::default(); MAX_LANES];
        let mut pb = [V::Elem::default(); MAX_LANES];
        pa[..at.len()].copy_from_slice(at);
        pb[..bt.len()].copy_from_slice(bt);
        algo::binary(op, V::load(isa, &pa), V::load(isa, &pb)).store(&mut pa);
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
pub(super) use per_binary_op;

/// The unary form of [`per_binary_op!`] (clamp's bounds stay runtime values).
macro_rules! per_unary_op {
    ($op:expr, |$o:ident| $body:expr) => {
        match $op {
            VecUnary::Neg => {
                let $o = VecUnary::Neg;
                $body
            }
            VecUnary::Abs => {
                let $o = VecUnary::Abs;
                $body
            }
            VecUnary::Sqrt => {
                let $o = VecUnary::Sqrt;
                $body
            }
            VecUnary::Relu => {
                let $o = VecUnary::Relu;
                $body
            }
            VecUnary::Sign => {
                let $o = VecUnary::Sign;
                $body
            }
            VecUnary::Clamp(lo, hi) => {
                let $o = VecUnary::Clamp(lo, hi);
                $body
            }
            VecUnary::Exp => {
                let $o = VecUnary::Exp;
                $body
            }
            VecUnary::Log => {
                let $o = VecUnary::Log;
                $body
            }
            VecUnary::Tanh => {
                let $o = VecUnary::Tanh;
                $body
            }
            VecUnary::Sigmoid => {
                let $o = VecUnary::Sigmoid;
                $body
            }
        }
    };
}
pub(super) use per_unary_op;

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
/// max/min take the accumulator second, so a NaN in `v` leaves it alone; `want_max` is a
/// constant at each call, so the choice folds away.
#[inline(always)]
pub(super) fn extreme_with<V: Vector>(isa: V::Isa, x: &[V::Elem], want_max: bool) -> (V::Elem, bool) {
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
            *a = if want_max { v.max(*a) } else { v.min(*a) };
        }
    }
    let mut lanes = [V::Elem::default(); MAX_LANES];
    let f = |v: V, a: V| if want_max { v.max(a) } else { v.min(a) };
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

/// The entry points of one instruction set: `entry_points!("avx2,fma", Avx2)` defines
/// `unary`, `binary`, `binary_scalar`, `sum_block` and `extreme`, generic over the float type,
/// each compiled with those features so that the loops above and the `$isa` intrinsics inline.
/// `$isa::new()` must itself be a `#[target_feature]` function with the same features (so it
/// is safe to call only where they are on).
macro_rules! entry_points {
    ($features:literal, $isa:ident) => {
        use super::loops::{self, per_binary_op, per_unary_op, WithScalar};
        use super::ops::{VecBinary, VecUnary};
        use super::vector::Real;

        /// This level's vector of `T`.
        type V<T> = <T as Real>::Vec<$isa>;

        #[target_feature(enable = $features)]
        pub(super) fn unary<T: Real>(op: VecUnary<f64>, x: &[T], out: &mut [T]) {
            let isa = $isa::new();
            per_unary_op!(op.cast::<T>(), |o| loops::map::<V<T>>(isa, x, out, o))
        }

        #[target_feature(enable = $features)]
        pub(super) fn binary<T: Real>(op: VecBinary, a: &[T], b: &[T], out: &mut [T]) {
            let isa = $isa::new();
            per_binary_op!(op, |o| loops::map2::<V<T>>(isa, a, b, out, o))
        }

        /// `op(x[i], s)`, or `op(s, x[i])` when `scalar_lhs`.
        #[target_feature(enable = $features)]
        pub(super) fn binary_scalar<T: Real>(op: VecBinary, x: &[T], s: T, scalar_lhs: bool, out: &mut [T]) {
            let isa = $isa::new();
            let sv = V::<T>::splat(isa, s);
            per_binary_op!(op, |o| if scalar_lhs {
                loops::map(isa, x, out, WithScalar { op: o, s: sv, lhs: true })
            } else {
                loops::map(isa, x, out, WithScalar { op: o, s: sv, lhs: false })
            })
        }

        #[target_feature(enable = $features)]
        pub(super) fn sum_block<T: Real>(x: &[T]) -> f64 {
            loops::sum_block($isa::new(), x)
        }

        #[target_feature(enable = $features)]
        pub(super) fn extreme<T: Real>(x: &[T], want_max: bool) -> (T, bool) {
            let isa = $isa::new();
            if want_max {
                loops::extreme_with::<V<T>>(isa, x, true)
            } else {
                loops::extreme_with::<V<T>>(isa, x, false)
            }
        }
    };
}
pub(super) use entry_points;
