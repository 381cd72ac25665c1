//! The GPU backend on wgpu: tensors in device buffers, ops as WGSL compute kernels.
//!
//! float32 runs on the GPU; bool and int64 live there too (index results, masks, argmax) and are
//! copied, cast, filled, gathered, scattered and compared there. Arithmetic on int64 (rare: index
//! bookkeeping) runs on the host through the CPU kernels, as WGSL has no 64-bit integers, and
//! float64 is refused with a clear error, as WGSL has no f64.

pub mod context;
mod kernels;
pub mod runtime;

use crate::backend::cpu::{Buf, CpuStorage};
use crate::backend::{
    BackendStorage, BinaryOp, CmpOp, ConvGeom, ConvKernels, GradMask, MathTerOp, ReduceOp, UnaryOp,
};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::ops::math_binary::BinDType;
use kernels::Kind;
use runtime::GpuBuffer;

pub use runtime::{shutdown, synchronize};

/// A tensor's elements in a device buffer (see `Kind` for the word layout of each dtype).
#[derive(Debug)]
pub struct WgpuStorage {
    buf: GpuBuffer,
    dtype: DType,
    len: usize,
}

fn kind(dtype: DType) -> Result<Kind> {
    match dtype {
        DType::F32 => Ok(Kind::F32),
        DType::Bool => Ok(Kind::Bool),
        DType::I32 => Ok(Kind::I32),
        DType::I64 => Ok(Kind::I64),
        DType::F64 => Err(f64_error()),
    }
}

pub fn f64_error() -> Error {
    Error::DType(
        "float64 is not supported on the wgpu device (WGSL has no 64-bit floats); \
         convert with .float() (float32) before moving the tensor to 'wgpu'"
            .into(),
    )
}

impl WgpuStorage {
    fn new(buf: GpuBuffer, dtype: DType, len: usize) -> WgpuStorage {
        WgpuStorage { buf, dtype, len }
    }

    fn kind(&self) -> Kind {
        kind(self.dtype).expect("no float64 storage is ever created")
    }

    /// Uploads host data (all of it, in storage order).
    pub fn from_cpu(c: &CpuStorage) -> Result<WgpuStorage> {
        let words: Vec<u32> = match c {
            CpuStorage::F32(b) => b.as_slice().iter().map(|v| v.to_bits()).collect(),
            CpuStorage::Bool(b) => b.as_slice().iter().map(|&v| v as u32).collect(),
            CpuStorage::I32(b) => b.as_slice().iter().map(|&v| v as u32).collect(),
            CpuStorage::I64(b) => b.as_slice().iter().flat_map(|&v| [v as u32, (v >> 32) as u32]).collect(),
            CpuStorage::F64(_) => return Err(f64_error()),
        };
        Ok(WgpuStorage::new(GpuBuffer::from_words(&words)?, c.dtype(), c.len()))
    }

    /// Downloads all elements (waits for the work that produces them).
    pub fn to_cpu(&self) -> Result<CpuStorage> {
        let words = self.buf.read(self.len * self.kind().words())?;
        Ok(match self.dtype {
            DType::F32 => CpuStorage::F32(Buf::from_vec(words.iter().map(|&w| f32::from_bits(w)).collect())),
            DType::Bool => CpuStorage::Bool(Buf::from_vec(words.iter().map(|&w| w != 0).collect())),
            DType::I32 => CpuStorage::I32(Buf::from_vec(words.iter().map(|&w| w as i32).collect())),
            DType::I64 => CpuStorage::I64(Buf::from_vec(
                words.chunks_exact(2).map(|p| (p[0] as u64 | ((p[1] as u64) << 32)) as i64).collect(),
            )),
            DType::F64 => return Err(f64_error()),
        })
    }

    /// A fresh buffer of `n` elements of `dtype` (contents unspecified).
    pub fn empty(dtype: DType, n: usize) -> Result<WgpuStorage> {
        Ok(WgpuStorage::new(GpuBuffer::new(n * kind(dtype)?.words())?, dtype, n))
    }

    /// Runs a CPU kernel on a host copy: int64 arithmetic, which WGSL cannot do, and the integer
    /// ops no GPU kernel covers.
    fn on_host(&self, f: impl FnOnce(&CpuStorage) -> Result<CpuStorage>) -> Result<WgpuStorage> {
        WgpuStorage::from_cpu(&f(&self.to_cpu()?)?)
    }

