//! layer_norm over the trailing dims: on the CPU one row kernel forward (saving each row's mean
//! and rstd) recorded as torch's NativeLayerNormBackward0, whose rule is one row pass for the
//! input's gradient plus column sums for the weight's and bias's; elsewhere (wgpu, empty input)
//! and for a differentiable backward (create_graph, forward mode) the composite of generic ops.

use super::record;
use crate::autograd::{Backward, SavedTensor};
use crate::backend::RowKernels;
use crate::device::Device;
use crate::error::Result;
use crate::tensor::Tensor;

const NODE: &str = "NativeLayerNormBackward0";

/// `F.layer_norm(x, normalized_shape, weight, bias, eps)` with `k = len(normalized_shape)`;
/// the caller (nn.functional) has checked the shapes and dtypes against torch's messages.
pub fn layer_norm(
    x: &Tensor,
    k: usize,
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    eps: f64,
) -> Result<Tensor> {
    let nd = x.ndim();
    if x.device() != Device::Cpu || x.numel() == 0 || k == 0 || k > nd {
        return composite(x, k, weight, bias, eps);
    }
    let n: usize = x.shape()[nd - k..].iter().product();
    let (w, b) = (weight.map(operand), bias.map(operand));
    let [o, m, r] = x.storage().data().layer_norm_rows(x.layout(), n, w, b, eps)?;
    let out = Tensor::from_data(o, x.shape());
    // torch's saved mean and rstd: the input's shape with the normalised dims kept as 1
    let stat_shape: Vec<usize> =
        x.shape()[..nd - k].iter().copied().chain(std::iter::repeat_n(1, k)).collect();
    let (mean, rstd) = (Tensor::from_data(m, &stat_shape), Tensor::from_data(r, &stat_shape));
    let mut inputs = vec![x];
    inputs.extend(weight);
    inputs.extend(bias);
    record(NODE, &out, &inputs, |_| LayerNormBackward {
        x: SavedTensor::input(x, NODE),
        weight: weight.map(|w| SavedTensor::input(w, NODE)),
        has_bias: bias.is_some(),
        mean,
        rstd,
        k,
        eps,
    });
    Ok(out)
}

fn operand(t: &Tensor) -> (&crate::storage::StorageData, &crate::layout::Layout) {
    (t.storage().data(), t.layout())
}

/// The differentiable form: mean, biased variance, `(x - mean) / sqrt(var + eps) * w + b`.
fn composite(
    x: &Tensor,
    k: usize,
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    eps: f64,
) -> Result<Tensor> {
    let dims: Vec<i64> = (x.ndim().saturating_sub(k)..x.ndim()).map(|d| d as i64).collect();
    let centered = x.sub(&x.mean(&dims, true)?)?;
    let var = centered.mul(&centered)?.mean(&dims, true)?;
    let mut out = centered.mul(&var.add_scalar(eps)?.sqrt()?.reciprocal()?)?;
    if let Some(w) = weight {
        out = out.mul(w)?;
    }
    if let Some(b) = bias {
        out = out.add(b)?;
    }
    Ok(out)
}

struct LayerNormBackward {
    x: SavedTensor,
    weight: Option<SavedTensor>,
    has_bias: bool,
    /// Side outputs of the forward kernel, never differentiated (the composite recomputes them).
    mean: Tensor,
    rstd: Tensor,
    k: usize,
    eps: f64,
}

impl Backward for LayerNormBackward {
    fn backward(&self, g: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let x = self.x.unpack()?;
        let w = self.weight.as_ref().map(|w| w.unpack()).transpose()?;
        let nd = x.ndim();
        let lead: Vec<i64> = (0..nd - self.k).map(|d| d as i64).collect();
        let need_w = w.is_some() && needs[1];
        let need_b = self.has_bias && needs[needs.len() - 1];
        let mut out = Vec::with_capacity(needs.len());
        if !super::softmax::plain_backward() || g.dtype() != x.dtype() || g.shape() != x.shape() {
            // A differentiable gradient (create_graph, a dual level): the composite's own
            // gradient, through mean and rstd recomputed from x.
            let (gx, gw) = self.composite_grads(&x, w.as_ref(), g, needs[0], need_w)?;
            out.push(gx);
            if w.is_some() {
                out.push(gw);
            }
        } else {
            let n: usize = x.shape()[nd - self.k..].iter().product();
            let wd = w.as_ref().map(operand);
            let stats = [self.mean.storage().data(), self.rstd.storage().data()];
            let (dx, gxh) = g.storage().data().layer_norm_backward_rows(
                g.layout(),
                (x.storage().data(), x.layout()),
                stats,
                wd,
                n,
                need_w,
            )?;
            out.push(needs[0].then(|| Tensor::from_data(dx, x.shape())));
            if let Some(w) = &w {
                let gw = match gxh {
                    Some(p) => Some(column_sum(&Tensor::from_data(p, x.shape()), &lead, w.shape())?),
                    None => None,
                };
                out.push(gw);
            }
        }
        if self.has_bias {
            out.push(if need_b { Some(column_sum(g, &lead, &x.shape()[nd - self.k..])?) } else { None });
        }
        Ok(out)
    }
}

/// Sums over the leading dims, shaped as the normalised dims (a parameter's gradient).
fn column_sum(t: &Tensor, lead: &[i64], shape: &[usize]) -> Result<Tensor> {
    let s = if lead.is_empty() { t.clone() } else { t.sum(lead, false)? };
    let dims: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
    s.reshape(&dims)
}

impl LayerNormBackward {
    /// The input's and weight's gradients of `composite` as generic ops of `x`, `w` and `g`
    /// (mean and rstd recomputed from `x`), so that create_graph records their own graph.
    fn composite_grads(
        &self,
        x: &Tensor,
        w: Option<&Tensor>,
        g: &Tensor,
        need_x: bool,
        need_w: bool,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let nd = x.ndim();
        let dims: Vec<i64> = (nd - self.k..nd).map(|d| d as i64).collect();
        let lead: Vec<i64> = (0..nd - self.k).map(|d| d as i64).collect();
        let mean = x.mean(&dims, true)?;
        let centered = x.sub(&mean)?;
        let rstd = centered.mul(&centered)?.mean(&dims, true)?.add_scalar(self.eps)?.sqrt()?.reciprocal()?;
        let xh = centered.mul(&rstd)?;
        let gw_in = match w {
            Some(w) => g.mul(w)?,
            None => g.clone(),
        };
        let gx = if need_x {
            let n: usize = x.shape()[nd - self.k..].iter().product();
            let c1 = gw_in.sum(&dims, true)?.mul_scalar(1.0 / n as f64)?;
            let c2 = gw_in.mul(&xh)?.sum(&dims, true)?.mul_scalar(1.0 / n as f64)?;
            Some(rstd.mul(&gw_in.sub(&c1)?.sub(&xh.mul(&c2)?)?)?)
        } else {
            None
        };
        let gw = match (w, need_w) {
            (Some(w), true) => Some(column_sum(&g.mul(&xh)?, &lead, w.shape())?),
            _ => None,
        };
        Ok((gx, gw))
    }
}
