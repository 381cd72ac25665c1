//! Module-level functions: creation, joining, grad mode, seeding.

use super::convert::{dtype_of, int_arg, number_arg, scalar_of, sizes_of, tensor_arg, tensor_from_values};
use super::convert::{size_seq_of, Arg, Int};
use super::dtype::device_of;
use super::identity::TensorObj;
use super::tensor::PyTensor;
use crate::autograd;
use crate::dtype::DType;
use crate::tensor::{Scalar, Tensor};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

type R = PyResult<TensorObj>;

fn finish(t: Tensor, requires_grad: bool) -> R {
    t.set_requires_grad(requires_grad)?;
    Ok(PyTensor::wrap(t))
}

/// A fresh host tensor moved to `dev` before requires_grad, so that it is a leaf there.
fn finish_on(dev: crate::Device, t: Tensor, requires_grad: bool) -> R {
    let t = if dev == t.device() { t } else { t.detach().to_device(dev)? };
    finish(t, requires_grad)
}

/// `ferrograd.Size`, a tuple subclass like torch.Size.
pub fn size_obj<'py>(py: Python<'py>, shape: &[usize]) -> PyResult<Bound<'py, PyAny>> {
    let cls = py.import("ferrograd._size")?.getattr("Size")?;
    cls.call1((PyTuple::new(py, shape)?,))
}

pub fn tensor_impl(data: &Bound<'_, PyAny>, dtype: Option<DType>, requires_grad: bool) -> R {
    let t = if let Ok(t) = data.cast::<PyTensor>() {
        let t = t.borrow().t.detach();
        let t = t.contiguous_copy()?;
        match dtype {
            Some(d) => t.cast_raw(d)?,
            None => t,
        }
    } else if let Some(arr) = numpy_array(data)? {
        let t = super::numpy::from_numpy(&arr)?.contiguous_copy()?;
        match dtype {
            Some(d) => t.cast_raw(d)?,
            None => t,
        }
    } else {
        let n = super::convert::nested_as(data, dtype.is_some())?;
        tensor_from_values(&n.values, &n.shape, dtype.unwrap_or(n.dtype))?
    };
    finish(t, requires_grad)
}

/// NumPy arrays, and NumPy scalars as 0-d arrays (their dtype is kept, as torch does).
fn numpy_array<'py>(data: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    let Ok(np) = data.py().import("numpy") else {
        return Ok(None);
    };
    if data.is_instance(&np.getattr("ndarray")?)? {
        return Ok(Some(data.clone()));
    }
    if data.is_instance(&np.getattr("generic")?)? {
        return Ok(Some(np.call_method1("asarray", (data,))?));
    }
    Ok(None)
}

#[pyfunction]
#[pyo3(signature = (data, *, dtype=None, device=None, requires_grad=false))]
pub fn tensor(
    data: &Bound<'_, PyAny>,
    dtype: Option<&Bound<'_, PyAny>>,
    device: Option<&Bound<'_, PyAny>>,
    requires_grad: bool,
) -> R {
    let dev = device_of(device)?;
    let t = tensor_impl(data, dtype_of(dtype)?, false)?.t;
    finish_on(dev, t, requires_grad)
}

#[pyfunction]
#[pyo3(signature = (data, dtype=None, device=None))]
pub fn as_tensor(
    data: &Bound<'_, PyAny>,
    dtype: Option<&Bound<'_, PyAny>>,
    device: Option<&Bound<'_, PyAny>>,
) -> R {
    let dt = dtype_of(dtype)?;
    if let Ok(t) = data.cast::<PyTensor>() {
        let t = t.borrow().t.clone();
        let dev = match device {
            Some(d) if !d.is_none() => device_of(Some(d))?,
            _ => t.device(),
        };
        let t = match dt {
            Some(d) => t.to_dtype(d)?,
            None => t,
        };
        return Ok(PyTensor::wrap(t.to_device(dev)?));
    }
    let dev = device_of(device)?;
    // An ndarray of a dtype ferrograd has shares its memory, as torch's as_tensor does (moved
    // to another device or dtype, it is copied).
    if let Some(d) = super::numpy::shareable_dtype(data)? {
        if dt.is_none_or(|want| want == d) {
            return finish_on(dev, super::numpy::from_numpy(data)?, false);
        }
    }
    finish_on(dev, tensor_impl(data, dt, false)?.t, false)
}

