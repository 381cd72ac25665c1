//! Reductions over dims (sum, mean, prod, var, std, max, min, amax, amin, argmax, argmin,
//! logsumexp) and sum_to, the reduction that undoes broadcasting in backward.

use super::record;
use crate::autograd::{Backward, GradModeGuard, Node, SavedTensor};
use crate::backend::{BackendStorage, ReduceOp};
use crate::dtype::DType;
use crate::error::{bail, fmt_shape, Result};
use crate::shape::{normalize_dims, Dims};
use crate::tensor::{Scalar, Tensor};
use std::sync::Weak;

/// The dims to reduce and the shapes before and after.
struct Plan {
    dims: Dims,
    keep_shape: Dims,
    out_shape: Dims,
    count: usize,
}

fn plan(op: &str, t: &Tensor, dims: &[i64], keepdim: bool) -> Result<Plan> {
    let dims = normalize_dims(op, dims, t.ndim())?;
    let mut keep_shape = t.dims();
    let mut out_shape = Dims::new();
    let mut count = 1usize;
    for (i, &d) in t.shape().iter().enumerate() {
        if dims.contains(&i) {
            keep_shape[i] = 1;
            count *= d;
            if keepdim {
                out_shape.push(1);
            }
        } else {
            out_shape.push(d);
        }
    }
    Ok(Plan { dims, keep_shape, out_shape, count })
}

/// Runs the reduction kernel without recording.
fn reduce_raw(t: &Tensor, p: &Plan, op: ReduceOp) -> Result<Tensor> {
    let nd = t.ndim();
    let mut perm: Vec<usize> = (0..nd).filter(|d| !p.dims.contains(d)).collect();
    let rows: usize = perm.iter().map(|&d| t.shape()[d]).product();
    perm.extend(p.dims.iter().copied());
    let l = t.layout().permute(&perm);
    let out = t.storage().data().reduce(&l, rows, p.count, op)?;
    Ok(Tensor::from_data(out, &p.out_shape))
}

/// Broadcasts a reduced gradient back over the input's shape.
fn expand_back(g: &Tensor, keep_shape: &[usize], shape: &[usize]) -> Result<Tensor> {
    g.reshape_to(keep_shape)?.expand_to(shape)
}

struct SumBackward {
    keep_shape: Dims,
    shape: Dims,
    /// 1 for sum, the element count for mean.
    divisor: usize,
}
impl Backward for SumBackward {
    fn saves_tensors(&self) -> bool {
        false
    }
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let mut gx = expand_back(g, &self.keep_shape, &self.shape)?;
        if self.divisor != 1 {
            gx = gx.div(&Tensor::wrapped_scalar(Scalar::Int(self.divisor as i64)))?;
        }
        Ok(vec![Some(gx)])
    }
}

impl Tensor {
    pub fn sum(&self, dims: &[i64], keepdim: bool) -> Result<Tensor> {
        let p = plan("sum", self, dims, keepdim)?;
        let src = if self.dtype().is_float() { self.clone() } else { self.cast_raw(DType::I64)? };
        let out = reduce_raw(&src, &p, ReduceOp::Sum)?;
        let name = if dims.is_empty() { "SumBackward0" } else { "SumBackward1" };
        record(name, &out, &[self], |_| SumBackward {
            keep_shape: p.keep_shape.clone(),
            shape: self.dims(),
            divisor: 1,
        });
        Ok(out)
    }

    pub fn mean(&self, dims: &[i64], keepdim: bool) -> Result<Tensor> {
        if !self.dtype().is_float() {
            bail!(
                NotImplemented,
                "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: {}",
                self.dtype().torch_scalar_name()
            )
        }
        let p = plan("mean", self, dims, keepdim)?;
        let out = {
            let _g = GradModeGuard::new(false);
            let s = reduce_raw(self, &p, ReduceOp::Sum)?;
            s.div(&Tensor::wrapped_scalar(Scalar::Float(p.count as f64)))?
        };
        let name = if dims.is_empty() { "MeanBackward0" } else { "MeanBackward1" };
        record(name, &out, &[self], |_| SumBackward {
            keep_shape: p.keep_shape.clone(),
            shape: self.dims(),
            divisor: p.count,
        });
        Ok(out)
    }

