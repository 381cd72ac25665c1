//! The GPU as a whole (whether one is there, its name, waiting for its work), with or without
//! the wgpu backend built in: without it no GPU is ever available, and asking for one is an error.

#[cfg(feature = "wgpu")]
pub use super::wgpu::{shutdown, synchronize};

/// Whether the wgpu backend can create a device (creating it on first call).
#[cfg(feature = "wgpu")]
pub fn is_available() -> bool {
    super::wgpu::context::is_available()
}

/// "name (backend, device type)" of the adapter in use; an error saying why when there is none.
#[cfg(feature = "wgpu")]
pub fn device_name() -> crate::Result<String> {
    Ok(super::wgpu::context::get()?.describe())
}

#[cfg(not(feature = "wgpu"))]
pub use absent::*;

#[cfg(not(feature = "wgpu"))]
mod absent {
    use crate::error::{Error, Result};

    fn not_built() -> Error {
        Error::Backend("ferrograd was built without the wgpu backend".into())
    }
    pub fn is_available() -> bool {
        false
    }
    pub fn device_name() -> Result<String> {
        Err(not_built())
    }
    pub fn synchronize() -> Result<()> {
        Err(not_built())
    }
    /// Nothing can be in flight.
    pub fn shutdown() {}
}
