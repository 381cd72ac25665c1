//! Tensor methods as rows: torch's signature and the call into the Rust API. Each row is also
//! the function form `torch.<name>` (its first parameter is the tensor), as in torch.

use super::functions::alpha_scaled;
use super::{Args, Out};
use crate::dtype::DType;
use crate::error::{bail, Result};
use crate::tensor::{Scalar, Tensor};

/// The rows, handed to a generator (`bindings/api.rs` makes each one a Tensor method).
macro_rules! method_rows {
    ($gen:path) => {
        $gen! {
        // ---- sizes and flags ----
        size: "size(Tensor input, int? dim=None)" => |a| size_of(a, "size");
        stride: "stride(Tensor input, int? dim=None)" => |a| size_of(a, "stride");
        item: "item(Tensor input)" => |a| a.t(0).item().map(Out::Scalar);
        retain_grad: "retain_grad(Tensor input)" => |a| a.t(0).retain_grad();
        data_ptr: "data_ptr(Tensor input)" => |a| data_ptr(a.t(0));
        dim: "dim(Tensor input)" => |a| ok(a.t(0).ndim());
        ndimension: "ndimension(Tensor input)" => |a| ok(a.t(0).ndim());
        numel: "numel(Tensor input)" => |a| ok(a.t(0).numel());
        nelement: "nelement(Tensor input)" => |a| ok(a.t(0).numel());
        element_size: "element_size(Tensor input)" => |a| ok(a.t(0).dtype().size_in_bytes());
        is_contiguous: "is_contiguous(Tensor input, *, MemoryFormat memory_format=None)" => |a| ok(a.t(0).is_contiguous());
        is_floating_point: "is_floating_point(Tensor input)" => |a| ok(a.t(0).dtype().is_float());
        detach: "detach(Tensor input)" => |a| ok(a.t(0).detach());
        detach_: "detach_(Tensor input)" => |a| { a.t(0).detach_in_place(); ok(Out::Same) };
        // (unlike the `requires_grad` setter, it accepts True on a non-leaf)
        requires_grad_: "requires_grad_(Tensor input, bool requires_grad=True)" => |a| a.t(0).set_requires_grad(a.bool(1)).map(|_| Out::Same);

        // ---- comparisons and logic ----
        eq: "eq(Tensor input, Tensor|Number other)" => |a| a.t(0).eq(a.t(1));
        ne: "ne(Tensor input, Tensor|Number other)" => |a| a.t(0).ne(a.t(1));
        lt: "lt(Tensor input, Tensor|Number other)" => |a| a.t(0).lt(a.t(1));
        le: "le(Tensor input, Tensor|Number other)" => |a| a.t(0).le(a.t(1));
        gt: "gt(Tensor input, Tensor|Number other)" => |a| a.t(0).gt(a.t(1));
        ge: "ge(Tensor input, Tensor|Number other)" => |a| a.t(0).ge(a.t(1));
        logical_not: "logical_not(Tensor input)" => |a| a.t(0).logical_not();
        bitwise_not: "bitwise_not(Tensor input)" => |a| crate::ops::unary::bitwise_not(a.t(0));
        r#where: "where(Tensor input, Tensor condition, Tensor|Number other)" => |a| Tensor::where_(a.t(1), a.t(0), a.t(2));
        masked_fill: "masked_fill(Tensor input, Tensor mask, Tensor value)", "masked_fill(Tensor input, Tensor mask, Scalar value)" => |a| masked_fill(a);

        // ---- arithmetic ----
        add: "add(Tensor input, Tensor|Number other, *, Scalar alpha=1)" => |a| a.t(0).add(&alpha(a, "add")?);
        sub: "sub(Tensor input, Tensor|Number other, *, Scalar alpha=1)" => |a| a.t(0).sub(&alpha(a, "sub")?);
        subtract: "subtract(Tensor input, Tensor|Number other, *, Scalar alpha=1)" => |a| a.t(0).sub(&alpha(a, "subtract")?);
        mul: "mul(Tensor input, Tensor|Number other)" => |a| a.t(0).mul(a.t(1));
        multiply: "multiply(Tensor input, Tensor|Number other)" => |a| a.t(0).mul(a.t(1));
        div: "div(Tensor input, Tensor|Number other, *, str? rounding_mode=None)" => |a| rounding(a.str(2), "div")?(a.t(0), a.t(1));
        divide: "divide(Tensor input, Tensor|Number other, *, str? rounding_mode=None)" => |a| rounding(a.str(2), "divide")?(a.t(0), a.t(1));
        true_divide: "true_divide(Tensor input, Tensor|Number other)" => |a| a.t(0).div(a.t(1));
        floor_divide: "floor_divide(Tensor input, Tensor|Number other)" => |a| a.t(0).floor_divide(a.t(1));
        pow: "pow(Tensor input, Tensor|Number exponent)" => |a| a.t(0).pow(a.t(1));
        remainder: "remainder(Tensor input, Tensor|Number other)" => |a| a.t(0).remainder(a.t(1));
        fmod: "fmod(Tensor input, Tensor|Number other)" => |a| a.t(0).fmod(a.t(1));
        maximum: "maximum(Tensor input, Tensor other)" => |a| a.t(0).maximum(a.t(1));
        minimum: "minimum(Tensor input, Tensor other)" => |a| a.t(0).minimum(a.t(1));
        matmul: "matmul(Tensor input, Tensor other)" => |a| a.t(0).matmul(a.t(1));
        mm: "mm(Tensor input, Tensor mat2)" => |a| mm(a.t(0), a.t(1));

        // ---- in place (the tensor itself is returned) ----
        add_: "add_(Tensor input, Tensor|Number other, *, Scalar alpha=1)" => |a| inplace(a, "add_", &alpha(a, "add_")?, Tensor::add);
        sub_: "sub_(Tensor input, Tensor|Number other, *, Scalar alpha=1)" => |a| sub_(a);
        mul_: "mul_(Tensor input, Tensor|Number other)" => |a| inplace(a, "mul_", a.t(1), Tensor::mul);
        div_: "div_(Tensor input, Tensor|Number other, *, str? rounding_mode=None)" => |a| inplace(a, "div_", a.t(1), rounding(a.str(2), "div_")?);
        floor_divide_: "floor_divide_(Tensor input, Tensor|Number other)" => |a| inplace(a, "floor_divide_", a.t(1), Tensor::floor_divide);
        remainder_: "remainder_(Tensor input, Tensor|Number other)" => |a| inplace(a, "remainder_", a.t(1), Tensor::remainder);
        fmod_: "fmod_(Tensor input, Tensor|Number other)" => |a| inplace(a, "fmod_", a.t(1), Tensor::fmod);
        pow_: "pow_(Tensor input, Tensor|Number exponent)" => |a| inplace(a, "pow_", a.t(1), Tensor::pow);
        neg_: "neg_(Tensor input)" => |a| inplace_unary(a, "neg_", Tensor::neg);
        exp_: "exp_(Tensor input)" => |a| inplace_unary(a, "exp_", Tensor::exp);
        relu_: "relu_(Tensor input)" => |a| inplace_unary(a, "relu_", Tensor::relu);
        zero_: "zero_(Tensor input)" => |a| a.t(0).zero_().map(|_| Out::Same);
        // A tensor value must be 0-d (one value to fill with).
        fill_: "fill_(Tensor input, Tensor value)", "fill_(Tensor input, Scalar value)" => |a| fill_(a);
        copy_: "copy_(Tensor input, Tensor|Number src, bool non_blocking=False)" => |a| a.t(0).copy_(a.t(1)).map(|_| Out::Same);

        // ---- unary math ----
        neg: "neg(Tensor input)" => |a| a.t(0).neg();
        negative: "negative(Tensor input)" => |a| a.t(0).neg();
        exp: "exp(Tensor input)" => |a| a.t(0).exp();
        log: "log(Tensor input)" => |a| a.t(0).log();
        sqrt: "sqrt(Tensor input)" => |a| a.t(0).sqrt();
        tanh: "tanh(Tensor input)" => |a| a.t(0).tanh();
        sigmoid: "sigmoid(Tensor input)" => |a| a.t(0).sigmoid();
        relu: "relu(Tensor input)" => |a| a.t(0).relu();
        abs: "abs(Tensor input)" => |a| a.t(0).abs();
        sign: "sign(Tensor input)" => |a| a.t(0).sign();
        reciprocal: "reciprocal(Tensor input)" => |a| a.t(0).reciprocal();
        square: "square(Tensor input)" => |a| square(a.t(0));
        // torch tries the Tensor overload first, so a 0-d tensor with grad stays a tensor bound.
        clamp: "clamp(Tensor input, Tensor? min=None, Tensor? max=None)", "clamp(Tensor input, Scalar? min=None, Scalar? max=None)" => |a| clamp(a);
        clip: "clip(Tensor input, Tensor? min=None, Tensor? max=None)", "clip(Tensor input, Scalar? min=None, Scalar? max=None)" => |a| clamp(a);
        clamp_: "clamp_(Tensor input, Tensor? min=None, Tensor? max=None)", "clamp_(Tensor input, Scalar? min=None, Scalar? max=None)" => |a| clamp_inplace(a);
        clamp_min: "clamp_min(Tensor input, Tensor min)", "clamp_min(Tensor input, Scalar min)" => |a| clamp(a);
        clamp_max: "clamp_max(Tensor input, Tensor max)", "clamp_max(Tensor input, Scalar max)" => |a| clamp_max(a);

        // ---- reductions ----
        sum: "sum(Tensor input, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None)" => |a| in_dtype(a.cast(0, 3)?.sum(a.ints(1), a.bool(2)), a.dtype(3));
        mean: "mean(Tensor input, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None)" => |a| a.cast(0, 3)?.mean(a.ints(1), a.bool(2));
        prod: "prod(Tensor input, *, ScalarType? dtype=None)", "prod(Tensor input, int dim, bool keepdim=False, *, ScalarType? dtype=None)" => |a| prod(a);
        var: "var(Tensor input, bool unbiased=True)", "var(Tensor input, int[1]? dim, bool unbiased=True, bool keepdim=False)", "var(Tensor input, int[1]? dim=None, *, Scalar? correction=None, bool keepdim=False)" => |a| var_std(a, Tensor::var);
        std: "std(Tensor input, bool unbiased=True)", "std(Tensor input, int[1]? dim, bool unbiased=True, bool keepdim=False)", "std(Tensor input, int[1]? dim=None, *, Scalar? correction=None, bool keepdim=False)" => |a| var_std(a, Tensor::std);
        max: "max(Tensor input)", "max(Tensor input, Tensor other)", "max(Tensor input, int dim, bool keepdim=False)" => |a| extreme(a, true);
        min: "min(Tensor input)", "min(Tensor input, Tensor other)", "min(Tensor input, int dim, bool keepdim=False)" => |a| extreme(a, false);
        amax: "amax(Tensor input, int[1]? dim=None, bool keepdim=False)" => |a| a.t(0).amax(a.ints(1), a.bool(2));
        amin: "amin(Tensor input, int[1]? dim=None, bool keepdim=False)" => |a| a.t(0).amin(a.ints(1), a.bool(2));
        argmax: "argmax(Tensor input, int? dim=None, bool keepdim=False)" => |a| a.t(0).argmax(a.opt_int(1), a.bool(2));
        argmin: "argmin(Tensor input, int? dim=None, bool keepdim=False)" => |a| a.t(0).argmin(a.opt_int(1), a.bool(2));
        logsumexp: "logsumexp(Tensor input, int[1] dim, bool keepdim=False)" => |a| a.t(0).logsumexp(a.ints(1), a.bool(2));
        softmax: "softmax(Tensor input, int dim, ScalarType? dtype=None)" => |a| a.cast(0, 2)?.softmax(a.int(1));
        log_softmax: "log_softmax(Tensor input, int dim, ScalarType? dtype=None)" => |a| a.cast(0, 2)?.log_softmax(a.int(1));

        // ---- shape and views ----
        reshape: "reshape(Tensor input, int... shape)" => |a| a.t(0).reshape(a.ints(1));
        permute: "permute(Tensor input, int... dims)" => |a| a.t(0).permute(a.ints(1));
        view: "view(Tensor input, ScalarType dtype)", "view(Tensor input, int... size)" => |a| view(a);
        flatten: "flatten(Tensor input, int start_dim=0, int end_dim=-1)" => |a| a.t(0).flatten(a.int(1), a.int(2));
        transpose: "transpose(Tensor input, int dim0, int dim1)" => |a| a.t(0).transpose(a.int(1), a.int(2));
        swapaxes: "swapaxes(Tensor input, int axis0, int axis1)" => |a| a.t(0).transpose(a.int(1), a.int(2));
        t: "t(Tensor input)" => |a| a.t(0).t();
        expand: "expand(Tensor input, int... size, *, bool implicit=False)" => |a| a.t(0).expand(a.ints(1));
        expand_as: "expand_as(Tensor input, Tensor other)" => |a| a.t(0).expand_to(a.t(1).shape());
        view_as: "view_as(Tensor input, Tensor other)" => |a| a.t(0).view(&shape_i64(a.t(1)));
        reshape_as: "reshape_as(Tensor input, Tensor other)" => |a| a.t(0).reshape_to(a.t(1).shape());
        squeeze: "squeeze(Tensor input)", "squeeze(Tensor input, int[1] dim)" => |a| a.t(0).squeeze(a.opt_ints(1).filter(|_| a.overload == 1));
        unsqueeze: "unsqueeze(Tensor input, int dim)" => |a| a.t(0).unsqueeze(a.int(1));
        select: "select(Tensor input, int dim, int index)" => |a| a.t(0).select(a.int(1), a.int(2));
        narrow: "narrow(Tensor input, int dim, int start, int length)", "narrow(Tensor input, int dim, Tensor start, int length)" => |a| narrow(a);

        // ---- dtype and device ----
        // torch's order: to(dtype), to(tensor), to(device, dtype): a device after a dtype fails all three.
        to: "to(Tensor input, ScalarType dtype, bool non_blocking=False, bool copy=False, *, MemoryFormat memory_format=None)",
            "to(Tensor input, Tensor other, bool non_blocking=False, bool copy=False, *, MemoryFormat memory_format=None)",
            "to(Tensor input, Device? device=None, ScalarType? dtype=None, bool non_blocking=False, bool copy=False, *, MemoryFormat memory_format=None)" => |a| to(a);
        new_zeros: "new_zeros(Tensor input, int... size, *, ScalarType? dtype=None, Device? device=None, bool requires_grad=False)" => |a| new_full(a, 0.0);
        new_ones: "new_ones(Tensor input, int... size, *, ScalarType? dtype=None, Device? device=None, bool requires_grad=False)" => |a| new_full(a, 1.0);
        float: "float(Tensor input, *, MemoryFormat memory_format=None)" => |a| cast(a, DType::F32);
        double: "double(Tensor input, *, MemoryFormat memory_format=None)" => |a| cast(a, DType::F64);
        long: "long(Tensor input, *, MemoryFormat memory_format=None)" => |a| cast(a, DType::I64);
        int: "int(Tensor input, *, MemoryFormat memory_format=None)" => |a| cast(a, DType::I32);
        bool: "bool(Tensor input, *, MemoryFormat memory_format=None)" => |a| cast(a, DType::Bool);
        cpu: "cpu(Tensor input, *, MemoryFormat memory_format=None)" => |a| a.t(0).to_device(crate::Device::Cpu);
        type_as: "type_as(Tensor input, Tensor other)" => |a| a.t(0).to_dtype(a.t(1).dtype());
        contiguous: "contiguous(Tensor input, *, MemoryFormat memory_format=None)" => |a| same_or(a, |t| !t.is_contiguous(), Tensor::contiguous);
        clone: "clone(Tensor input, *, MemoryFormat memory_format=None)" => |a| a.t(0).clone_tensor();
        }
    };
}
pub(crate) use method_rows;