fn filled(
    op: &str,
    size: &Bound<'_, PyTuple>,
    v: f64,
    dtype: Option<&Bound<'_, PyAny>>,
    device: Option<&Bound<'_, PyAny>>,
    requires_grad: bool,
) -> R {
    let shape = sizes_of(op, size)?;
    let dev = device_of(device)?;
    finish(Tensor::full(&shape, v, dtype_of(dtype)?.unwrap_or(DType::F32), dev)?, requires_grad)
}

#[pyfunction]
#[pyo3(signature = (*size, dtype=None, device=None, requires_grad=false))]
pub fn zeros(
    size: &Bound<'_, PyTuple>,
    dtype: Option<&Bound<'_, PyAny>>,
    device: Option<&Bound<'_, PyAny>>,
    requires_grad: bool,
) -> R {
    filled("zeros", size, 0.0, dtype, device, requires_grad)
}

#[pyfunction]
#[pyo3(signature = (*size, dtype=None, device=None, requires_grad=false))]
pub fn ones(
    size: &Bound<'_, PyTuple>,
    dtype: Option<&Bound<'_, PyAny>>,
    device: Option<&Bound<'_, PyAny>>,
    requires_grad: bool,
) -> R {
    filled("ones", size, 1.0, dtype, device, requires_grad)
}

#[pyfunction]
#[pyo3(signature = (*size, dtype=None, device=None, requires_grad=false))]
pub fn empty(
    size: &Bound<'_, PyTuple>,
    dtype: Option<&Bound<'_, PyAny>>,
    device: Option<&Bound<'_, PyAny>>,
    requires_grad: bool,
) -> R {
    // Zero-filled: uninitialised memory buys nothing measurable here and hides bugs.
    filled("empty", size, 0.0, dtype, device, requires_grad)
}

#[pyfunction]
#[pyo3(signature = (size, fill_value, *, dtype=None, device=None, requires_grad=false))]
pub fn full(
    size: &Bound<'_, PyAny>,
    fill_value: &Bound<'_, PyAny>,
    dtype: Option<&Bound<'_, PyAny>>,
    device: Option<&Bound<'_, PyAny>>,
    requires_grad: bool,
) -> R {
    let s = number_arg("full", "fill_value", fill_value)?;
    // `size` is one sequence: `full(3, v)` is torch's TypeError.
    let size = PyTuple::new(size.py(), [PyTuple::new(size.py(), size_seq_of("full", "size", size)?)?])?;
    let dt = dtype_of(dtype)?.unwrap_or(match s {
        Scalar::Float(_) => DType::F32,
        Scalar::Int(_) => DType::I64,
        Scalar::Bool(_) => DType::Bool,
    });
    let shape = sizes_of("full", &size)?;
    finish(Tensor::full(&shape, s.to_f64(), dt, device_of(device)?)?, requires_grad)
}

/// Shape, dtype and device of a `*_like` result: the input's unless given.
fn like(
    input: &Bound<'_, PyAny>,
    dtype: Option<&Bound<'_, PyAny>>,
    device: Option<&Bound<'_, PyAny>>,
    op: &str,
) -> PyResult<(Vec<usize>, DType, crate::Device)> {
    let t = tensor_arg(op, "input", input)?;
    let dev = match device {
        Some(d) if !d.is_none() => device_of(Some(d))?,
        _ => t.device(),
    };
    Ok((t.shape().to_vec(), dtype_of(dtype)?.unwrap_or(t.dtype()), dev))
}

#[pyfunction]
#[pyo3(signature = (input, *, dtype=None, device=None, requires_grad=false))]
pub fn zeros_like(
    input: &Bound<'_, PyAny>,
    dtype: Option<&Bound<'_, PyAny>>,
    device: Option<&Bound<'_, PyAny>>,
    requires_grad: bool,
) -> R {
    let (s, d, dev) = like(input, dtype, device, "zeros_like")?;
    finish(Tensor::full(&s, 0.0, d, dev)?, requires_grad)
}

#[pyfunction]
#[pyo3(signature = (input, *, dtype=None, device=None, requires_grad=false))]
pub fn ones_like(
    input: &Bound<'_, PyAny>,
    dtype: Option<&Bound<'_, PyAny>>,
    device: Option<&Bound<'_, PyAny>>,
    requires_grad: bool,
) -> R {
    let (s, d, dev) = like(input, dtype, device, "ones_like")?;
    finish(Tensor::full(&s, 1.0, d, dev)?, requires_grad)
}

