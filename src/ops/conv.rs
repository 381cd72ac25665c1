//! 2-D convolution as one op (torch's ConvolutionBackward0): im2col of the input, one GEMM per
//! group, and the two maps its backward needs (the input and the weight gradients), each a
//! differentiable op of its own, so create_graph and forward mode differentiate them again.
//!
//! The columns are laid out as (C*KH*KW, N*OH*OW): the whole batch is one GEMM per group, and
//! the weight gradient is one GEMM over all images (a GEMM per image would be N small products
//! and a reduction). The price is a transpose between (OC, N, L) and (N, OC, L), a cheap copy
//! next to the products, fused with the bias in the forward. Nothing is saved but the input and
//! the weight, as torch: the backward recomputes the columns.

use super::{common_device, record};
use crate::autograd::{Backward, GradModeGuard, SavedTensor};
use crate::backend::ConvKernels;
use crate::dtype::DType;
use crate::error::{bail, fmt_shape, Result};
use crate::tensor::Tensor;

/// The sizes im2col and col2im need: input (N, C, H, W), kernel (KH, KW), stride, dilation,
/// the top and left padding (the bottom and right ones follow from the output size) and the
/// output (OH, OW). Groups are the GEMMs' business, not theirs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvGeom {
    pub n: usize,
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub kh: usize,
    pub kw: usize,
    pub sh: usize,
    pub sw: usize,
    pub dh: usize,
    pub dw: usize,
    pub ph: usize,
    pub pw: usize,
    pub oh: usize,
    pub ow: usize,
}

impl ConvGeom {
    /// Rows of the column matrix: C * KH * KW.
    pub fn rows(&self) -> usize {
        self.c * self.kh * self.kw
    }
    /// Columns of the column matrix: N * OH * OW.
    pub fn cols(&self) -> usize {
        self.n * self.oh * self.ow
    }
}

const NODE: &str = "ConvolutionBackward0";
const NODE2: &str = "ConvolutionBackwardBackward0";

/// One convolution: its geometry, groups and output channels, checked once.
#[derive(Debug, Clone, Copy)]
struct Conv {
    geom: ConvGeom,
    groups: usize,
    oc: usize,
}

/// A positive (or, with `zero_ok`, non-negative) size argument as usize.
fn size_arg(v: i64, what: &str, zero_ok: bool) -> Result<usize> {
    if v < 0 || (v == 0 && !zero_ok) {
        let req = if zero_ok { "non-negative" } else { "positive" };
        bail!(Shape, "conv2d: expected {what} to be {req}, but got {v}")
    }
    Ok(v as usize)
}

