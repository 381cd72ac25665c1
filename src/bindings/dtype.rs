//! `ferrograd.dtype` and `ferrograd.device` objects.

use crate::device::Device;
use crate::dtype::DType;
use pyo3::prelude::*;
use pyo3::types::PyString;

#[pyclass(name = "dtype", module = "ferrograd", frozen, eq, hash)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PyDType {
    pub d: DType,
}

#[pymethods]
impl PyDType {
    fn __repr__(&self) -> String {
        format!("ferrograd.{}", self.d.name())
    }
    #[getter]
    fn is_floating_point(&self) -> bool {
        self.d.is_float()
    }
    #[getter]
    fn itemsize(&self) -> usize {
        self.d.size_in_bytes()
    }
    /// Pickled by name: the module-level constant of that name.
    fn __reduce__(&self) -> &'static str {
        self.d.name()
    }
}

#[pyclass(name = "device", module = "ferrograd", frozen)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PyDevice {
    pub d: Device,
}

#[pymethods]
impl PyDevice {
    #[new]
    pub fn new(spec: &Bound<'_, PyAny>) -> PyResult<PyDevice> {
        if let Ok(d) = spec.cast::<PyDevice>() {
            return Ok(*d.get());
        }
        if !spec.is_instance_of::<pyo3::types::PyBool>() {
            if let Ok(i) = spec.extract::<i64>() {
                return Ok(PyDevice { d: Device::of_ordinal(i)? });
            }
        }
        let s: String = spec.extract()?;
        Ok(PyDevice { d: Device::parse(&s)? })
    }
    #[getter]
    fn r#type(&self) -> &'static str {
        self.d.type_name()
    }
    #[getter]
    fn index(&self) -> Option<usize> {
        self.d.index()
    }
    fn __repr__(&self) -> String {
        self.d.repr()
    }
    fn __str__(&self) -> String {
        self.d.to_string()
    }
    /// Hashes like its string, since it compares equal to it.
    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        PyString::new(py, self.d.type_name()).hash()
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        if let Ok(d) = other.cast::<PyDevice>() {
            return d.get().d == self.d;
        }
        other.cast::<PyString>().is_ok_and(|s| Device::parse(&s.to_string()).is_ok_and(|d| d == self.d))
    }
}

/// Parses a `device=` argument (None, a string, or a device).
pub fn device_of(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Device> {
    match obj {
        None => Ok(Device::Cpu),
        Some(o) if o.is_none() => Ok(Device::Cpu),
        Some(o) => Ok(PyDevice::new(o)?.d),
    }
}

static DTYPES: pyo3::sync::PyOnceLock<Vec<Py<PyDType>>> = pyo3::sync::PyOnceLock::new();

/// The one Python object per dtype (module constants and `Tensor.dtype` are the same objects).
pub fn dtype_object(py: Python<'_>, d: DType) -> Py<PyDType> {
    let all = DTYPES.get_or_init(py, || {
        DType::ALL
            .iter()
            .map(|&d| Py::new(py, PyDType { d }).expect("allocating a small dtype object"))
            .collect()
    });
    all[d.index()].clone_ref(py)
}
