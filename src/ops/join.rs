//! cat and stack.

use super::record;
use super::view::Narrow;
use crate::autograd::Backward;
use crate::backend::BackendStorage;
use crate::dtype::DType;
use crate::error::{bail, fmt_shape, Result};
use crate::shape::{normalize_dim, Dims};
use crate::tensor::Tensor;

struct CatBackward {
    dim: usize,
    sizes: Vec<usize>,
    /// stack selects (drops the dim) where cat narrows.
    stacked: bool,
}
impl Backward for CatBackward {
    fn saves_tensors(&self) -> bool {
        false
    }
    fn backward(&self, g: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let mut start = 0;
        let mut out = Vec::with_capacity(self.sizes.len());
        for (i, &len) in self.sizes.iter().enumerate() {
            let part = if !needs[i] {
                None
            } else if self.stacked {
                Some(Narrow::Select { dim: self.dim, index: i }.apply(g)?)
            } else {
                Some(Narrow::Slice { dim: self.dim, start, len, step: 1 }.apply(g)?)
            };
            out.push(part);
            start += len;
        }
        Ok(out)
    }
}

fn join(tensors: &[Tensor], dim: usize, op: &str) -> Result<Tensor> {
    let first = &tensors[0];
    let dtype = tensors.iter().skip(1).fold(first.dtype(), |d, t| DType::promote(d, t.dtype()));
    let mut shape: Dims = first.dims();
    let mut total = 0;
    for (i, t) in tensors.iter().enumerate() {
        if t.ndim() != first.ndim() {
            bail!(
                Shape,
                "{op}: Tensors must have same number of dimensions: got {} and {}",
                first.ndim(),
                t.ndim()
            )
        }
        for d in 0..t.ndim() {
            if d != dim && t.shape()[d] != first.shape()[d] {
                bail!(
                    Shape,
                    "{op}: Sizes of tensors must match except in dimension {dim}. Expected size {} but got size {} for tensor number {i} in the list (shapes {} and {}).",
                    first.shape()[d],
                    t.shape()[d],
                    fmt_shape(first.shape()),
                    fmt_shape(t.shape())
                )
            }
        }
        total += t.shape()[dim];
    }
    shape[dim] = total;
    let refs: Vec<&Tensor> = tensors.iter().collect();
    let dev = crate::ops::common_device(op, &refs)?;
    if let Some(t) = tensors.iter().find(|t| t.device() != dev) {
        // A 0-dim tensor cannot be joined anyway; name the devices rather than the dims.
        bail!(
            Device,
            "{op}: Expected all tensors to be on the same device, but found at least two devices, {} and {}!",
            dev,
            t.device()
        )
    }
    let out = Tensor::full(&shape, 0.0, dtype, dev)?;
    let mut start = 0;
    for t in tensors {
        let len = t.shape()[dim];
        let l = out.layout().narrow(dim, start, len, 1);
        out.storage().data().copy_into(&l, t.storage().data(), t.layout())?;
        start += len;
    }
    Ok(out)
}

impl Tensor {
    pub fn cat(tensors: &[Tensor], dim: i64) -> Result<Tensor> {
        if tensors.is_empty() {
            bail!(Value, "cat(): expected a non-empty list of Tensors")
        }
        // torch skips legacy 1-D empty tensors in cat.
        let kept: Vec<Tensor> =
            tensors.iter().filter(|t| !(t.ndim() == 1 && t.numel() == 0)).cloned().collect();
        if kept.is_empty() {
            return tensors[0].clone_tensor();
        }
        if kept[0].ndim() == 0 {
            bail!(Shape, "cat: zero-dimensional tensor (at position 0) cannot be concatenated")
        }
        let d = normalize_dim("cat", dim, kept[0].ndim())?;
        let out = join(&kept, d, "cat")?;
        let refs: Vec<&Tensor> = kept.iter().collect();
        record("CatBackward0", &out, &refs, |_| CatBackward {
            dim: d,
            sizes: kept.iter().map(|t| t.shape()[d]).collect(),
            stacked: false,
        });
        Ok(out)
    }

    pub fn stack(tensors: &[Tensor], dim: i64) -> Result<Tensor> {
        if tensors.is_empty() {
            bail!(Shape, "stack expects a non-empty TensorList")
        }
        for (i, t) in tensors.iter().enumerate() {
            if t.shape() != tensors[0].shape() {
                bail!(
                    Shape,
                    "stack expects each tensor to be equal size, but got {} at entry 0 and {} at entry {i}",
                    fmt_shape(tensors[0].shape()),
                    fmt_shape(t.shape())
                )
            }
        }
        let d = normalize_dim("stack", dim, tensors[0].ndim() + 1)?;
        let parts: Vec<Tensor> =
            tensors.iter().map(|t| t.detach().unsqueeze(d as i64)).collect::<Result<_>>()?;
        let out = join(&parts, d, "stack")?;
        let refs: Vec<&Tensor> = tensors.iter().collect();
        record("StackBackward0", &out, &refs, |_| CatBackward {
            dim: d,
            sizes: vec![1; tensors.len()],
            stacked: true,
        });
        Ok(out)
    }
}