impl Conv {
    /// Checks the operands and arguments as torch does (F.conv2d in Python checks first, with
    /// torch's messages; this guards the native call itself). `padding` is (top, bottom, left,
    /// right).
    fn new(
        x: &Tensor,
        w: &Tensor,
        bias: Option<&Tensor>,
        stride: [i64; 2],
        padding: [i64; 4],
        dilation: [i64; 2],
        groups: i64,
    ) -> Result<Conv> {
        if x.ndim() != 4 || w.ndim() != 4 {
            bail!(
                Shape,
                "conv2d: expected a 4-D input and a 4-D weight, but got input of size {} and weight of size {}",
                fmt_shape(x.shape()),
                fmt_shape(w.shape())
            )
        }
        let mut ts = vec![x, w];
        ts.extend(bias);
        common_device("conv2d", &ts)?;
        if x.dtype() != w.dtype() {
            bail!(
                DType,
                "conv2d: expected scalar type {} but found {}",
                x.dtype().torch_scalar_name(),
                w.dtype().torch_scalar_name()
            )
        }
        if x.dtype() == DType::Bool {
            bail!(NotImplemented, "conv2d: \"slow_conv2d_cpu\" not implemented for 'Bool'")
        }
        let (sh, sw) = (size_arg(stride[0], "stride", false)?, size_arg(stride[1], "stride", false)?);
        let (dh, dw) = (size_arg(dilation[0], "dilation", false)?, size_arg(dilation[1], "dilation", false)?);
        let mut pads = [0usize; 4];
        for (p, &v) in pads.iter_mut().zip(&padding) {
            *p = size_arg(v, "padding", true)?;
        }
        let [pt, pb, pl, pr] = pads;
        let groups = size_arg(groups, "groups", false)?;
        let (n, c, h, wd) = (x.shape()[0], x.shape()[1], x.shape()[2], x.shape()[3]);
        let (oc, cg, kh, kw) = (w.shape()[0], w.shape()[1], w.shape()[2], w.shape()[3]);
        if cg.checked_mul(groups) != Some(c) || oc % groups != 0 {
            bail!(
                Shape,
                "conv2d: given groups={groups}, weight of size {} expects input{} to have {} channels and {oc} to be divisible by {groups}",
                fmt_shape(w.shape()),
                fmt_shape(x.shape()),
                cg.saturating_mul(groups)
            )
        }
        if let Some(b) = bias {
            if b.ndim() != 1 || b.shape()[0] != oc {
                bail!(
                    Shape,
                    "Given weight of size {}, expected bias to be 1-dimensional with {oc} elements, but got bias of size {} instead",
                    fmt_shape(w.shape()),
                    fmt_shape(b.shape())
                )
            }
            if b.dtype() != x.dtype() {
                bail!(
                    DType,
                    "Input type ({}) and bias type ({}) should be the same",
                    x.dtype().torch_scalar_name().to_lowercase(),
                    b.dtype().torch_scalar_name().to_lowercase()
                )
            }
        }
        // In i128: sizes near the int64 limit must give an error, not wrap.
        let out = |size: usize, p0: usize, p1: usize, k: usize, d: usize, s: usize| -> i128 {
            let span = size as i128 + p0 as i128 + p1 as i128 - (d as i128 * (k as i128 - 1) + 1);
            if span < 0 || k == 0 {
                -1
            } else {
                span / s as i128 + 1
            }
        };
        let (oh, ow) = (out(h, pt, pb, kh, dh, sh), out(wd, pl, pr, kw, dw, sw));
        if oh <= 0 || ow <= 0 {
            bail!(
                Shape,
                "conv2d: calculated padded input size per channel: ({} x {}). Kernel size: ({} x {}). Kernel size can't be greater than actual input size",
                h as i128 + pt as i128 + pb as i128,
                wd as i128 + pl as i128 + pr as i128,
                dh as i128 * (kh as i128 - 1) + 1,
                dw as i128 * (kw as i128 - 1) + 1
            )
        }
        // The kernels index the padded input in usize: its extent and the column matrix must fit.
        let fits = |v: i128| v < (1i128 << 62);
        let padded = [h as i128 + pt as i128 + pb as i128, wd as i128 + pl as i128 + pr as i128];
        let cells = c as i128 * kh as i128 * kw as i128 * n as i128 * oh * ow;
        let reach = [(oh - 1) * sh as i128 + (kh as i128 - 1) * dh as i128, (ow - 1) * sw as i128];
        if !padded.into_iter().chain(reach).all(fits)
            || !fits(cells)
            || !fits(oc as i128 * n as i128 * oh * ow)
        {
            bail!(
                OutOfMemory,
                "conv2d: the columns of input {} and weight {} (output {}x{}) cannot be allocated",
                fmt_shape(x.shape()),
                fmt_shape(w.shape()),
                oh,
                ow
            )
        }
        let geom = ConvGeom {
            n,
            c,
            h,
            w: wd,
            kh,
            kw,
            sh,
            sw,
            dh,
            dw,
            ph: pt,
            pw: pl,
            oh: oh as usize,
            ow: ow as usize,
        };
        Ok(Conv { geom, groups, oc })
    }

    /// Rows of one group's weight matrix, and its columns (C/groups * KH * KW).
    fn group_dims(&self) -> (usize, usize) {
        (self.oc / self.groups, self.geom.rows() / self.groups)
    }

    /// The column matrix of `x`, as (groups, C/groups * KH * KW, N * OH * OW).
    fn columns(&self, x: &Tensor) -> Result<Tensor> {
        let g = &self.geom;
        let data = x.storage().data().im2col(x.layout(), g)?;
        let (_, k) = self.group_dims();
        Ok(Tensor::from_data(data, &[self.groups, k, g.cols()]))
    }

    /// An output-shaped (N, OC, OH, OW) gradient as (groups, OC/groups, N * OH * OW).
    fn grad_matrix(&self, gy: &Tensor) -> Result<Tensor> {
        let g = &self.geom;
        let l = g.oh * g.ow;
        let (ocg, _) = self.group_dims();
        let m = gy.reshape_to(&[g.n, self.oc, l])?.permute(&[1, 0, 2])?.contiguous()?;
        m.reshape_to(&[self.groups, ocg, g.cols()])
    }

    /// The weight as (groups, OC/groups, C/groups * KH * KW).
    fn weight_matrix(&self, w: &Tensor) -> Result<Tensor> {
        let (ocg, k) = self.group_dims();
        w.reshape_to(&[self.groups, ocg, k])
    }

    /// conv(x, w) + bias, recorded as ConvolutionBackward0.
    fn forward(&self, x: &Tensor, w: &Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
        let g = &self.geom;
        let out = {
            let _g = GradModeGuard::new(false);
            let (xd, wd) = (x.detach(), w.detach());
            let prod = self.weight_matrix(&wd)?.matmul(&self.columns(&xd)?)?;
            // (OC, N, L) -> (N, OC, L), with the bias added in the same pass
            let t = prod.reshape_to(&[self.oc, g.n, g.oh * g.ow])?.permute(&[1, 0, 2])?;
            let t = match bias {
                Some(b) => t.add(&b.detach().reshape_to(&[1, self.oc, 1])?)?,
                None => t.contiguous()?,
            };
            t.reshape_to(&[g.n, self.oc, g.oh, g.ow])?.detach()
        };
        let mut inputs = vec![x, w];
        inputs.extend(bias);
        record(NODE, &out, &inputs, |needs| ConvBackward {
            x: needs[1].then(|| SavedTensor::input(x, NODE)),
            w: needs[0].then(|| SavedTensor::input(w, NODE)),
            conv: *self,
        });
        Ok(out)
    }

