//! softmax and log_softmax along a dim, each with its own fused backward rule.

use super::record;
use crate::autograd::{Backward, GradModeGuard, Node, SavedTensor};
use crate::error::Result;
use crate::shape::normalize_dim;
use crate::tensor::Tensor;
use std::sync::Weak;

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
            if x.numel() == 0 {
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
