//! Storage: a reference-counted buffer shared by a tensor and all its views.

use crate::backend::cpu::CpuStorage;
#[cfg(feature = "wgpu")]
use crate::backend::wgpu::WgpuStorage;
use crate::backend::{
    BackendStorage, BinaryOp, CmpOp, ConvGeom, ConvKernels, GradMask, MathTerOp, ReduceOp, RowKernels,
    UnaryOp,
};
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
    #[cfg(feature = "wgpu")]
    Wgpu(WgpuStorage),
}

/// Runs `$body` on whichever backend holds `$self`, rewrapping a storage result in the same variant.
macro_rules! dispatch {
    ($self:expr, $s:ident => $body:expr) => {
        match $self {
            StorageData::Cpu($s) => $body.map(StorageData::Cpu),
            #[cfg(feature = "wgpu")]
            StorageData::Wgpu($s) => $body.map(StorageData::Wgpu),
        }
    };
}

/// Like `dispatch!` for kernels that write in place (no storage result).
macro_rules! dispatch_unit {
    ($self:expr, $s:ident => $body:expr) => {
        match $self {
            StorageData::Cpu($s) => $body,
            #[cfg(feature = "wgpu")]
            StorageData::Wgpu($s) => $body,
        }
    };
}

/// Both operands on one backend, or a device error naming the op (ops check devices first, so
/// this is the kernel layer's own guard).
macro_rules! pair {
    ($op:expr, $a:expr, $b:expr, ($x:ident, $y:ident) => $body:expr, $wrap:path, $wrap_w:path) => {
        match ($a, $b) {
            (StorageData::Cpu($x), StorageData::Cpu($y)) => $body.map($wrap),
            #[cfg(feature = "wgpu")]
            (StorageData::Wgpu($x), StorageData::Wgpu($y)) => $body.map($wrap_w),
            #[cfg(feature = "wgpu")]
            _ => Err(crate::Error::Device(format!(
                "{}: Expected all tensors to be on the same device, but found at least two devices, {} and {}!",
                $op,
                $a.device(),
                $b.device()
            ))),
        }
    };
}

fn keep<T>(t: T) -> T {
    t
}

/// Host data of a storage: borrowed on the CPU, downloaded from a GPU.
pub enum Host<'a> {
    Borrowed(&'a CpuStorage),
    Owned(CpuStorage),
}

impl std::ops::Deref for Host<'_> {
    type Target = CpuStorage;
    fn deref(&self) -> &CpuStorage {
        match self {
            Host::Borrowed(c) => c,
            Host::Owned(c) => c,
        }
    }
}

impl StorageData {
    pub fn device(&self) -> Device {
        match self {
            StorageData::Cpu(_) => Device::Cpu,
            #[cfg(feature = "wgpu")]
            StorageData::Wgpu(_) => Device::Wgpu,
        }
    }

    /// The whole buffer on the host: the CPU storage itself, or a download.
    pub fn host(&self) -> Result<Host<'_>> {
        match self {
            StorageData::Cpu(c) => Ok(Host::Borrowed(c)),
            #[cfg(feature = "wgpu")]
            StorageData::Wgpu(w) => Ok(Host::Owned(w.to_cpu()?)),
        }
    }

    /// A contiguous copy of `layout`'s elements on `device`.
    pub fn to_device(&self, layout: &Layout, device: Device) -> Result<StorageData> {
        let dense = self.to_dtype(layout, self.dtype())?;
        match (dense, device) {
            (d, dev) if d.device() == dev => Ok(d),
            #[cfg(feature = "wgpu")]
            (StorageData::Cpu(c), Device::Wgpu) => Ok(StorageData::Wgpu(WgpuStorage::from_cpu(&c)?)),
            #[cfg(feature = "wgpu")]
            (StorageData::Wgpu(w), Device::Cpu) => Ok(StorageData::Cpu(w.to_cpu()?)),
            #[allow(unreachable_patterns)]
            (_, dev) => Err(crate::Error::Device(format!(
                "ferrograd was built without the {} backend",
                dev.type_name()
            ))),
        }
    }

    /// An uninitialised-contents buffer of `n` elements on `device` (callers fill it).
    pub fn empty(device: Device, dtype: DType, n: usize) -> Result<StorageData> {
        match device {
            Device::Cpu => Ok(StorageData::Cpu(CpuStorage::zeros(dtype, n)?)),
            #[cfg(feature = "wgpu")]
            Device::Wgpu => Ok(StorageData::Wgpu(WgpuStorage::empty(dtype, n)?)),
            #[cfg(not(feature = "wgpu"))]
            Device::Wgpu => Err(crate::Error::Device("ferrograd was built without the wgpu backend".into())),
        }
    }
}