/// size()/stride(): all of them, or one dim's.
pub(crate) fn size_of(a: &Args, op: &str) -> Result<Out> {
    let t = a.t(0);
    let all: Vec<usize> = if op == "size" { t.shape().to_vec() } else { t.strides().to_vec() };
    let Some(d) = a.opt_int(1) else {
        return Ok(if op == "size" {
            Out::Size(all)
        } else {
            Out::Ints(all.iter().map(|&v| v as i64).collect())
        });
    };
    let d = crate::shape::normalize_dim(op, d, t.ndim())?;
    match all.get(d) {
        Some(&v) => Ok(Out::Int(v as i64)),
        None => bail!(Index, "{op}(): dimension specified as 0 but tensor has no dimensions"),
    }
}

pub(crate) fn data_ptr(t: &Tensor) -> Result<usize> {
    match t.data_ptr() {
        Some(p) => Ok(p),
        None => bail!(
            Device,
            "data_ptr: the tensor is on {}, whose memory has no host address; use .cpu() first",
            t.device()
        ),
    }
}

/// `.to(dtype)`, `.to(other)`, `.to(device, dtype)`.
pub(crate) fn to(a: &Args) -> Result<Tensor> {
    let x = a.t(0);
    let (target, dev, copy) = match a.overload {
        0 => (a.dtype(1), None, a.bool(3)),
        1 => (Some(a.t(1).dtype()), Some(a.t(1).device()), a.bool(3)),
        _ => (a.dtype(2), a.device(1), a.bool(4)),
    };
    // float64 exists only on the CPU: cast to it after a move there, to anything else before
    // moving (so `.to("wgpu", float32)` of a float64 tensor casts on the host).
    let mut out = x.clone();
    if target != Some(DType::F64) {
        if let Some(dt) = target.filter(|&d| d != out.dtype()) {
            out = out.to_dtype(dt)?;
        }
    }
    out = out.to_device(dev.unwrap_or(x.device()))?;
    if let Some(dt) = target.filter(|&d| d != out.dtype()) {
        out = out.to_dtype(dt)?;
    }
    if copy && out.same_tensor(x) {
        out = out.clone_tensor()?;
    }
    Ok(out)
}

