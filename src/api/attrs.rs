//! The Tensor's attributes and Python operators as rows, and the rules of its conversions to
//! Python values (`bool(x)`, `int(x)`, `len(x)`, `x.tolist()`): what each computes, in Rust.
//! The binding layer (`bindings/api.rs`) makes the rows getters and number-protocol slots.

use crate::dtype::{Category, DType};
use crate::error::{bail, fmt_shape, Result};
use crate::ops::index::IndexSpec;
use crate::tensor::{Scalar, Tensor};

/// The attributes (`x.shape`, `x.T`): `name => |t| value;`, the value a `Result` of anything
/// that is an `Out`.
macro_rules! getter_rows {
    ($gen:path $(, $arg:tt)*) => {
        $gen! {
            $($arg)*
            shape => |t| ok(Out::Size(t.shape().to_vec()));
            ndim => |t| ok(t.ndim());
            // (the module's own dtype object, so `x.dtype is ferrograd.float32` holds)
            dtype => |t| ok(Out::DType(t.dtype()));
            device => |t| ok(Out::Device(t.device()));
            is_cuda => |_t| ok(false);
            _version => |t| ok(t.version() as i64);
            data => |t| ok(t.data_alias());
            requires_grad => |t| ok(t.requires_grad());
            grad => |t| ok(t.grad());
            grad_fn => |t| ok(t.grad_fn().map_or(Out::None, Out::Node));
            is_leaf => |t| ok(t.is_leaf());
            retains_grad => |t| ok(t.retains_grad());
            T => |t| t.permute(&(0..t.ndim() as i64).rev().collect::<Vec<_>>());
            mT => |t| matrix_t(t);
        }
    };
}
pub(crate) use getter_rows;

/// The unary operators (`-x`, `~x`): `slot => |t| value;`.
macro_rules! unary_operator_rows {
    ($gen:path $(, $arg:tt)*) => {
        $gen! {
            $($arg)*
            __neg__ => |t| t.neg();
            __abs__ => |t| t.abs();
            __pos__ => |t| pos(t);
            __invert__ => |t| invert(t);
        }
    };
}
pub(crate) use unary_operator_rows;

/// The binary operators: `slot: Operand => |x, o| value;`, `o` a tensor or a Python number
/// (`Operand`) or a tensor only (`Tensor`); any other operand is Python's NotImplemented, so the
/// other operand gets its turn. `(modulo)`: the slot also takes pow's third argument (refused).
/// `&`, `|` and `^` are symmetric (`True & x` is `x & True`); the shifts are not (`2 << x`
/// shifts the number).
macro_rules! operator_rows {
    ($gen:path) => {
        $gen! {
            __add__: Operand => |x, o| x.add(o);
            __radd__: Operand => |x, o| o.add(x);
            __sub__: Operand => |x, o| x.sub(o);
            __rsub__: Operand => |x, o| o.sub(x);
            __mul__: Operand => |x, o| x.mul(o);
            __rmul__: Operand => |x, o| o.mul(x);
            __truediv__: Operand => |x, o| x.div(o);
            // number / x is x.reciprocal() * number in torch: the same graph and saved tensors
            __rtruediv__: Operand => |x, o| if o.is_wrapped_number() { x.reciprocal()?.mul(o) } else { o.div(x) };
            __mod__: Operand => |x, o| x.remainder(o);
            __rmod__: Operand => |x, o| o.remainder(x);
            __floordiv__: Operand => |x, o| x.floor_divide(o);
            __rfloordiv__: Operand => |x, o| o.floor_divide(x);
            __pow__(modulo): Operand => |x, o| x.pow(o);
            __rpow__(modulo): Operand => |x, o| o.pow(x);
            __matmul__: Tensor => |x, o| x.matmul(o);
            __rmatmul__: Tensor => |x, o| o.matmul(x);
            __and__: Operand => |x, o| x.bitwise_and(o);
            __or__: Operand => |x, o| x.bitwise_or(o);
            __xor__: Operand => |x, o| x.bitwise_xor(o);
            __rand__: Operand => |x, o| x.bitwise_and(o);
            __ror__: Operand => |x, o| x.bitwise_or(o);
            __rxor__: Operand => |x, o| x.bitwise_xor(o);
            __lshift__: Operand => |x, o| x.bitwise_left_shift(o);
            __rshift__: Operand => |x, o| x.bitwise_right_shift(o);
            __rlshift__: Operand => |x, o| o.bitwise_left_shift(x);
            __rrshift__: Operand => |x, o| o.bitwise_right_shift(x);
            __eq__: Operand => |x, o| x.eq(o);
            __ne__: Operand => |x, o| x.ne(o);
            __lt__: Operand => |x, o| x.lt(o);
            __le__: Operand => |x, o| x.le(o);
            __gt__: Operand => |x, o| x.gt(o);
            __ge__: Operand => |x, o| x.ge(o);
        }
    };
}
pub(crate) use operator_rows;

