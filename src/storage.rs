//! Storage: a reference-counted buffer shared by a tensor and all its views, with the version
//! counter that in-place ops bump (so autograd can tell a saved tensor was overwritten).

use crate::backend::cpu::CpuStorage;
use crate::device::Device;
use crate::dtype::DType;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// One enum over the backends keeps `Tensor` free of generics (the wgpu variant joins it).
#[derive(Debug)]
pub enum StorageData {
    Cpu(CpuStorage),
}

#[derive(Debug)]
pub struct StorageInner {
    pub data: StorageData,
    version: AtomicU64,
}

#[derive(Debug, Clone)]
pub struct Storage(Arc<StorageInner>);

impl Storage {
    pub fn cpu(data: CpuStorage) -> Storage {
        Storage(Arc::new(StorageInner {
            data: StorageData::Cpu(data),
            version: AtomicU64::new(0),
        }))
    }

    pub fn data(&self) -> &StorageData {
        &self.0.data
    }

    pub fn cpu_data(&self) -> &CpuStorage {
        match &self.0.data {
            StorageData::Cpu(c) => c,
        }
    }

    pub fn device(&self) -> Device {
        match &self.0.data {
            StorageData::Cpu(_) => Device::Cpu,
        }
    }

    pub fn dtype(&self) -> DType {
        match &self.0.data {
            StorageData::Cpu(c) => c.dtype(),
        }
    }

    pub fn version(&self) -> u64 {
        self.0.version.load(Ordering::Acquire)
    }

    pub fn bump_version(&self) {
        self.0.version.fetch_add(1, Ordering::AcqRel);
    }

    pub fn same(&self, other: &Storage) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Storage {
    /// Writes `src` at `src_layout` into this storage at `dst_layout` (shapes broadcast).
    pub fn cpu_data_write(
        &self,
        dst_layout: &crate::layout::Layout,
        src: &Storage,
        src_layout: &crate::layout::Layout,
    ) -> crate::Result<()> {
        use crate::backend::BackendStorage;
        let sl = src_layout.broadcast_to("copy_", &dst_layout.shape)?;
        if self.same(src) {
            // Overlapping source and destination: copy the source out first.
            let tmp = src.cpu_data().to_dtype(&sl, src.dtype())?;
            return self.cpu_data().copy_into(
                dst_layout,
                &tmp,
                &crate::layout::Layout::contiguous(&dst_layout.shape),
            );
        }
        self.cpu_data().copy_into(dst_layout, src.cpu_data(), &sl)
    }
}
