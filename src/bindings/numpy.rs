//! NumPy interop through the array interface protocol: `from_numpy` wraps the array's memory
//! (the array is kept alive by the storage), and `.numpy()` hands NumPy an object whose
//! `__array_interface__` points at the tensor's storage. Both share memory both ways.

use super::tensor::PyTensor;
use crate::backend::cpu::CpuStorage;
use crate::dtype::DType;
use crate::layout::Layout;
use crate::storage::Storage;
use crate::tensor::Tensor;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

/// The dtype of a NumPy typestr ferrograd can share: native byte order, one of its dtypes.
fn dtype_of_typestr(t: &str) -> Option<DType> {
    DType::from_numpy_typestr(t)
}

fn typestr(d: DType) -> &'static str {
    d.numpy_typestr()
}

/// The dtype `from_numpy` would give `obj`: Some for an ndarray of a native-order float32,
/// float64, int64 or bool, None for anything else.
pub fn shareable_dtype(obj: &Bound<'_, PyAny>) -> PyResult<Option<DType>> {
    let np = obj.py().import("numpy")?;
    if !obj.is_instance(&np.getattr("ndarray")?)? {
        return Ok(None);
    }
    let ts: String = obj.getattr("__array_interface__")?.get_item("typestr")?.extract()?;
    Ok(dtype_of_typestr(&ts))
}

pub fn from_numpy(arr: &Bound<'_, PyAny>) -> PyResult<Tensor> {
    let np = arr.py().import("numpy")?;
    if !arr.is_instance(&np.getattr("ndarray")?)? {
        let ty = arr.get_type().name()?.to_string();
        return Err(PyTypeError::new_err(format!("expected np.ndarray (got {ty})")));
    }
    let ai = arr.getattr("__array_interface__")?;
    let ai = ai.cast::<PyDict>()?;
    let get = |k: &str| -> PyResult<Bound<'_, PyAny>> {
        ai.get_item(k)?.ok_or_else(|| PyValueError::new_err(format!("array interface without '{k}'")))
    };
    let ts: String = get("typestr")?.extract()?;
    let dtype = match dtype_of_typestr(&ts) {
        Some(d) => d,
        None => {
            let name = arr.getattr("dtype")?.str()?.to_string();
            return Err(PyTypeError::new_err(format!(
                "can't convert np.ndarray of type numpy.{name}. The only supported types are: float64, float32, int64, int32, and bool."
            )));
        }
    };
    let shape: Vec<usize> = get("shape")?.extract()?;
    let (ptr, readonly): (usize, bool) = get("data")?.extract()?;
    if readonly {
        // Sharing would let an in-place op write to read-only (possibly unmapped-for-write)
        // memory and crash the process; torch shares and warns, we copy and warn.
        let warnings = arr.py().import("warnings")?;
        warnings.call_method1(
            "warn",
            ("from_numpy: the given NumPy array is not writable; ferrograd copies it instead of sharing its memory",),
        )?;
        let copy = arr.call_method0("copy")?;
        return from_numpy(&copy);
    }
    let item = dtype.size_in_bytes();
    if !ptr.is_multiple_of(item) {
        // Rust slices over a misaligned pointer are undefined behaviour (np.frombuffer with an
        // offset makes such arrays): copy into aligned memory instead of sharing.
        let copy = arr.call_method0("copy")?;
        return from_numpy(&copy);
    }
    let strides: Vec<usize> = match ai.get_item("strides")? {
        Some(s) if !s.is_none() => {
            let bytes: Vec<isize> = s.extract()?;
            let mut out = Vec::with_capacity(bytes.len());
            for b in bytes {
                if b < 0 {
                    return Err(PyValueError::new_err(
                        "At least one stride in the given numpy array is negative, and tensors with negative strides are not currently supported. (You can probably work around this by making a copy of your array  with array.copy().) ",
                    ));
                }
                if !(b as usize).is_multiple_of(item) {
                    return Err(PyValueError::new_err("given numpy array strides not a multiple of the element byte size. Copy the numpy array to reallocate the memory."));
                }
                out.push(b as usize / item);
            }
            out
        }
        _ => crate::shape::contiguous_strides(&shape).to_vec(),
    };
    let layout = Layout { shape: shape.as_slice().into(), strides: strides.as_slice().into(), offset: 0 };
    let len = layout.storage_span();
    let owner: Box<dyn std::any::Any + Send + Sync> = Box::new(arr.clone().unbind());
    // SAFETY: the array interface describes `len` elements from `ptr`, kept alive by `owner`.
    let data = unsafe { CpuStorage::from_external(dtype, ptr, len, owner) };
    Ok(Tensor::from_parts(Storage::cpu(data), layout, dtype))
}

/// Keeps a tensor's storage alive for as long as NumPy uses the memory.
#[pyclass(module = "ferrograd._core", frozen)]
pub struct ArrayInterface {
    t: Tensor,
}

#[pymethods]
impl ArrayInterface {
    #[getter]
    fn __array_interface__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        let t = &self.t;
        let item = t.dtype().size_in_bytes();
        d.set_item("version", 3)?;
        d.set_item("shape", PyTuple::new(py, t.shape())?)?;
        d.set_item("typestr", typestr(t.dtype()))?;
        let strides: Vec<usize> = t.strides().iter().map(|s| s * item).collect();
        d.set_item("strides", PyTuple::new(py, strides)?)?;
        let ptr = t.data_ptr().ok_or_else(|| pyo3::exceptions::PyTypeError::new_err("not a host tensor"))?;
        d.set_item("data", (ptr, false))?;
        Ok(d)
    }
}

pub fn to_numpy<'py>(py: Python<'py>, t: &PyTensor) -> PyResult<Bound<'py, PyAny>> {
    if t.t.device() != crate::Device::Cpu {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "can't convert {} device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first.",
            t.t.device()
        )));
    }
    if t.t.requires_grad() {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(
            "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.",
        ));
    }
    let holder = Bound::new(py, ArrayInterface { t: t.t.clone() })?;
    py.import("numpy")?.call_method1("asarray", (holder,))
}
