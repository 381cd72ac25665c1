//! Module-level functions as rows (`torch.<name>`), for the functions that are not the function
//! form of a Tensor method (those are the method rows themselves).

use super::Args;
use crate::device::Device;
use crate::dtype::DType;
use crate::error::{bail, Result};
use crate::tensor::{Scalar, Tensor};

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
        result_type: "result_type(Tensor|Number tensor, Tensor|Number other)" => |a| result_type_of(a);
        promote_types: "promote_types(ScalarType type1, ScalarType type2)" => |a| ok(DType::promote(a.dtype(0).unwrap_or(DType::F32), a.dtype(1).unwrap_or(DType::F32)));

        // ---- creation (`dtype=`, `device=` and `requires_grad=` in the same places: NEW) ----
        zeros: "zeros(int... size, *, ScalarType? dtype=None, Device? device=None, bool requires_grad=False)" => |a| filled_of(a, "zeros", 0.0);
        ones: "ones(int... size, *, ScalarType? dtype=None, Device? device=None, bool requires_grad=False)" => |a| filled_of(a, "ones", 1.0);
        // Zero-filled: uninitialised memory buys nothing measurable here and hides bugs.
        empty: "empty(int... size, *, ScalarType? dtype=None, Device? device=None, bool requires_grad=False)" => |a| filled_of(a, "empty", 0.0);
        full: "full(int[] size, Scalar fill_value, *, ScalarType? dtype=None, Device? device=None, bool requires_grad=False)" => |a| full_of(a);
        zeros_like: "zeros_like(Tensor input, *, ScalarType? dtype=None, Device? device=None, bool requires_grad=False, MemoryFormat memory_format=None)" => |a| like_of(a, |s, d| Tensor::full(s, 0.0, d, crate::Device::Cpu));
        ones_like: "ones_like(Tensor input, *, ScalarType? dtype=None, Device? device=None, bool requires_grad=False, MemoryFormat memory_format=None)" => |a| like_of(a, |s, d| Tensor::full(s, 1.0, d, crate::Device::Cpu));
        empty_like: "empty_like(Tensor input, *, ScalarType? dtype=None, Device? device=None, bool requires_grad=False, MemoryFormat memory_format=None)" => |a| like_of(a, |s, d| Tensor::full(s, 0.0, d, crate::Device::Cpu));
        full_like: "full_like(Tensor input, Scalar fill_value, *, ScalarType? dtype=None, Device? device=None, bool requires_grad=False, MemoryFormat memory_format=None)" => |a| full_like_of(a);
        rand_like: "rand_like(Tensor input, *, ScalarType? dtype=None, Device? device=None, bool requires_grad=False, MemoryFormat memory_format=None)" => |a| like_of(a, Tensor::rand);
        randn_like: "randn_like(Tensor input, *, ScalarType? dtype=None, Device? device=None, bool requires_grad=False, MemoryFormat memory_format=None)" => |a| like_of(a, Tensor::randn);
        rand: "rand(int... size, *, Generator? generator=None, ScalarType? dtype=None, Device? device=None, bool requires_grad=False)" => |a| random_of(a, "rand", Tensor::rand);
        randn: "randn(int... size, *, Generator? generator=None, ScalarType? dtype=None, Device? device=None, bool requires_grad=False)" => |a| random_of(a, "randn", Tensor::randn);
        randint: "randint(int high, int[] size, *, Generator? generator=None, ScalarType? dtype=None, Device? device=None, bool requires_grad=False)",
            "randint(int low, int high, int[] size, *, Generator? generator=None, ScalarType? dtype=None, Device? device=None, bool requires_grad=False)" => |a| randint_of(a);
        arange: "arange(Scalar end, *, ScalarType? dtype=None, Device? device=None, bool requires_grad=False)",
            "arange(Scalar start, Scalar end, Scalar step=1, *, ScalarType? dtype=None, Device? device=None, bool requires_grad=False)" => |a| arange_of(a);
        linspace: "linspace(Tensor|Number start, Tensor|Number end, int steps, *, ScalarType? dtype=None, Device? device=None, bool requires_grad=False)" => |a| linspace_of(a);
        eye: "eye(int n, *, ScalarType? dtype=None, Device? device=None, bool requires_grad=False)",
            "eye(int n, int m, *, ScalarType? dtype=None, Device? device=None, bool requires_grad=False)" => |a| eye_of(a);

        // ---- the activations torch records as one op, for nn.functional to call ----
        leaky_relu: "leaky_relu(Tensor input, Scalar negative_slope=0.01)" => |a| crate::ops::unary::leaky_relu(a.t(0), a.f64(1));
        silu: "silu(Tensor input)" => |a| crate::ops::unary::silu(a.t(0));
        gelu: "gelu(Tensor input, str approximate='none')" => |a| gelu_of(a);
        softplus: "softplus(Tensor input, float beta=1.0, float threshold=20.0)" => |a| crate::ops::unary::softplus(a.t(0), a.f64(1), a.f64(2));
        elu: "elu(Tensor input, Scalar alpha=1.0)" => |a| crate::ops::unary::elu(a.t(0), a.f64(1));

        // ---- modes and threads ----
        is_grad_enabled: "is_grad_enabled()" => |_a| ok(crate::autograd::is_grad_enabled());
        _set_grad_enabled: "_set_grad_enabled(bool mode)" => |a| ok(crate::autograd::set_grad_enabled(a.bool(0)));
        set_num_threads: "set_num_threads(int n)" => |a| set_num_threads_of(a.int(0));
        get_num_threads: "get_num_threads()" => |_a| ok(crate::backend::cpu::parallel::get_num_threads());
        _set_anomaly: "_set_anomaly(bool mode, bool check_nan=True)" => |a| ok(crate::autograd::anomaly::set_enabled(a.bool(0), a.bool(1)));
        is_anomaly_enabled: "is_anomaly_enabled()" => |_a| ok(crate::autograd::anomaly::is_enabled());
        _enter_dual_level: "_enter_dual_level()" => |_a| ok(crate::autograd::forward::enter_level() as i64);
        _exit_dual_level: "_exit_dual_level()" => |_a| ok(crate::autograd::forward::exit_level());
        _make_dual: "make_dual(Tensor tensor, Tensor tangent)" => |a| a.t(0).make_dual(a.t(1));

        // ---- arithmetic with a Python number allowed as `input` (torch's parser wraps one) ----
        add: "add(Tensor|Number input, Tensor|Number other, *, Scalar alpha=1, Tensor? out=None)" => |a| binary_of(a, "add", &alpha(a, "add")?, Tensor::add);
        sub: "sub(Tensor|Number input, Tensor|Number other, *, Scalar alpha=1, Tensor? out=None)" => |a| binary_of(a, "sub", &alpha(a, "sub")?, Tensor::sub);
        mul: "mul(Tensor|Number input, Tensor|Number other, *, Tensor? out=None)" => |a| binary_of(a, "mul", a.t(1), Tensor::mul);
        div: "div(Tensor|Number input, Tensor|Number other, *, str? rounding_mode=None, Tensor? out=None)" => |a| binary_of(a, "div", a.t(1), rounding(a.str(2), "div")?);
        floor_divide: "floor_divide(Tensor|Number input, Tensor|Number other, *, Tensor? out=None)" => |a| binary_of(a, "floor_divide", a.t(1), Tensor::floor_divide);
        // Not both numbers: torch has (Tensor, Tensor), (Number, Tensor) and (Tensor, Number).
        remainder: "remainder(Tensor input, Tensor|Number other, *, Tensor? out=None)",
            "remainder(Scalar input, Tensor other, *, Tensor? out=None)" => |a| remainder_of(a);
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

