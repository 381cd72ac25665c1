//! Tensors over memory someone else owns, as NumPy's array interface describes it
//! (`from_numpy`), and the byte strides a tensor's own interface gives (`.numpy()`).

use super::Tensor;
use crate::backend::cpu::CpuStorage;
use crate::dtype::DType;
use crate::error::{bail, Result};
use crate::layout::Layout;
use crate::storage::Storage;
use std::any::Any;

impl Tensor {
    /// A tensor sharing the memory at `ptr`, laid out with `byte_strides` (None: C-contiguous)
    /// as NumPy counts them; `owner` keeps the memory alive.
    ///
    /// # Safety
    /// `ptr` must be aligned for `dtype` and address every element that `shape` and
    /// `byte_strides` reach, alive for as long as `owner` is.
    pub unsafe fn from_external(
        ptr: usize,
        dtype: DType,
        shape: &[usize],
        byte_strides: Option<&[isize]>,
        owner: Box<dyn Any + Send + Sync>,
    ) -> Result<Tensor> {
        let item = dtype.size_in_bytes();
        let strides = match byte_strides {
            None => crate::shape::contiguous_strides(shape).to_vec(),
            Some(bytes) => bytes.iter().map(|&b| element_stride(b, item)).collect::<Result<_>>()?,
        };
        let layout = Layout { shape: shape.into(), strides: strides.as_slice().into(), offset: 0 };
        let len = layout.storage_span();
        // SAFETY: the caller's promise, for the `len` elements the layout reaches.
        let data = unsafe { CpuStorage::from_external(dtype, ptr, len, owner) };
        Ok(Tensor::from_parts(Storage::cpu(data), layout, dtype))
    }

    /// Whether NumPy may share this tensor's memory (`.numpy()`): on the host and without grad,
    /// with torch's errors.
    pub fn check_numpy_export(&self) -> Result<()> {
        if self.device() != crate::Device::Cpu {
            bail!(
                Type,
                "can't convert {} device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first.",
                self.device()
            )
        }
        if self.requires_grad() {
            bail!(
                Autograd,
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        }
        Ok(())
    }

    /// Strides in bytes, as NumPy counts them.
    pub fn byte_strides(&self) -> Vec<usize> {
        self.strides().iter().map(|s| s * self.elem_size()).collect()
    }
}

/// A NumPy byte stride as a stride in elements; torch's errors for the ones it cannot take.
fn element_stride(bytes: isize, item: usize) -> Result<usize> {
    if bytes < 0 {
        bail!(
            Value,
            "At least one stride in the given numpy array is negative, and tensors with negative strides are not currently supported. (You can probably work around this by making a copy of your array  with array.copy().) "
        )
    }
    if !(bytes as usize).is_multiple_of(item) {
        bail!(
            Value,
            "given numpy array strides not a multiple of the element byte size. Copy the numpy array to reallocate the memory."
        )
    }
    Ok(bytes as usize / item)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_memory_is_shared_with_its_strides() {
        let mut data = vec![1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0];
        let ptr = data.as_mut_ptr() as usize;
        // A (2, 3) array read column-major: byte strides (8, 16).
        let t =
            unsafe { Tensor::from_external(ptr, DType::F64, &[2, 3], Some(&[8, 16]), Box::new(())) }.unwrap();
        assert_eq!(t.to_vec::<f64>().unwrap(), vec![1.0, 3.0, 5.0, 2.0, 4.0, 6.0]);
        assert_eq!(t.byte_strides(), vec![8, 16]);
        let c = unsafe { Tensor::from_external(ptr, DType::F64, &[3, 2], None, Box::new(())) }.unwrap();
        assert_eq!(c.strides(), &[2, 1]);
        drop((t, c));
        drop(data);
    }

    #[test]
    fn strides_it_cannot_take_are_value_errors() {
        assert!(matches!(element_stride(-8, 8), Err(crate::Error::Value(m)) if m.contains("negative")));
        assert!(matches!(element_stride(12, 8), Err(crate::Error::Value(m)) if m.contains("multiple")));
        assert_eq!(element_stride(16, 8), Ok(2));
    }
}
