//! Gradient hooks: user functions (Python callables, through the bindings) that see, and may
//! replace, gradients as the engine runs. The core knows them only through these traits.

use super::gc::{Foreign, Visit};
use crate::error::Result;
use crate::tensor::Tensor;
use parking_lot::Mutex;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Called with a gradient; returning Some replaces it.
pub trait GradHook: Send + Sync {
    fn call(&self, grad: &Tensor) -> Result<Option<Tensor>>;
    /// Its foreign references, for the host's cycle collector (see `gc`).
    fn visit_foreign(&self, _visit: &mut Visit<'_>) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
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
    /// Its foreign references, for the host's cycle collector (see `gc`).
    fn visit_foreign(&self, _visit: &mut Visit<'_>) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

/// Called with a leaf after its `.grad` was updated.
pub trait PostAccumulateHook: Send + Sync {
    fn call(&self, leaf: &Tensor) -> Result<()>;
    /// Its foreign references, for the host's cycle collector (see `gc`).
    fn visit_foreign(&self, _visit: &mut Visit<'_>) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

/// What unregisters a hook (`RemovableHandle.remove()` in Python).
pub type Remover = Box<dyn Fn() + Send + Sync>;

/// Adds `h` to the hook list `list` finds in `owner`. The remover holds the owner weakly, so a
/// handle kept around keeps no graph alive, and does nothing once the owner is gone.
pub fn add_removable<T, H>(owner: &Arc<T>, list: fn(&T) -> &HookList<H>, h: Arc<H>) -> Remover
where
    T: Send + Sync + 'static,
    H: ?Sized + 'static,
{
    let id = list(owner).add(h);
    let weak = Arc::downgrade(owner);
    Box::new(move || {
        if let Some(o) = weak.upgrade() {
            list(&o).remove(id);
        }
    })
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

macro_rules! foreign_via_trait {
    ($($t:ty),*) => {$(
        impl Foreign for $t {
            fn visit_foreign(&self, visit: &mut Visit<'_>) -> ControlFlow<()> {
                <$t>::visit_foreign(self, visit)
            }
        }
    )*};
}
foreign_via_trait!(dyn GradHook, dyn NodeHook, dyn PostAccumulateHook);

impl<H: ?Sized + Foreign> HookList<H> {
    /// The foreign references of the hooks only this list holds (see `gc`). A locked list is
    /// skipped: the collector must not wait.
    pub(crate) fn visit_owned(&self, visit: &mut Visit<'_>) -> ControlFlow<()> {
        let Some(hooks) = self.hooks.try_lock() else { return ControlFlow::Continue(()) };
        for (_, h) in hooks.iter().filter(|(_, h)| Arc::strong_count(h) == 1) {
            h.visit_foreign(visit)?;
        }
        ControlFlow::Continue(())
    }
}

/// A gradient a hook returned in place of `like` (`what` names the hook): torch refuses one of
/// another shape.
pub fn replaced_grad(what: &str, like: &Tensor, t: Tensor) -> Result<Tensor> {
    if t.shape() != like.shape() {
        return Err(crate::Error::Shape(format!(
            "{what} has changed the size of value: expected {}, got {}",
            crate::error::fmt_shape(like.shape()),
            crate::error::fmt_shape(t.shape())
        )));
    }
    Ok(t)
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