    /// Reduces a broadcast gradient to `shape` (the inverse of broadcasting).
    pub fn sum_to(&self, shape: &[usize]) -> Result<Tensor> {
        if self.shape() == shape {
            return Ok(self.clone());
        }
        let lead = self.ndim() - shape.len();
        let mut dims: Vec<i64> = (0..lead as i64).collect();
        for (i, &d) in shape.iter().enumerate() {
            if d == 1 && self.shape()[lead + i] != 1 {
                dims.push((lead + i) as i64);
            }
        }
        let s = if dims.is_empty() { self.clone() } else { self.sum(&dims, true)? };
        s.reshape_to(shape)
    }

    pub fn prod(&self, dims: &[i64], keepdim: bool) -> Result<Tensor> {
        let p = plan("prod", self, dims, keepdim)?;
        let src = if self.dtype().is_float() { self.clone() } else { self.cast_raw(DType::I64)? };
        let out = reduce_raw(&src, &p, ReduceOp::Prod)?;
        let name = if dims.is_empty() { "ProdBackward0" } else { "ProdBackward1" };
        record(name, &out, &[self], |_| ProdBackward {
            x: SavedTensor::input(self, name),
            dims: p.dims.iter().map(|&d| d as i64).collect(),
            keep_shape: p.keep_shape.clone(),
        });
        Ok(out)
    }

    /// Variance with Bessel's `correction` (1 = unbiased, torch's default).
    pub fn var(&self, dims: &[i64], correction: f64, keepdim: bool) -> Result<Tensor> {
        self.moment(dims, correction, keepdim, false)
    }

    pub fn std(&self, dims: &[i64], correction: f64, keepdim: bool) -> Result<Tensor> {
        self.moment(dims, correction, keepdim, true)
    }

    fn moment(&self, dims: &[i64], correction: f64, keepdim: bool, std: bool) -> Result<Tensor> {
        let op = if std { "std" } else { "var" };
        if !self.dtype().is_float() {
            bail!(DType, "{op}: only floating point dtypes are supported, got {}", self.dtype())
        }
        let p = plan(op, self, dims, keepdim)?;
        let denom = (p.count as f64 - correction).max(0.0);
        let out = {
            let _g = GradModeGuard::new(false);
            let all: Vec<i64> = p.dims.iter().map(|&d| d as i64).collect();
            let dev = self.sub(&self.mean(&all, true)?)?;
            let ss = dev.mul(&dev)?.sum(&all, keepdim)?;
            let v = ss.div(&Tensor::wrapped_scalar(Scalar::Float(denom)))?;
            if std {
                v.sqrt()?
            } else {
                v
            }
        };
        let name = if std { "StdBackward0" } else { "VarBackward0" };
        record(name, &out, &[self], |_| MomentBackward {
            x: SavedTensor::input(self, name),
            out: std.then(|| SavedTensor::output(&out, name)),
            dims: p.dims.iter().map(|&d| d as i64).collect(),
            keep_shape: p.keep_shape.clone(),
            denom,
        });
        Ok(out)
    }

    /// max/min over one dim: (values, indices); the gradient goes to the element picked.
    pub fn max_dim(&self, dim: i64, keepdim: bool) -> Result<(Tensor, Tensor)> {
        self.extreme_dim(dim, keepdim, true)
    }

    pub fn min_dim(&self, dim: i64, keepdim: bool) -> Result<(Tensor, Tensor)> {
        self.extreme_dim(dim, keepdim, false)
    }

