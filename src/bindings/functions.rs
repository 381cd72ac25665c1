//! Module-level functions: creation, joining, grad mode, seeding.

use super::convert::{dtype_of, scalar_of, sizes_of, tensor_arg};
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
        let n = crate::tensor::flatten(data, dtype.is_some())?;
        Tensor::from_scalars(&n.values, &n.shape, dtype.unwrap_or(n.dtype))?
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

#[pyfunction]
pub fn _unpack_dual(t: &Bound<'_, PyAny>) -> PyResult<(TensorObj, Option<TensorObj>)> {
    let (p, tan) = tensor_arg("unpack_dual", "tensor", t)?.unpack_dual();
    Ok((PyTensor::wrap(p), tan.map(PyTensor::wrap)))
}

/// `_core._flag(value, name, fn)`: `flag_of`, torch's rule for a bool argument, for the Python
/// side (autograd.grad/backward and friends) to share with the Rust one.
#[pyfunction]
pub fn _flag(value: &Bound<'_, PyAny>, name: &str, r#fn: &str) -> PyResult<bool> {
    super::convert::flag_of(r#fn, name, value)
}
