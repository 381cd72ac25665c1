//! Devices a tensor can live on. Only the CPU exists today; the wgpu backend adds a variant.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Device {
    #[default]
    Cpu,
}

impl Device {
    /// Parses torch-style device strings ("cpu", "cpu:0").
    pub fn parse(s: &str) -> crate::Result<Device> {
        match s {
            "cpu" | "cpu:0" => Ok(Device::Cpu),
            other => Err(crate::Error::Device(format!(
                "Expected one of cpu device type at start of device string: {other}"
            ))),
        }
    }
    pub fn type_name(self) -> &'static str {
        match self {
            Device::Cpu => "cpu",
        }
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.type_name())
    }
}
