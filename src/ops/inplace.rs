//! In-place ops: compute out of place, write the result into the tensor's storage, bump the
//! version, and move the tensor's history to the new node (torch's "rebase").

use crate::autograd::is_grad_enabled;
use crate::dtype::DType;
use crate::error::{bail, fmt_shape, Result};
use crate::ops::index::{index_put, IndexSpec};
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
        if self.is_view() {
            bail!(
                Autograd,
                "{op}: in-place operation on a view of another tensor is not supported while recording gradients (view shape {}); use the out-of-place form, or do it under no_grad()",
                fmt_shape(self.shape())
            )
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
        let recording = self.check_inplace_autograd(op, others)?;
        // The rule may save self's old values; it must not see them overwritten.
        let src = if recording {
            self.copy_keeping_history()?
        } else {
            self.clone()
        };
        let mut r = f(&src)?;
        if r.shape() != self.shape() {
            bail!(
                Shape,
                "{op}: output with shape {} doesn't match the broadcast shape {}",
                fmt_shape(self.shape()),
                fmt_shape(r.shape())
            )
        }
        let cat = |d: DType| match d {
            DType::Bool => 0,
            DType::I64 => 1,
            _ => 2,
        };
        if cat(r.dtype()) > cat(self.dtype()) {
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
        self.storage()
            .cpu_data_write(self.layout(), r.storage(), &rl)?;
        self.storage().bump_version();
        if recording {
            self.set_grad_fn(r.grad_fn());
        }
        Ok(())
    }

    pub fn copy_(&self, src: &Tensor) -> Result<()> {
        let shape = self.dims();
        let dtype = self.dtype();
        self.apply_inplace("copy_", &[src], |_| {
            let s = src.expand_to(&shape)?;
            let s = if s.dtype() == dtype {
                s
            } else {
                s.to_dtype(dtype)?
            };
            Ok(s)
        })
    }

    pub fn fill_(&self, v: Scalar) -> Result<()> {
        let (shape, dtype) = (self.dims(), self.dtype());
        self.apply_inplace("fill_", &[], |_| {
            Tensor::full(&shape, v.to_f64(), dtype, self.device())
        })
    }

    pub fn zero_(&self) -> Result<()> {
        self.fill_(Scalar::Int(0))
    }

    /// `self[spec] = value`.
    pub fn index_put_(&self, spec: &IndexSpec, value: &Tensor) -> Result<()> {
        if value.dtype().is_float() && !self.dtype().is_float() {
            // torch casts silently for setitem; match it.
        }
        let recording = self.check_inplace_autograd("index_put_", &[value])?;
        if !recording {
            spec.set_raw(self, value)?;
            self.storage().bump_version();
            return Ok(());
        }
        let src = self.copy_keeping_history()?;
        let r = index_put(&src, spec, &value.to_dtype(self.dtype())?)?;
        let rl = r.layout().clone();
        self.storage()
            .cpu_data_write(self.layout(), r.storage(), &rl)?;
        self.storage().bump_version();
        self.set_grad_fn(r.grad_fn());
        Ok(())
    }
}
