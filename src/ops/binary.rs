//! Broadcasting binary arithmetic (add, sub, mul, div, pow, maximum, minimum, remainder, fmod)
//! and type promotion.

use super::record;
use crate::autograd::{Backward, SavedTensor};
use crate::backend::{BackendStorage, BinaryOp};
use crate::dtype::DType;
use crate::error::Result;
use crate::layout::Layout;
use crate::shape::broadcast_shapes;
use crate::tensor::{Scalar, Tensor};

/// torch.result_type for two operands: dimensioned tensors outrank 0-d tensors, which outrank
/// Python numbers, unless the lower-ranked operand is of a higher category (int < float).
pub fn result_type(a: &Tensor, b: &Tensor) -> DType {
    fn tier(t: &Tensor) -> u8 {
        if t.is_wrapped_number() {
            0
        } else if t.ndim() == 0 {
            1
        } else {
            2
        }
    }
    let (ta, tb) = (tier(a), tier(b));
    if ta == tb {
        return DType::promote(a.dtype(), b.dtype());
    }
    let (hi, lo) = if ta > tb { (a, b) } else { (b, a) };
    if lo.dtype().category() > hi.dtype().category() {
        if lo.is_wrapped_number() {
            DType::promote_with_scalar(hi.dtype(), lo.dtype())
        } else {
            lo.dtype()
        }
    } else {
        hi.dtype()
    }
}

/// Both operands cast to `dtype` and broadcast to a common shape (layouts only; no copies
/// unless a cast is needed).
pub(crate) fn broadcast_pair(
    op: &str,
    a: &Tensor,
    b: &Tensor,
    dtype: DType,
) -> Result<(Tensor, Tensor, Layout, Layout)> {
    let dev = crate::ops::common_device(op, &[a, b])?;
    let shape = broadcast_shapes(op, a.shape(), b.shape())?;
    let a = crate::ops::raw_on(a.cast_raw(dtype)?, dev)?;
    let b = crate::ops::raw_on(b.cast_raw(dtype)?, dev)?;
    let la = a.layout().broadcast_to(op, &shape)?;
    let lb = b.layout().broadcast_to(op, &shape)?;
    Ok((a, b, la, lb))
}

fn kernel(op: BinaryOp, name: &str, a: &Tensor, b: &Tensor, dtype: DType) -> Result<Tensor> {
    let (a, b, la, lb) = broadcast_pair(name, a, b, dtype)?;
    let out = a.storage().data().binary(&la, b.storage().data(), &lb, op)?;
    Ok(Tensor::from_data(out, &la.shape))
}

fn arith_dtype(op: BinaryOp, a: &Tensor, b: &Tensor) -> DType {
    let dt = result_type(a, b);
    match op {
        // True division and pow with a float operand compute in float.
        BinaryOp::Div if !dt.is_float() => DType::F32,
        _ => dt,
    }
}

pub fn add(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let out = kernel(BinaryOp::Add, "add", a, b, arith_dtype(BinaryOp::Add, a, b))?;
    record("AddBackward0", &out, &[a, b], |_| AddBackward { negate_b: false });
    Ok(out)
}

pub fn sub(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    // torch refuses a bool on either side (a Python True included), not only bool - bool, with
    // NotImplementedError.
    if a.dtype() == DType::Bool || b.dtype() == DType::Bool {
        crate::error::bail!(
            NotImplemented,
            "sub: Subtraction, the `-` operator, with a bool tensor is not supported (shapes {} and {}). If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.",
            crate::error::fmt_shape(a.shape()),
            crate::error::fmt_shape(b.shape())
        )
    }
    let out = kernel(BinaryOp::Sub, "sub", a, b, arith_dtype(BinaryOp::Sub, a, b))?;
    record("SubBackward0", &out, &[a, b], |_| AddBackward { negate_b: true });
    Ok(out)
}

struct AddBackward {
    negate_b: bool,
}
impl Backward for AddBackward {
    fn saves_tensors(&self) -> bool {
        false
    }
    fn backward(&self, g: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let gb = if needs[1] { Some(if self.negate_b { g.neg()? } else { g.clone() }) } else { None };
        Ok(vec![needs[0].then(|| g.clone()), gb])
    }
}

