//! ferrograd: tensors with reverse-mode automatic differentiation, a CPU backend, and (behind
//! the `python` feature) the PyO3 bindings that make it the Python module `ferrograd._core`.

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
