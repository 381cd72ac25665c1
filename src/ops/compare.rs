//! Comparisons (bool results, never differentiable), logical_not, and `where` (logical and/or/xor
//! are rows of the op table).

use super::binary::{broadcast_pair, result_type};
use super::record;
use crate::autograd::{Backward, SavedTensor};
use crate::backend::{BackendStorage, CmpOp};
use crate::dtype::DType;
use crate::error::{bail, Result};
use crate::shape::broadcast_shapes;
use crate::tensor::{Scalar, Tensor};

fn compare(a: &Tensor, b: &Tensor, op: CmpOp, name: &str) -> Result<Tensor> {
    let (a, b, la, lb) = broadcast_pair(name, a, b, result_type(a, b))?;
    let out = a.storage().data().compare(&la, b.storage().data(), &lb, op)?;
    Ok(Tensor::from_data(out, &la.shape))
}

impl Tensor {
    pub fn eq(&self, o: &Tensor) -> Result<Tensor> {
        compare(self, o, CmpOp::Eq, "eq")
    }
    pub fn ne(&self, o: &Tensor) -> Result<Tensor> {
        compare(self, o, CmpOp::Ne, "ne")
    }
    pub fn lt(&self, o: &Tensor) -> Result<Tensor> {
        compare(self, o, CmpOp::Lt, "lt")
    }
    pub fn le(&self, o: &Tensor) -> Result<Tensor> {
        compare(self, o, CmpOp::Le, "le")
    }
    pub fn gt(&self, o: &Tensor) -> Result<Tensor> {
        compare(self, o, CmpOp::Gt, "gt")
    }
    pub fn ge(&self, o: &Tensor) -> Result<Tensor> {
        compare(self, o, CmpOp::Ge, "ge")
    }
    pub fn eq_scalar(&self, v: f64) -> Result<Tensor> {
        self.eq(&Tensor::wrapped_scalar(Scalar::Float(v)))
    }
    pub fn gt_scalar(&self, v: f64) -> Result<Tensor> {
        self.gt(&Tensor::wrapped_scalar(Scalar::Float(v)))
    }
    pub fn ge_scalar(&self, v: f64) -> Result<Tensor> {
        self.ge(&Tensor::wrapped_scalar(Scalar::Float(v)))
    }
    pub fn le_scalar(&self, v: f64) -> Result<Tensor> {
        self.le(&Tensor::wrapped_scalar(Scalar::Float(v)))
    }
    pub fn lt_scalar(&self, v: f64) -> Result<Tensor> {
        self.lt(&Tensor::wrapped_scalar(Scalar::Float(v)))
    }

    pub fn logical_not(&self) -> Result<Tensor> {
        self.eq(&Tensor::scalar(Scalar::Bool(false), self.dtype()))
    }

    /// torch.where(cond, a, b): picks from a where cond holds, else from b; gradients flow to
    /// the side that was picked.
    pub fn where_(cond: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> {
        if cond.dtype() != DType::Bool {
            bail!(
                DType,
                "where: expected condition to be a boolean tensor, but got a tensor with dtype {}",
                cond.dtype()
            )
        }
        let shape =
            broadcast_shapes("where", &broadcast_shapes("where", cond.shape(), a.shape())?, b.shape())?;
        let dt = result_type(a, b);
        let dev = crate::ops::common_device("where", &[cond, a, b])?;
        let cond = &crate::ops::raw_on(cond.clone(), dev)?;
        let (a2, b2) = (crate::ops::raw_on(a.cast_raw(dt)?, dev)?, crate::ops::raw_on(b.cast_raw(dt)?, dev)?);
        let lc = cond.layout().broadcast_to("where", &shape)?;
        let la = a2.layout().broadcast_to("where", &shape)?;
        let lb = b2.layout().broadcast_to("where", &shape)?;
        let out =
            cond.storage().data().where_cond(&lc, a2.storage().data(), &la, b2.storage().data(), &lb)?;
        let out = Tensor::from_data(out, &shape);
        record("WhereBackward0", &out, &[a, b], |_| WhereBackward {
            cond: SavedTensor::input(cond, "WhereBackward0"),
        });
        Ok(out)
    }

    pub fn zeros_like(&self) -> Result<Tensor> {
        Tensor::full(self.shape(), 0.0, self.dtype(), self.device())
    }

    pub fn ones_like(&self) -> Result<Tensor> {
        Tensor::full(self.shape(), 1.0, self.dtype(), self.device())
    }
}

struct WhereBackward {
    cond: SavedTensor,
}
impl Backward for WhereBackward {
    fn backward(&self, g: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let c = self.cond.unpack()?;
        let zero = g.zeros_like()?;
        let ga = if needs[0] { Some(Tensor::where_(&c, g, &zero)?) } else { None };
        let gb = if needs[1] { Some(Tensor::where_(&c, &zero, g)?) } else { None };
        Ok(vec![ga, gb])
    }
}
