//! The crate's one error type; bindings/ maps each variant to the Python exception torch raises.

use thiserror::Error;

/// Every failure the engine can report. Messages name the op and the shapes involved.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum Error {
    /// Shapes that do not fit together (broadcast, matmul, view, cat). Python: RuntimeError.
    #[error("{0}")]
    Shape(String),
    /// A dtype the op cannot take. Python: RuntimeError (torch's choice for dtype mismatches).
    #[error("{0}")]
    DType(String),
    /// Tensors on different devices, or a device that cannot hold the data. Python: RuntimeError.
    #[error("{0}")]
    Device(String),
    /// An index or a dim out of range. Python: IndexError.
    #[error("{0}")]
    Index(String),
    /// Misuse of autograd (freed graph, in-place on a leaf, ...). Python: RuntimeError.
    #[error("{0}")]
    Autograd(String),
    /// An argument of the wrong kind. Python: TypeError.
    #[error("{0}")]
    Type(String),
    /// An argument with a value out of its domain. Python: ValueError.
    #[error("{0}")]
    Value(String),
    /// An allocation that cannot succeed. Python: MemoryError.
    #[error("{0}")]
    OutOfMemory(String),
    /// An argument value the op refuses where torch raises RuntimeError (celu's `alpha = 0`).
    #[error("{0}")]
    Argument(String),
    /// A backend failure. Python: RuntimeError.
    #[error("{0}")]
    Backend(String),
    /// A dtype an op has no kernel for ("floor_cpu" not implemented for 'Bool'). Python:
    /// NotImplementedError, a RuntimeError, as torch raises.
    #[error("{0}")]
    NotImplemented(String),
}

pub type Result<T> = std::result::Result<T, Error>;

/// Formats a shape as torch does in messages: `[2, 3]`.
pub fn fmt_shape(shape: &[usize]) -> String {
    let parts: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("[{}]", parts.join(", "))
}

macro_rules! bail {
    ($variant:ident, $($arg:tt)*) => {
        return Err($crate::error::Error::$variant(format!($($arg)*)))
    };
}
pub(crate) use bail;