/// new_zeros/new_ones: this tensor's dtype and device unless given.
pub(crate) fn new_full(a: &Args, v: f64) -> Result<Tensor> {
    let x = a.t(0);
    let shape = super::functions::sizes("new_full", a.ints(1))?;
    let t = Tensor::full(&shape, v, a.dtype(2).unwrap_or(x.dtype()), a.device(3).unwrap_or(x.device()))?;
    t.set_requires_grad(a.bool(4))?;
    Ok(t)
}

pub(crate) fn shape_i64(t: &Tensor) -> Vec<i64> {
    t.shape().iter().map(|&d| d as i64).collect()
}

/// The tensor itself when `change` says nothing changes (torch returns the same object).
pub(crate) fn same_or(
    a: &Args,
    change: fn(&Tensor) -> bool,
    f: fn(&Tensor) -> Result<Tensor>,
) -> Result<Out> {
    let t = a.t(0);
    Ok(if change(t) { f(t)?.into() } else { Out::Same })
}

pub(crate) fn cast(a: &Args, d: DType) -> Result<Out> {
    let t = a.t(0);
    Ok(if t.dtype() == d { Out::Same } else { t.to_dtype(d)?.into() })
}

pub(crate) fn view(a: &Args) -> Result<Tensor> {
    if a.overload == 0 {
        // torch's view(dtype) reinterprets the bytes; ferrograd has no such view.
        bail!(
            NotImplemented,
            "view(dtype): reinterpreting a {} tensor's memory as another dtype is not supported; use .to(dtype) to convert values",
            a.t(0).dtype()
        );
    }
    a.t(0).view(a.ints(1))
}