/// `x op= o`: `slot => "op_", f;`, the in-place op (a TypeError naming it for an operand that
/// is neither a tensor nor a number).
macro_rules! inplace_operator_rows {
    ($gen:path) => {
        $gen! {
            __iadd__ => "add_", Tensor::add;
            __isub__ => "sub_", Tensor::sub;
            __imul__ => "mul_", Tensor::mul;
            __itruediv__ => "div_", Tensor::div;
            __imod__ => "remainder_", Tensor::remainder;
            __ifloordiv__ => "floor_divide_", Tensor::floor_divide;
            __ipow__(modulo) => "pow_", Tensor::pow;
        }
    };
}
pub(crate) use inplace_operator_rows;

/// torch: the identity on a 0-d tensor (deprecated there), an error on a 1-d one.
pub fn matrix_t(t: &Tensor) -> Result<Tensor> {
    match t.ndim() {
        0 => Ok(t.alias_view()),
        1 => {
            bail!(Argument, "tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
        }
        _ => t.transpose(-2, -1),
    }
}

pub fn pos(t: &Tensor) -> Result<Tensor> {
    if t.dtype() == DType::Bool {
        bail!(NotImplemented, "The `+` operator, on a bool tensor is not supported.");
    }
    Ok(t.clone())
}

pub fn invert(t: &Tensor) -> Result<Tensor> {
    if t.dtype().is_float() {
        bail!(Type, "~ (operator.invert) is only implemented on integer and Boolean-type tensors");
    }
    crate::ops::unary::bitwise_not(t)
}

/// The `requires_grad` setter: torch's refuses any change on a non-leaf, even to True
/// (`requires_grad_(True)` is the spelling that accepts one).
pub fn set_requires_grad(t: &Tensor, v: bool) -> Result<()> {
    if !t.is_leaf() {
        bail!(
            Argument,
            "you can only change requires_grad flags of leaf variables (this tensor has a grad_fn)."
        );
    }
    t.set_requires_grad(v)
}

/// `x op= o` and the in-place operators: one path for every in-place binary op.
pub fn inplace_binary(
    x: &Tensor,
    op: &str,
    o: &Tensor,
    f: fn(&Tensor, &Tensor) -> Result<Tensor>,
) -> Result<()> {
    x.apply_inplace(op, &[o], |s| f(s, o))
}

/// `bool(x)`: one element only (torch's RuntimeError otherwise).
pub fn truth(t: &Tensor) -> Result<bool> {
    if t.numel() != 1 {
        bail!(
            Argument,
            "Boolean value of Tensor with more than one value is ambiguous (shape {})",
            fmt_shape(t.shape())
        );
    }
    Ok(t.item_f64()? != 0.0)
}

/// float(x), int(x): torch's ValueError for more than one element (`item()` is a RuntimeError).
pub fn one_element(t: &Tensor) -> Result<Scalar> {
    if t.numel() != 1 {
        bail!(
            Value,
            "only one element tensors can be converted to Python scalars (shape {})",
            fmt_shape(t.shape())
        );
    }
    t.item()
}

pub fn to_int(t: &Tensor) -> Result<i64> {
    Ok(match one_element(t)? {
        Scalar::Float(f) => f as i64,
        Scalar::Int(i) => i,
        Scalar::Bool(b) => b as i64,
    })
}

/// `operator.index(x)`: integer tensors of one element only.
pub fn to_index(t: &Tensor) -> Result<i64> {
    if t.dtype().is_float() || t.numel() != 1 {
        bail!(Type, "only integer tensors of a single element can be converted to an index");
    }
    to_int(t)
}

/// The first dimension, for `len(x)` and `iter(x)` (`what`; a 0-d tensor has none: TypeError).
pub fn len(t: &Tensor, what: &str) -> Result<usize> {
    match t.shape().first() {
        Some(&n) => Ok(n),
        None => bail!(Type, "{what} a 0-d tensor"),
    }
}

/// `iter(x)`: the tensor's rows.
pub fn rows(t: &Tensor) -> Result<Vec<Tensor>> {
    (0..len(t, "iteration over")? as i64).map(|i| t.select(0, i)).collect()
}

/// The elements as numbers, in order (`tolist()`).
pub fn scalars_of(t: &Tensor) -> Result<Vec<Scalar>> {
    Ok(match t.dtype().category() {
        Category::Float => t.to_vec::<f64>()?.into_iter().map(Scalar::Float).collect(),
        Category::Int => t.to_vec::<i64>()?.into_iter().map(Scalar::Int).collect(),
        Category::Bool => t.to_vec::<bool>()?.into_iter().map(Scalar::Bool).collect(),
    })
}

/// `x[index] = v`. Advanced indexing writes through index_put, which in torch takes a
/// dimensioned value of the destination's dtype only (a 0-d one is cast, as is any value for
/// basic indexing).
pub fn index_put(t: &Tensor, spec: &IndexSpec, v: &Tensor) -> Result<()> {
    if !spec.adv.is_empty() && v.ndim() > 0 && v.dtype() != t.dtype() {
        bail!(
            Argument,
            "Index put requires the source and destination dtypes match, got {} for the destination and {} for the source.",
            t.dtype(),
            v.dtype()
        );
    }
    t.index_put_(spec, v)
}
