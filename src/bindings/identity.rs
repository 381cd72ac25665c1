//! One Python object per tensor, as in torch: converting a tensor to Python gives the object it
//! already has while that object lives (`x.grad is x.grad`, `grad_fn.variable is x`, a
//! post-accumulate hook gets the parameter itself), so dicts and optimizers keyed by tensors work.
//!
//! The tensor keeps a non-owning pointer to its object (`TensorImpl::py_object`); the object owns
//! the tensor. So there is no cycle: the object dies when Python drops it, and its Drop clears the
//! pointer. Every read and write of the pointer happens under the GIL, as does that Drop, so a
//! pointer read here names an object whose memory is still there.

use super::tensor::PyTensor;
use crate::tensor::Tensor;
use pyo3::ffi;
use pyo3::prelude::*;
use std::ffi::c_void;
use std::ptr::null_mut;
use std::sync::atomic::Ordering;

/// A tensor on its way to Python: its live object, or a new object that it remembers.
pub struct TensorObj {
    pub t: Tensor,
}

impl<'py> IntoPyObject<'py> for TensorObj {
    type Target = PyTensor;
    type Output = Bound<'py, PyTensor>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyTensor>> {
        object_of(py, self.t)
    }
}

/// The Python object of `t`: the live one, or a new one registered as its object.
pub fn object_of(py: Python<'_>, t: Tensor) -> PyResult<Bound<'_, PyTensor>> {
    let p = t.0.py_object.load(Ordering::Acquire);
    // SAFETY: GIL held; the slot names an object that was made as a PyTensor and whose memory is
    // still there (see the module doc).
    if !p.is_null() && unsafe { alive(p) } {
        return Ok(unsafe { Bound::from_borrowed_ptr(py, p.cast()).cast_into_unchecked() });
    }
    let imp: *const crate::tensor::TensorImpl = std::sync::Arc::as_ptr(&t.0);
    let obj = Bound::new(py, PyTensor::unregistered(t))?;
    // SAFETY: `obj` owns the tensor, so its TensorImpl lives at least as long as `obj`.
    unsafe { (*imp).py_object.store(obj.as_ptr().cast(), Ordering::Release) };
    Ok(obj)
}

/// Whether a registered object may be handed out. A zero count means it is being torn down (a
/// Python subclass's `__del__` or dealloc may ask for its tensor then), and handing it out would
/// resurrect it: a new object takes over the tensor instead.
unsafe fn alive(p: *mut c_void) -> bool {
    unsafe { ffi::Py_REFCNT(p.cast()) > 0 }
}

/// Makes `obj` the Python object of its tensor, unless the tensor already has a live one. For
/// objects that Python built (`Tensor(...)`, subclasses), which `object_of` never saw.
pub fn adopt(obj: &Bound<'_, PyTensor>) {
    if let Ok(b) = obj.try_borrow() {
        adopt_ref(&b);
    }
}

/// `adopt` for a method's `self`.
pub fn adopt_ref(b: &PyRef<'_, PyTensor>) {
    register(b, b.as_ptr().cast());
}

fn register(b: &PyTensor, me: *mut c_void) {
    let slot = &b.t.0.py_object;
    let cur = slot.load(Ordering::Acquire);
    // SAFETY: as in object_of.
    if cur != me && (cur.is_null() || !unsafe { alive(cur) }) {
        slot.store(me, Ordering::Release);
    }
}

/// `detach_()`, `x.data = v`: the object now stands for another tensor.
pub fn retarget(slf: &mut PyRefMut<'_, PyTensor>, t: Tensor) {
    let me: *mut c_void = slf.as_ptr().cast();
    let _ = slf.t.0.py_object.compare_exchange(me, null_mut(), Ordering::AcqRel, Ordering::Relaxed);
    slf.t = t;
    register(slf, me);
}

/// A PyTensor's Drop: unregisters it from its tensor. Python frees an object only at a zero
/// count, so a registered object with a zero count is this one, or one on its way out that will
/// clear it anyway; a live one (count above zero) is another object that took over.
pub fn forget(b: &PyTensor) {
    let slot = &b.t.0.py_object;
    let cur = slot.load(Ordering::Acquire);
    // SAFETY: as in object_of (a Drop of a PyTensor runs in its object's dealloc, under the GIL).
    if !cur.is_null() && !unsafe { alive(cur) } {
        let _ = slot.compare_exchange(cur, null_mut(), Ordering::AcqRel, Ordering::Relaxed);
    }
}