#[pyfunction]
#[pyo3(signature = (input, *, dtype=None, device=None, requires_grad=false))]
pub fn empty_like(
    input: &Bound<'_, PyAny>,
    dtype: Option<&Bound<'_, PyAny>>,
    device: Option<&Bound<'_, PyAny>>,
    requires_grad: bool,
) -> R {
    zeros_like(input, dtype, device, requires_grad)
}

#[pyfunction]
#[pyo3(signature = (input, fill_value, *, dtype=None, device=None, requires_grad=false))]
pub fn full_like(
    input: &Bound<'_, PyAny>,
    fill_value: &Bound<'_, PyAny>,
    dtype: Option<&Bound<'_, PyAny>>,
    device: Option<&Bound<'_, PyAny>>,
    requires_grad: bool,
) -> R {
    let fill_value = number_arg("full_like", "fill_value", fill_value)?.to_f64();
    let (s, d, dev) = like(input, dtype, device, "full_like")?;
    finish(Tensor::full(&s, fill_value, d, dev)?, requires_grad)
}

#[pyfunction]
#[pyo3(signature = (input, *, dtype=None, device=None, requires_grad=false))]
pub fn rand_like(
    input: &Bound<'_, PyAny>,
    dtype: Option<&Bound<'_, PyAny>>,
    device: Option<&Bound<'_, PyAny>>,
    requires_grad: bool,
) -> R {
    let (s, d, dev) = like(input, dtype, device, "rand_like")?;
    finish_on(dev, Tensor::rand(&s, d)?, requires_grad)
}

#[pyfunction]
#[pyo3(signature = (input, *, dtype=None, device=None, requires_grad=false))]
pub fn randn_like(
    input: &Bound<'_, PyAny>,
    dtype: Option<&Bound<'_, PyAny>>,
    device: Option<&Bound<'_, PyAny>>,
    requires_grad: bool,
) -> R {
    let (s, d, dev) = like(input, dtype, device, "randn_like")?;
    finish_on(dev, Tensor::randn(&s, d)?, requires_grad)
}

#[pyfunction]
#[pyo3(signature = (*size, generator=None, dtype=None, device=None, requires_grad=false))]
pub fn rand(
    size: &Bound<'_, PyTuple>,
    generator: Option<&Bound<'_, PyAny>>,
    dtype: Option<&Bound<'_, PyAny>>,
    device: Option<&Bound<'_, PyAny>>,
    requires_grad: bool,
) -> R {
    let _ = generator;
    let dev = device_of(device)?;
    finish_on(
        dev,
        Tensor::rand(&sizes_of("rand", size)?, dtype_of(dtype)?.unwrap_or(DType::F32))?,
        requires_grad,
    )
}

#[pyfunction]
#[pyo3(signature = (*size, generator=None, dtype=None, device=None, requires_grad=false))]
pub fn randn(
    size: &Bound<'_, PyTuple>,
    generator: Option<&Bound<'_, PyAny>>,
    dtype: Option<&Bound<'_, PyAny>>,
    device: Option<&Bound<'_, PyAny>>,
    requires_grad: bool,
) -> R {
    let _ = generator;
    let dev = device_of(device)?;
    finish_on(
        dev,
        Tensor::randn(&sizes_of("randn", size)?, dtype_of(dtype)?.unwrap_or(DType::F32))?,
        requires_grad,
    )
}

#[pyfunction]
#[pyo3(signature = (*args, dtype=None, device=None, requires_grad=false))]
pub fn randint(
    args: &Bound<'_, PyTuple>,
    dtype: Option<&Bound<'_, PyAny>>,
    device: Option<&Bound<'_, PyAny>>,
    requires_grad: bool,
) -> R {
    let dev = device_of(device)?;
    // randint(high, size) or randint(low, high, size)
    let int = |i: usize, name: &str| int_arg("randint", name, &args.get_item(i)?);
    let (low, high, size) = match args.len() {
        2 => (0i64, int(0, "high")?, args.get_item(1)?),
        3 => (int(0, "low")?, int(1, "high")?, args.get_item(2)?),
        _ => {
            return Err(PyTypeError::new_err(
                "randint(low=0, high, size): expected 2 or 3 positional arguments",
            ))
        }
    };
    // `size` is one sequence: `randint(0, 5, 3)` is torch's TypeError.
    let size = PyTuple::new(args.py(), [PyTuple::new(args.py(), size_seq_of("randint", "size", &size)?)?])?;
    finish_on(
        dev,
        Tensor::randint(low, high, &sizes_of("randint", &size)?, dtype_of(dtype)?.unwrap_or(DType::I64))?,
        requires_grad,
    )
}

