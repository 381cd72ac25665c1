//! Module-level functions as rows (`torch.<name>`), for the functions that are not the function
//! form of a Tensor method (those are the method rows themselves).

use super::Args;
use crate::dtype::DType;
use crate::error::Result;
use crate::tensor::Tensor;

/// The rows, handed to a generator (`bindings/api.rs` makes each one a module function).
macro_rules! function_rows {
    ($gen:path) => {
        $gen! {
        cat: "cat(Tensor[] tensors, int dim=0)" => |a| Tensor::cat(a.tensors(0), a.int(1));
        stack: "stack(Tensor[] tensors, int dim=0)" => |a| Tensor::stack(a.tensors(0), a.int(1));
        // Unlike the methods, the shape is one sequence (`torch.reshape(x, 3, 2)` is a TypeError).
        reshape: "reshape(Tensor input, int[] shape)" => |a| a.t(0).reshape(a.ints(1));
        permute: "permute(Tensor input, int[] dims)" => |a| a.t(0).permute(a.ints(1));
        r#where: "where(Tensor condition, Tensor|Number input, Tensor|Number other)" => |a| where_(a);
        }
    };
}
pub(crate) use function_rows;

pub(crate) fn where_(a: &Args) -> Result<Tensor> {
    let (mut x, y) = (a.t(1).clone(), a.t(2));
    if x.is_wrapped_number() && y.is_wrapped_number() {
        // Two Python numbers: a float among them gives the default dtype, as in torch. (Inside
        // the engine, number-with-number arithmetic stays in double precision.)
        if DType::promote(x.dtype(), y.dtype()).is_float() {
            x = Tensor::scalar(x.item()?, DType::F32);
        }
    }
    Tensor::where_(a.t(0), &x, y)
}
