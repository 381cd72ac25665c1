//! Graph nodes. A non-leaf tensor holds an `Arc<Node>`; a node holds its rule (with the values it
//! saved) and edges to the nodes of its inputs. A leaf's edge ends in its AccumulateGrad node.

use super::hooks::{GradHook, HookList, NodeHook};
use crate::dtype::DType;
use crate::error::Result;
use crate::shape::Dims;
use crate::tensor::{AutogradMeta, Tensor, TensorImpl};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

/// A backward rule: maps the gradient of the op's output to gradients of its inputs, written
/// with differentiable tensor ops. `needs[i]` says whether input i wants a gradient.
pub trait Backward: Send + Sync {
    fn backward(&self, grad: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>>;
    /// Rules that saved their own output point it at their node here (see SavedTensor::output).
    fn bind_outputs(&mut self, _node: &Weak<Node>) {}
    /// Whether the rule holds saved values. A rule that holds none can run again after a
    /// backward without retain_graph, as in torch; one that does is freed after its first run.
    fn saves_tensors(&self) -> bool {
        true
    }
    /// Its foreign references (a Python Function's backward), for the host's cycle collector.
    fn visit_foreign(&self, _visit: &mut super::gc::Visit<'_>) -> std::ops::ControlFlow<()> {
        std::ops::ControlFlow::Continue(())
    }
}

/// An edge to the node that produced one input, with that input's metadata so the engine can
/// reduce a broadcast gradient and cast it back to the input's dtype.
pub struct Edge {
    pub node: Arc<Node>,
    pub shape: Dims,
    pub dtype: DType,
    pub device: crate::Device,
}

pub enum NodeKind {
    /// An op's rule; `None` once released after a backward without retain_graph.
    Op(Mutex<Option<Box<dyn Backward>>>),
    /// Sums incoming gradients into a leaf's `.grad`. The leaf and its metadata are held
    /// weakly: with create_graph, `.grad` holds a graph that ends in this node, and a strong
    /// reference back would be a cycle that never frees (torch's leak, its issue #7343).
    AccumulateGrad(Weak<Mutex<AutogradMeta>>, Weak<TensorImpl>),
}

pub struct Node {
    pub name: &'static str,
    pub kind: NodeKind,
    pub next: Vec<Option<Edge>>,
    /// Creation order: the engine runs later nodes first when several are ready, as torch does.
    pub seq: u64,
    /// Non-leaf tensors that called retain_grad(): they receive this node's incoming gradient.
    pub retained: Mutex<Vec<Weak<Mutex<AutogradMeta>>>>,
    /// The output this node differentiates (for graph export and error messages).
    pub shape: Dims,
    pub dtype: DType,
    /// Bytes of tensors the rule saved for backward (0 once they are freed).
    saved_bytes: AtomicUsize,
    /// Hooks on the tensor this node produced (Tensor.register_hook on a non-leaf).
    pub tensor_hooks: HookList<dyn GradHook>,
    /// grad_fn.register_prehook / register_hook.
    pub node_hooks: HookList<dyn NodeHook>,
    /// Where the forward op was called, recorded in anomaly mode only.
    trace: std::sync::OnceLock<String>,
    /// The forward-mode tangent of the output (dual level, tangent), for rules that saved their
    /// output: the saved copy has no tangent of its own, and forward-over-reverse needs it.
    output_tangent: std::sync::OnceLock<(u64, Tensor)>,
}

static SEQ: AtomicU64 = AtomicU64::new(0);
/// Nodes alive now, in the whole process (a leak check that does not depend on the allocator).
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// The next creation number; every node is made through here, so it also counts live nodes.
fn next_seq() -> u64 {
    LIVE.fetch_add(1, Ordering::Relaxed);
    SEQ.fetch_add(1, Ordering::Relaxed)
}

/// How many graph nodes exist now (ferrograd extension, for leak tests).
pub fn live_nodes() -> usize {
    LIVE.load(Ordering::Relaxed)
}

impl Node {
    pub fn new_op(
        name: &'static str,
        mut rule: Box<dyn Backward>,
        next: Vec<Option<Edge>>,
        out: (&[usize], DType),
        saved_bytes: usize,
    ) -> Arc<Node> {
        Arc::new_cyclic(|me| {
            rule.bind_outputs(me);
            Node {
                name,
                kind: NodeKind::Op(Mutex::new(Some(rule))),
                next,
                seq: next_seq(),
                retained: Mutex::new(Vec::new()),
                shape: out.0.into(),
                dtype: out.1,
                saved_bytes: AtomicUsize::new(saved_bytes),
                tensor_hooks: HookList::default(),
                node_hooks: HookList::default(),
                trace: std::sync::OnceLock::new(),
                output_tangent: std::sync::OnceLock::new(),
            }
        })
    }

