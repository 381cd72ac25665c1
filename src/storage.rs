//! Storage: a reference-counted buffer shared by a tensor and all its views.

use crate::backend::cpu::CpuStorage;
use crate::backend::{BackendStorage, BinaryOp, CmpOp, ReduceOp, UnaryOp};
use crate::device::Device;
use crate::dtype::DType;
use crate::error::Result;
use crate::layout::Layout;
use std::sync::Arc;

/// One enum over the backends keeps `Tensor` free of generics (the wgpu variant joins it).
/// It implements `BackendStorage` by dispatching, so ops never name a backend.
#[derive(Debug)]
pub enum StorageData {
    Cpu(CpuStorage),
}

macro_rules! dispatch {
    ($self:expr, $s:ident => $body:expr) => {
        match $self {
            StorageData::Cpu($s) => $body,
        }
    };
}

/// Both operands on one backend, or a device error naming the op.
macro_rules! pair {
    ($op:expr, $a:expr, $b:expr, ($x:ident, $y:ident) => $body:expr) => {
        match ($a, $b) {
            (StorageData::Cpu($x), StorageData::Cpu($y)) => $body,
        }
    };
}

impl BackendStorage for StorageData {
    fn dtype(&self) -> DType {
        dispatch!(self, s => s.dtype())
    }
    fn to_dtype(&self, layout: &Layout, dtype: DType) -> Result<Self> {
        dispatch!(self, s => Ok(StorageData::Cpu(s.to_dtype(layout, dtype)?)))
    }
    fn unary(&self, layout: &Layout, op: UnaryOp) -> Result<Self> {
        dispatch!(self, s => Ok(StorageData::Cpu(s.unary(layout, op)?)))
    }
    fn binary(&self, layout: &Layout, rhs: &Self, rhs_layout: &Layout, op: BinaryOp) -> Result<Self> {
        pair!("binary", self, rhs, (a, b) => Ok(StorageData::Cpu(a.binary(layout, b, rhs_layout, op)?)))
    }
    fn compare(&self, layout: &Layout, rhs: &Self, rhs_layout: &Layout, op: CmpOp) -> Result<Self> {
        pair!("compare", self, rhs, (a, b) => Ok(StorageData::Cpu(a.compare(layout, b, rhs_layout, op)?)))
    }
    fn where_cond(
        &self,
        layout: &Layout,
        a: &Self,
        a_layout: &Layout,
        b: &Self,
        b_layout: &Layout,
    ) -> Result<Self> {
        match (self, a, b) {
            (StorageData::Cpu(c), StorageData::Cpu(x), StorageData::Cpu(y)) => {
                Ok(StorageData::Cpu(c.where_cond(layout, x, a_layout, y, b_layout)?))
            }
        }
    }
    fn reduce(&self, layout: &Layout, rows: usize, reduced: usize, op: ReduceOp) -> Result<Self> {
        dispatch!(self, s => Ok(StorageData::Cpu(s.reduce(layout, rows, reduced, op)?)))
    }
    fn matmul(&self, layout: &Layout, rhs: &Self, rhs_layout: &Layout) -> Result<Self> {
        pair!("matmul", self, rhs, (a, b) => Ok(StorageData::Cpu(a.matmul(layout, b, rhs_layout)?)))
    }
    fn copy_into(&self, dst_layout: &Layout, src: &Self, src_layout: &Layout) -> Result<()> {
        pair!("copy_", self, src, (d, s) => d.copy_into(dst_layout, s, src_layout))
    }
    fn gather(&self, offsets: &[usize]) -> Result<Self> {
        dispatch!(self, s => Ok(StorageData::Cpu(s.gather(offsets)?)))
    }
    fn scatter(&self, offsets: &[usize], src: &Self, src_layout: &Layout, accumulate: bool) -> Result<()> {
        pair!("index_put", self, src, (d, s) => d.scatter(offsets, s, src_layout, accumulate))
    }
    fn fill(&self, layout: &Layout, value: f64) -> Result<()> {
        dispatch!(self, s => s.fill(layout, value))
    }
}

#[derive(Debug)]
pub struct StorageInner {
    pub data: StorageData,
}

#[derive(Debug, Clone)]
pub struct Storage(Arc<StorageInner>);

impl Storage {
    pub fn cpu(data: CpuStorage) -> Storage {
        Storage(Arc::new(StorageInner { data: StorageData::Cpu(data) }))
    }

    pub fn new(data: StorageData) -> Storage {
        Storage(Arc::new(StorageInner { data }))
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

    pub fn same(&self, other: &Storage) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Storage {
    /// Writes `src` at `src_layout` into this storage at `dst_layout` (shapes broadcast).
    pub fn write(&self, dst_layout: &Layout, src: &Storage, src_layout: &Layout) -> Result<()> {
        let sl = src_layout.broadcast_to("copy_", &dst_layout.shape)?;
        if self.same(src) {
            // Overlapping source and destination: copy the source out first.
            let tmp = src.data().to_dtype(&sl, src.dtype())?;
            return self.data().copy_into(dst_layout, &tmp, &Layout::contiguous(&dst_layout.shape));
        }
        self.data().copy_into(dst_layout, src.data(), &sl)
    }
}
