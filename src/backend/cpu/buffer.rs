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
    I32(Buf<i32>),
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
    fn wrap(b: Buf<Self>) -> CpuStorage;
    fn into_storage(v: Vec<Self>) -> CpuStorage {
        Self::wrap(Buf::from_vec(v))
    }
    fn buf(s: &CpuStorage) -> Option<&Buf<Self>>;
}

macro_rules! impl_into_storage {
    ($t:ty, $v:ident) => {
        impl IntoCpuStorage for $t {
            fn wrap(b: Buf<Self>) -> CpuStorage {
                CpuStorage::$v(b)
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
impl_into_storage!(i32, I32);
impl_into_storage!(i64, I64);
impl_into_storage!(bool, Bool);

impl CpuStorage {
    pub fn dtype(&self) -> DType {
        fn of<T: Elem + Pooled>(_: &Buf<T>) -> DType {
            T::DTYPE
        }
        crate::with_buf!(self, b => of(b))
    }

    pub fn len(&self) -> usize {
        crate::with_buf!(self, b => b.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn zeros(dtype: DType, n: usize) -> Result<CpuStorage> {
        fn go<T: IntoCpuStorage>(n: usize) -> Result<CpuStorage> {
            Ok(T::into_storage(try_alloc(n, T::zero())?))
        }
        crate::with_dtype!(dtype, T => go::<T>(n))
    }

    pub fn data_ptr(&self) -> usize {
        crate::with_buf!(self, b => b.as_ptr() as usize)
    }

    /// A storage over memory another owner keeps alive (a NumPy array's).
    ///
    /// # Safety
    /// `ptr` must point to `len` valid, aligned elements of `dtype` that stay alive as long as
    /// `owner`.
    pub unsafe fn from_external(
        dtype: DType,
        ptr: usize,
        len: usize,
        owner: Box<dyn Any + Send + Sync>,
    ) -> Self {
        fn go<T: IntoCpuStorage>(ptr: usize, len: usize, owner: Box<dyn Any + Send + Sync>) -> CpuStorage {
            // SAFETY: the caller's contract.
            T::wrap(unsafe { Buf::from_external(ptr as *mut T, len, owner) })
        }
        crate::with_dtype!(dtype, T => go::<T>(ptr, len, owner))
    }
}

/// Runs `$body` with `$b` bound to the typed buffer of `$s`, for every dtype.
#[macro_export]
macro_rules! with_buf {
    ($s:expr, $b:ident => $body:expr) => {
        match $s {
            $crate::backend::cpu::CpuStorage::F32($b) => $body,
            $crate::backend::cpu::CpuStorage::F64($b) => $body,
            $crate::backend::cpu::CpuStorage::I32($b) => $body,
            $crate::backend::cpu::CpuStorage::I64($b) => $body,
            $crate::backend::cpu::CpuStorage::Bool($b) => $body,
        }
    };
}

/// Runs `$body` with the type `$T` bound to `$dtype`'s element type, for every dtype.
#[macro_export]
macro_rules! with_dtype {
    ($dtype:expr, $T:ident => $body:expr) => {
        match $dtype {
            $crate::DType::F32 => {
                type $T = f32;
                $body
            }
            $crate::DType::F64 => {
                type $T = f64;
                $body
            }
            $crate::DType::I32 => {
                type $T = i32;
                $body
            }
            $crate::DType::I64 => {
                type $T = i64;
                $body
            }
            $crate::DType::Bool => {
                type $T = bool;
                $body
            }
        }
    };
}

/// `Some($body)` with `$a` and `$b` bound to the typed buffers of two storages of one integer
/// dtype, `None` for any other pair: the integer kernels' one dispatch point.
#[macro_export]
macro_rules! with_int_pair {
    ($x:expr, $y:expr, ($a:ident, $b:ident) => $body:expr) => {
        match ($x, $y) {
            ($crate::backend::cpu::CpuStorage::I32($a), $crate::backend::cpu::CpuStorage::I32($b)) => {
                Some($body)
            }
            ($crate::backend::cpu::CpuStorage::I64($a), $crate::backend::cpu::CpuStorage::I64($b)) => {
                Some($body)
            }
            _ => None,
        }
    };
}

/// `Some($body)` with `$b` bound to the typed buffer of an integer storage, `None` otherwise.
#[macro_export]
macro_rules! with_int_buf {
    ($s:expr, $b:ident => $body:expr) => {
        match $s {
            $crate::backend::cpu::CpuStorage::I32($b) => Some($body),
            $crate::backend::cpu::CpuStorage::I64($b) => Some($body),
            _ => None,
        }
    };
}
