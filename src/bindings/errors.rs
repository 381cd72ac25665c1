//! The one mapping from the crate's errors to the Python exceptions torch users catch.

use crate::error::Error;
use pyo3::exceptions::{
    PyIndexError, PyMemoryError, PyNotImplementedError, PyRuntimeError, PyTypeError, PyValueError,
};
use pyo3::PyErr;

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
            Error::OutOfMemory(m) => PyMemoryError::new_err(m),
            Error::NotImplemented(m) => PyNotImplementedError::new_err(m),
        }
    }
}