/// `start` may be a 0-d integer tensor (torch's RuntimeError for any other tensor).
pub(crate) fn narrow(a: &Args) -> Result<Tensor> {
    let start = match a.overload {
        0 => a.int(2),
        _ => match a.t(2).ndim() == 0 && a.t(2).dtype().is_int() {
            true => a.t(2).item()?.to_f64() as i64,
            false => bail!(Argument, "narrow(): start must be an 0-dim integral Tensor."),
        },
    };
    a.t(0).narrow(a.int(1), start, a.int(3))
}

pub(crate) fn mm(x: &Tensor, y: &Tensor) -> Result<Tensor> {
    if x.ndim() != 2 || y.ndim() != 2 {
        bail!(Shape, "mm: both arguments must be 2-D (use matmul for other shapes)");
    }
    x.matmul(y)
}

/// torch computes square as pow(x, 2): a bool input gives int64, not bool.
pub(crate) fn square(t: &Tensor) -> Result<Tensor> {
    let x = if t.dtype() == DType::Bool { t.to_dtype(DType::I64)? } else { t.clone() };
    x.mul(&x)
}

/// `other * alpha` when alpha is given (add, sub and their in-place forms).
pub(crate) fn alpha(a: &Args, op: &str) -> Result<Tensor> {
    alpha_scaled(op, a.t(0), a.t(1), a.opt_scalar(2).filter(|_| a.given(2)))
}