pub fn mul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let out = kernel(BinaryOp::Mul, "mul", a, b, arith_dtype(BinaryOp::Mul, a, b))?;
    record("MulBackward0", &out, &[a, b], |needs| MulBackward {
        // Each operand is needed only for the other's gradient.
        a: needs[1].then(|| SavedTensor::input(a, "MulBackward0")),
        b: needs[0].then(|| SavedTensor::input(b, "MulBackward0")),
    });
    Ok(out)
}

struct MulBackward {
    a: Option<SavedTensor>,
    b: Option<SavedTensor>,
}
impl Backward for MulBackward {
    fn saves_tensors(&self) -> bool {
        SavedTensor::any_tensor(&[self.a.as_ref(), self.b.as_ref()])
    }
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let ga = match &self.b {
            Some(b) => Some(g.mul(&b.unpack()?)?),
            None => None,
        };
        let gb = match &self.a {
            Some(a) => Some(g.mul(&a.unpack()?)?),
            None => None,
        };
        Ok(vec![ga, gb])
    }
}

pub fn div(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let out = kernel(BinaryOp::Div, "div", a, b, arith_dtype(BinaryOp::Div, a, b))?;
    record("DivBackward0", &out, &[a, b], |needs| DivBackward {
        a: needs[1].then(|| SavedTensor::input(a, "DivBackward0")),
        b: SavedTensor::input(b, "DivBackward0"),
    });
    Ok(out)
}

struct DivBackward {
    a: Option<SavedTensor>,
    b: SavedTensor,
}
impl Backward for DivBackward {
    fn saves_tensors(&self) -> bool {
        SavedTensor::any_tensor(&[self.a.as_ref(), Some(&self.b)])
    }
    fn backward(&self, g: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let b = self.b.unpack()?;
        let ga = if needs[0] { Some(g.div(&b)?) } else { None };
        let gb = match &self.a {
            // d(a/b)/db = -a / b^2, computed as torch does, -g * ((a / b) / b): the same
            // rounding (second derivatives of x / x cancel alike) and no overflow in b * b.
            Some(a) => Some(g.neg()?.mul(&a.unpack()?.div(&b)?.div(&b)?)?),
            None => None,
        };
        Ok(vec![ga, gb])
    }
}

/// 1 / x, saving its output as torch does (so `c / x`, torch's `x.reciprocal() * c`, leaves
/// `x` free to be modified in place, and modifying the result is the error).
pub fn reciprocal(x: &Tensor) -> Result<Tensor> {
    let out = {
        let _g = crate::autograd::GradModeGuard::new(false);
        div(&Tensor::wrapped_scalar(Scalar::Int(1)), x)?
    };
    record("ReciprocalBackward0", &out, &[x], |_| ReciprocalBackward {
        out: SavedTensor::output(&out, "ReciprocalBackward0"),
    });
    Ok(out)
}

struct ReciprocalBackward {
    out: SavedTensor,
}
impl Backward for ReciprocalBackward {
    fn bind_outputs(&mut self, node: &std::sync::Weak<crate::autograd::Node>) {
        self.out.bind_output(node);
    }
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        // d(1/x)/dx = -1/x^2 = -y^2
        let y = self.out.unpack()?;
        Ok(vec![Some(g.neg()?.mul(&y.mul(&y)?)?)])
    }
}

pub fn pow(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let dt = result_type(a, b);
    if !dt.is_float() && b.is_wrapped_number() && b.item_f64()? < 0.0 {
        crate::error::bail!(DType, "pow: Integers to negative integer powers are not allowed.")
    }
    let out = match special_power(a, b, dt)? {
        Some(out) => out,
        None => kernel(BinaryOp::Pow, "pow", a, b, dt)?,
    };
    // torch names the rule by the form: tensor ** number is PowBackward0, number ** tensor and
    // tensor ** tensor are PowBackward1/2.
    let name = if b.is_wrapped_number() {
        "PowBackward0"
    } else if a.is_wrapped_number() {
        "PowBackward2"
    } else {
        "PowBackward1"
    };
    record(name, &out, &[a, b], |needs| PowBackward {
        a: SavedTensor::input(a, name),
        b: SavedTensor::input(b, name),
        out: needs[1].then(|| SavedTensor::output(&out, name)),
    });
    Ok(out)
}