    fn extreme_dim(&self, dim: i64, keepdim: bool, max: bool) -> Result<(Tensor, Tensor)> {
        let op = if max { "max" } else { "min" };
        let p = plan(op, self, &[dim], keepdim)?;
        if p.count == 0 {
            bail!(Index, "{op}(): Expected reduction dim {dim} to have non-zero size.")
        }
        let (vop, iop) =
            if max { (ReduceOp::Max, ReduceOp::ArgMax) } else { (ReduceOp::Min, ReduceOp::ArgMin) };
        let values = reduce_raw(self, &p, vop)?;
        let indices = reduce_raw(self, &p, iop)?;
        let d = p.dims.first().copied().unwrap_or(0);
        let name = if max { "MaxBackward0" } else { "MinBackward0" };
        let idx_keep = indices.reshape_to(&p.keep_shape)?;
        // Saved as torch saves them: version-checked, so indices written in place before the
        // backward are its error, not a gradient sent to other elements.
        record(name, &values, &[self], |_| PickBackward {
            indices: SavedTensor::input(&idx_keep, name),
            dim: d,
            keep_shape: p.keep_shape.clone(),
            shape: self.dims(),
        });
        Ok((values, indices))
    }

    /// Full max/min/amax/amin: ties share the gradient evenly, as torch does for these.
    pub fn amax(&self, dims: &[i64], keepdim: bool) -> Result<Tensor> {
        self.extreme_all(
            dims,
            keepdim,
            true,
            if dims.is_empty() { "MaxBackward1" } else { "AmaxBackward0" },
            "amax",
        )
    }

    pub fn amin(&self, dims: &[i64], keepdim: bool) -> Result<Tensor> {
        self.extreme_all(
            dims,
            keepdim,
            false,
            if dims.is_empty() { "MinBackward1" } else { "AminBackward0" },
            "amin",
        )
    }

    pub fn max_all(&self) -> Result<Tensor> {
        self.extreme_all(&[], false, true, "MaxBackward1", "max")
    }

    pub fn min_all(&self) -> Result<Tensor> {
        self.extreme_all(&[], false, false, "MinBackward1", "min")
    }

    fn extreme_all(
        &self,
        dims: &[i64],
        keepdim: bool,
        max: bool,
        name: &'static str,
        op: &str,
    ) -> Result<Tensor> {
        let p = plan(op, self, dims, keepdim)?;
        if p.count == 0 {
            // torch: a RuntimeError for the whole-tensor form, an IndexError for an empty dim
            if dims.is_empty() {
                bail!(
                    Shape,
                    "{op}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument."
                )
            }
            bail!(
                Index,
                "{op}(): Expected reduction dim to have non-zero size (input of shape {}).",
                fmt_shape(self.shape())
            )
        }
        let out = reduce_raw(self, &p, if max { ReduceOp::Max } else { ReduceOp::Min })?;
        record(name, &out, &[self], |_| EvenBackward {
            x: SavedTensor::input(self, name),
            out: SavedTensor::output(&out, name),
            dims: p.dims.iter().map(|&d| d as i64).collect(),
            keep_shape: p.keep_shape.clone(),
            whole: matches!(op, "max" | "min"),
        });
        Ok(out)
    }

    pub fn argmax(&self, dim: Option<i64>, keepdim: bool) -> Result<Tensor> {
        self.arg_extreme(dim, keepdim, ReduceOp::ArgMax, "argmax")
    }

    pub fn argmin(&self, dim: Option<i64>, keepdim: bool) -> Result<Tensor> {
        self.arg_extreme(dim, keepdim, ReduceOp::ArgMin, "argmin")
    }

