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
    fn __reduce__(&self) -> (String,) {
        (self.d.name().to_string(),)
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
    fn new(spec: &Bound<'_, PyAny>) -> PyResult<PyDevice> {
        if let Ok(d) = spec.cast::<PyDevice>() {
            return Ok(*d.get());
        }
        let s: String = spec.extract()?;
        Ok(PyDevice {
            d: Device::parse(&s)?,
        })
    }
    #[getter]
    fn r#type(&self) -> &'static str {
        self.d.type_name()
    }
    #[getter]
    fn index(&self) -> Option<usize> {
        None
    }
    fn __repr__(&self) -> String {
        format!("device(type='{}')", self.d.type_name())
    }
    fn __str__(&self) -> &'static str {
        self.d.type_name()
    }
    fn __hash__(&self) -> u64 {
        self.d as u64
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        if let Ok(d) = other.cast::<PyDevice>() {
            return d.get().d == self.d;
        }
        if let Ok(s) = other.cast::<PyString>() {
            return Device::parse(&s.to_string())
                .map(|d| d == self.d)
                .unwrap_or(false);
        }
        false
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