/// torch.result_type: the dtype an op on the two operands computes in; two Python numbers give
/// their category's default dtype (a float among them float32), as in torch.
pub(crate) fn result_type_of(a: &Args) -> Result<DType> {
    let (x, y) = (a.t(0), a.t(1));
    if x.is_wrapped_number() && y.is_wrapped_number() {
        return Ok(DType::promote_with_scalar(DType::Bool, DType::promote(x.dtype(), y.dtype())));
    }
    Ok(crate::ops::binary::result_type(x, y))
}

/// A made tensor on the asked device (created on the host, moved before requires_grad, so
/// that it is a leaf there).
pub(crate) fn made(t: Tensor, device: Option<Device>, requires_grad: bool) -> Result<Tensor> {
    let t = match device {
        Some(d) if d != t.device() => t.detach().to_device(d)?,
        _ => t,
    };
    t.set_requires_grad(requires_grad)?;
    Ok(t)
}

/// The trailing `dtype`, `device`, `requires_grad` of a creation signature: the index of dtype.
pub(crate) fn tail(a: &Args) -> usize {
    a.vals.len() - 3
}

/// A shape of non-negative sizes.
pub(crate) fn sizes(op: &str, shape: &[i64]) -> Result<Vec<usize>> {
    shape
        .iter()
        .map(|&d| match usize::try_from(d) {
            Ok(d) => Ok(d),
            Err(_) => bail!(Argument, "{op}: Trying to create tensor with negative dimension {d}"),
        })
        .collect()
}