    /// The input gradient col2im(W^T @ gy), recorded (its own derivatives are conv and
    /// weight_grad).
    fn input_grad(&self, gy: &Tensor, w: &Tensor) -> Result<Tensor> {
        let g = &self.geom;
        let out = {
            let _g = GradModeGuard::new(false);
            let (gd, wd) = (gy.detach(), w.detach());
            let cols = self.weight_matrix(&wd)?.transpose(1, 2)?.matmul(&self.grad_matrix(&gd)?)?;
            let cols = cols.contiguous()?;
            let data = cols.storage().data().col2im(cols.layout(), g)?;
            Tensor::from_data(data, &[g.n, g.c, g.h, g.w])
        };
        record(NODE2, &out, &[gy, w], |needs| InputGradBackward {
            gy: needs[1].then(|| SavedTensor::input(gy, NODE2)),
            w: needs[0].then(|| SavedTensor::input(w, NODE2)),
            conv: *self,
        });
        Ok(out)
    }

    /// The weight gradient gy @ cols(x)^T: one GEMM per group over the whole batch, recorded.
    fn weight_grad(&self, x: &Tensor, gy: &Tensor) -> Result<Tensor> {
        let g = &self.geom;
        let out = {
            let _g = GradModeGuard::new(false);
            let (xd, gd) = (x.detach(), gy.detach());
            let dw = self.grad_matrix(&gd)?.matmul(&self.columns(&xd)?.transpose(1, 2)?)?;
            dw.reshape_to(&[self.oc, g.c / self.groups, g.kh, g.kw])?
        };
        record(NODE2, &out, &[x, gy], |needs| WeightGradBackward {
            x: needs[1].then(|| SavedTensor::input(x, NODE2)),
            gy: needs[0].then(|| SavedTensor::input(gy, NODE2)),
            conv: *self,
        });
        Ok(out)
    }
}

fn unpack(s: &Option<SavedTensor>) -> Result<Tensor> {
    match s {
        Some(s) => s.unpack(),
        None => bail!(Autograd, "conv2d: a gradient was asked for that the forward did not save for"),
    }
}

struct ConvBackward {
    x: Option<SavedTensor>,
    w: Option<SavedTensor>,
    conv: Conv,
}
impl Backward for ConvBackward {
    fn backward(&self, g: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let gx = if needs[0] { Some(self.conv.input_grad(g, &unpack(&self.w)?)?) } else { None };
        let gw = if needs[1] { Some(self.conv.weight_grad(&unpack(&self.x)?, g)?) } else { None };
        let mut out = vec![gx, gw];
        if needs.len() > 2 {
            out.push(if needs[2] { Some(g.sum(&[0, 2, 3], false)?) } else { None });
        }
        Ok(out)
    }
}

/// input_grad(gy, w) under upstream u: conv(u, w) for gy, weight_grad(u, gy) for w.
struct InputGradBackward {
    gy: Option<SavedTensor>,
    w: Option<SavedTensor>,
    conv: Conv,
}
impl Backward for InputGradBackward {
    fn backward(&self, u: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let dg = if needs[0] { Some(self.conv.forward(u, &unpack(&self.w)?, None)?) } else { None };
        let dw = if needs[1] { Some(self.conv.weight_grad(u, &unpack(&self.gy)?)?) } else { None };
        Ok(vec![dg, dw])
    }
}

/// weight_grad(x, gy) under upstream v: input_grad(gy, v) for x, conv(x, v) for gy.
struct WeightGradBackward {
    x: Option<SavedTensor>,
    gy: Option<SavedTensor>,
    conv: Conv,
}
impl Backward for WeightGradBackward {
    fn backward(&self, v: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let dx = if needs[0] { Some(self.conv.input_grad(&unpack(&self.gy)?, v)?) } else { None };
        let dg = if needs[1] { Some(self.conv.forward(&unpack(&self.x)?, v, None)?) } else { None };
        Ok(vec![dx, dg])
    }
}

impl Tensor {
    /// torch.nn.functional.conv2d of a batched (N, C, H, W) input with a (OC, C/groups, KH, KW)
    /// weight; `padding` is (top, bottom, left, right), so 'same' with an even kernel needs no
    /// padded copy.
    pub fn conv2d(
        &self,
        weight: &Tensor,
        bias: Option<&Tensor>,
        stride: [i64; 2],
        padding: [i64; 4],
        dilation: [i64; 2],
        groups: i64,
    ) -> Result<Tensor> {
        Conv::new(self, weight, bias, stride, padding, dilation, groups)?.forward(self, weight, bias)
    }
}