#[pyfunction]
#[pyo3(signature = (start, end=Arg::Absent, step=Arg::Absent, *, dtype=None, device=None, requires_grad=false))]
pub fn arange(
    start: &Bound<'_, PyAny>,
    end: Arg<'_>,
    step: Arg<'_>,
    dtype: Option<&Bound<'_, PyAny>>,
    device: Option<&Bound<'_, PyAny>>,
    requires_grad: bool,
) -> R {
    let dev = device_of(device)?;
    let num = |o: &Bound<'_, PyAny>| number_arg("arange", "start, end and step", o);
    // An explicit None for end or step is torch's TypeError (leaving them out is fine).
    let (s, e) = match end.not_none("arange", "end")? {
        Some(e) => (num(start)?, num(e)?),
        None => (Scalar::Int(0), num(start)?),
    };
    let st = match step.not_none("arange", "step")? {
        Some(x) => num(x)?,
        None => Scalar::Int(1),
    };
    if !st.to_f64().is_finite() {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
            "arange: step must be finite but got {}",
            st.to_f64()
        )));
    }
    let any_float = [s, e, st].iter().any(|v| matches!(v, Scalar::Float(_)));
    let dt = dtype_of(dtype)?.unwrap_or(if any_float { DType::F32 } else { DType::I64 });
    finish_on(dev, Tensor::arange(s.to_f64(), e.to_f64(), st.to_f64(), dt)?, requires_grad)
}

#[pyfunction]
#[pyo3(signature = (start, end, steps, *, dtype=None, device=None, requires_grad=false))]
pub fn linspace(
    start: &Bound<'_, PyAny>,
    end: &Bound<'_, PyAny>,
    steps: Int,
    dtype: Option<&Bound<'_, PyAny>>,
    device: Option<&Bound<'_, PyAny>>,
    requires_grad: bool,
) -> R {
    let dev = device_of(device)?;
    let (start, end, Int(steps)) = (linspace_end("start", start)?, linspace_end("end", end)?, steps);
    if steps < 0 {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(
            "linspace: number of steps must be non-negative",
        ));
    }
    finish_on(
        dev,
        Tensor::linspace(start, end, steps as usize, dtype_of(dtype)?.unwrap_or(DType::F32))?,
        requires_grad,
    )
}

/// A linspace end point: a Number or a 0-d tensor (torch's RuntimeError for other tensors).
fn linspace_end(name: &str, obj: &Bound<'_, PyAny>) -> PyResult<f64> {
    if let Ok(t) = obj.cast::<PyTensor>() {
        let t = t.borrow().t.clone();
        if t.ndim() != 0 {
            return Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
                "linspace only supports 0-dimensional start and end tensors, but got {name} with {} dimension(s).",
                t.ndim()
            )));
        }
        return Ok(t.item()?.to_f64());
    }
    Ok(number_arg("linspace", name, obj)?.to_f64())
}

#[pyfunction]
#[pyo3(signature = (n, m=Arg::Absent, *, dtype=None, device=None, requires_grad=false))]
pub fn eye(
    n: Int,
    m: Arg<'_>,
    dtype: Option<&Bound<'_, PyAny>>,
    device: Option<&Bound<'_, PyAny>>,
    requires_grad: bool,
) -> R {
    let dev = device_of(device)?;
    let Int(n) = n;
    let m = match m.not_none("eye", "m")? {
        Some(m) => int_arg("eye", "m", m)?,
        None => n,
    };
    if n < 0 || m < 0 {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
            "eye: n and m must be non-negative, got {n} and {m}"
        )));
    }
    finish_on(
        dev,
        Tensor::eye(n as usize, m as usize, dtype_of(dtype)?.unwrap_or(DType::F32))?,
        requires_grad,
    )
}

#[pyfunction]
pub fn from_numpy(arr: &Bound<'_, PyAny>) -> R {
    Ok(PyTensor::wrap(super::numpy::from_numpy(arr)?))
}

