//! `ferrograd.wgpu`: whether a GPU adapter is there, its name, and waiting for its work.

use pyo3::prelude::*;

/// Whether the wgpu backend can create a device (creating it on first call).
#[pyfunction]
pub fn _wgpu_is_available(py: Python<'_>) -> bool {
    #[cfg(feature = "wgpu")]
    {
        py.detach(crate::backend::wgpu::context::is_available)
    }
    #[cfg(not(feature = "wgpu"))]
    {
        let _ = py;
        false
    }
}

/// "name (backend, device type)" of the adapter in use; RuntimeError saying why when none.
#[pyfunction]
pub fn _wgpu_device_name(py: Python<'_>) -> PyResult<String> {
    #[cfg(feature = "wgpu")]
    {
        Ok(py.detach(crate::backend::wgpu::context::get).map(|c| c.describe())?)
    }
    #[cfg(not(feature = "wgpu"))]
    {
        let _ = py;
        Err(pyo3::exceptions::PyRuntimeError::new_err("ferrograd was built without the wgpu backend"))
    }
}

/// Waits for the GPU's work in flight at interpreter exit (registered with atexit); creates
/// nothing if the GPU was never used.
#[pyfunction]
pub fn _wgpu_shutdown(py: Python<'_>) {
    #[cfg(feature = "wgpu")]
    py.detach(crate::backend::wgpu::shutdown);
    #[cfg(not(feature = "wgpu"))]
    let _ = py;
}

/// Waits until the GPU has finished all work queued so far.
#[pyfunction]
pub fn _wgpu_synchronize(py: Python<'_>) -> PyResult<()> {
    #[cfg(feature = "wgpu")]
    {
        Ok(py.detach(crate::backend::wgpu::synchronize)?)
    }
    #[cfg(not(feature = "wgpu"))]
    {
        let _ = py;
        Err(pyo3::exceptions::PyRuntimeError::new_err("ferrograd was built without the wgpu backend"))
    }
}
