//! The user's innermost Python frame outside ferrograd, found cheaply enough to run whenever an
//! op saves tensors for backward: a few attribute reads give the code object (looked up in a
//! cache, which also knows whether it is ferrograd's own code) and the instruction offset. The
//! file and line are worked out only when an error message asks (`describe`).

use crate::autograd::callsite::{code_entry, line_at, CallSite, Code, CodeEntry};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::{ffi, intern};
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

/// A code object (the entry `code_entry` caches by its address).
struct PyCode(Py<PyAny>);

impl Code for PyCode {
    fn describe(&self, at: i32) -> Option<String> {
        Python::attach(|py| {
            let code = self.0.bind(py);
            let file: String = code.getattr("co_filename").ok()?.extract().ok()?;
            let starts = py.import("dis").ok()?.call_method1("findlinestarts", (code,)).ok()?;
            let starts = starts.try_iter().ok()?.map_while(|s| s.ok()?.extract::<(i64, Option<i64>)>().ok());
            Some(format!("{file}:{}", line_at(starts, at)?))
        })
    }
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
            let code = frame_code(py, &frame)?;
            // ferrograd's own Python code (autograd.functional, ...): its frames are skipped.
            let entry = code_entry(code.as_ptr() as usize, || CodeEntry {
                internal: is_internal(py, &code),
                code: Arc::new(PyCode(code.clone().unbind())),
            });
            if !entry.internal {
                return Some(CallSite::new(entry.code, lasti(py, &frame)?));
            }
            frame = frame.getattr(intern!(py, "f_back")).ok()?;
            if frame.is_none() {
                return None;
            }
        }
        None
    })
}