/// Legacy constructors: FloatTensor([1., 2.]), FloatTensor(2, 3), DoubleTensor(...), LongTensor(...).
pub fn legacy_new(args: &Bound<'_, PyTuple>, dtype: DType) -> R {
    if args.is_empty() {
        // torch.Tensor() is an empty 1-d tensor
        return Ok(PyTensor::wrap(Tensor::full(&[0], 0.0, dtype, crate::Device::Cpu)?));
    }
    if args.len() == 1 {
        let a = args.get_item(0)?;
        if a.is_instance_of::<PyList>() || a.is_instance_of::<PyTuple>() || a.cast::<PyTensor>().is_ok() {
            return tensor_impl(&a, Some(dtype), false);
        }
    }
    // torch picks the sizes overload by the first argument, a non-bool int; the sizes after it
    // are read as ints, bools included (`Tensor(2, True)` is 2x1, `Tensor(True, 2)` fails).
    let is_int =
        |a: &Bound<'_, PyAny>| a.extract::<i64>().is_ok() && matches!(scalar_of(a), Some(Scalar::Int(_)));
    let first = args.get_item(0)?;
    if is_int(&first) && args.iter().skip(1).all(|a| a.is_instance_of::<pyo3::types::PyBool>() || is_int(&a))
    {
        let ints = args.iter().map(|a| a.extract::<i64>()).collect::<PyResult<Vec<i64>>>()?;
        let shape = sizes_of("Tensor", &PyTuple::new(args.py(), ints)?)?;
        return Ok(PyTensor::wrap(Tensor::full(&shape, 0.0, dtype, crate::Device::Cpu)?));
    }
    Err(PyTypeError::new_err("new(): expected a sequence of numbers or sizes as ints"))
}

#[pyfunction]
#[pyo3(signature = (*args))]
pub fn _legacy(args: &Bound<'_, PyTuple>) -> R {
    let (dt, rest) = (args.get_item(0)?, args.get_slice(1, args.len()));
    let dt = dtype_of(Some(&dt))?.ok_or_else(|| PyValueError::new_err("dtype"))?;
    legacy_new(&rest, dt)
}

#[pyfunction]
pub fn is_grad_enabled() -> bool {
    autograd::is_grad_enabled()
}

#[pyfunction]
pub fn _set_grad_enabled(mode: bool) {
    autograd::set_grad_enabled(mode)
}

/// Threads used by large kernels and by the backward engine (torch.set_num_threads).
#[pyfunction]
pub fn set_num_threads(n: i64) -> PyResult<()> {
    if n < 1 {
        return Err(PyValueError::new_err(format!("set_num_threads expects a positive integer, got {n}")));
    }
    crate::backend::cpu::parallel::set_num_threads(n as usize);
    Ok(())
}

#[pyfunction]
pub fn get_num_threads() -> usize {
    crate::backend::cpu::parallel::get_num_threads()
}

#[pyfunction]
pub fn manual_seed(seed: &Bound<'_, PyAny>) -> PyResult<()> {
    // torch takes int(seed) (so "12" and 1.5 work), as a signed or unsigned 64-bit value
    let n: i128 = seed.py().import("builtins")?.getattr("int")?.call1((seed,))?.extract().map_err(|_| {
        PyValueError::new_err("manual_seed: Overflow when unpacking long long (the seed must fit 64 bits)")
    })?;
    if n < i64::MIN as i128 || n > u64::MAX as i128 {
        return Err(PyValueError::new_err(
            "manual_seed: Overflow when unpacking long long (the seed must fit 64 bits)",
        ));
    }
    crate::tensor::rng::manual_seed(n as u64);
    Ok(())
}

fn tensor_list(op: &str, obj: &Bound<'_, PyAny>) -> PyResult<Vec<Tensor>> {
    if obj.cast::<PyTensor>().is_ok() {
        return Ok(vec![tensor_arg(op, "tensors", obj)?]);
    }
    if !(obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>()) {
        return Err(PyTypeError::new_err(format!(
            "{op}(): argument 'tensors' must be tuple of Tensors, not {}",
            obj.get_type().name()?
        )));
    }
    obj.try_iter()?.map(|o| tensor_arg(op, "tensors", &o?)).collect()
}

fn grad_list(obj: Option<&Bound<'_, PyAny>>, n: usize) -> PyResult<Vec<Option<Tensor>>> {
    let grads: Vec<Option<Tensor>> = match obj {
        None => vec![None; n],
        Some(g) if g.is_none() => vec![None; n],
        Some(g) if g.cast::<PyTensor>().is_ok() => {
            vec![Some(tensor_arg("grad", "grad_outputs", g)?)]
        }
        Some(g) => g
            .try_iter()?
            .map(|o| {
                let o = o?;
                if o.is_none() {
                    Ok(None)
                } else {
                    tensor_arg("grad", "grad_outputs", &o).map(Some)
                }
            })
            .collect::<PyResult<_>>()?,
    };
    if grads.len() != n {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
            "grad: got {n} outputs and {} gradients; they must match",
            grads.len()
        )));
    }
    Ok(grads)
}