    /// Replaces this buffer's contents with host data of the same length.
    fn write_from_host(&self, c: &CpuStorage) -> Result<()> {
        let src = WgpuStorage::from_cpu(c)?;
        let l = Layout::contiguous(&[self.len]);
        kernels::copy(&self.buf, &l, self.kind(), &src.buf, &l, src.kind())
    }

    fn value_words(&self, value: f64) -> [u32; 2] {
        match self.dtype {
            DType::F32 => [(value as f32).to_bits(), 0],
            DType::Bool => [(value != 0.0) as u32, 0],
            DType::I32 => [value as i32 as u32, 0],
            _ => {
                let v = value as i64;
                [v as u32, (v >> 32) as u32]
            }
        }
    }
}

impl BackendStorage for WgpuStorage {
    fn dtype(&self) -> DType {
        self.dtype
    }

    fn to_dtype(&self, layout: &Layout, dtype: DType) -> Result<Self> {
        let to = kind(dtype)?;
        let n = layout.numel();
        let out = WgpuStorage::new(GpuBuffer::new(n * to.words())?, dtype, n);
        kernels::copy(&out.buf, &Layout::contiguous(&layout.shape), to, &self.buf, layout, self.kind())?;
        Ok(out)
    }

    fn unary(&self, layout: &Layout, op: UnaryOp) -> Result<Self> {
        // Integer/bool ops (and the float refusal of bitwise_not) are the CPU kernel's.
        if self.dtype != DType::F32 || op == UnaryOp::BitwiseNot {
            return self.on_host(|c| c.unary(layout, op));
        }
        let dtype = if op.bool_out() { DType::Bool } else { DType::F32 };
        Ok(WgpuStorage::new(kernels::unary(&self.buf, layout, op)?, dtype, layout.numel()))
    }

    fn binary(&self, layout: &Layout, rhs: &Self, rhs_layout: &Layout, op: BinaryOp) -> Result<Self> {
        if let BinaryOp::Math(m) = op {
            // the logical rows: the op layer has cast both operands to bool
            if m.dtype_rule() == BinDType::BoolOut && self.dtype == DType::Bool && rhs.dtype == DType::Bool {
                let out = kernels::binary_bool(&self.buf, layout, &rhs.buf, rhs_layout, m)?;
                return Ok(WgpuStorage::new(out, DType::Bool, layout.numel()));
            }
        }
        let native = match (self.dtype, rhs.dtype) {
            (DType::F32, DType::F32) => true,
            // WGSL's i32 arithmetic wraps as torch's does; the division ops (a zero divisor is an
            // error) and the table rows are the CPU kernel's.
            (DType::I32, DType::I32) => {
                matches!(
                    op,
                    BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Maximum | BinaryOp::Minimum
                )
            }
            _ => false,
        };
        if !native {
            let r = rhs.to_cpu()?;
            return self.on_host(|c| c.binary(layout, &r, rhs_layout, op));
        }
        let out = kernels::binary(&self.buf, layout, &rhs.buf, rhs_layout, op, self.kind())?;
        Ok(WgpuStorage::new(out, self.dtype, layout.numel()))
    }

    fn compare(&self, layout: &Layout, rhs: &Self, rhs_layout: &Layout, op: CmpOp) -> Result<Self> {
        if self.dtype != rhs.dtype || self.dtype == DType::I64 {
            let r = rhs.to_cpu()?;
            return self.on_host(|c| c.compare(layout, &r, rhs_layout, op));
        }
        let out = kernels::compare(&self.buf, layout, &rhs.buf, rhs_layout, self.kind(), op)?;
        Ok(WgpuStorage::new(out, DType::Bool, layout.numel()))
    }

    fn where_cond(
        &self,
        layout: &Layout,
        a: &Self,
        a_layout: &Layout,
        b: &Self,
        b_layout: &Layout,
    ) -> Result<Self> {
        if self.dtype != DType::Bool || a.dtype != b.dtype || a.dtype == DType::I64 {
            let (ca, cb) = (a.to_cpu()?, b.to_cpu()?);
            return self.on_host(|c| c.where_cond(layout, &ca, a_layout, &cb, b_layout));
        }
        let out = kernels::where_cond((&self.buf, layout), (&a.buf, a_layout), (&b.buf, b_layout), a.kind())?;
        Ok(WgpuStorage::new(out, a.dtype, layout.numel()))
    }

