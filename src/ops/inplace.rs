//! In-place ops: compute out of place, write the result into the tensor's storage, bump the
//! version, and move the tensor's history to the new node (torch's "rebase").

use crate::autograd::{is_grad_enabled, Backward};
use crate::dtype::DType;
use crate::error::{bail, fmt_shape, Result};
use crate::layout::Layout;
use crate::ops::index::{index_put, IndexSpec};
use crate::ops::record;
use crate::shape::Dims;
use crate::tensor::{Scalar, Tensor};

impl Tensor {
    fn check_inplace_autograd(&self, op: &str, others: &[&Tensor]) -> Result<bool> {
        let recording =
            is_grad_enabled() && (self.requires_grad() || others.iter().any(|t| t.requires_grad()));
        if !recording {
            return Ok(false);
        }
        if self.is_leaf() && self.requires_grad() {
            bail!(
                Autograd,
                "{op}: a leaf Variable that requires grad is being used in an in-place operation."
            )
        }
        if let Some(base) = self.base() {
            if base.is_leaf() && base.requires_grad() {
                bail!(
                    Autograd,
                    "{op}: a view of a leaf Variable that requires grad is being used in an in-place operation."
                )
            }
            if !base.is_contiguous() {
                bail!(
                    Autograd,
                    "{op}: in-place operation on a view of a non-contiguous tensor (shape {}) while recording gradients is not supported; use the out-of-place form",
                    fmt_shape(base.shape())
                )
            }
        }
        Ok(true)
    }

    /// Runs `f` on (a history-keeping copy of) self and writes the result back in place.
    pub fn apply_inplace(
        &self,
        op: &str,
        others: &[&Tensor],
        f: impl FnOnce(&Tensor) -> Result<Tensor>,
    ) -> Result<()> {
        // torch refuses an elementwise in-place op on an expanded tensor (each result element
        // would be written to the same place); a fill writes one value and is allowed.
        if op != "fill_" && self.layout().has_internal_overlap() {
            bail!(
                Shape,
                "{op}: unsupported operation: more than one element of the written-to tensor refers to a single memory location (shape {}, strides {:?}). Please clone() the tensor before performing the operation.",
                fmt_shape(self.shape()),
                self.layout().strides
            )
        }
        let recording = self.check_inplace_autograd(op, others)?;
        // The rule may save self's old values; it must not see them overwritten.
        let src = if recording { self.copy_keeping_history()? } else { self.clone() };
        let mut r = f(&src)?;
        if r.shape() != self.shape() {
            bail!(
                Shape,
                "{op}: output with shape {} doesn't match the broadcast shape {}",
                fmt_shape(self.shape()),
                fmt_shape(r.shape())
            )
        }
        if r.dtype().category() > self.dtype().category() {
            bail!(
                DType,
                "{op}: result type {} can't be cast to the desired output type {}",
                r.dtype(),
                self.dtype()
            )
        }
        if recording && !r.requires_grad() && src.requires_grad() {
            // The old values stop mattering, but the tensor stays part of the graph (its
            // gradient to the old history is zero), as with torch's FillBackward.
            let keep = Tensor::scalar(Scalar::Bool(true), DType::Bool);
            r = Tensor::where_(&keep, &r, &src)?;
        }
        let rl = r.layout().clone();
        self.storage().write(self.layout(), r.storage(), &rl)?;
        self.bump_version_by(op);
        self.take_tangent_of(&r);
        if recording {
            self.rebase_history(&r)?;
        }
        Ok(())
    }

    /// An in-place op torch does not differentiate (the `_` forms of the binary rows without a
    /// rule: logical_and_, bitwise_or_, ...): the values are written and the version bumped, the
    /// history left alone, as torch does. A tensor requiring grad keeps its node (its gradient
    /// is the overwritten value's), and a leaf requiring grad may be written.
    pub fn apply_inplace_untracked(
        &self,
        op: &str,
        others: &[&Tensor],
        f: impl FnOnce(&Tensor) -> Result<Tensor>,
    ) -> Result<()> {
        let _off = crate::autograd::GradModeGuard::new(false);
        self.apply_inplace(op, others, f)
    }

    pub fn copy_(&self, src: &Tensor) -> Result<()> {
        let shape = self.dims();
        let dtype = self.dtype();
        self.apply_inplace("copy_", &[src], |old| {
            let s = src.expand_to(&shape)?;
            let s = if s.dtype() == dtype { s } else { s.to_dtype(dtype)? };
            // A node of its own (src's would make self share src's node and hooks, and a leaf
            // src has none), with torch's two edges: src gets the gradient, self's old history
            // zeros. The zeros matter: that history still runs, as in torch, so a tensor it
            // saved and this copy overwrote is reported at backward, not silently skipped.
            let out = s.view_of(s.layout().clone());
            record("torch::autograd::CopyBackwards", &out, &[old, &s], |_| CopyBackwards);
            Ok(out)
        })
    }

    pub fn fill_(&self, v: Scalar) -> Result<()> {
        let (shape, dtype) = (self.dims(), self.dtype());
        self.apply_inplace("fill_", &[], |_| Tensor::full(&shape, v.to_f64(), dtype, self.device()))
    }

    pub fn zero_(&self) -> Result<()> {
        self.fill_(Scalar::Int(0))
    }