/// torch's `pow(Tensor, Scalar)` for floats computes these exponents with other kernels, which
/// differ from C's pow at the edges (`-inf ** 0.5` is sqrt's NaN, not inf; `-0.0 ** 0.5` is
/// -0.0) and round as those kernels do; None for every other case.
fn special_power(a: &Tensor, b: &Tensor, dt: DType) -> Result<Option<Tensor>> {
    if !dt.is_float() || !b.is_wrapped_number() {
        return Ok(None);
    }
    let e = b.item_f64()?;
    if ![0.5, -0.5, -1.0, 2.0, 3.0, -2.0].contains(&e) {
        return Ok(None);
    }
    let _g = crate::autograd::GradModeGuard::new(false);
    let x = a.detach().to_dtype(dt)?;
    let one = || Tensor::wrapped_scalar(Scalar::Int(1));
    let out = if e == 0.5 {
        x.sqrt()?
    } else if e == -0.5 {
        div(&one(), &x.sqrt()?)?
    } else if e == -1.0 {
        div(&one(), &x)?
    } else if e == 2.0 {
        x.mul(&x)?
    } else if e == 3.0 {
        x.mul(&x)?.mul(&x)?
    } else {
        div(&one(), &x.mul(&x)?)?
    };
    Ok(Some(out.detach()))
}

struct PowBackward {
    a: SavedTensor,
    b: SavedTensor,
    out: Option<SavedTensor>,
}
impl Backward for PowBackward {
    fn saves_tensors(&self) -> bool {
        SavedTensor::any_tensor(&[Some(&self.a), Some(&self.b), self.out.as_ref()])
    }
    fn bind_outputs(&mut self, node: &std::sync::Weak<crate::autograd::Node>) {
        if let Some(o) = &mut self.out {
            o.bind_output(node);
        }
    }
    fn backward(&self, g: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        // Wrapped ints (2 ** x) must not drag ln(2) down to float32: work in g's dtype.
        let a = self.a.unpack()?.to_dtype(g.dtype())?;
        let b_raw = self.b.unpack()?;
        let b = b_raw.to_dtype(g.dtype())?;
        let ga = if needs[0] && b_raw.is_wrapped_number() && b_raw.item_f64()? == 0.0 {
            // x ** 0 is constant: zeros with no graph, as torch's pow_backward returns, so not
            // even a NaN incoming gradient reaches x through a double backward.
            Some(a.zeros_like()?)
        } else if needs[0] {
            // g * b * a^(b-1), then 0 where b == 0, as torch masks it: after the product, so a
            // non-finite incoming gradient does not leak through x ** 0 (and 0^0 gives 0).
            // a number exponent stays a number, so a.pow(b - 1) takes torch's special kernels too
            let bm1 = if b_raw.is_wrapped_number() {
                Tensor::wrapped_scalar(Scalar::Float(b_raw.item_f64()? - 1.0))
            } else {
                b.sub(&Tensor::wrapped_scalar(Scalar::Int(1)))?
            };
            let d = g.mul(&b.mul(&a.pow(&bm1)?)?)?;
            let zero = b.eq_scalar(0.0)?;
            Some(Tensor::where_(&zero, &d.zeros_like()?, &d)?)
        } else {
            None
        };
        let gb = match &self.out {
            Some(out) => {
                // g * out * ln(a), with out * ln(a) masked to 0 where a == 0 and b >= 0, the limit
                // torch uses; unlike the base's rule, torch masks before multiplying by g here.
                let out = out.unpack()?;
                let d = out.mul(&a.log()?)?;
                let mask = a.eq_scalar(0.0)?.logical_and(&b.ge_scalar(0.0)?)?;
                Some(g.mul(&Tensor::where_(&mask, &d.zeros_like()?, &d)?)?)
            }
            None => None,
        };
        Ok(vec![ga, gb])
    }
}

pub fn maximum(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    extreme(a, b, BinaryOp::Maximum, "maximum", "MaximumBackward0")
}

pub fn minimum(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    extreme(a, b, BinaryOp::Minimum, "minimum", "MinimumBackward0")
}

