//! softmax and log_softmax along a dim: on the CPU one row kernel forward and backward
//! (`RowKernels`), elsewhere (wgpu) and when the backward must be differentiable the composite
//! of generic ops.

use super::record;
use crate::autograd::{is_grad_enabled, Backward, GradModeGuard, Node, SavedTensor};
use crate::backend::RowKernels;
use crate::device::Device;
use crate::error::Result;
use crate::shape::normalize_dim;
use crate::storage::StorageData;
use crate::tensor::Tensor;
use std::sync::Weak;

/// `t` with dim `d` moved last (a view: the row kernels gather strided rows themselves).
pub(crate) fn dim_last(t: &Tensor, d: usize) -> Result<Tensor> {
    if d + 1 == t.ndim() {
        Ok(t.clone())
    } else {
        t.transpose(d as i64, -1)
    }
}

/// A row kernel's contiguous result of `rows_shape` (dim `d` last) put back in dim `d`'s place.
pub(crate) fn dim_back(data: StorageData, rows_shape: &[usize], d: usize) -> Result<Tensor> {
    let t = Tensor::from_data(data, rows_shape);
    if d + 1 == rows_shape.len() {
        Ok(t)
    } else {
        t.transpose(d as i64, -1)?.contiguous()
    }
}

/// Whether a backward rule may return a gradient with no history and no tangent: grad mode
/// is off (no create_graph) and no dual level is open (forward-over-reverse differentiates it).
pub(crate) fn plain_backward() -> bool {
    !is_grad_enabled() && crate::autograd::forward::current_level().is_none()
}

/// The row kernels serve CPU tensors with at least one dim and one element; the rest take the
/// composite (wgpu keeps its GPU kernels, 0-d and empty tensors their special cases).
fn fused(t: &Tensor) -> bool {
    t.device() == Device::Cpu && t.ndim() > 0 && t.numel() > 0
}

struct SoftmaxBackward {
    out: SavedTensor,
    dim: i64,
    log: bool,
}
impl Backward for SoftmaxBackward {
    fn bind_outputs(&mut self, node: &Weak<Node>) {
        self.out.bind_output(node);
    }
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let y = self.out.unpack()?;
        // Without create_graph (nor a dual level, whose tangents the gradient must carry) the
        // gradient need not be differentiable: one row pass.
        if plain_backward() && fused(&y) && g.dtype() == y.dtype() && g.shape() == y.shape() {
            let d = self.dim as usize;
            let (gl, yl) = (dim_last(g, d)?, dim_last(&y, d)?);
            let n = yl.shape()[yl.ndim() - 1];
            let data = gl.storage().data().softmax_backward_rows(
                gl.layout(),
                yl.storage().data(),
                yl.layout(),
                n,
                self.log,
            )?;
            return Ok(vec![Some(dim_back(data, yl.shape(), d)?)]);
        }
        let gx = if self.log {
            // d log_softmax: g - softmax * sum(g)
            g.sub(&y.exp()?.mul(&g.sum(&[self.dim], true)?)?)?
        } else {
            // d softmax: y * (g - sum(g * y))
            y.mul(&g.sub(&g.mul(&y)?.sum(&[self.dim], true)?)?)?
        };
        Ok(vec![Some(gx)])
    }
}

impl Tensor {
    pub fn softmax(&self, dim: i64) -> Result<Tensor> {
        self.softmax_impl(dim, false)
    }

    pub fn log_softmax(&self, dim: i64) -> Result<Tensor> {
        self.softmax_impl(dim, true)
    }

    fn softmax_impl(&self, dim: i64, log: bool) -> Result<Tensor> {
        let name = if log { "log_softmax" } else { "softmax" };
        let d = normalize_dim(name, dim, self.ndim())? as i64;
        // torch has no integer or bool kernels: such input needs `dtype=` (a float).
        if !self.dtype().is_float() {
            crate::error::bail!(
                DType,
                "{name}: not implemented for '{}' input (pass dtype= a floating point type)",
                self.dtype()
            )
        }
        let x = self.clone();
        let out = {
            let _g = GradModeGuard::new(false);
            if fused(&x) {
                let xl = dim_last(&x, d as usize)?;
                let n = xl.shape()[xl.ndim() - 1];
                let data = xl.storage().data().softmax_rows(xl.layout(), n, log)?;
                dim_back(data, xl.shape(), d as usize)?
            } else if x.numel() == 0 {
                // nothing to normalise (torch returns the empty tensor; amax would refuse it)
                x.zeros_like()?
            } else if x.ndim() == 0 {
                // x - x: 0 (log) or exp(0) = 1, and NaN for a NaN or infinite x, as in torch
                let z = x.sub(&x)?;
                if log {
                    z
                } else {
                    z.exp()?
                }
            } else {
                // Subtracting the max keeps exp in range.
                let shifted = x.sub(&x.amax(&[d], true)?)?;
                if log {
                    shifted.sub(&shifted.exp()?.sum(&[d], true)?.log()?)?
                } else {
                    let e = shifted.exp()?;
                    e.div(&e.sum(&[d], true)?)?
                }
            }
        };
        let d_rule = if x.ndim() == 0 { 0 } else { d };
        let name = if log { "LogSoftmaxBackward0" } else { "SoftmaxBackward0" };
        record(name, &out, &[self], |_| SoftmaxBackward {
            out: SavedTensor::output(&out, name),
            dim: d_rule,
            log,
        });
        Ok(out)
    }
}
