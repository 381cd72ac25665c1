//! matmul with torch's rules for 1-D, 2-D and batched operands (batch dims broadcast).

use super::record;
use crate::autograd::{Backward, GradModeGuard, SavedTensor};
use crate::backend::BackendStorage;
use crate::error::{bail, fmt_shape, Result};
use crate::shape::{broadcast_shapes, Dims};
use crate::tensor::Tensor;

/// [.., m, k] @ [.., k, n] for tensors of at least 2 dims, batch dims broadcast; no recording.
fn batched_raw(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let (na, nb) = (a.ndim(), b.ndim());
    let (m, k) = (a.shape()[na - 2], a.shape()[na - 1]);
    let (k2, n) = (b.shape()[nb - 2], b.shape()[nb - 1]);
    if k != k2 {
        bail!(
            Shape,
            "matmul: shapes {} and {} cannot be multiplied ({m}x{k} and {k2}x{n})",
            fmt_shape(a.shape()),
            fmt_shape(b.shape())
        )
    }
    let batch = broadcast_shapes("matmul", &a.shape()[..na - 2], &b.shape()[..nb - 2])?;
    let dt = super::binary::result_type(a, b);
    if dt == crate::dtype::DType::Bool {
        bail!(DType, "matmul: \"addmm_impl_cpu_\" not implemented for 'Bool'")
    }
    let (ac, bc) = (a.cast_raw(dt)?, b.cast_raw(dt)?);
    let mut sa: Dims = batch.clone();
    sa.extend([m, k]);
    let mut sb: Dims = batch.clone();
    sb.extend([k, n]);
    let la = ac.layout().broadcast_to("matmul", &sa)?;
    let lb = bc.layout().broadcast_to("matmul", &sb)?;
    let out = ac.storage().data().matmul(&la, bc.storage().data(), &lb)?;
    let mut so = batch;
    so.extend([m, n]);
    Ok(Tensor::from_data(out, &so))
}

/// 1-D operands as matrices: a vector on the left is a row, on the right a column.
fn as_matrices(a: &Tensor, b: &Tensor) -> Result<(Tensor, Tensor)> {
    let a2 = if a.ndim() == 1 { a.unsqueeze(0)? } else { a.clone() };
    let b2 = if b.ndim() == 1 { b.unsqueeze(-1)? } else { b.clone() };
    Ok((a2, b2))
}

struct MatmulBackward {
    a: Option<SavedTensor>,
    b: Option<SavedTensor>,
    a_shape: Dims,
    b_shape: Dims,
    out_shape: Dims,
}
impl Backward for MatmulBackward {
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        // Work on the matrix forms: g gets back the dims that 1-D operands removed, and each
        // gradient is summed over broadcast batch dims and reshaped to its input.
        let a1 = self.a_shape.len() == 1;
        let b1 = self.b_shape.len() == 1;
        let mut g2 = g.reshape_to(&self.out_shape)?;
        if b1 {
            g2 = g2.unsqueeze(-1)?;
        }
        if a1 {
            g2 = g2.unsqueeze(-2)?;
        }
        let ga = match &self.b {
            Some(b) => {
                let b2 = if b1 { b.unpack()?.unsqueeze(-1)? } else { b.unpack()? };
                let a2_shape: Dims =
                    if a1 { [1, self.a_shape[0]].into_iter().collect() } else { self.a_shape.clone() };
                Some(g2.matmul(&b2.transpose(-1, -2)?)?.sum_to(&a2_shape)?.reshape_to(&self.a_shape)?)
            }
            None => None,
        };
        let gb = match &self.a {
            Some(a) => {
                let a2 = if a1 { a.unpack()?.unsqueeze(0)? } else { a.unpack()? };
                let b2_shape: Dims =
                    if b1 { [self.b_shape[0], 1].into_iter().collect() } else { self.b_shape.clone() };
                Some(a2.transpose(-1, -2)?.matmul(&g2)?.sum_to(&b2_shape)?.reshape_to(&self.b_shape)?)
            }
            None => None,
        };
        Ok(vec![ga, gb])
    }
}

