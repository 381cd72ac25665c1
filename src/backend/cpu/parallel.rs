//! Intra-op and engine parallelism on one thread pool whose size the user sets
//! (`set_num_threads`). Work is cut into chunks whose boundaries depend only on the problem
//! size, never on the thread count, so results are bitwise the same with 1 or N threads.

use parking_lot::RwLock;
use std::sync::{Arc, LazyLock};

/// Waking a pool thread costs ~20 µs on the VMs we measure on: below this many elements of
/// simple elementwise work, one thread finishes first.
pub const ELEMENTWISE_GRAIN: usize = 1 << 17;

struct State {
    threads: usize,
    pool: Option<Arc<rayon::ThreadPool>>,
}

static STATE: LazyLock<RwLock<State>> = LazyLock::new(|| {
    let threads = std::env::var("FERROGRAD_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    RwLock::new(State { threads, pool: None })
});

pub fn get_num_threads() -> usize {
    STATE.read().threads
}

/// Sets the number of threads ops and the engine may use (1 = everything on the caller).
pub fn set_num_threads(n: usize) {
    let mut s = STATE.write();
    let n = n.max(1);
    if n != s.threads {
        s.threads = n;
        s.pool = None;
    }
}

/// The pool, built on first use; None when one thread is configured.
pub fn pool() -> Option<Arc<rayon::ThreadPool>> {
    {
        let s = STATE.read();
        if s.threads <= 1 {
            return None;
        }
        if let Some(p) = &s.pool {
            return Some(p.clone());
        }
    }
    let mut s = STATE.write();
    if s.pool.is_none() && s.threads > 1 {
        // A pool that fails to start (no threads available) leaves us single-threaded.
        s.pool = rayon::ThreadPoolBuilder::new()
            .num_threads(s.threads)
            .thread_name(|i| format!("ferrograd-{i}"))
            .build()
            .ok()
            .map(Arc::new);
    }
    s.pool.clone()
}

/// Runs `f(start, end)` over `0..n` in chunks of `grain` (the last may be shorter), on the
/// pool when there is more than one chunk and more than one thread, else inline.
pub fn for_chunks(n: usize, grain: usize, f: impl Fn(usize, usize) + Sync) {
    let grain = grain.max(1);
    let chunks = n.div_ceil(grain);
    match pool() {
        Some(p) if chunks > 1 => p.scope(|s| {
            let f = &f;
            for c in 0..chunks {
                s.spawn(move |_| f(c * grain, ((c + 1) * grain).min(n)));
            }
        }),
        _ => {
            for c in 0..chunks {
                f(c * grain, ((c + 1) * grain).min(n));
            }
        }
    }
}

/// `f(start, end)` for each chunk of `grain`, results in chunk order.
pub fn map_chunks<R: Send>(
    n: usize,
    grain: usize,
    f: impl Fn(usize, usize) -> R + Sync,
) -> crate::Result<Vec<R>> {
    let grain = grain.max(1);
    let chunks = n.div_ceil(grain);
    let slots: Vec<parking_lot::Mutex<Option<R>>> =
        (0..chunks).map(|_| parking_lot::Mutex::new(None)).collect();
    for_chunks(n, grain, |s, e| *slots[s / grain].lock() = Some(f(s, e)));
    Ok(slots.into_iter().map(|m| m.into_inner().expect("every chunk ran")).collect())
}

/// A raw pointer that may cross threads: each chunk writes a disjoint range.
#[derive(Clone, Copy)]
pub struct SendPtr<T>(pub *mut T);
// SAFETY: used only to write disjoint ranges from scoped tasks that end before the buffer is
// read or freed.
unsafe impl<T> Send for SendPtr<T> {}
unsafe impl<T> Sync for SendPtr<T> {}

impl<T> SendPtr<T> {
    /// # Safety
    /// `start..end` must lie in the allocation and no other task may touch it meanwhile.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn slice(&self, start: usize, end: usize) -> &mut [T] {
        std::slice::from_raw_parts_mut(self.0.add(start), end - start)
    }
}