    /// Where the forward op was called (anomaly mode).
    pub fn trace(&self) -> Option<&str> {
        self.trace.get().map(|s| s.as_str())
    }

    pub(crate) fn set_trace(&self, t: String) {
        let _ = self.trace.set(t);
    }

    pub(crate) fn set_output_tangent(&self, level: u64, t: Tensor) {
        let _ = self.output_tangent.set((level, t));
    }

    /// The output's tangent at `level`, if the forward pass gave it one there.
    pub(crate) fn output_tangent(&self, level: u64) -> Option<Tensor> {
        self.output_tangent.get().filter(|(l, _)| *l == level).map(|(_, t)| t.clone())
    }

    /// Bytes the rule holds for backward now.
    pub fn saved_bytes(&self) -> usize {
        self.saved_bytes.load(Ordering::Relaxed)
    }

    pub(crate) fn mark_released(&self) {
        self.saved_bytes.store(0, Ordering::Relaxed);
    }

    pub fn new_accumulate(meta: Weak<Mutex<AutogradMeta>>, leaf: Weak<TensorImpl>) -> Arc<Node> {
        let (shape, dtype) = match leaf.upgrade() {
            Some(t) => (t.layout.shape.clone(), t.dtype),
            None => (Dims::new(), DType::F32),
        };
        Arc::new(Node {
            shape,
            dtype,
            saved_bytes: AtomicUsize::new(0),
            tensor_hooks: HookList::default(),
            node_hooks: HookList::default(),
            trace: std::sync::OnceLock::new(),
            output_tangent: std::sync::OnceLock::new(),
            name: "torch::autograd::AccumulateGrad",
            kind: NodeKind::AccumulateGrad(meta, leaf),
            next: Vec::new(),
            seq: next_seq(),
            retained: Mutex::new(Vec::new()),
        })
    }

    /// The leaf tensor behind an AccumulateGrad node, while it is alive.
    pub fn variable(&self) -> Option<Tensor> {
        match &self.kind {
            NodeKind::AccumulateGrad(_, leaf) => leaf.upgrade().map(Tensor),
            NodeKind::Op(_) => None,
        }
    }
}

impl Drop for Node {
    /// Dropping a long chain would recurse once per node through `Arc<Node>` drops. Instead the
    /// edges go onto a work list first, and only then is the rule (whose saved tensors point to
    /// the same nodes) dropped, so no drop inside the loop can release the last reference.
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::Relaxed);
        let mut stack: Vec<Arc<Node>> = self.next.drain(..).flatten().map(|e| e.node).collect();
        if let NodeKind::Op(rule) = &mut self.kind {
            drop(rule.get_mut().take());
        }
        while let Some(node) = stack.pop() {
            if let Ok(mut inner) = Arc::try_unwrap(node) {
                stack.extend(inner.next.drain(..).flatten().map(|e| e.node));
                if let NodeKind::Op(rule) = &mut inner.kind {
                    drop(rule.get_mut().take());
                }
            }
        }
    }
}
