//! The one mapping from the crate's errors to the Python exceptions torch users catch.

use crate::error::Error;
use pyo3::exceptions::{
    PyIndexError, PyMemoryError, PyNotImplementedError, PyRuntimeError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};
use pyo3::PyErr;

static OUT_OF_MEMORY: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// `ferrograd.OutOfMemoryError`: an allocation that cannot be made. Both a RuntimeError (what
/// torch raises, so code written for torch catches it) and a MemoryError (what Python code
/// catches). A class with two builtin bases, so it is made through `type(...)`.
pub fn out_of_memory_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    OUT_OF_MEMORY
        .get_or_try_init(py, || {
            let bases = PyTuple::new(py, [py.get_type::<PyRuntimeError>(), py.get_type::<PyMemoryError>()])?;
            let ns = PyDict::new(py);
            ns.set_item("__module__", "ferrograd")?;
            ns.set_item(
                "__doc__",
                "An allocation ferrograd cannot make: a RuntimeError (as torch's) and a MemoryError.",
            )?;
            let ty = py.get_type::<PyType>().call1(("OutOfMemoryError", bases, ns))?;
            Ok(ty.cast_into::<PyType>()?.unbind())
        })
        .map(|t| t.bind(py))
}

impl From<Error> for PyErr {
    fn from(e: Error) -> PyErr {
        // An exception raised by a Python hook inside backward surfaces unchanged.
        if let Some(original) = super::hooks::take_pending() {
            return original;
        }
        match e {
            Error::Shape(m)
            | Error::DType(m)
            | Error::Device(m)
            | Error::Autograd(m)
            | Error::Argument(m)
            | Error::Backend(m) => PyRuntimeError::new_err(m),
            Error::Index(m) => PyIndexError::new_err(m),
            Error::Type(m) => PyTypeError::new_err(m),
            Error::Value(m) => PyValueError::new_err(m),
            Error::OutOfMemory(m) => Python::attach(|py| match out_of_memory_type(py) {
                Ok(ty) => PyErr::from_type(ty.clone(), m),
                Err(e) => e,
            }),
            Error::NotImplemented(m) => PyNotImplementedError::new_err(m),
        }
    }
}