/// autograd.grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused);
/// returns a tuple with one entry per input (None where unused and allowed). GIL released.
#[pyfunction]
#[pyo3(signature = (outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=false, allow_unused=false))]
pub fn _grad<'py>(
    py: Python<'py>,
    outputs: &Bound<'py, PyAny>,
    inputs: &Bound<'py, PyAny>,
    grad_outputs: Option<&Bound<'py, PyAny>>,
    retain_graph: Option<bool>,
    create_graph: bool,
    allow_unused: bool,
) -> PyResult<Bound<'py, PyTuple>> {
    let roots = tensor_list("grad", outputs)?;
    let ins = tensor_list("grad", inputs)?;
    let grads = grad_list(grad_outputs, roots.len())?;
    let retain = retain_graph.unwrap_or(create_graph);
    let got = py.detach(move || autograd::grad(&roots, &grads, &ins, retain, create_graph, allow_unused))?;
    let items: Vec<Option<TensorObj>> = got.into_iter().map(|g| g.map(PyTensor::wrap)).collect();
    PyTuple::new(py, items)
}

/// backward(..., inputs=[...]): accumulates only into the given tensors' .grad.
pub fn backward_into(
    py: Python<'_>,
    roots: Vec<Tensor>,
    grads: Vec<Option<Tensor>>,
    inputs: Vec<Tensor>,
    retain: bool,
    create_graph: bool,
) -> PyResult<()> {
    let ins = inputs.clone();
    let got = py.detach(move || autograd::grad(&roots, &grads, &ins, retain, create_graph, true))?;
    for (t, g) in inputs.iter().zip(got) {
        if let Some(g) = g {
            let g = if create_graph { g } else { g.detach() };
            let new = match t.grad() {
                Some(prev) => prev.add(&g)?,
                None => g.contiguous_copy()?,
            };
            t.set_grad(Some(new))?;
        }
    }
    Ok(())
}

/// autograd.backward(tensors, grad_tensors, retain_graph, create_graph), GIL released.
#[pyfunction]
#[pyo3(signature = (tensors, grad_tensors=None, retain_graph=None, create_graph=false, inputs=None))]
pub fn _backward(
    py: Python<'_>,
    tensors: &Bound<'_, PyAny>,
    grad_tensors: Option<&Bound<'_, PyAny>>,
    retain_graph: Option<bool>,
    create_graph: bool,
    inputs: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let roots = tensor_list("backward", tensors)?;
    let grads = grad_list(grad_tensors, roots.len())?;
    let retain = retain_graph.unwrap_or(create_graph);
    match inputs {
        Some(i) if !i.is_none() => {
            backward_into(py, roots, grads, tensor_list("backward", i)?, retain, create_graph)
        }
        _ => {
            py.detach(move || autograd::backward(&roots, &grads, retain, create_graph))?;
            Ok(())
        }
    }
}

/// Anomaly mode on or off (see autograd/anomaly.rs); the place of each forward op is recorded
/// only while it is on.
#[pyfunction]
#[pyo3(signature = (mode, check_nan=true))]
pub fn _set_anomaly(mode: bool, check_nan: bool) {
    autograd::anomaly::set_enabled(mode, check_nan)
}

#[pyfunction]
pub fn is_anomaly_enabled() -> bool {
    autograd::anomaly::is_enabled()
}

/// The user's frames of the current Python stack (ferrograd's own frames left out).
pub fn python_trace() -> Option<String> {
    Python::attach(|py| {
        let tb = py.import("traceback").ok()?;
        let frames = tb.call_method0("extract_stack").ok()?;
        let keep = pyo3::types::PyList::empty(py);
        for f in frames.try_iter().ok()? {
            let f = f.ok()?;
            let file: String = f.getattr("filename").ok()?.extract().ok()?;
            if !file.contains("/ferrograd/") {
                keep.append(f).ok()?;
            }
        }
        let lines = tb.call_method1("format_list", (keep,)).ok()?;
        let text: Vec<String> = lines.extract().ok()?;
        Some(text.concat())
    })
}

/// forward_ad.enter_dual_level: opens a dual level on this thread, returns its id.
#[pyfunction]
pub fn _enter_dual_level() -> u64 {
    autograd::forward::enter_level()
}

