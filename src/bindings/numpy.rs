//! NumPy interop through the array interface protocol: `from_numpy` wraps the array's memory
//! (the array is kept alive by the storage), and `.numpy()` hands NumPy an object whose
//! `__array_interface__` points at the tensor's storage. Both share memory both ways.

use super::tensor::PyTensor;
use crate::dtype::DType;
use crate::tensor::Tensor;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

fn is_ndarray(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    obj.is_instance(&obj.py().import("numpy")?.getattr("ndarray")?)
}

/// The dtype `from_numpy` would give `obj`: Some for an ndarray of a native-order float32,
/// float64, int64 or bool, None for anything else.
pub fn shareable_dtype(obj: &Bound<'_, PyAny>) -> PyResult<Option<DType>> {
    if !is_ndarray(obj)? {
        return Ok(None);
    }
    let ts: String = obj.getattr("__array_interface__")?.get_item("typestr")?.extract()?;
    Ok(DType::from_numpy_typestr(&ts))
}

/// `warn_readonly`: say that a read-only array is copied, not shared (torch.from_numpy and
/// as_tensor warn there; torch.tensor copies every array and says nothing).
pub fn from_numpy(arr: &Bound<'_, PyAny>, warn_readonly: bool) -> PyResult<Tensor> {
    if !is_ndarray(arr)? {
        let ty = arr.get_type().name()?.to_string();
        return Err(PyTypeError::new_err(format!("expected np.ndarray (got {ty})")));
    }
    let ai = arr.getattr("__array_interface__")?;
    let ai = ai.cast::<PyDict>()?;
    let get = |k: &str| -> PyResult<Bound<'_, PyAny>> {
        ai.get_item(k)?.ok_or_else(|| PyValueError::new_err(format!("array interface without '{k}'")))
    };
    let ts: String = get("typestr")?.extract()?;
    let dtype = match DType::from_numpy_typestr(&ts) {
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
    let aligned = ptr.is_multiple_of(dtype.size_in_bytes());
    if readonly && warn_readonly {
        // Sharing would let an in-place op write to read-only (possibly unmapped-for-write)
        // memory and crash the process; torch shares and warns, we copy and warn.
        let warnings = arr.py().import("warnings")?;
        warnings.call_method1(
            "warn",
            ("from_numpy: the given NumPy array is not writable; ferrograd copies it instead of sharing its memory",),
        )?;
    }
    if readonly || !aligned {
        // Rust slices over a misaligned pointer are undefined behaviour (np.frombuffer with an
        // offset makes such arrays): copy into aligned memory instead of sharing.
        return from_numpy(&arr.call_method0("copy")?, false);
    }
    let strides: Option<Vec<isize>> = match ai.get_item("strides")? {
        Some(s) if !s.is_none() => Some(s.extract()?),
        _ => None,
    };
    let owner = Box::new(arr.clone().unbind());
    // SAFETY: the array interface describes the memory at `ptr` (aligned: checked above), which
    // `owner` keeps alive.
    Ok(unsafe { Tensor::from_external(ptr, dtype, &shape, strides.as_deref(), owner) }?)
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
        d.set_item("version", 3)?;
        d.set_item("shape", PyTuple::new(py, t.shape())?)?;
        d.set_item("typestr", t.dtype().numpy_typestr())?;
        d.set_item("strides", PyTuple::new(py, t.byte_strides())?)?;
        let ptr = t.data_ptr().ok_or_else(|| pyo3::exceptions::PyTypeError::new_err("not a host tensor"))?;
        d.set_item("data", (ptr, false))?;
        Ok(d)
    }
}

pub fn to_numpy<'py>(py: Python<'py>, t: &PyTensor) -> PyResult<Bound<'py, PyAny>> {
    t.t.check_numpy_export()?;
    let holder = Bound::new(py, ArrayInterface { t: t.t.clone() })?;
    py.import("numpy")?.call_method1("asarray", (holder,))
}
