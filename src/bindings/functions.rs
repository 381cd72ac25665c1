//! Module-level functions: creation, joining, grad mode, seeding.

use super::convert::{dtype_of, scalar_of, sizes_of, tensor_arg};
use super::dtype::device_of;
use super::identity::TensorObj;
use super::tensor::{PyTensor, R};
use crate::autograd;
use crate::dtype::DType;
use crate::tensor::{Scalar, Tensor};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

/// A made tensor on `dev` (moved before requires_grad, so that it is a leaf there).
fn finish(t: Tensor, dev: Option<crate::Device>, requires_grad: bool) -> R {
    Ok(PyTensor::wrap(crate::api::functions::made(t, dev, requires_grad)?))
}

/// `ferrograd.Size`, a tuple subclass like torch.Size.
pub fn size_obj<'py>(py: Python<'py>, shape: &[usize]) -> PyResult<Bound<'py, PyAny>> {
    let cls = py.import("ferrograd._size")?.getattr("Size")?;
    cls.call1((PyTuple::new(py, shape)?,))
}

/// A new tensor from data: a tensor or NumPy array copied (cast bit by bit, as torch's
/// constructor), or nested Python values.
pub fn tensor_impl(data: &Bound<'_, PyAny>, dtype: Option<DType>, requires_grad: bool) -> R {
    let copied = match data.cast::<PyTensor>() {
        Ok(t) => Some(t.borrow().t.detach()),
        Err(_) => numpy_array(data)?.map(|arr| super::numpy::from_numpy(&arr, false)).transpose()?,
    };
    let t = match (copied, dtype) {
        (Some(t), Some(d)) => t.contiguous_copy()?.cast_raw(d)?,
        (Some(t), None) => t.contiguous_copy()?,
        (None, _) => {
            let n = crate::tensor::flatten(data, dtype.is_some())?;
            Tensor::from_scalars(&n.values, &n.shape, dtype.unwrap_or(n.dtype))?
        }
    };
    finish(t, None, requires_grad)
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
    finish(t, Some(dev), requires_grad)
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
            return finish(super::numpy::from_numpy(data, true)?, Some(dev), false);
        }
    }
    finish(tensor_impl(data, dt, false)?.t, Some(dev), false)
}

#[pyfunction]
pub fn from_numpy(arr: &Bound<'_, PyAny>) -> R {
    Ok(PyTensor::wrap(super::numpy::from_numpy(arr, true)?))
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

/// Seeds the global generator: `seed` as `Generator.manual_seed` checked it, in
/// [-2**63, 2**64) (a negative one taken modulo 2**64, as torch).
#[pyfunction]
pub fn manual_seed(seed: i128) -> PyResult<()> {
    if !(i64::MIN as i128..=u64::MAX as i128).contains(&seed) {
        return Err(PyValueError::new_err(
            "manual_seed: Overflow when unpacking long long (the seed must fit 64 bits)",
        ));
    }
    crate::tensor::rng::manual_seed(seed as u64);
    Ok(())
}

/// The tensors of a tuple that `autograd.grad`/`backward` checked.
type Tensors<'py> = Vec<PyRef<'py, PyTensor>>;

/// The gradients `autograd.grad`/`backward` checked, one per root (None: all implicit).
type Grads<'py> = Option<Vec<Option<PyRef<'py, PyTensor>>>>;

fn engine_tensors(v: &[PyRef<'_, PyTensor>]) -> Vec<Tensor> {
    v.iter().map(|t| t.t.clone()).collect()
}

fn engine_grads(v: Grads<'_>, roots: usize) -> Vec<Option<Tensor>> {
    v.map_or_else(|| vec![None; roots], |v| v.iter().map(|g| g.as_ref().map(|g| g.t.clone())).collect())
}

/// `autograd.grad`'s engine call, with the arguments it checked: a tuple with one gradient (or
/// None) per input. The GIL is released while the graph runs.
#[pyfunction]
#[pyo3(signature = (outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=false, allow_unused=false))]
pub fn _grad<'py>(
    py: Python<'py>,
    outputs: Tensors<'py>,
    inputs: Tensors<'py>,
    grad_outputs: Grads<'py>,
    retain_graph: Option<bool>,
    create_graph: bool,
    allow_unused: bool,
) -> PyResult<Bound<'py, PyTuple>> {
    let (roots, ins) = (engine_tensors(&outputs), engine_tensors(&inputs));
    let (grads, retain) = (engine_grads(grad_outputs, roots.len()), retain_graph.unwrap_or(create_graph));
    let got = py.detach(move || autograd::grad(&roots, &grads, &ins, retain, create_graph, allow_unused))?;
    PyTuple::new(py, got.into_iter().map(|g| g.map(PyTensor::wrap)))
}

/// `autograd.backward`'s engine call, with the arguments it checked (`inputs`: only those
/// `.grad` accumulate). The GIL is released while the graph runs.
#[pyfunction]
#[pyo3(signature = (tensors, grad_tensors=None, retain_graph=None, create_graph=false, inputs=None))]
pub fn _backward<'py>(
    py: Python<'py>,
    tensors: Tensors<'py>,
    grad_tensors: Grads<'py>,
    retain_graph: Option<bool>,
    create_graph: bool,
    inputs: Option<Tensors<'py>>,
) -> PyResult<()> {
    let roots = engine_tensors(&tensors);
    let (grads, retain) = (engine_grads(grad_tensors, roots.len()), retain_graph.unwrap_or(create_graph));
    let ins = inputs.as_deref().map(engine_tensors);
    py.detach(move || match ins {
        Some(ins) => autograd::backward_into(&roots, &grads, &ins, retain, create_graph),
        None => autograd::backward(&roots, &grads, retain, create_graph),
    })?;
    Ok(())
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