pub(crate) fn filled_of(a: &Args, op: &str, v: f64) -> Result<Tensor> {
    let t = tail(a);
    let dev = a.device(t + 1).unwrap_or(Device::Cpu);
    let x = Tensor::full(&sizes(op, a.ints(0))?, v, a.dtype(t).unwrap_or(DType::F32), dev)?;
    made(x, None, a.bool(t + 2))
}

pub(crate) fn full_of(a: &Args) -> Result<Tensor> {
    let s = a.scalar(1);
    let dt = a.dtype(2).unwrap_or(s.dtype_default());
    let x = Tensor::full(&sizes("full", a.ints(0))?, s.to_f64(), dt, a.device(3).unwrap_or(Device::Cpu))?;
    made(x, None, a.bool(4))
}

/// A `*_like` result: the input's shape, dtype and device unless given.
pub(crate) fn like_of(a: &Args, f: fn(&[usize], DType) -> Result<Tensor>) -> Result<Tensor> {
    let x = a.t(0);
    let t = f(x.shape(), a.dtype(1).unwrap_or(x.dtype()))?;
    made(t, Some(a.device(2).unwrap_or(x.device())), a.bool(3))
}

pub(crate) fn full_like_of(a: &Args) -> Result<Tensor> {
    let (x, v) = (a.t(0), a.scalar(1).to_f64());
    let t = Tensor::full(x.shape(), v, a.dtype(2).unwrap_or(x.dtype()), crate::Device::Cpu)?;
    made(t, Some(a.device(3).unwrap_or(x.device())), a.bool(4))
}

pub(crate) fn random_of(a: &Args, op: &str, f: fn(&[usize], DType) -> Result<Tensor>) -> Result<Tensor> {
    let t = f(&sizes(op, a.ints(0))?, a.dtype(2).unwrap_or(DType::F32))?;
    made(t, a.device(3), a.bool(4))
}

pub(crate) fn randint_of(a: &Args) -> Result<Tensor> {
    let (low, high, k) = match a.overload {
        0 => (0, a.int(0), 1),
        _ => (a.int(0), a.int(1), 2),
    };
    let t = Tensor::randint(low, high, &sizes("randint", a.ints(k))?, a.dtype(k + 2).unwrap_or(DType::I64))?;
    made(t, a.device(k + 3), a.bool(k + 4))
}

pub(crate) fn arange_of(a: &Args) -> Result<Tensor> {
    let (s, e, st, k) = match a.overload {
        0 => (Scalar::Int(0), a.scalar(0), Scalar::Int(1), 1),
        _ => (a.scalar(0), a.scalar(1), a.scalar(2), 3),
    };
    if !st.to_f64().is_finite() {
        bail!(Argument, "arange: step must be finite but got {}", st.to_f64());
    }
    let any_float = [s, e, st].iter().any(|v| matches!(v, Scalar::Float(_)));
    let dt = a.dtype(k).unwrap_or(if any_float { DType::F32 } else { DType::I64 });
    made(Tensor::arange(s.to_f64(), e.to_f64(), st.to_f64(), dt)?, a.device(k + 1), a.bool(k + 2))
}

/// The end points are Numbers or 0-d tensors (torch's RuntimeError for other tensors).
pub(crate) fn linspace_of(a: &Args) -> Result<Tensor> {
    let end = |i: usize, name: &str| -> Result<f64> {
        let t = a.t(i);
        if t.ndim() != 0 {
            bail!(
                Argument,
                "linspace only supports 0-dimensional start and end tensors, but got {name} with {} dimension(s).",
                t.ndim()
            );
        }
        Ok(t.item()?.to_f64())
    };
    let steps = a.int(2);
    if steps < 0 {
        bail!(Argument, "linspace: number of steps must be non-negative");
    }
    let t =
        Tensor::linspace(end(0, "start")?, end(1, "end")?, steps as usize, a.dtype(3).unwrap_or(DType::F32))?;
    made(t, a.device(4), a.bool(5))
}