    /// `self[spec] = value`.
    pub fn index_put_(&self, spec: &IndexSpec, value: &Tensor) -> Result<()> {
        let recording = self.check_inplace_autograd("index_put_", &[value])?;
        if !recording {
            // A value that reads the memory being written (`x[1:] = x[:-1]`) would see its own
            // earlier writes: copy it first, as NumPy does (torch refuses partial overlap).
            let value =
                if value.storage().same_as(self.storage()) { &value.contiguous_copy()? } else { value };
            spec.set_raw(self, value)?;
            self.bump_version_by("index_put_ (x[...] = value)");
            return Ok(());
        }
        let src = self.copy_keeping_history()?;
        let r = index_put(&src, spec, &value.to_dtype(self.dtype())?)?;
        let rl = r.layout().clone();
        self.storage().write(self.layout(), r.storage(), &rl)?;
        self.bump_version_by("index_put_ (x[...] = value)");
        self.take_tangent_of(&r);
        self.rebase_history(&r)
    }

    /// Forward mode: after an in-place write, the tensor's tangent is the result's.
    fn take_tangent_of(&self, r: &Tensor) {
        if let Some(level) = crate::autograd::forward::current_level() {
            if let Some(t) = r.tangent(level) {
                self.set_tangent(level, t);
            }
        }
    }

    /// After an in-place write of `r`: self's history becomes r's. For a view, the base's history
    /// becomes "old base with the region replaced by r" (torch's CopySlices), and the view reads
    /// its region back from the new base.
    fn rebase_history(&self, r: &Tensor) -> Result<()> {
        let Some(base) = self.base() else {
            self.set_grad_fn(r.grad_fn());
            return Ok(());
        };
        let region = Layout {
            shape: self.dims(),
            strides: self.strides().into(),
            offset: self.layout().offset - base.layout().offset,
        };
        // `record` takes the base's old edge before it installs the new node on the base.
        record("CopySlices", base, &[base, r], |_| CopySlices {
            region: region.clone(),
            base_shape: base.dims(),
        });
        record("AsStridedBackward0", self, &[base], |_| AsStridedBackward {
            region,
            base_shape: base.dims(),
        });
        self.mark_view_current();
        Ok(())
    }

    /// A view's history, rebuilt as "this region of the base" after the base was written in
    /// place (torch's view regeneration). Only when the base has history to read from.
    pub(crate) fn regenerate_view_history(&self) {
        let Some(base) = self.base() else { return };
        self.mark_view_current();
        if !base.requires_grad() {
            return;
        }
        let region = Layout {
            shape: self.dims(),
            strides: self.strides().into(),
            offset: self.layout().offset - base.layout().offset,
        };
        let _rec = crate::autograd::GradModeGuard::new(true);
        record("AsStridedBackward0", self, &[base], |_| AsStridedBackward {
            region,
            base_shape: base.dims(),
        });
    }
}

struct CopySlices {
    region: Layout,
    base_shape: Dims,
}
impl Backward for CopySlices {
    fn saves_tensors(&self) -> bool {
        false
    }
    fn backward(&self, g: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let gb = if needs[0] {
            let mask = Tensor::full(&self.base_shape, 0.0, DType::Bool, g.device())?;
            mask.storage().write(
                &self.region,
                Tensor::scalar(Scalar::Bool(true), DType::Bool).storage(),
                &Layout::contiguous(&[]),
            )?;
            Some(Tensor::where_(&mask, &g.zeros_like()?, g)?)
        } else {
            None
        };
        let gr = if needs[1] { Some(g.as_strided_region(&self.region)?) } else { None };
        Ok(vec![gb, gr])
    }
}

struct AsStridedBackward {
    region: Layout,
    base_shape: Dims,
}
impl Backward for AsStridedBackward {
    fn saves_tensors(&self) -> bool {
        false
    }
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![Some(g.embed_region(&self.region, &self.base_shape)?)])
    }
}

impl Tensor {
    /// The elements of `region` (a layout over this tensor's contiguous elements), differentiable.
    pub(crate) fn as_strided_region(&self, region: &Layout) -> Result<Tensor> {
        let c = self.contiguous()?;
        let l = Layout {
            shape: region.shape.clone(),
            strides: region.strides.clone(),
            offset: c.layout().offset + region.offset,
        };
        let out = c.view_of(l);
        let shape = self.dims();
        record("AsStridedBackward0", &out, &[&c], |_| AsStridedBackward {
            region: region.clone(),
            base_shape: shape,
        });
        Ok(out)
    }

    /// zeros(base_shape) with this tensor written at `region`, differentiable.
    pub(crate) fn embed_region(&self, region: &Layout, base_shape: &[usize]) -> Result<Tensor> {
        let out = Tensor::full(base_shape, 0.0, self.dtype(), self.device())?;
        if region.shape.iter().zip(&region.strides).any(|(&n, &s)| s == 0 && n > 1) {
            // An expanded region reads base elements several times: their gradients add up
            // (a plain write would keep only the last one).
            use crate::backend::BackendStorage;
            let mut offs = crate::backend::cpu::try_vec(region.numel())?;
            crate::layout::for_each_offset(&region.shape.clone(), [region], |[o]| offs.push(o));
            out.storage().data().scatter(&offs, self.storage().data(), self.layout(), true)?;
        } else {
            out.storage().write(region, self.storage(), self.layout())?;
        }
        record("AsStridedScatterBackward0", &out, &[self], |_| EmbedRegionBackward {
            region: region.clone(),
        });
        Ok(out)
    }
}

struct EmbedRegionBackward {
    region: Layout,
}
impl Backward for EmbedRegionBackward {
    fn saves_tensors(&self) -> bool {
        false
    }
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![Some(g.as_strided_region(&self.region)?)])
    }
}

/// copy_'s rule: the old values of self were overwritten (zero gradient), src's pass through.
struct CopyBackwards;
impl Backward for CopyBackwards {
    fn backward(&self, g: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let old = if needs[0] { Some(g.zeros_like()?) } else { None };
        Ok(vec![old, needs[1].then(|| g.clone())])
    }
}
