//! The CPU backend: portable strided kernels over `CpuStorage`.

mod buffer;
mod grad;
mod int;
pub(crate) mod kernels;
mod matmul;
pub mod parallel;
pub mod pool;
mod reduce;
pub mod simd;

pub use buffer::{try_alloc, try_vec, try_with_capacity, Buf, CpuStorage, IntoCpuStorage};
