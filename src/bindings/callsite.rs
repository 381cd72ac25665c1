//! The user's innermost Python frame outside ferrograd, found cheaply enough to run whenever an
//! op saves tensors for backward: a few attribute reads give the code object (looked up in a
//! cache, which also knows whether it is ferrograd's own code) and the instruction offset. The
//! file and line are worked out only when an error message asks (`describe`).

use crate::autograd::callsite::{CallSite, Code};
use parking_lot::Mutex;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::{ffi, intern};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::os::raw::c_long;
use std::sync::Arc;

#[cfg(not(windows))]
extern "C" {
    // In CPython's C API since 3.9 (stable ABI from 3.10, so pyo3 does not declare it for abi3
    // builds for 3.9): a new reference to the frame's code, without an attribute lookup. Not on
    // Windows, where an abi3 module links to python3.dll, which has only the 3.9 stable ABI.
    fn PyFrame_GetCode(frame: *mut ffi::PyFrameObject) -> *mut ffi::PyObject;
}

/// The code object a frame runs.
fn frame_code<'py>(py: Python<'py>, frame: &Bound<'py, PyAny>) -> Option<Bound<'py, PyAny>> {
    #[cfg(not(windows))]
    {
        let _ = py;
        // SAFETY: `frame` is a live frame; PyFrame_GetCode returns a new reference.
        Some(unsafe { Bound::from_owned_ptr(frame.py(), PyFrame_GetCode(frame.as_ptr().cast())) })
    }
    #[cfg(windows)]
    {
        frame.getattr(intern!(py, "f_code")).ok()
    }
}

/// A code object; the cache holds it, so its address (the cache key) cannot be reused by
/// another code object while the entry exists.
struct PyCode {
    code: Py<PyAny>,
    /// ferrograd's own Python code (autograd.functional, ...): its frames are skipped.
    internal: bool,
}

impl Code for PyCode {
    fn describe(&self, at: i32) -> Option<String> {
        Python::attach(|py| {
            let code = self.code.bind(py);
            let file: String = code.getattr("co_filename").ok()?.extract().ok()?;
            Some(format!("{file}:{}", line_at(py, code, at)?))
        })
    }
}

/// The line of instruction offset `at`: that of the last line start at or before it.
fn line_at(py: Python<'_>, code: &Bound<'_, PyAny>, at: i32) -> Option<i64> {
    let starts = py.import("dis").ok()?.call_method1("findlinestarts", (code,)).ok()?;
    let mut line = None;
    for item in starts.try_iter().ok()? {
        let (offset, l): (i64, Option<i64>) = item.ok()?.extract().ok()?;
        if offset > i64::from(at) {
            break;
        }
        line = l.or(line);
    }
    line
}

/// Code objects seen so far, by address. Bounded: a program that keeps making new code (exec,
/// generated functions) starts over when it is full.
static CODES: Mutex<Option<CodeMap>> = Mutex::new(None);
type CodeMap = HashMap<usize, Arc<PyCode>, BuildHasherDefault<AddressHasher>>;
const MAX_CODES: usize = 4096;

/// Addresses are already well spread: a multiply is all the hashing they need (SipHash, the
/// default, was an eighth of a capture).
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64 >> 4).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

fn code_entry(py: Python<'_>, code: Bound<'_, PyAny>) -> Option<Arc<PyCode>> {
    let key = code.as_ptr() as usize;
    if let Some(e) = CODES.lock().as_ref().and_then(|m| m.get(&key)) {
        return Some(e.clone());
    }
    // Outside the lock: Python code may run here (a collection), and it may record ops.
    let entry = Arc::new(PyCode { internal: is_internal(py, &code), code: code.unbind() });
    let old = {
        let mut g = CODES.lock();
        let map = g.get_or_insert_with(HashMap::default);
        let old = (map.len() >= MAX_CODES).then(|| std::mem::take(map));
        map.insert(key, entry.clone());
        old
    };
    drop(old); // released outside the lock, for the same reason
    Some(entry)
}

/// The frame's current instruction offset (`f_lasti`; the limited API has no call for it).
fn lasti(py: Python<'_>, frame: &Bound<'_, PyAny>) -> Option<i32> {
    // SAFETY: attached; PyObject_GetAttr returns a new reference or null with an error set.
    unsafe {
        let v = ffi::PyObject_GetAttr(frame.as_ptr(), intern!(py, "f_lasti").as_ptr());
        if v.is_null() {
            ffi::PyErr_Clear();
            return None;
        }
        let at: c_long = ffi::PyLong_AsLong(v);
        ffi::Py_DecRef(v);
        if at == -1 && !ffi::PyErr_Occurred().is_null() {
            ffi::PyErr_Clear();
            return None;
        }
        i32::try_from(at).ok()
    }
}

fn is_internal(py: Python<'_>, code: &Bound<'_, PyAny>) -> bool {
    static PACKAGE_DIR: PyOnceLock<String> = PyOnceLock::new();
    let Ok(file) = code.getattr(intern!(py, "co_filename")).and_then(|f| f.extract::<String>()) else {
        return false;
    };
    let dir = PACKAGE_DIR.get_or_init(py, || {
        py.import("ferrograd")
            .and_then(|m| m.getattr("__path__")?.get_item(0)?.extract::<String>())
            .map(|d| format!("{}/", d.trim_end_matches('/')))
            .unwrap_or_else(|_| "/ferrograd/".into())
    });
    file.starts_with(dir.as_str()) || (dir == "/ferrograd/" && file.contains(dir.as_str()))
}

/// Where the user's code is now: its innermost frame outside ferrograd's own Python code.
pub fn capture() -> Option<CallSite> {
    // Ops reach here holding the GIL (the engine, which does not, never asks), so attaching
    // only counts; it would take the GIL if some thread without it ever asked.
    Python::attach(|py| {
        // SAFETY: attached; PyEval_GetFrame returns a borrowed frame or null.
        let mut frame = unsafe {
            let f = ffi::PyEval_GetFrame();
            if f.is_null() {
                return None;
            }
            Bound::from_borrowed_ptr(py, f.cast())
        };
        for _ in 0..32 {
            let entry = code_entry(py, frame_code(py, &frame)?)?;
            if !entry.internal {
                return Some(CallSite::new(entry, lasti(py, &frame)?));
            }
            frame = frame.getattr(intern!(py, "f_back")).ok()?;
            if frame.is_none() {
                return None;
            }
        }
        None
    })
}
