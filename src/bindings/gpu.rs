//! `ferrograd.wgpu`: whether a GPU adapter is there, its name, and waiting for its work
//! (`crate::backend::gpu`, run without holding the GIL).

use crate::backend::gpu;
use pyo3::prelude::*;

/// Whether the wgpu backend can create a device (creating it on first call).
#[pyfunction]
pub fn _wgpu_is_available(py: Python<'_>) -> bool {
    py.detach(gpu::is_available)
}

/// "name (backend, device type)" of the adapter in use; RuntimeError saying why when none.
#[pyfunction]
pub fn _wgpu_device_name(py: Python<'_>) -> PyResult<String> {
    Ok(py.detach(gpu::device_name)?)
}

/// Waits for the GPU's work in flight at interpreter exit (registered with atexit); creates
/// nothing if the GPU was never used.
#[pyfunction]
pub fn _wgpu_shutdown(py: Python<'_>) {
    py.detach(gpu::shutdown)
}

/// Waits until the GPU has finished all work queued so far.
#[pyfunction]
pub fn _wgpu_synchronize(py: Python<'_>) -> PyResult<()> {
    Ok(py.detach(gpu::synchronize)?)
}
