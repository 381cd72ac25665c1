//! What a tensor owns through the graph, for a host's cycle collector (Python's `gc`).
//!
//! A Python hook that refers to its own tensor (`b.register_hook(lambda g: b * g)`), or a
//! Function's `ctx` that keeps one of its outputs, is a cycle that runs through Rust: Python
//! object -> tensor -> node -> hook -> Python object. The collector can free it only if the
//! tensor's object reports the hook among its references. It may report a reference only if it
//! owns it: a reference reported by two owners would be subtracted twice and the collector could
//! free an object that is still in use. So the walk follows only references that nothing else
//! shares (`Arc` strong count 1), as torch does for its tensors and their `grad_fn`; a cycle
//! through shared graph parts is not found (a leak, never a wrong free).
//!
//! The walk runs under the collector with the interpreter's lock held, while backward may run on
//! other threads: it only `try_lock`s (a busy lock means "not reported", which is safe).

use super::node::{Node, NodeKind};
use crate::tensor::Tensor;
use std::any::Any;
use std::ops::ControlFlow;
use std::sync::Arc;

/// Called with each foreign reference found (the bindings downcast it to their object type);
/// `Break` stops the walk, as a failing visit must.
pub type Visit<'a> = dyn FnMut(&dyn Any) -> ControlFlow<()> + 'a;

/// Hooks that may hold foreign references (each hook trait has its own `visit_foreign`; this
/// one lets `HookList` walk any of them).
pub trait Foreign {
    fn visit_foreign(&self, visit: &mut Visit<'_>) -> ControlFlow<()>;
}

/// Nodes visited at most per walk: the collector runs often, and a cycle farther away than this
/// from its tensor is rare enough to leave to a leak rather than slow every collection.
const MAX_NODES: usize = 1024;

/// The foreign references `t` owns alone: its leaf hooks, and the hooks and rules of the part of
/// its graph that only it holds.
pub fn visit_owned_by_tensor(t: &Tensor, visit: &mut Visit<'_>) -> ControlFlow<()> {
    let imp = &t.0;
    if Arc::strong_count(imp) != 1 || Arc::strong_count(&imp.meta) != 1 {
        return ControlFlow::Continue(());
    }
    let Some(meta) = imp.meta.try_lock() else { return ControlFlow::Continue(()) };
    if let Some(h) = meta.hooks.as_ref().filter(|h| Arc::strong_count(h) == 1) {
        h.visit_owned(visit)?;
    }
    if let Some(h) = meta.post_accumulate_hooks.as_ref().filter(|h| Arc::strong_count(h) == 1) {
        h.visit_owned(visit)?;
    }
    match &meta.grad_fn {
        Some(n) => visit_owned_graph(n, visit),
        None => ControlFlow::Continue(()),
    }
}

/// The foreign references of `root` and the nodes below it that only it holds, if the caller's
/// `root` is its only holder.
pub fn visit_owned_graph(root: &Arc<Node>, visit: &mut Visit<'_>) -> ControlFlow<()> {
    if Arc::strong_count(root) != 1 {
        return ControlFlow::Continue(());
    }
    let mut stack: Vec<&Node> = vec![root];
    let mut budget = MAX_NODES;
    while let Some(n) = stack.pop() {
        if budget == 0 {
            break;
        }
        budget -= 1;
        n.tensor_hooks.visit_owned(visit)?;
        n.node_hooks.visit_owned(visit)?;
        if let NodeKind::Op(rule) = &n.kind {
            if let Some(rule) = rule.try_lock() {
                if let Some(r) = rule.as_ref() {
                    r.visit_foreign(visit)?;
                }
            }
        }
        stack.extend(n.next.iter().flatten().filter(|e| Arc::strong_count(&e.node) == 1).map(|e| &*e.node));
    }
    ControlFlow::Continue(())
}