impl BackendStorage for StorageData {
    fn dtype(&self) -> DType {
        match self {
            StorageData::Cpu(s) => s.dtype(),
            #[cfg(feature = "wgpu")]
            StorageData::Wgpu(s) => s.dtype(),
        }
    }
    fn to_dtype(&self, layout: &Layout, dtype: DType) -> Result<Self> {
        dispatch!(self, s => s.to_dtype(layout, dtype))
    }
    fn unary(&self, layout: &Layout, op: UnaryOp) -> Result<Self> {
        dispatch!(self, s => s.unary(layout, op))
    }
    fn binary(&self, layout: &Layout, rhs: &Self, rhs_layout: &Layout, op: BinaryOp) -> Result<Self> {
        pair!("binary", self, rhs, (a, b) => a.binary(layout, b, rhs_layout, op), StorageData::Cpu, StorageData::Wgpu)
    }
    fn compare(&self, layout: &Layout, rhs: &Self, rhs_layout: &Layout, op: CmpOp) -> Result<Self> {
        pair!("compare", self, rhs, (a, b) => a.compare(layout, b, rhs_layout, op), StorageData::Cpu, StorageData::Wgpu)
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
            #[cfg(feature = "wgpu")]
            (StorageData::Wgpu(c), StorageData::Wgpu(x), StorageData::Wgpu(y)) => {
                Ok(StorageData::Wgpu(c.where_cond(layout, x, a_layout, y, b_layout)?))
            }
            #[cfg(feature = "wgpu")]
            _ => Err(crate::Error::Device(format!(
                "where: Expected all tensors to be on the same device, but found devices {}, {} and {}",
                self.device(),
                a.device(),
                b.device()
            ))),
        }
    }
    fn masked_grad(&self, layout: &Layout, x: &Self, x_layout: &Layout, mask: GradMask) -> Result<Self> {
        pair!("masked_grad", self, x, (g, y) => g.masked_grad(layout, y, x_layout, mask), StorageData::Cpu, StorageData::Wgpu)
    }
    fn ternary(
        &self,
        layout: &Layout,
        b: &Self,
        b_layout: &Layout,
        c: &Self,
        c_layout: &Layout,
        op: MathTerOp,
    ) -> Result<Self> {
        match (self, b, c) {
            (StorageData::Cpu(x), StorageData::Cpu(y), StorageData::Cpu(z)) => {
                Ok(StorageData::Cpu(x.ternary(layout, y, b_layout, z, c_layout, op)?))
            }
            #[cfg(feature = "wgpu")]
            (StorageData::Wgpu(x), StorageData::Wgpu(y), StorageData::Wgpu(z)) => {
                Ok(StorageData::Wgpu(x.ternary(layout, y, b_layout, z, c_layout, op)?))
            }
            #[cfg(feature = "wgpu")]
            _ => Err(crate::Error::Device(format!(
                "{}: Expected all tensors to be on the same device, but found devices {}, {} and {}",
                op.name(),
                self.device(),
                b.device(),
                c.device()
            ))),
        }
    }
    fn reduce(&self, layout: &Layout, rows: usize, reduced: usize, op: ReduceOp) -> Result<Self> {
        dispatch!(self, s => s.reduce(layout, rows, reduced, op))
    }
    fn matmul(&self, layout: &Layout, rhs: &Self, rhs_layout: &Layout) -> Result<Self> {
        pair!("matmul", self, rhs, (a, b) => a.matmul(layout, b, rhs_layout), StorageData::Cpu, StorageData::Wgpu)
    }
    fn copy_into(&self, dst_layout: &Layout, src: &Self, src_layout: &Layout) -> Result<()> {
        pair!("copy_", self, src, (d, s) => d.copy_into(dst_layout, s, src_layout), keep, keep)
    }
    fn gather(&self, offsets: &[usize]) -> Result<Self> {
        dispatch!(self, s => s.gather(offsets))
    }
    fn scatter(&self, offsets: &[usize], src: &Self, src_layout: &Layout, accumulate: bool) -> Result<()> {
        pair!("index_put", self, src, (d, s) => d.scatter(offsets, s, src_layout, accumulate), keep, keep)
    }
    fn fill(&self, layout: &Layout, value: f64) -> Result<()> {
        dispatch_unit!(self, s => s.fill(layout, value))
    }
}

/// The row kernels' operands on one backend, or the same device error as `pair!`.
fn on_cpu<'a>(op: &str, s: &'a StorageData) -> Result<&'a CpuStorage> {
    match s {
        StorageData::Cpu(c) => Ok(c),
        #[cfg(feature = "wgpu")]
        StorageData::Wgpu(_) => Err(crate::Error::Device(format!(
            "{op}: Expected all tensors to be on the same device, but found at least two devices, cpu and wgpu!"
        ))),
    }
}

/// An optional operand moved onto the backend `$get` unwraps.
macro_rules! opt_on {
    ($get:ident, $op:expr, $p:expr) => {
        match $p {
            Some((s, l)) => Some(($get($op, s)?, l)),
            None => None,
        }
    };
}