/// `x.op_(o)`: one path for every in-place binary op (torch's checks run in `apply_inplace`).
pub(crate) fn inplace(
    a: &Args,
    op: &str,
    o: &Tensor,
    f: fn(&Tensor, &Tensor) -> Result<Tensor>,
) -> Result<Out> {
    a.t(0).apply_inplace(op, &[o], |s| f(s, o))?;
    Ok(Out::Same)
}

pub(crate) fn inplace_unary(a: &Args, op: &str, f: fn(&Tensor) -> Result<Tensor>) -> Result<Out> {
    a.t(0).apply_inplace(op, &[], f)?;
    Ok(Out::Same)
}

/// sub's bool check runs on the operand before alpha turns it into a number.
pub(crate) fn sub_(a: &Args) -> Result<Out> {
    let (x, o) = (a.t(0), a.t(1));
    if o.dtype() == DType::Bool || x.dtype() == DType::Bool {
        bail!(
            NotImplemented,
            "sub_: Subtraction, the `-` operator, with a bool tensor is not supported ({} - {}). If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.",
            x.dtype(),
            o.dtype()
        );
    }
    inplace(a, "sub_", &alpha(a, "sub_")?, Tensor::sub)
}

/// A fill value given as a tensor: it must be 0-d (one value), torch's RuntimeError otherwise.
pub(crate) fn fill_value<'a>(op: &str, v: &'a Tensor) -> Result<&'a Tensor> {
    if v.ndim() != 0 {
        bail!(
            Argument,
            "{op} only supports a 0-dimensional value tensor, but got tensor with {} dimension(s).",
            v.ndim()
        );
    }
    Ok(v)
}

