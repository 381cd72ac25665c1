//! Where the user's code called an op ("file.py:12"), so that a version error can point at both
//! the op that saved a tensor and the in-place op that modified it, without anomaly mode.
//!
//! Capturing happens whenever an op saves tensors for backward, so it must be cheap: the
//! bindings keep a handle on the code being run and the position in it, and the file and line
//! are worked out only when a message needs them.

use std::cell::Cell;
use std::sync::{Arc, OnceLock};

/// A unit of the user's code (for Python, a code object), described on demand.
pub trait Code: Send + Sync {
    /// "file:line" of position `at` in this code.
    fn describe(&self, at: i32) -> Option<String>;
}

/// A place in the user's code.
#[derive(Clone)]
pub struct CallSite {
    code: Arc<dyn Code>,
    at: i32,
}

impl CallSite {
    pub fn new(code: Arc<dyn Code>, at: i32) -> CallSite {
        CallSite { code, at }
    }

    /// "file:line", when it can be found.
    pub fn describe(&self) -> Option<String> {
        self.code.describe(self.at)
    }
}

static CAPTURE: OnceLock<fn() -> Option<CallSite>> = OnceLock::new();

thread_local! {
    /// Set while this thread runs backward nodes: the engine runs without the GIL and has no
    /// caller of its own, so nothing is captured there (ops recorded by create_graph included).
    static IN_ENGINE: Cell<bool> = const { Cell::new(false) };
}

/// The bindings register how to find the user's innermost frame.
pub fn set_capture(f: fn() -> Option<CallSite>) {
    let _ = CAPTURE.set(f);
}

/// The user's code calling into the crate now, if there is any.
pub(crate) fn capture() -> Option<CallSite> {
    if IN_ENGINE.with(Cell::get) {
        return None;
    }
    CAPTURE.get().and_then(|f| f())
}

/// Marks this thread as running backward nodes until dropped.
pub(crate) struct EngineThread(bool);

impl EngineThread {
    pub(crate) fn enter() -> EngineThread {
        EngineThread(IN_ENGINE.with(|c| c.replace(true)))
    }
}

impl Drop for EngineThread {
    fn drop(&mut self) {
        IN_ENGINE.with(|c| c.set(self.0));
    }
}