/// The row kernels run on the CPU only: the ops check the device first and take their
/// composite of generic kernels on wgpu, so a wgpu storage here is a caller's bug.
fn host_rows<'a>(op: &str, s: &'a StorageData) -> Result<&'a CpuStorage> {
    match s {
        StorageData::Cpu(c) => Ok(c),
        #[cfg(feature = "wgpu")]
        StorageData::Wgpu(_) => {
            Err(crate::Error::Backend(format!("{op}: the fused row kernels are CPU-only")))
        }
    }
}

impl RowKernels for StorageData {
    fn softmax_rows(&self, layout: &Layout, n: usize, log: bool) -> Result<Self> {
        Ok(StorageData::Cpu(host_rows("softmax", self)?.softmax_rows(layout, n, log)?))
    }
    fn softmax_backward_rows(
        &self,
        layout: &Layout,
        y: &Self,
        y_layout: &Layout,
        n: usize,
        log: bool,
    ) -> Result<Self> {
        const OP: &str = "softmax_backward";
        let g = host_rows(OP, self)?;
        Ok(StorageData::Cpu(g.softmax_backward_rows(layout, on_cpu(OP, y)?, y_layout, n, log)?))
    }
    fn layer_norm_rows(
        &self,
        layout: &Layout,
        n: usize,
        weight: Option<(&Self, &Layout)>,
        bias: Option<(&Self, &Layout)>,
        eps: f64,
    ) -> Result<[Self; 3]> {
        const OP: &str = "layer_norm";
        let c = host_rows(OP, self)?;
        let outs =
            c.layer_norm_rows(layout, n, opt_on!(on_cpu, OP, weight), opt_on!(on_cpu, OP, bias), eps)?;
        Ok(outs.map(StorageData::Cpu))
    }
    fn layer_norm_backward_rows(
        &self,
        layout: &Layout,
        x: (&Self, &Layout),
        stats: [&Self; 2],
        weight: Option<(&Self, &Layout)>,
        n: usize,
        want_gxh: bool,
    ) -> Result<(Self, Option<Self>)> {
        const OP: &str = "layer_norm_backward";
        let g = host_rows(OP, self)?;
        let st = [on_cpu(OP, stats[0])?, on_cpu(OP, stats[1])?];
        let x = (on_cpu(OP, x.0)?, x.1);
        let (dx, gxh) =
            g.layer_norm_backward_rows(layout, x, st, opt_on!(on_cpu, OP, weight), n, want_gxh)?;
        Ok((StorageData::Cpu(dx), gxh.map(StorageData::Cpu)))
    }
}

impl ConvKernels for StorageData {
    fn im2col(&self, layout: &Layout, geom: &ConvGeom) -> Result<Self> {
        dispatch!(self, s => s.im2col(layout, geom))
    }
    fn col2im(&self, layout: &Layout, geom: &ConvGeom) -> Result<Self> {
        dispatch!(self, s => s.col2im(layout, geom))
    }
}

#[derive(Debug)]
pub struct StorageInner {
    pub data: StorageData,
}

#[derive(Debug, Clone)]
pub struct Storage(Arc<StorageInner>);

impl Storage {
    /// Whether both are the same buffer (views of one tensor share it).
    pub fn same_as(&self, other: &Storage) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    pub fn cpu(data: CpuStorage) -> Storage {
        Storage(Arc::new(StorageInner { data: StorageData::Cpu(data) }))
    }

    pub fn new(data: StorageData) -> Storage {
        Storage(Arc::new(StorageInner { data }))
    }

    pub fn data(&self) -> &StorageData {
        &self.0.data
    }

    /// The CPU buffer, for code that shares host memory (NumPy, data_ptr); None on a GPU.
    pub fn cpu_data(&self) -> Option<&CpuStorage> {
        match &self.0.data {
            StorageData::Cpu(c) => Some(c),
            #[cfg(feature = "wgpu")]
            StorageData::Wgpu(_) => None,
        }
    }

    pub fn device(&self) -> Device {
        self.0.data.device()
    }

    pub fn dtype(&self) -> DType {
        self.0.data.dtype()
    }

    pub fn same(&self, other: &Storage) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Storage {
    /// Writes `src` at `src_layout` into this storage at `dst_layout` (shapes broadcast).
    pub fn write(&self, dst_layout: &Layout, src: &Storage, src_layout: &Layout) -> Result<()> {
        let sl = src_layout.broadcast_to("copy_", &dst_layout.shape)?;
        if src.device() != self.device() {
            // copy_ across devices (as torch allows): bring the source over first.
            let moved = src.data().to_device(&sl, self.device())?;
            return self.data().copy_into(dst_layout, &moved, &Layout::contiguous(&dst_layout.shape));
        }
        if self.same(src) {
            // Overlapping source and destination: copy the source out first.
            let tmp = src.data().to_dtype(&sl, src.dtype())?;
            return self.data().copy_into(dst_layout, &tmp, &Layout::contiguous(&dst_layout.shape));
        }
        self.data().copy_into(dst_layout, src.data(), &sl)
    }
}