#[pyfunction]
pub fn _exit_dual_level() {
    autograd::forward::exit_level()
}

#[pyfunction]
pub fn _make_dual(primal: &Bound<'_, PyAny>, tangent: &Bound<'_, PyAny>) -> R {
    let p = tensor_arg("make_dual", "tensor", primal)?;
    let t = tensor_arg("make_dual", "tangent", tangent)?;
    Ok(PyTensor::wrap(p.make_dual(&t)?))
}

#[pyfunction]
pub fn _unpack_dual(t: &Bound<'_, PyAny>) -> PyResult<(TensorObj, Option<TensorObj>)> {
    let (p, tan) = tensor_arg("unpack_dual", "tensor", t)?.unpack_dual();
    Ok((PyTensor::wrap(p), tan.map(PyTensor::wrap)))
}

/// The `input` of torch.add/sub/mul/div: a tensor, or a Python number (torch's parser wraps
/// one, so `torch.mul(2, 3)` is a tensor); anything else (a tuple, a list) is its TypeError.
fn binary_input(op: &str, obj: &Bound<'_, PyAny>) -> PyResult<Tensor> {
    if obj.is_instance_of::<PyTensor>() {
        return tensor_arg(op, "input", obj);
    }
    scalar_of(obj).map(Tensor::wrapped_scalar).ok_or_else(|| {
        PyTypeError::new_err(format!(
            "{op}(): argument 'input' (position 1) must be Tensor, not {}",
            super::convert::type_name(obj)
        ))
    })
}

/// torch.add/sub/mul/div(input, other, *, alpha): the method's rules, with a Python number
/// allowed for `input` too.
fn binary_fn(
    op: &str,
    input: &Bound<'_, PyAny>,
    other: &Bound<'_, PyAny>,
    alpha: &Arg<'_>,
    out: Option<&Bound<'_, PyAny>>,
    f: fn(&Tensor, &Tensor) -> crate::Result<Tensor>,
) -> R {
    if out.is_some_and(|o| !o.is_none()) {
        return Err(PyTypeError::new_err(format!("{op}(): out= is not supported")));
    }
    let a = binary_input(op, input)?;
    let b = super::convert::operand_or_err(op, other)?;
    let both_numbers = a.is_wrapped_number() && b.is_wrapped_number();
    let b = super::tensor::alpha_scaled(op, &a, b, alpha)?;
    let r = f(&a, &b)?;
    // Two Python numbers give a 0-d tensor of torch's default dtypes (a float is float32).
    let r = if both_numbers && r.dtype() == DType::F64 { r.to_dtype(DType::F32)? } else { r };
    Ok(PyTensor::wrap(r))
}

#[pyfunction]
#[pyo3(signature = (input, other, *, alpha=Arg::Absent, out=None))]
pub fn add(
    input: &Bound<'_, PyAny>,
    other: &Bound<'_, PyAny>,
    alpha: Arg<'_>,
    out: Option<&Bound<'_, PyAny>>,
) -> R {
    binary_fn("add", input, other, &alpha, out, Tensor::add)
}

#[pyfunction]
#[pyo3(signature = (input, other, *, alpha=Arg::Absent, out=None))]
pub fn sub(
    input: &Bound<'_, PyAny>,
    other: &Bound<'_, PyAny>,
    alpha: Arg<'_>,
    out: Option<&Bound<'_, PyAny>>,
) -> R {
    binary_fn("sub", input, other, &alpha, out, Tensor::sub)
}

#[pyfunction]
#[pyo3(signature = (input, other, *, out=None))]
pub fn mul(input: &Bound<'_, PyAny>, other: &Bound<'_, PyAny>, out: Option<&Bound<'_, PyAny>>) -> R {
    binary_fn("mul", input, other, &Arg::Absent, out, Tensor::mul)
}

#[pyfunction]
#[pyo3(signature = (input, other, *, rounding_mode=None, out=None))]
pub fn div(
    input: &Bound<'_, PyAny>,
    other: &Bound<'_, PyAny>,
    rounding_mode: Option<&Bound<'_, PyAny>>,
    out: Option<&Bound<'_, PyAny>>,
) -> R {
    let f = super::convert::div_mode("div", rounding_mode)?;
    binary_fn("div", input, other, &Arg::Absent, out, f)
}