pub(crate) fn fill_(a: &Args) -> Result<Out> {
    let v = match a.overload {
        0 => fill_value("fill_", a.t(1))?.item()?,
        _ => a.scalar(1),
    };
    a.t(0).fill_(v)?;
    Ok(Out::Same)
}

/// `value` is a Number or a 0-d tensor (which may carry grad), as in torch.
pub(crate) fn masked_fill(a: &Args) -> Result<Tensor> {
    let (x, m) = (a.t(0), a.t(1));
    let v = match a.overload {
        0 => fill_value("masked_fill_", a.t(2))?.to_dtype(x.dtype())?,
        _ => Tensor::scalar(a.scalar(2), x.dtype()).to_dtype(x.dtype())?,
    };
    Tensor::where_(m, &v, x)
}

pub(crate) fn prod(a: &Args) -> Result<Tensor> {
    match a.overload {
        0 => in_dtype(a.cast(0, 1)?.prod(&[], false), a.dtype(1)),
        _ => in_dtype(a.cast(0, 3)?.prod(&[a.int(1)], a.bool(2)), a.dtype(3)),
    }
}

/// A sum or product given `dtype=`: torch's result is of that dtype, an integer one included
/// (accumulating in int64 and wrapping into it gives the same values).
pub(crate) fn in_dtype(r: Result<Tensor>, dtype: Option<DType>) -> Result<Tensor> {
    match (r?, dtype) {
        (t, Some(d)) if d != t.dtype() => t.to_dtype(d),
        (t, _) => Ok(t),
    }
}

/// var/std in torch's three spellings: `(unbiased)`, `(dim, unbiased, keepdim)` and
/// `(dim, *, correction, keepdim)`.
pub(crate) fn var_std(a: &Args, f: fn(&Tensor, &[i64], f64, bool) -> Result<Tensor>) -> Result<Tensor> {
    let unbiased = |i: usize| if a.bool(i) { 1.0 } else { 0.0 };
    match a.overload {
        0 => f(a.t(0), &[], unbiased(1), false),
        1 => f(a.t(0), a.ints(1), unbiased(2), a.bool(3)),
        _ => f(a.t(0), a.ints(1), a.opt_f64(2).unwrap_or(1.0), a.bool(3)),
    }
}

