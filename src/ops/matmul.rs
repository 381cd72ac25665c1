//! matmul with torch's rules for 1-D, 2-D and batched operands (batch dims broadcast).

use super::record;
use crate::autograd::{Backward, SavedTensor};
use crate::backend::BackendStorage;
use crate::error::{bail, fmt_shape, Result};
use crate::shape::{broadcast_shapes, Dims};
use crate::tensor::Tensor;

/// [.., m, k] @ [.., k, n] for tensors of at least 2 dims, batch dims broadcast.
fn batched(a: &Tensor, b: &Tensor) -> Result<Tensor> {
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
        bail!(
            DType,
            "matmul: \"addmm_impl_cpu_\" not implemented for 'Bool'"
        )
    }
    let (ac, bc) = (a.cast_raw(dt)?, b.cast_raw(dt)?);
    let mut sa: Dims = batch.clone();
    sa.extend([m, k]);
    let mut sb: Dims = batch.clone();
    sb.extend([k, n]);
    let la = ac.layout().broadcast_to("matmul", &sa)?;
    let lb = bc.layout().broadcast_to("matmul", &sb)?;
    let out = ac
        .storage()
        .cpu_data()
        .matmul(&la, bc.storage().cpu_data(), &lb)?;
    let mut so = batch;
    so.extend([m, n]);
    let out = Tensor::from_cpu(out, &so);
    let name = if na == 2 && nb == 2 {
        "MmBackward0"
    } else {
        "BmmBackward0"
    };
    record(name, &out, &[a, b], |needs| MatmulBackward {
        a: needs[1].then(|| SavedTensor::input(a, name)),
        b: needs[0].then(|| SavedTensor::input(b, name)),
    });
    Ok(out)
}

struct MatmulBackward {
    a: Option<SavedTensor>,
    b: Option<SavedTensor>,
}
impl Backward for MatmulBackward {
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        // Broadcast batch dims are summed back by the engine (edges carry the input shapes).
        let ga = match &self.b {
            Some(b) => Some(batched(g, &b.unpack()?.transpose(-1, -2)?)?),
            None => None,
        };
        let gb = match &self.a {
            Some(a) => Some(batched(&a.unpack()?.transpose(-1, -2)?, g)?),
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
        // 1-D operands are promoted to matrices and the added dim is removed afterwards.
        let a = if na == 1 {
            self.unsqueeze(0)?
        } else {
            self.clone()
        };
        let b = if nb == 1 {
            other.unsqueeze(-1)?
        } else {
            other.clone()
        };
        let mut out = batched(&a, &b)?;
        if nb == 1 {
            out = out.squeeze(Some(&[-1]))?;
        }
        if na == 1 {
            out = out.squeeze(Some(&[if nb == 1 { -1 } else { -2 }]))?;
        }
        Ok(out)
    }
}
