//! Where the user's code called an op ("file.py:12"), so that a version error can point at both
//! the op that saved a tensor and the in-place op that modified it, without anomaly mode.
//!
//! Capturing happens whenever an op saves tensors for backward, so it must be cheap: the
//! bindings keep a handle on the code being run and the position in it, and the file and line
//! are worked out only when a message needs them.

use parking_lot::Mutex;
use std::cell::Cell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
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

/// The line of instruction offset `at`, from a code unit's line starts (offset, line) in
/// order: that of the last start at or before it (a start without a line keeps the one before).
pub fn line_at(starts: impl Iterator<Item = (i64, Option<i64>)>, at: i32) -> Option<i64> {
    starts.take_while(|&(offset, _)| offset <= i64::from(at)).fold(None, |line, (_, l)| l.or(line))
}

/// A unit of code and whether it is the library's own (whose frames a capture skips).
#[derive(Clone)]
pub struct CodeEntry {
    pub code: Arc<dyn Code>,
    pub internal: bool,
}

/// Code seen so far, by address. The entry holds the code, so the address cannot be reused by
/// other code while the entry exists. Bounded: a program that keeps making new code (exec,
/// generated functions) starts over when it is full.
static CODES: Mutex<Option<CodeMap>> = Mutex::new(None);
type CodeMap = HashMap<usize, CodeEntry, BuildHasherDefault<AddressHasher>>;
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

/// The entry of the code at `address`, made by `make` the first time it is seen.
pub fn code_entry(address: usize, make: impl FnOnce() -> CodeEntry) -> CodeEntry {
    if let Some(e) = CODES.lock().as_ref().and_then(|m| m.get(&address)) {
        return e.clone();
    }
    // Outside the lock: making an entry may run the caller's code (for Python, a collection),
    // and that may record ops.
    let entry = make();
    let old = {
        let mut g = CODES.lock();
        let map = g.get_or_insert_with(HashMap::default);
        let old = (map.len() >= MAX_CODES).then(|| std::mem::take(map));
        map.insert(address, entry.clone());
        old
    };
    drop(old); // released outside the lock, for the same reason
    entry
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

#[cfg(test)]
mod tests {
    use super::*;

    struct At(&'static str);
    impl Code for At {
        fn describe(&self, at: i32) -> Option<String> {
            Some(format!("{}:{at}", self.0))
        }
    }

    #[test]
    fn the_line_is_that_of_the_last_start_before_the_offset() {
        let starts = || [(0, Some(10)), (6, None), (8, Some(12)), (20, Some(14))].into_iter();
        assert_eq!(line_at(starts(), 0), Some(10));
        assert_eq!(line_at(starts(), 7), Some(10));
        assert_eq!(line_at(starts(), 19), Some(12));
        assert_eq!(line_at(starts(), 99), Some(14));
        assert_eq!(line_at(std::iter::empty(), 3), None);
    }

    #[test]
    fn code_entries_are_made_once_per_address() {
        let make = |name| move || CodeEntry { code: Arc::new(At(name)), internal: false };
        // Addresses no real code object has, so other tests' entries do not collide.
        let a = code_entry(usize::MAX - 16, make("a.py"));
        let again = code_entry(usize::MAX - 16, || unreachable!("cached"));
        assert!(Arc::ptr_eq(&a.code, &again.code));
        let b = code_entry(usize::MAX - 32, make("b.py"));
        assert_eq!(CallSite::new(b.code, 7).describe().as_deref(), Some("b.py:7"));
    }
}