/// max/min: of all elements, elementwise with another tensor, or along a dim with indices.
pub(crate) fn extreme(a: &Args, max: bool) -> Result<Out> {
    let t = a.t(0);
    Ok(match a.overload {
        0 => (if max { t.max_all() } else { t.min_all() })?.into(),
        1 => (if max { t.maximum(a.t(1)) } else { t.minimum(a.t(1)) })?.into(),
        _ => {
            let (v, i) = if max { t.max_dim(a.int(1), a.bool(2))? } else { t.min_dim(a.int(1), a.bool(2))? };
            Out::Named(if max { "max" } else { "min" }, vec![v, i])
        }
    })
}

/// A clamp bound as torch's two clamp signatures take it: a Number or a tensor.
pub enum ClampBound {
    None,
    Num(Scalar),
    Tensor(Tensor),
}

impl ClampBound {
    fn of(a: &Args, i: usize) -> ClampBound {
        match (a.opt_t(i), a.opt_scalar(i)) {
            (Some(t), _) => ClampBound::Tensor(t.clone()),
            (None, Some(s)) => ClampBound::Num(s),
            _ => ClampBound::None,
        }
    }

    fn tensor(&self) -> Option<&Tensor> {
        match self {
            ClampBound::Tensor(t) => Some(t),
            _ => None,
        }
    }

    fn num(&self) -> Option<Scalar> {
        match self {
            ClampBound::Num(s) => Some(*s),
            _ => None,
        }
    }

    /// The bound as an operand of maximum/minimum (a Number as a wrapped scalar).
    fn operand(&self) -> Option<Tensor> {
        match self {
            ClampBound::None => None,
            ClampBound::Num(s) => Some(Tensor::wrapped_scalar(*s)),
            ClampBound::Tensor(t) => Some(t.clone()),
        }
    }
}

pub(crate) fn clamp(a: &Args) -> Result<Tensor> {
    clamp_impl(a.t(0), &ClampBound::of(a, 1), &ClampBound::of(a, 2))
}

pub(crate) fn clamp_max(a: &Args) -> Result<Tensor> {
    clamp_impl(a.t(0), &ClampBound::None, &ClampBound::of(a, 1))
}

/// The bounds of `clamp_(min, max)`: the row's arguments, and the tensors among them (which
/// the in-place op checks against its input).
pub fn clamp_bounds(a: &Args) -> (ClampBound, ClampBound) {
    (ClampBound::of(a, 1), ClampBound::of(a, 2))
}

/// clamp with torch's result type (an int tensor clamped by float bounds is float) and NaN
/// bounds propagating. Number bounds use the clamp kernel (and its gradient); tensor bounds,
/// or a NaN, go through maximum/minimum, which broadcast and propagate NaN.
pub fn clamp_impl(t: &Tensor, lo: &ClampBound, hi: &ClampBound) -> Result<Tensor> {
    let (nlo, nhi) = (lo.num(), hi.num());
    let any_tensor = lo.tensor().is_some() || hi.tensor().is_some();
    let any_nan = [nlo, nhi].iter().flatten().any(|s| s.to_f64().is_nan());
    if matches!((lo, hi), (ClampBound::None, ClampBound::None)) || (!any_tensor && !any_nan) {
        let mut dt = t.dtype();
        for s in [nlo, nhi].into_iter().flatten() {
            dt = crate::ops::binary::result_type(
                &Tensor::scalar(Scalar::Int(0), dt),
                &Tensor::wrapped_scalar(s),
            );
        }
        let x = if dt == t.dtype() { t.clone() } else { t.to_dtype(dt)? };
        return x.clamp(nlo.map(|s| s.to_f64()), nhi.map(|s| s.to_f64()));
    }
    let mut r = t.clone();
    if let Some(l) = lo.operand() {
        r = r.maximum(&l)?;
    }
    if let Some(h) = hi.operand() {
        r = r.minimum(&h)?;
    }
    Ok(r)
}

pub(crate) fn clamp_inplace(a: &Args) -> Result<Out> {
    let (lo, hi) = clamp_bounds(a);
    let others: Vec<&Tensor> = [&lo, &hi].into_iter().filter_map(ClampBound::tensor).collect();
    a.t(0).apply_inplace("clamp_", &others, |s| clamp_impl(s, &lo, &hi))?;
    Ok(Out::Same)
}
