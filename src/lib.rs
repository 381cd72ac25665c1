//! ferrograd: tensors with reverse-mode automatic differentiation, a CPU backend, and (behind
//! the `python` feature) the PyO3 bindings that make it the Python module `ferrograd._core`.

// The rows are the bindings' table: built and unit-tested without Python, used only with it.
#[cfg_attr(not(feature = "python"), allow(dead_code, unused_macros, unused_imports))]
pub mod api;
pub mod autograd;
pub mod backend;
pub mod device;
pub mod dtype;
pub mod error;
pub mod layout;
pub mod ops;
pub mod shape;
pub mod storage;
pub mod tensor;

#[cfg(feature = "python")]
mod bindings;

pub use device::Device;
pub use dtype::DType;
pub use error::{Error, Result};
pub use tensor::{Scalar, Tensor};
