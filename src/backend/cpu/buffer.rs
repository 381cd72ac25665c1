//! CPU buffers: owned Vecs or memory borrowed from another owner (a NumPy array), behind one
//! raw pointer so views and in-place ops see the same bytes.

use super::pool::Pooled;
use crate::dtype::{DType, Elem};
use crate::error::Result;
use std::any::Any;
use std::fmt;

enum Owner<T: Pooled> {
    /// Owned memory; returned to the caching allocator on drop.
    Vec(#[allow(dead_code)] PooledVec<T>),
    External(#[allow(dead_code)] Box<dyn Any + Send + Sync>),
}

struct PooledVec<T: Pooled>(Vec<T>);

impl<T: Pooled> Drop for PooledVec<T> {
    fn drop(&mut self) {
        super::pool::give(std::mem::take(&mut self.0));
    }
}

/// A typed buffer. Shared mutation follows torch's model: in-place ops write through views
/// while other views may read; the GIL (or the caller) orders those accesses.
pub struct Buf<T: Pooled> {
    ptr: *mut T,
    len: usize,
    _owner: Owner<T>,
}

// SAFETY: the pointer is owned by `_owner`, which is Send + Sync; element access is
// coordinated as described on the type.
unsafe impl<T: Pooled + Send> Send for Buf<T> {}
unsafe impl<T: Pooled + Sync> Sync for Buf<T> {}

impl<T: Elem + Pooled> Buf<T> {
    pub fn from_vec(mut v: Vec<T>) -> Self {
        let ptr = v.as_mut_ptr();
        let len = v.len();
        Buf { ptr, len, _owner: Owner::Vec(PooledVec(v)) }
    }

    /// # Safety
    /// `ptr` must point to `len` valid, aligned elements that stay alive as long as `owner`.
    pub unsafe fn from_external(ptr: *mut T, len: usize, owner: Box<dyn Any + Send + Sync>) -> Self {
        Buf { ptr, len, _owner: Owner::External(owner) }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn as_slice(&self) -> &[T] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: ptr/len describe a live allocation (see the constructors).
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// # Safety
    /// The caller must make sure no other reference reads or writes the same elements meanwhile.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn as_mut_slice(&self) -> &mut [T] {
        if self.len == 0 {
            return &mut [];
        }
        std::slice::from_raw_parts_mut(self.ptr, self.len)
    }

    pub fn as_ptr(&self) -> *mut T {
        self.ptr
    }
}

/// A CPU buffer of one of the supported dtypes.
pub enum CpuStorage {
    F32(Buf<f32>),
    F64(Buf<f64>),
    I64(Buf<i64>),
    Bool(Buf<bool>),
}

impl fmt::Debug for CpuStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CpuStorage({}, {})", self.dtype(), self.len())
    }
}

/// Allocates (through the caching allocator) without aborting the process when the size
/// cannot be met.
pub fn try_alloc<T: Pooled>(n: usize, fill: T) -> Result<Vec<T>> {
    let mut v = super::pool::take(n)?;
    v.resize(n, fill);
    Ok(v)
}

/// An empty Vec with room for `n` elements, for kernels that push every element.
pub fn try_with_capacity<T: Pooled>(n: usize) -> Result<Vec<T>> {
    super::pool::take(n)
}

/// A plain (not pooled) empty Vec with room for `n` elements, or MemoryError: sizes derived
/// from a view's shape can be huge without any memory behind them (`expand`).
pub fn try_vec<T>(n: usize) -> Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| {
        crate::Error::OutOfMemory(format!(
            "CPU allocator: tried to allocate {} bytes, which cannot be met",
            n.saturating_mul(std::mem::size_of::<T>())
        ))
    })?;
    Ok(v)
}

/// Types that can build a `CpuStorage` from a Vec of themselves.
pub trait IntoCpuStorage: Elem + Pooled {
    fn into_storage(v: Vec<Self>) -> CpuStorage;
    fn buf(s: &CpuStorage) -> Option<&Buf<Self>>;
}

macro_rules! impl_into_storage {
    ($t:ty, $v:ident) => {
        impl IntoCpuStorage for $t {
            fn into_storage(v: Vec<Self>) -> CpuStorage {
                CpuStorage::$v(Buf::from_vec(v))
            }
            fn buf(s: &CpuStorage) -> Option<&Buf<Self>> {
                match s {
                    CpuStorage::$v(b) => Some(b),
                    _ => None,
                }
            }
        }
    };
}
impl_into_storage!(f32, F32);
impl_into_storage!(f64, F64);
impl_into_storage!(i64, I64);
impl_into_storage!(bool, Bool);

impl CpuStorage {
    pub fn dtype(&self) -> DType {
        match self {
            CpuStorage::F32(_) => DType::F32,
            CpuStorage::F64(_) => DType::F64,
            CpuStorage::I64(_) => DType::I64,
            CpuStorage::Bool(_) => DType::Bool,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            CpuStorage::F32(b) => b.len(),
            CpuStorage::F64(b) => b.len(),
            CpuStorage::I64(b) => b.len(),
            CpuStorage::Bool(b) => b.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn zeros(dtype: DType, n: usize) -> Result<CpuStorage> {
        Ok(match dtype {
            DType::F32 => CpuStorage::F32(Buf::from_vec(try_alloc(n, 0f32)?)),
            DType::F64 => CpuStorage::F64(Buf::from_vec(try_alloc(n, 0f64)?)),
            DType::I64 => CpuStorage::I64(Buf::from_vec(try_alloc(n, 0i64)?)),
            DType::Bool => CpuStorage::Bool(Buf::from_vec(try_alloc(n, false)?)),
        })
    }

    pub fn data_ptr(&self) -> usize {
        match self {
            CpuStorage::F32(b) => b.as_ptr() as usize,
            CpuStorage::F64(b) => b.as_ptr() as usize,
            CpuStorage::I64(b) => b.as_ptr() as usize,
            CpuStorage::Bool(b) => b.as_ptr() as usize,
        }
    }
}

/// Runs `$body` with `$b` bound to the typed buffer of `$s`, for every dtype.
#[macro_export]
macro_rules! with_buf {
    ($s:expr, $b:ident => $body:expr) => {
        match $s {
            $crate::backend::cpu::CpuStorage::F32($b) => $body,
            $crate::backend::cpu::CpuStorage::F64($b) => $body,
            $crate::backend::cpu::CpuStorage::I64($b) => $body,
            $crate::backend::cpu::CpuStorage::Bool($b) => $body,
        }
    };
}