pub(crate) fn eye_of(a: &Args) -> Result<Tensor> {
    let (n, m, k) = match a.overload {
        0 => (a.int(0), a.int(0), 1),
        _ => (a.int(0), a.int(1), 2),
    };
    if n < 0 || m < 0 {
        bail!(Argument, "eye: n and m must be non-negative, got {n} and {m}");
    }
    made(
        Tensor::eye(n as usize, m as usize, a.dtype(k).unwrap_or(DType::F32))?,
        a.device(k + 1),
        a.bool(k + 2),
    )
}

pub(crate) type BinaryFn = fn(&Tensor, &Tensor) -> Result<Tensor>;

/// div's `rounding_mode`: None, "trunc" or "floor" (torch's RuntimeError for anything else).
pub(crate) fn rounding(mode: Option<&str>, op: &str) -> Result<BinaryFn> {
    Ok(match mode {
        None => Tensor::div,
        Some("trunc") => Tensor::div_trunc,
        Some("floor") => Tensor::div_floor,
        Some(s) => bail!(
            Argument,
            "{op} expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{s}'"
        ),
    })
}

/// `other * alpha` for add/sub when alpha is given. A bool alpha is only allowed when the result
/// is bool; a Python number times alpha stays a Python number for type promotion (computed in
/// Python's precision, not the default dtype's).
pub(crate) fn alpha_scaled(op: &str, this: &Tensor, other: &Tensor, alpha: Option<Scalar>) -> Result<Tensor> {
    let Some(s) = alpha else { return Ok(other.clone()) };
    if matches!(s, Scalar::Bool(_)) && crate::ops::binary::result_type(this, other) != DType::Bool {
        bail!(
            Argument,
            "{op}: Boolean alpha only supported for Boolean results (got {} and {})",
            this.dtype(),
            other.dtype()
        );
    }
    if !other.is_wrapped_number() {
        return other.mul(&Tensor::wrapped_scalar(s));
    }
    let prod = match (other.item()?, s) {
        (Scalar::Bool(x), Scalar::Bool(y)) => Scalar::Bool(x && y),
        // Ints and bools multiply as ints (a bool is 0 or 1).
        (x, y) if !matches!(x, Scalar::Float(_)) && !matches!(y, Scalar::Float(_)) => {
            let int = |v: Scalar| if let Scalar::Int(i) = v { i } else { v.to_f64() as i64 };
            match int(x).checked_mul(int(y)) {
                Some(p) => Scalar::Int(p),
                None => Scalar::Float(x.to_f64() * y.to_f64()),
            }
        }
        (x, y) => Scalar::Float(x.to_f64() * y.to_f64()),
    };
    Ok(Tensor::wrapped_scalar(prod))
}

/// torch.add/sub/mul/div/floor_divide(input, other): the method's rules, with a Python number
/// allowed for `input` too; two numbers give a 0-d tensor of torch's default dtypes.
/// `other` is the operand as the op takes it (add and sub: scaled by `alpha`).
pub(crate) fn binary_of(a: &Args, op: &str, other: &Tensor, f: BinaryFn) -> Result<Tensor> {
    if a.opt_t(a.vals.len() - 1).is_some() {
        bail!(Type, "{op}(): out= is not supported");
    }
    let (x, y) = (a.t(0), a.t(1));
    let r = f(x, other)?;
    let both_numbers = x.is_wrapped_number() && y.is_wrapped_number();
    if both_numbers && r.dtype() == DType::F64 {
        return r.to_dtype(DType::F32);
    }
    Ok(r)
}

pub(crate) fn remainder_of(a: &Args) -> Result<Tensor> {
    match a.overload {
        0 => binary_of(a, "remainder", a.t(1), Tensor::remainder),
        _ => Tensor::wrapped_scalar(a.scalar(0)).remainder(a.t(1)),
    }
}

pub(crate) fn gelu_of(a: &Args) -> Result<Tensor> {
    let tanh = match a.str(1) {
        Some("tanh") => true,
        Some("none") | None => false,
        Some(other) => bail!(Argument, "approximate argument must be either none or tanh, got '{other}'"),
    };
    crate::ops::unary::gelu(a.t(0), tanh)
}

/// Threads used by large kernels and by the backward engine (torch.set_num_threads).
pub(crate) fn set_num_threads_of(n: i64) -> Result<()> {
    if n < 1 {
        bail!(Value, "set_num_threads expects a positive integer, got {n}");
    }
    crate::backend::cpu::parallel::set_num_threads(n as usize);
    Ok(())
}
