//! A caching allocator for large CPU buffers. Freed buffers of 64 KiB and more are kept by size
//! class and handed out again, so a loop that allocates the same sizes (a training step, an
//! elementwise op into a fresh result) stops paying the kernel for fresh zeroed pages: a new
//! 64 MB Vec costs ~16k page faults on first touch, a reused one none.

use crate::error::{Error, Result};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::LazyLock;

/// Below this, malloc is cheap and its memory is already mapped.
const MIN_POOLED_BYTES: usize = 1 << 16;

/// Cached bytes beyond this are released to the system (FERROGRAD_CPU_CACHE_MB overrides).
static LIMIT: LazyLock<usize> = LazyLock::new(|| {
    std::env::var("FERROGRAD_CPU_CACHE_MB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .map(|mb| mb << 20)
        .unwrap_or(2 << 30)
});

static CACHED: AtomicUsize = AtomicUsize::new(0);

pub struct Pool<T> {
    free: LazyLock<Mutex<HashMap<usize, Vec<Vec<T>>>>>,
}

impl<T> Pool<T> {
    const fn new() -> Self {
        Pool { free: LazyLock::new(|| Mutex::new(HashMap::new())) }
    }
}

/// Element types with a pool of their own.
pub trait Pooled: Sized + Copy + Send + 'static {
    fn pool() -> &'static Pool<Self>;
}

macro_rules! pooled {
    ($t:ty, $name:ident) => {
        static $name: Pool<$t> = Pool::new();
        impl Pooled for $t {
            fn pool() -> &'static Pool<Self> {
                &$name
            }
        }
    };
}
pooled!(f32, POOL_F32);
pooled!(f64, POOL_F64);
pooled!(i32, POOL_I32);
pooled!(i64, POOL_I64);
pooled!(bool, POOL_BOOL);
pooled!(usize, POOL_USIZE);

/// Size class in elements: sizes are rounded up by at most 1/8, so buffers of nearly equal
/// size share a class while little memory is wasted.
fn class_of<T>(n: usize) -> usize {
    let bytes = n.saturating_mul(std::mem::size_of::<T>().max(1));
    if bytes < MIN_POOLED_BYTES {
        return n;
    }
    let step = (n.next_power_of_two() / 16).max(1);
    n.div_ceil(step) * step
}

fn oom<T>(n: usize) -> Error {
    Error::OutOfMemory(format!(
        "CPU allocator: tried to allocate {} bytes, which cannot be met",
        n.saturating_mul(std::mem::size_of::<T>())
    ))
}

/// An empty Vec with capacity for at least `n` elements, reused from the pool when possible.
pub fn take<T: Pooled>(n: usize) -> Result<Vec<T>> {
    let class = class_of::<T>(n);
    if class != n || n * std::mem::size_of::<T>() >= MIN_POOLED_BYTES {
        if let Some(mut v) = T::pool().free.lock().get_mut(&class).and_then(|list| list.pop()) {
            CACHED.fetch_sub(v.capacity() * std::mem::size_of::<T>(), Ordering::Relaxed);
            v.clear();
            return Ok(v);
        }
    }
    let mut v = Vec::new();
    v.try_reserve_exact(class).map_err(|_| oom::<T>(n))?;
    Ok(v)
}

/// Returns a buffer's memory to the pool (or to the system when it is small or the pool full).
pub fn give<T: Pooled>(v: Vec<T>) {
    let bytes = v.capacity() * std::mem::size_of::<T>();
    if bytes < MIN_POOLED_BYTES || class_of::<T>(v.capacity()) != v.capacity() {
        return;
    }
    if CACHED.load(Ordering::Relaxed) + bytes > *LIMIT {
        return;
    }
    CACHED.fetch_add(bytes, Ordering::Relaxed);
    T::pool().free.lock().entry(v.capacity()).or_default().push(v);
}

/// Bytes held by the pool now.
pub fn cached_bytes() -> usize {
    CACHED.load(Ordering::Relaxed)
}

/// Releases every cached buffer to the system.
pub fn empty_cache() {
    fn drain<T: Pooled>() {
        let mut free = T::pool().free.lock();
        for (_, list) in free.drain() {
            for v in list {
                CACHED.fetch_sub(v.capacity() * std::mem::size_of::<T>(), Ordering::Relaxed);
            }
        }
    }
    drain::<f32>();
    drain::<f64>();
    drain::<i32>();
    drain::<i64>();
    drain::<bool>();
    drain::<usize>();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_buffers_are_reused_small_ones_are_not() {
        let v: Vec<f64> = take(100_000).unwrap();
        let cap = v.capacity();
        let ptr = v.as_ptr() as usize;
        give(v);
        let w: Vec<f64> = take(99_000).unwrap();
        assert_eq!(w.capacity(), cap, "same class");
        assert_eq!(w.as_ptr() as usize, ptr, "reused");
        let small: Vec<f64> = take(10).unwrap();
        assert_eq!(small.capacity(), 10);
        give(small);
        give(w);
        assert!(cached_bytes() >= cap * 8);
    }

    #[test]
    fn classes_waste_at_most_an_eighth() {
        for n in [16_385usize, 100_000, 1 << 20, (1 << 20) + 1, 3_000_001] {
            let c = class_of::<f32>(n);
            assert!(c >= n && (c - n) * 8 <= n, "{n} -> {c}");
        }
    }
}