    fn masked_grad(&self, layout: &Layout, x: &Self, x_layout: &Layout, mask: GradMask) -> Result<Self> {
        if self.dtype != DType::F32 || x.dtype != DType::F32 {
            let hx = x.to_cpu()?;
            return self.on_host(|h| h.masked_grad(layout, &hx, x_layout, mask));
        }
        let out = kernels::masked_grad((&self.buf, layout), (&x.buf, x_layout), mask)?;
        Ok(WgpuStorage::new(out, DType::F32, layout.numel()))
    }

    fn ternary(
        &self,
        layout: &Layout,
        b: &Self,
        lb: &Layout,
        c: &Self,
        lc: &Layout,
        op: MathTerOp,
    ) -> Result<Self> {
        if [self.dtype, b.dtype, c.dtype] != [DType::F32; 3] {
            let (hb, hc) = (b.to_cpu()?, c.to_cpu()?);
            return self.on_host(|h| h.ternary(layout, &hb, lb, &hc, lc, op));
        }
        let out = kernels::ternary((&self.buf, layout), (&b.buf, lb), (&c.buf, lc), op.wgsl())?;
        Ok(WgpuStorage::new(out, DType::F32, layout.numel()))
    }

    fn reduce(&self, layout: &Layout, rows: usize, reduced: usize, op: ReduceOp) -> Result<Self> {
        if self.dtype != DType::F32 {
            return self.on_host(|c| c.reduce(layout, rows, reduced, op));
        }
        let out = kernels::reduce(&self.buf, layout, rows, reduced, op)?;
        let dtype = if matches!(op, ReduceOp::ArgMax | ReduceOp::ArgMin) { DType::I64 } else { DType::F32 };
        Ok(WgpuStorage::new(out, dtype, rows))
    }

    fn matmul(&self, layout: &Layout, rhs: &Self, rhs_layout: &Layout) -> Result<Self> {
        if self.dtype != DType::F32 || rhs.dtype != DType::F32 {
            let r = rhs.to_cpu()?;
            return self.on_host(|c| c.matmul(layout, &r, rhs_layout));
        }
        let nd = layout.ndim();
        let n = layout.shape[..nd - 1].iter().product::<usize>() * rhs_layout.shape[nd - 1];
        Ok(WgpuStorage::new(kernels::matmul(&self.buf, layout, &rhs.buf, rhs_layout)?, DType::F32, n))
    }

    fn copy_into(&self, dst_layout: &Layout, src: &Self, src_layout: &Layout) -> Result<()> {
        kernels::copy(&self.buf, dst_layout, self.kind(), &src.buf, src_layout, src.kind())
    }

    fn gather(&self, offsets: &[usize]) -> Result<Self> {
        Ok(WgpuStorage::new(kernels::gather(&self.buf, self.kind(), offsets)?, self.dtype, offsets.len()))
    }

    fn scatter(&self, offsets: &[usize], src: &Self, src_layout: &Layout, accumulate: bool) -> Result<()> {
        if accumulate && self.dtype != DType::F32 {
            let host = self.to_cpu()?;
            host.scatter(offsets, &src.to_cpu()?, src_layout, true)?;
            return self.write_from_host(&host);
        }
        let src = src.to_dtype(src_layout, self.dtype)?;
        kernels::scatter(&self.buf, self.kind(), offsets, &src.buf, accumulate)
    }

    fn fill(&self, layout: &Layout, value: f64) -> Result<()> {
        kernels::fill(&self.buf, layout, self.kind(), self.value_words(value))
    }
}

impl ConvKernels for WgpuStorage {
    fn im2col(&self, layout: &Layout, geom: &ConvGeom) -> Result<Self> {
        if self.dtype != DType::F32 {
            return self.on_host(|c| c.im2col(layout, geom));
        }
        let n = geom.rows() * geom.cols();
        Ok(WgpuStorage::new(kernels::im2col(&self.buf, layout, geom)?, DType::F32, n))
    }

    fn col2im(&self, layout: &Layout, geom: &ConvGeom) -> Result<Self> {
        if self.dtype != DType::F32 {
            return self.on_host(|c| c.col2im(layout, geom));
        }
        let n = geom.n * geom.c * geom.h * geom.w;
        Ok(WgpuStorage::new(kernels::col2im(&self.buf, layout, geom)?, DType::F32, n))
    }
}

#[cfg(test)]
mod tests;
