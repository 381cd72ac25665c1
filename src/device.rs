//! Devices a tensor can live on: the CPU, and with the `wgpu` feature one GPU adapter ("wgpu:0").

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Device {
    #[default]
    Cpu,
    /// The adapter the wgpu backend chose (ferrograd.wgpu.get_device_name() names it).
    Wgpu,
}

impl Device {
    /// Parses torch-style device strings ("cpu", "cpu:0", "wgpu", "wgpu:0").
    pub fn parse(s: &str) -> crate::Result<Device> {
        let (kind, index) = match s.split_once(':') {
            Some((k, i)) => (k, Some(i)),
            None => (s, None),
        };
        let index = match index {
            None => 0,
            Some(i) => i.parse::<i64>().map_err(|_| {
                crate::Error::Device(format!("Invalid device string: '{s}' (the index must be an integer)"))
            })?,
        };
        let device = match kind {
            "cpu" => Device::Cpu,
            "wgpu" => Device::Wgpu,
            "cuda" | "mps" | "xpu" => {
                return Err(crate::Error::Device(format!(
                    "ferrograd has no '{kind}' device; its GPU device is 'wgpu' (wgpu reaches Vulkan, Metal and DX12)"
                )))
            }
            other => {
                return Err(crate::Error::Device(format!(
                    "Expected one of cpu, wgpu device type at start of device string: {other}"
                )))
            }
        };
        if index != 0 {
            return Err(crate::Error::Device(format!(
                "Invalid device '{s}': ferrograd has one {kind} device, '{kind}:0'"
            )));
        }
        Ok(device)
    }

    pub fn type_name(self) -> &'static str {
        match self {
            Device::Cpu => "cpu",
            Device::Wgpu => "wgpu",
        }
    }

    /// torch's device.index: None for the CPU, 0 for the GPU.
    pub fn index(self) -> Option<usize> {
        match self {
            Device::Cpu => None,
            Device::Wgpu => Some(0),
        }
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::Cpu => f.write_str("cpu"),
            Device::Wgpu => f.write_str("wgpu:0"),
        }
    }
}
