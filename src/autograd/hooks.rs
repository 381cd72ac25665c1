//! Gradient hooks: user functions (Python callables, through the bindings) that see, and may
//! replace, gradients as the engine runs. The core knows them only through these traits.

use crate::error::Result;
use crate::tensor::Tensor;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Called with a gradient; returning Some replaces it.
pub trait GradHook: Send + Sync {
    fn call(&self, grad: &Tensor) -> Result<Option<Tensor>>;
}

/// Called with a node's incoming gradient and (for post-hooks) the gradients it produced;
/// returning Some replaces the produced gradients.
pub trait NodeHook: Send + Sync {
    fn pre(&self, grad_output: &Tensor) -> Result<Option<Tensor>>;
    fn post(
        &self,
        grad_inputs: &[Option<Tensor>],
        grad_output: &Tensor,
    ) -> Result<Option<Vec<Option<Tensor>>>>;
}

/// Called with a leaf after its `.grad` was updated.
pub trait PostAccumulateHook: Send + Sync {
    fn call(&self, leaf: &Tensor) -> Result<()>;
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// An ordered list of hooks with ids, so a handle can remove exactly its own.
pub struct HookList<H: ?Sized> {
    hooks: Mutex<Vec<(u64, Arc<H>)>>,
}

impl<H: ?Sized> Default for HookList<H> {
    fn default() -> Self {
        HookList { hooks: Mutex::new(Vec::new()) }
    }
}

impl<H: ?Sized> HookList<H> {
    pub fn add(&self, h: Arc<H>) -> u64 {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        self.hooks.lock().push((id, h));
        id
    }

    pub fn remove(&self, id: u64) -> bool {
        let mut v = self.hooks.lock();
        let before = v.len();
        v.retain(|(i, _)| *i != id);
        v.len() != before
    }

    /// A snapshot, so hooks run without the lock held (a hook may add or remove hooks).
    pub fn snapshot(&self) -> Vec<Arc<H>> {
        self.hooks.lock().iter().map(|(_, h)| h.clone()).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.hooks.lock().is_empty()
    }
}

/// Runs tensor hooks in order, each seeing the previous one's result.
pub fn run_grad_hooks(hooks: &HookList<dyn GradHook>, mut grad: Tensor) -> Result<Tensor> {
    for h in hooks.snapshot() {
        if let Some(g) = h.call(&grad)? {
            grad = g;
        }
    }
    Ok(grad)
}