impl Tensor {
    pub fn matmul(&self, other: &Tensor) -> Result<Tensor> {
        let (na, nb) = (self.ndim(), other.ndim());
        if na == 0 || nb == 0 {
            bail!(
                Shape,
                "matmul: both arguments to matmul need to be at least 1D, but they are {na}D and {nb}D"
            )
        }
        if na == 1 && nb == 1 && self.shape()[0] != other.shape()[0] {
            bail!(
                Shape,
                "matmul: inconsistent tensor size, expected tensor [{}] and src [{}] to have the same number of elements, but got {} and {} elements respectively",
                self.shape()[0],
                other.shape()[0],
                self.shape()[0],
                other.shape()[0]
            )
        }
        if self.dtype() != other.dtype() {
            // torch promotes nothing here (its mm kernels take one dtype)
            bail!(
                DType,
                "matmul: expected both operands to have the same dtype, but got {} and {} (shapes {} and {})",
                self.dtype(),
                other.dtype(),
                fmt_shape(self.shape()),
                fmt_shape(other.shape())
            )
        }
        if na >= 3 && nb <= 2 {
            return self.matmul_folded(other);
        }
        let out = {
            let _g = GradModeGuard::new(false);
            let (a2, b2) = as_matrices(&self.detach(), &other.detach())?;
            let out = batched_raw(&a2, &b2)?;
            // Drop the dims that 1-D operands added.
            let mut shape: Dims = out.dims();
            if nb == 1 {
                shape.pop();
            }
            if na == 1 {
                let at = shape.len() - if nb == 1 { 1 } else { 2 };
                shape.remove(at);
            }
            out.detach().reshape_to(&shape)?.detach()
        };
        // torch's names for the forms; batched products record one node as well.
        let name = match (na, nb) {
            (1, 1) => "DotBackward0",
            (2, 1) => "MvBackward0",
            (1, 2) => "SqueezeBackward4",
            (2, 2) => "MmBackward0",
            _ => "BmmBackward0",
        };
        record(name, &out, &[self, other], |needs| MatmulBackward {
            a: needs[1].then(|| SavedTensor::input(self, name)),
            b: needs[0].then(|| SavedTensor::input(other, name)),
            a_shape: self.dims(),
            b_shape: other.dims(),
            out_shape: out.dims(),
        });
        Ok(out)
    }

    /// [.., m, k] @ [k, n] (or [k]) as torch computes it: the left operand's batch dims fold
    /// into its rows, so the forward and each gradient are one GEMM over all rows. A product
    /// per batch would run many small GEMMs, and the right operand's gradient would be a batched
    /// product plus a reduction over the batch (measured 20x slower than torch for a
    /// (32, 2, 256) @ (256, 128) weight gradient).
    fn matmul_folded(&self, other: &Tensor) -> Result<Tensor> {
        let na = self.ndim();
        let k = self.shape()[na - 1];
        let k2 = other.shape()[0];
        if k != k2 {
            let n = if other.ndim() == 2 { other.shape()[1] } else { 1 };
            bail!(
                Shape,
                "matmul: shapes {} and {} cannot be multiplied ({}x{k} and {k2}x{n})",
                fmt_shape(self.shape()),
                fmt_shape(other.shape()),
                self.shape()[na - 2],
            )
        }
        let rows: usize = self.shape()[..na - 1].iter().product();
        let out = self.reshape_to(&[rows, k])?.matmul(other)?;
        let mut shape: Dims = self.shape()[..na - 1].into();
        if other.ndim() == 2 {
            shape.push(other.shape()[1]);
        }
        // torch's name for this reshape of the product (its _unsafe_view)
        out.reshape_named(&shape, "UnsafeViewBackward0")
    }
}
