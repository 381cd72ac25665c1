//! The one wgpu device ferrograd uses: adapter choice, limits, and errors turned into `Error`s.
//!
//! Created on first use and kept for the life of the process (pipelines and pooled buffers hang
//! off it). A machine without a usable adapter gets a clear error naming what was tried.

use crate::error::{Error, Result};
use parking_lot::Mutex;
use std::sync::{Arc, OnceLock};

/// Forces an adapter: a substring of its name, or "cpu"/"software" for a software rasteriser.
pub const ADAPTER_ENV: &str = "FERROGRAD_WGPU_ADAPTER";

pub struct Context {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub info: wgpu::AdapterInfo,
    pub limits: wgpu::Limits,
    /// The first validation or out-of-memory error wgpu reported since the last check.
    errors: Arc<Mutex<Option<String>>>,
}

static CONTEXT: OnceLock<std::result::Result<Context, String>> = OnceLock::new();

/// The device, created on first call; the error says why none could be made.
pub fn get() -> Result<&'static Context> {
    CONTEXT.get_or_init(Context::create).as_ref().map_err(|e| Error::Backend(e.clone()))
}

/// The device if something already created it (never creates one).
pub fn started() -> Option<&'static Context> {
    CONTEXT.get().and_then(|c| c.as_ref().ok())
}

/// Whether an adapter can be created (creates it on first call).
pub fn is_available() -> bool {
    get().is_ok()
}

fn rank(info: &wgpu::AdapterInfo) -> u8 {
    match info.device_type {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Other => 3,
        wgpu::DeviceType::Cpu => 4,
    }
}

impl Context {
    fn create() -> std::result::Result<Context, String> {
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
            backends: wgpu::Backends::PRIMARY,
            ..wgpu::InstanceDescriptor::new_without_display_handle()
        });
        let mut adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::PRIMARY));
        if adapters.is_empty() {
            return Err("wgpu: no GPU adapter found (no Vulkan, Metal or DX12 driver). On Linux without a GPU, \
                        install Mesa's software Vulkan driver: apt-get install mesa-vulkan-drivers libvulkan1"
                .into());
        }
        let names: Vec<String> = adapters.iter().map(|a| a.get_info().name).collect();
        // A real GPU first, a software one last; ties keep the driver's order.
        adapters.sort_by_key(|a| rank(&a.get_info()));
        let adapter = match std::env::var(ADAPTER_ENV) {
            Ok(want) if !want.is_empty() => {
                let want_l = want.to_lowercase();
                let software = want_l == "cpu" || want_l == "software";
                adapters
                    .into_iter()
                    .find(|a| {
                        let info = a.get_info();
                        if software {
                            info.device_type == wgpu::DeviceType::Cpu
                        } else {
                            info.name.to_lowercase().contains(&want_l)
                        }
                    })
                    .ok_or_else(|| {
                        format!("wgpu: {ADAPTER_ENV}={want} matches none of the adapters {names:?}")
                    })?
            }
            _ => adapters.into_iter().next().expect("checked non-empty"),
        };
        let info = adapter.get_info();
        // Everything the adapter offers: large tensors need its real binding and buffer sizes.
        let limits = adapter.limits();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("ferrograd"),
            required_features: wgpu::Features::empty(),
            required_limits: limits.clone(),
            memory_hints: wgpu::MemoryHints::Performance,
            ..Default::default()
        }))
        .map_err(|e| format!("wgpu: could not open {}: {e}", info.name))?;
        let errors = Arc::new(Mutex::new(None::<String>));
        let sink = errors.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            let mut slot = sink.lock();
            if slot.is_none() {
                *slot = Some(e.to_string());
            }
        }));
        Ok(Context { device, queue, info, limits, errors })
    }

    /// Raises the error wgpu reported since the last check, if any.
    pub fn check(&self) -> Result<()> {
        match self.errors.lock().take() {
            Some(e) => Err(Error::Backend(format!("wgpu: {e}"))),
            None => Ok(()),
        }
    }

    /// "name (backend, device type)", for get_device_name and error messages.
    pub fn describe(&self) -> String {
        format!("{} ({:?}, {:?})", self.info.name, self.info.backend, self.info.device_type)
    }
}
