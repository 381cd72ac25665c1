//! Reading values out of a tensor (item, flat vectors) and raw contiguous copies.

use super::{Scalar, Tensor};
use crate::backend::cpu::{CpuStorage, IntoCpuStorage};
use crate::backend::BackendStorage;
use crate::dtype::Category;
use crate::error::{bail, Result};
use crate::layout::{for_each_offset, Layout};

impl Tensor {
    /// The elements in row-major order, converted to `T`.
    pub fn to_vec<T: IntoCpuStorage>(&self) -> Result<Vec<T>> {
        let l = self.layout();
        let host = self.storage().data().host()?;
        let s: &CpuStorage = &host;
        let cast;
        let (src, l): (&CpuStorage, &Layout) = if s.dtype() == T::DTYPE {
            (s, l)
        } else {
            cast = s.to_dtype(l, T::DTYPE)?;
            (&cast, &Layout::contiguous(self.shape()))
        };
        // Leak-free borrow: the typed buffer lives as long as `src`.
        let buf = T::buf(src).expect("dtype checked above");
        let data = buf.as_slice();
        let mut out = crate::backend::cpu::try_vec(l.numel())?;
        if l.numel() == 0 {
            return Ok(out);
        }
        if l.is_contiguous() {
            out.extend_from_slice(&data[l.offset..l.offset + l.numel()]);
        } else {
            for_each_offset(&l.shape, [l], |[i]| out.push(data[i]));
        }
        Ok(out)
    }

    pub fn item(&self) -> Result<Scalar> {
        if self.numel() != 1 {
            bail!(Autograd, "a Tensor with {} elements cannot be converted to Scalar", self.numel())
        }
        Ok(match self.dtype().category() {
            Category::Float => Scalar::Float(self.to_vec::<f64>()?[0]),
            Category::Int => Scalar::Int(self.to_vec::<i64>()?[0]),
            Category::Bool => Scalar::Bool(self.to_vec::<bool>()?[0]),
        })
    }

    pub fn item_f64(&self) -> Result<f64> {
        Ok(self.item()?.to_f64())
    }

    /// A contiguous copy with fresh storage and no history (a kernel-level clone).
    pub fn contiguous_copy(&self) -> Result<Tensor> {
        let s = self.storage().data().to_dtype(self.layout(), self.dtype())?;
        Ok(Tensor::from_data(s, self.shape()))
    }

    /// Elements as f64, a convenience for tests and the bindings.
    pub fn to_f64_vec(&self) -> Result<Vec<f64>> {
        self.to_vec::<f64>()
    }

    pub(crate) fn elem_size(&self) -> usize {
        self.dtype().size_in_bytes()
    }

    /// Address of the first element in host memory; None for a tensor on a GPU.
    pub fn data_ptr(&self) -> Option<usize> {
        let base = self.storage().cpu_data()?.data_ptr();
        Some(base + self.layout().offset * self.elem_size())
    }
}