    fn arg_extreme(&self, dim: Option<i64>, keepdim: bool, op: ReduceOp, name: &str) -> Result<Tensor> {
        if self.dtype() == crate::dtype::DType::Bool {
            bail!(
                DType,
                "{name}(): does not support bool input (shape {})",
                crate::error::fmt_shape(self.shape())
            )
        }
        match dim {
            None => {
                if self.numel() == 0 {
                    bail!(Index, "{name}(): Expected reduction dim to be specified for input.numel() == 0.")
                }
                let flat = self.detach().reshape_to(&[self.numel()])?;
                let p = plan(name, &flat, &[0], false)?;
                let out = reduce_raw(&flat, &p, op)?;
                if keepdim {
                    out.reshape_to(&vec![1; self.ndim()])
                } else {
                    Ok(out)
                }
            }
            Some(d) => {
                let p = plan(name, self, &[d], keepdim)?;
                if p.count == 0 {
                    bail!(Index, "{name}(): Expected reduction dim {d} to have non-zero size.")
                }
                reduce_raw(self, &p, op)
            }
        }
    }

    pub fn logsumexp(&self, dims: &[i64], keepdim: bool) -> Result<Tensor> {
        let x = if self.dtype().is_float() { self.clone() } else { self.cast_raw(DType::F32)? };
        let p = plan("logsumexp", &x, dims, keepdim)?;
        let out = {
            let _g = GradModeGuard::new(false);
            let all: Vec<i64> = p.dims.iter().map(|&d| d as i64).collect();
            // Shift by the max so exp cannot overflow; an infinite max is replaced by 0 so that
            // inf - inf does not turn into NaN.
            // Over nothing, the sum of exp is 0 and the result -inf, as in torch.
            let m = if p.count == 0 {
                Tensor::full(&p.keep_shape, 0.0, x.dtype(), x.device())?
            } else {
                x.amax(&all, true)?
            };
            let finite = m.abs()?.lt_scalar(f64::INFINITY)?;
            let m = Tensor::where_(&finite, &m, &m.zeros_like()?)?;
            let s = x.sub(&m)?.exp()?.sum(&all, true)?.log()?.add(&m)?;
            s.reshape_to(&p.out_shape)?
        };
        record("LogsumexpBackward0", &out, &[self], |_| LogsumexpBackward {
            x: SavedTensor::input(&x, "LogsumexpBackward0"),
            out: SavedTensor::output(&out, "LogsumexpBackward0"),
            keep_shape: p.keep_shape.clone(),
        });
        Ok(out)
    }
}

struct ProdBackward {
    x: SavedTensor,
    dims: Vec<i64>,
    keep_shape: Dims,
}
impl Backward for ProdBackward {
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        // d prod / d x_i is the product of the others, written so that it stays differentiable
        // (double backward) when some x are zero: others_i = A_i * B_i with
        //   A_i = product of the other non-zero elements (prod_nz / x_i, or prod_nz at a zero),
        //   B_i = product of the other zero elements: Z = prod of all zeros for a non-zero x_i;
        //         at a zero x_i, 1 if it is the only zero, the other zero (sum of zeros - x_i)
        //         if there are two, and 0 with three or more.
        // Dividing the product by x_i instead is wrong at zeros, and masking with constants
        // (torch does it via cumprod) loses the second derivative.
        let x = self.x.unpack()?;
        let shape = x.dims();
        let is_zero = x.eq_scalar(0.0)?;
        let one = x.ones_like()?;
        let zero = x.zeros_like()?;
        let x_nz = Tensor::where_(&is_zero, &one, &x)?;
        let prod_nz = x_nz.prod(&self.dims, true)?.expand_to(&shape)?;
        let a = Tensor::where_(&is_zero, &prod_nz, &prod_nz.div(&x_nz)?)?;
        let z_all = Tensor::where_(&is_zero, &x, &one)?.prod(&self.dims, true)?.expand_to(&shape)?;
        let count = is_zero.sum(&self.dims, true)?.expand_to(&shape)?;
        let sum_zeros = Tensor::where_(&is_zero, &x, &zero)?.sum(&self.dims, true)?.expand_to(&shape)?;
        let other_zero = sum_zeros.sub(&x)?;
        let b_at_zero = Tensor::where_(
            &count.eq_scalar(1.0)?,
            &one,
            &Tensor::where_(&count.eq_scalar(2.0)?, &other_zero, &zero)?,
        )?;
        let b = Tensor::where_(&is_zero, &b_at_zero, &z_all)?;
        let gk = expand_back(g, &self.keep_shape, &shape)?;
        Ok(vec![Some(gk.mul(&a.mul(&b)?)?)])
    }
}