/// torch.remainder(input, other): `input` may be a Python number (torch's `Number self` overload),
/// but not both operands.
#[pyfunction]
#[pyo3(signature = (input, other, *, out=None))]
pub fn remainder(input: &Bound<'_, PyAny>, other: &Bound<'_, PyAny>, out: Option<&Bound<'_, PyAny>>) -> R {
    if !input.is_instance_of::<PyTensor>() && !other.is_instance_of::<PyTensor>() {
        return Err(PyTypeError::new_err(format!(
            "remainder() received an invalid combination of arguments - got ({}, {}), but expected one of: (Tensor input, Tensor other), (Number self, Tensor other), (Tensor input, Number other)",
            super::convert::type_name(input),
            super::convert::type_name(other)
        )));
    }
    binary_fn("remainder", input, other, &Arg::Absent, out, Tensor::remainder)
}

/// torch.floor_divide(input, other): either side may be a Python number, both too (a 0-d
/// result, as torch gives).
#[pyfunction]
#[pyo3(signature = (input, other, *, out=None))]
pub fn floor_divide(input: &Bound<'_, PyAny>, other: &Bound<'_, PyAny>, out: Option<&Bound<'_, PyAny>>) -> R {
    binary_fn("floor_divide", input, other, &Arg::Absent, out, Tensor::floor_divide)
}

/// `_core._flag(value, name, fn)`: `flag_of`, torch's rule for a bool argument, for the Python
/// side (autograd.grad/backward and friends) to share with the Rust one.
#[pyfunction]
pub fn _flag(value: &Bound<'_, PyAny>, name: &str, r#fn: &str) -> PyResult<bool> {
    super::convert::flag_of(r#fn, name, value)
}

/// `_core.leaky_relu(input, negative_slope=0.01)`: F.leaky_relu as one recorded op
/// (LeakyReluBackward0), for nn.functional to call.
#[pyfunction]
#[pyo3(signature = (input, negative_slope=None))]
pub fn leaky_relu(input: &Bound<'_, PyAny>, negative_slope: Option<&Bound<'_, PyAny>>) -> R {
    let t = tensor_arg("leaky_relu", "input", input)?;
    let slope = match negative_slope {
        None => 0.01,
        Some(s) => super::convert::number_arg("leaky_relu", "negative_slope", s)?.to_f64(),
    };
    Ok(PyTensor::wrap(crate::ops::unary::leaky_relu(&t, slope)?))
}

/// `_core.silu(input)`: F.silu as one recorded op (SiluBackward0), for nn.functional to call.
#[pyfunction]
pub fn silu(input: &Bound<'_, PyAny>) -> R {
    let t = tensor_arg("silu", "input", input)?;
    Ok(PyTensor::wrap(crate::ops::unary::silu(&t)?))
}

/// `_core.gelu(input, approximate="none")`: F.gelu as one recorded op (GeluBackward0), for
/// nn.functional to call.
#[pyfunction]
#[pyo3(signature = (input, approximate="none"))]
pub fn gelu(input: &Bound<'_, PyAny>, approximate: &str) -> R {
    let t = tensor_arg("gelu", "input", input)?;
    let tanh = match approximate {
        "none" => false,
        "tanh" => true,
        other => {
            return Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
                "approximate argument must be either none or tanh, got '{other}'"
            )))
        }
    };
    Ok(PyTensor::wrap(crate::ops::unary::gelu(&t, tanh)?))
}

/// `_core.softplus(input, beta=1.0, threshold=20.0)`: F.softplus as one recorded op
/// (SoftplusBackward0), for nn.functional to call (which checks the arguments).
#[pyfunction]
#[pyo3(signature = (input, beta=1.0, threshold=20.0))]
pub fn softplus(input: &Bound<'_, PyAny>, beta: f64, threshold: f64) -> R {
    let t = tensor_arg("softplus", "input", input)?;
    Ok(PyTensor::wrap(crate::ops::unary::softplus(&t, beta, threshold)?))
}

/// `_core.elu(input, alpha=1.0)`: F.elu as one recorded op (EluBackward0), for nn.functional to
/// call.
#[pyfunction]
#[pyo3(signature = (input, alpha=None))]
pub fn elu(input: &Bound<'_, PyAny>, alpha: Option<&Bound<'_, PyAny>>) -> R {
    let t = tensor_arg("elu", "input", input)?;
    let alpha = match alpha {
        None => 1.0,
        Some(a) => super::convert::number_arg("elu", "alpha", a)?.to_f64(),
    };
    Ok(PyTensor::wrap(crate::ops::unary::elu(&t, alpha)?))
}
