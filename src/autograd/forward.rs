//! Forward-mode AD (dual numbers). Inside a dual level, a tensor may carry a tangent; every op
//! that sees a tangent on an input gives its output the Jacobian-vector product.
//!
//! The tangent of each op is derived from its backward rule, which is linear in the output
//! gradient g: with u a dummy gradient, J v = d<B(u), v>/du. That is exact for every op whose
//! backward is differentiable (gradgradcheck checks all of them), at the cost of evaluating the
//! rule and its transpose per op; dedicated tangent rules would be faster for hot ops.

use super::{Backward, GradModeGuard};
use crate::error::Result;
use crate::tensor::Tensor;
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_LEVEL: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The innermost open dual level on this thread (0 = none).
    static LEVEL: Cell<u64> = const { Cell::new(0) };
}

/// Opens a dual level; returns its id (tangents carry it, so leaving the level hides them).
pub fn enter_level() -> u64 {
    let id = NEXT_LEVEL.fetch_add(1, Ordering::Relaxed);
    LEVEL.with(|l| l.set(id));
    id
}

pub fn exit_level() {
    LEVEL.with(|l| l.set(0));
}

/// The open level, if any.
pub fn current_level() -> Option<u64> {
    let l = LEVEL.with(|l| l.get());
    (l != 0).then_some(l)
}

/// Restores the previous level on drop.
pub(crate) struct LevelGuard(u64);

impl LevelGuard {
    /// Makes `level` (0: none) current on this thread until the guard drops: backward jobs run
    /// on pool threads take the caller's level, so forward-over-reverse sees the tangents there.
    pub(crate) fn enter(level: u64) -> Self {
        LevelGuard(LEVEL.with(|l| l.replace(level)))
    }
}

impl Drop for LevelGuard {
    fn drop(&mut self) {
        LEVEL.with(|l| l.set(self.0));
    }
}

/// J v for one op: `rule` is its backward, `inputs` its inputs with their tangents.
pub(crate) fn jvp(
    rule: &dyn Backward,
    out: &Tensor,
    inputs: &[&Tensor],
    tangents: &[Option<Tensor>],
) -> Result<Option<Tensor>> {
    let _g = GradModeGuard::new(true);
    // The rule's own ops see the inputs' tangents; they must not form tangents of their own.
    let _no_dual = LevelGuard::enter(0);
    let u = Tensor::zeros(out.shape(), out.dtype())?;
    u.set_requires_grad(true)?;
    let needs: Vec<bool> = tangents.iter().map(|t| t.is_some()).collect();
    let gs = rule.backward(&u, &needs)?;
    let mut total: Option<Tensor> = None;
    for ((g, v), x) in gs.into_iter().zip(tangents).zip(inputs) {
        let (Some(g), Some(v)) = (g, v) else { continue };
        // The rule's gradient for this input, fitted to it as the engine would.
        let g = if g.shape() != x.shape() { g.sum_to(x.shape())? } else { g };
        if !g.requires_grad() {
            continue; // the rule ignores g for this input (a zero Jacobian)
        }
        let v = v.to_dtype(g.dtype())?;
        let jv = super::engine::grad(&[g], &[Some(v)], std::slice::from_ref(&u), true, false, true)?;
        if let Some(Some(jv)) = jv.into_iter().next() {
            let jv = jv.detach();
            total = Some(match total {
                None => jv,
                Some(t) => t.add(&jv)?,
            });
        }
    }
    match total {
        Some(t) if t.dtype() != out.dtype() => Ok(Some(t.to_dtype(out.dtype())?)),
        t => Ok(t.or(Some(out.zeros_like()?))),
    }
}

impl Tensor {
    /// forward_ad.make_dual: this tensor (a view with its history) carrying `tangent`.
    pub fn make_dual(&self, tangent: &Tensor) -> Result<Tensor> {
        let Some(level) = current_level() else {
            crate::error::bail!(
                Autograd,
                "make_dual: forward AD needs an open dual level (use forward_ad.dual_level())"
            )
        };
        if tangent.shape() != self.shape() {
            crate::error::bail!(
                Shape,
                "make_dual: expected the tangent to have the primal's shape {}, got {}",
                crate::error::fmt_shape(self.shape()),
                crate::error::fmt_shape(tangent.shape())
            )
        }
        if !self.dtype().is_float() || tangent.dtype() != self.dtype() {
            crate::error::bail!(
                DType,
                "make_dual: expected a floating point primal and a tangent of its dtype, got {} and {}",
                self.dtype(),
                tangent.dtype()
            )
        }
        let dual = self.alias_view();
        dual.set_tangent(level, tangent.detach());
        Ok(dual)
    }

    /// forward_ad.unpack_dual: (a view without the tangent, the tangent at the open level).
    pub fn unpack_dual(&self) -> (Tensor, Option<Tensor>) {
        let tangent = current_level().and_then(|l| self.tangent(l));
        let primal = self.alias_view();
        primal.0.meta.lock().tangent = None;
        (primal, tangent)
    }
}