fn extreme(a: &Tensor, b: &Tensor, op: BinaryOp, name: &str, node: &'static str) -> Result<Tensor> {
    let out = kernel(op, name, a, b, result_type(a, b))?;
    record(node, &out, &[a, b], |_| ExtremeBackward {
        a: SavedTensor::input(a, node),
        b: SavedTensor::input(b, node),
        max: op == BinaryOp::Maximum,
    });
    Ok(out)
}

struct ExtremeBackward {
    a: SavedTensor,
    b: SavedTensor,
    max: bool,
}
impl Backward for ExtremeBackward {
    fn backward(&self, g: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let (a, b) = (self.a.unpack()?, self.b.unpack()?);
        // torch's rule: ties split the gradient evenly, and a side gets it unless it lost, so
        // where a NaN makes every comparison false both sides get it.
        let tie = a.eq(&b)?;
        let half = g.mul(&Tensor::wrapped_scalar(Scalar::Float(0.5)))?;
        let zero = g.zeros_like()?;
        let ga = if needs[0] {
            let a_loses = if self.max { a.lt(&b)? } else { a.gt(&b)? };
            Some(Tensor::where_(&tie, &half, &Tensor::where_(&a_loses, &zero, g)?)?)
        } else {
            None
        };
        let gb = if needs[1] {
            let b_loses = if self.max { b.lt(&a)? } else { b.gt(&a)? };
            Some(Tensor::where_(&tie, &half, &Tensor::where_(&b_loses, &zero, g)?)?)
        } else {
            None
        };
        Ok(vec![ga, gb])
    }
}

/// torch.remainder (Python's `%`: the result has the divisor's sign) and torch.fmod (C's: the
/// dividend's sign). Integer division by zero is torch's ZeroDivisionError; bool alone has no kernel.
pub fn remainder(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    modulo(a, b, BinaryOp::Remainder, ["RemainderBackward0", "RemainderBackward1"])
}

pub fn fmod(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    modulo(a, b, BinaryOp::Fmod, ["FmodBackward0", "FmodBackward1"])
}

