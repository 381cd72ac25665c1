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

    /// An int as a device: a CUDA ordinal in torch (`x.to(0)`), refused as CUDA is, clearly.
    pub fn of_ordinal(i: i64) -> crate::Result<Device> {
        if i < 0 {
            return Err(crate::Error::Device(format!("Device index must not be negative, got {i}")));
        }
        Device::parse(&format!("cuda:{i}"))
    }

    pub fn type_name(self) -> &'static str {
        match self {
            Device::Cpu => "cpu",
            Device::Wgpu => "wgpu",
        }
    }

    /// torch's `repr(device)`: "device(type='cpu')", "device(type='wgpu', index=0)".
    pub fn repr(self) -> String {
        match self.index() {
            Some(i) => format!("device(type='{}', index={i})", self.type_name()),
            None => format!("device(type='{}')", self.type_name()),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_parse_and_print_as_torch() {
        assert_eq!(Device::parse("cpu:0"), Ok(Device::Cpu));
        assert_eq!(Device::Wgpu.repr(), "device(type='wgpu', index=0)");
        assert_eq!(Device::Cpu.repr(), "device(type='cpu')");
        assert!(matches!(Device::of_ordinal(-1), Err(crate::Error::Device(m)) if m.contains("negative")));
        assert!(
            matches!(Device::of_ordinal(0), Err(crate::Error::Device(m)) if m.contains("no 'cuda' device"))
        );
    }
}