struct MomentBackward {
    x: SavedTensor,
    out: Option<SavedTensor>,
    dims: Vec<i64>,
    keep_shape: Dims,
    denom: f64,
}
impl Backward for MomentBackward {
    fn bind_outputs(&mut self, node: &Weak<Node>) {
        if let Some(o) = &mut self.out {
            o.bind_output(node);
        }
    }
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let x = self.x.unpack()?;
        let dev = x.sub(&x.mean(&self.dims, true)?)?;
        let gk = g.reshape_to(&self.keep_shape)?;
        let d = Tensor::wrapped_scalar(Scalar::Float(self.denom));
        let gx = match &self.out {
            // d std = (x - mean) / (denom * std), and 0 where std == 0 (constant input): torch's
            // limit, where the formula would poison every gradient with NaN
            Some(out) => {
                let s = out.unpack()?.reshape_to(&self.keep_shape)?;
                let q = gk.div(&s.mul(&d)?)?;
                Tensor::where_(&s.eq_scalar(0.0)?, &q.zeros_like()?, &q)?.mul(&dev)?
            }
            // d var = 2 (x - mean) / denom
            None => gk.mul(&dev)?.mul_scalar(2.0)?.div(&d)?,
        };
        Ok(vec![Some(gx)])
    }
}

struct PickBackward {
    indices: SavedTensor,
    dim: usize,
    keep_shape: Dims,
    shape: Dims,
}
impl Backward for PickBackward {
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let gk = g.reshape_to(&self.keep_shape)?;
        let indices = self.indices.unpack()?;
        Ok(vec![Some(crate::ops::index::put_along_dim(&gk, &self.shape, self.dim, &indices)?)])
    }
}

struct EvenBackward {
    x: SavedTensor,
    out: SavedTensor,
    dims: Vec<i64>,
    keep_shape: Dims,
    /// max()/min() of the whole tensor (torch's evenly_distribute_backward): the gradient is
    /// written where x hits (a NaN result hits the NaNs), zeros elsewhere whatever g is;
    /// amax/amin (scale_grad_by_count) multiply by the mask instead.
    whole: bool,
}
impl Backward for EvenBackward {
    fn bind_outputs(&mut self, node: &Weak<Node>) {
        self.out.bind_output(node);
    }
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let x = self.x.unpack()?;
        let out = self.out.unpack()?.reshape_to(&self.keep_shape)?;
        let gk = g.reshape_to(&self.keep_shape)?;
        if self.whole {
            let nan_hit = x.ne(&x)?.logical_and(&out.ne(&out)?)?;
            let mask = x.eq(&out)?.logical_or(&nan_hit)?;
            let count = mask.to_dtype(g.dtype())?.sum(&self.dims, true)?;
            let share = gk.div(&count)?.expand_to(x.shape())?;
            return Ok(vec![Some(Tensor::where_(&mask, &share, &share.zeros_like()?)?)]);
        }
        let hit = x.eq(&out)?.to_dtype(g.dtype())?;
        let count = hit.sum(&self.dims, true)?;
        Ok(vec![Some(hit.mul(&gk.div(&count)?)?)])
    }
}

struct LogsumexpBackward {
    x: SavedTensor,
    out: SavedTensor,
    keep_shape: Dims,
}
impl Backward for LogsumexpBackward {
    fn bind_outputs(&mut self, node: &Weak<Node>) {
        self.out.bind_output(node);
    }
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let x = self.x.unpack()?;
        let out = self.out.unpack()?.reshape_to(&self.keep_shape)?;
        let gk = g.reshape_to(&self.keep_shape)?;
        Ok(vec![Some(gk.mul(&x.sub(&out)?.exp()?)?)])
    }
}