fn modulo(a: &Tensor, b: &Tensor, op: BinaryOp, names: [&'static str; 2]) -> Result<Tensor> {
    let dt = result_type(a, b);
    if dt == DType::Bool {
        crate::error::bail!(
            DType,
            "{}: \"{}_cpu\" not implemented for 'Bool' (shapes {} and {})",
            op.name(),
            op.name(),
            crate::error::fmt_shape(a.shape()),
            crate::error::fmt_shape(b.shape())
        )
    }
    let out = kernel(op, op.name(), a, b, dt)?;
    if a.is_wrapped_number() {
        // torch's `number % tensor` has no derivative: backward through it is an error.
        record("torch::autograd::NotImplemented", &out, &[a, b], |_| NotImplementedBackward {
            op: op.name(),
        });
        return Ok(out);
    }
    // torch names the tensor-number form ...Backward0 and the tensor-tensor form ...Backward1.
    let name = if b.is_wrapped_number() { names[0] } else { names[1] };
    record(name, &out, &[a, b], |needs| ModuloBackward {
        // Only the divisor's gradient, -g * (a div b rounded), reads the operands.
        a: needs[1].then(|| SavedTensor::input(a, name)),
        b: needs[1].then(|| SavedTensor::input(b, name)),
        floor: op == BinaryOp::Remainder,
    });
    Ok(out)
}

struct NotImplementedBackward {
    op: &'static str,
}
impl Backward for NotImplementedBackward {
    fn saves_tensors(&self) -> bool {
        false
    }
    fn backward(&self, _g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        crate::error::bail!(Autograd, "derivative for aten::{} is not implemented", self.op)
    }
}

struct ModuloBackward {
    a: Option<SavedTensor>,
    b: Option<SavedTensor>,
    floor: bool,
}
impl Backward for ModuloBackward {
    fn saves_tensors(&self) -> bool {
        SavedTensor::any_tensor(&[self.a.as_ref(), self.b.as_ref()])
    }
    fn backward(&self, g: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let gb = match (&self.a, &self.b) {
            (Some(a), Some(b)) => {
                // torch: other: -grad * self.div(other, rounding_mode="floor" / "trunc")
                let mode = if self.floor { BinaryOp::FloorDiv } else { BinaryOp::TruncDiv };
                let q = rounded_div(&a.unpack()?, &b.unpack()?, mode)?;
                Some(g.neg()?.mul(&q)?)
            }
            _ => None,
        };
        Ok(vec![needs[0].then(|| g.clone()), gb])
    }
}

/// torch.div(a, b, rounding_mode="floor" | "trunc"): piecewise constant, so its recorded rule
/// (torch's DivBackward2) gives zero gradients, which keeps higher derivatives of remainder and
/// fmod equal to torch's (zeros rather than "not part of the graph").
pub fn rounded_div(a: &Tensor, b: &Tensor, mode: BinaryOp) -> Result<Tensor> {
    let out = rounded_kernel(a, b, mode)?;
    record("DivBackward2", &out, &[a, b], |_| ZeroBackward);
    Ok(out)
}

/// The rounded quotient in torch's result dtype (integers stay integers; an integer division
/// by zero is torch's ZeroDivisionError), refused for bool as torch's div_floor/div_trunc are.
fn rounded_kernel(a: &Tensor, b: &Tensor, mode: BinaryOp) -> Result<Tensor> {
    let dt = result_type(a, b);
    if dt == DType::Bool {
        let kind = if mode == BinaryOp::FloorDiv { "floor" } else { "trunc" };
        crate::error::bail!(
            DType,
            "{}: \"div_{kind}_cpu\" not implemented for 'Bool' (shapes {} and {})",
            mode.name(),
            crate::error::fmt_shape(a.shape()),
            crate::error::fmt_shape(b.shape())
        )
    }
    kernel(mode, mode.name(), a, b, dt)
}

/// torch.floor_divide and Python's `//`: `div(a, b, rounding_mode="floor")` without a
/// derivative (torch records NotImplemented, so a backward through it is an error).
pub fn floor_divide(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let out = rounded_kernel(a, b, BinaryOp::FloorDiv)?;
    record("torch::autograd::NotImplemented", &out, &[a, b], |_| NotImplementedBackward {
        op: "floor_divide",
    });
    Ok(out)
}

struct ZeroBackward;
impl Backward for ZeroBackward {
    fn saves_tensors(&self) -> bool {
        false
    }
    fn backward(&self, g: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        needs.iter().map(|&n| if n { g.zeros_like().map(Some) } else { Ok(None) }).collect()
    }
}

impl Tensor {
    pub fn remainder(&self, o: &Tensor) -> Result<Tensor> {
        remainder(self, o)
    }
    pub fn fmod(&self, o: &Tensor) -> Result<Tensor> {
        fmod(self, o)
    }
    pub fn add(&self, o: &Tensor) -> Result<Tensor> {
        add(self, o)
    }
    pub fn sub(&self, o: &Tensor) -> Result<Tensor> {
        sub(self, o)
    }
    pub fn mul(&self, o: &Tensor) -> Result<Tensor> {
        mul(self, o)
    }
    pub fn div(&self, o: &Tensor) -> Result<Tensor> {
        div(self, o)
    }
    /// `div(o, rounding_mode="floor")`
    pub fn div_floor(&self, o: &Tensor) -> Result<Tensor> {
        rounded_div(self, o, BinaryOp::FloorDiv)
    }
    /// `div(o, rounding_mode="trunc")`
    pub fn div_trunc(&self, o: &Tensor) -> Result<Tensor> {
        rounded_div(self, o, BinaryOp::TruncDiv)
    }
    pub fn floor_divide(&self, o: &Tensor) -> Result<Tensor> {
        floor_divide(self, o)
    }
    pub fn pow(&self, o: &Tensor) -> Result<Tensor> {
        pow(self, o)
    }
    pub fn reciprocal(&self) -> Result<Tensor> {
        reciprocal(self)
    }
    pub fn maximum(&self, o: &Tensor) -> Result<Tensor> {
        maximum(self, o)
    }
    pub fn minimum(&self, o: &Tensor) -> Result<Tensor> {
        minimum(self, o)
    }
    pub fn mul_scalar(&self, v: f64) -> Result<Tensor> {
        mul(self, &Tensor::wrapped_scalar(Scalar::Float(v)))
    }
    pub fn add_scalar(&self, v: f64) -> Result<Tensor> {
        add(self, &Tensor::wrapped_scalar(Scalar::Float(v)))
    }
}
