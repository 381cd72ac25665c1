//! The backward engine. It gathers the subgraph reachable from the roots into a flat arena
//! (nodes by index, dependency counts, gradient slots), then runs ready nodes with no recursion.

use super::grad_mode::GradModeGuard;
use super::node::{Node, NodeKind};
use crate::error::{bail, fmt_shape, Result};
use crate::tensor::Tensor;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

/// A node waiting in the ready queue: later-created nodes run first, as in torch, which keeps
/// the order (and so the float summation order) deterministic.
struct Ready {
    seq: u64,
    idx: usize,
}
impl PartialEq for Ready {
    fn eq(&self, o: &Self) -> bool {
        self.seq == o.seq
    }
}
impl Eq for Ready {}
impl PartialOrd for Ready {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Ready {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.seq.cmp(&o.seq)
    }
}

struct Arena {
    nodes: Vec<Arc<Node>>,
    deps: Vec<usize>,
    grads: Vec<Option<Tensor>>,
    index: HashMap<*const Node, usize>,
}

impl Arena {
    fn collect(roots: &[Arc<Node>]) -> Arena {
        let mut a = Arena {
            nodes: Vec::new(),
            deps: Vec::new(),
            grads: Vec::new(),
            index: HashMap::new(),
        };
        let mut stack: Vec<usize> = Vec::new();
        for r in roots {
            a.intern(r, &mut stack);
        }
        while let Some(i) = stack.pop() {
            let node = a.nodes[i].clone();
            for e in node.next.iter().flatten() {
                let j = a.intern(&e.node, &mut stack);
                a.deps[j] += 1;
            }
        }
        a
    }

    fn intern(&mut self, n: &Arc<Node>, stack: &mut Vec<usize>) -> usize {
        let key = Arc::as_ptr(n);
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        let i = self.nodes.len();
        self.nodes.push(n.clone());
        self.deps.push(0);
        self.grads.push(None);
        self.index.insert(key, i);
        stack.push(i);
        i
    }

    fn accumulate(&mut self, i: usize, g: Tensor) -> Result<()> {
        self.grads[i] = Some(match self.grads[i].take() {
            None => g,
            Some(prev) => prev.add(&g)?,
        });
        Ok(())
    }
}

/// Makes a rule's gradient fit the input it flows to: undo broadcasting, restore the dtype.
fn fit(g: Tensor, shape: &[usize], dtype: crate::dtype::DType, node: &str) -> Result<Tensor> {
    let g = if g.shape() != shape {
        match g.sum_to(shape) {
            Ok(s) if s.shape() == shape => s,
            _ => bail!(
                Autograd,
                "Function {node} returned an invalid gradient - got {} but expected shape compatible with {}",
                fmt_shape(g.shape()),
                fmt_shape(shape)
            ),
        }
    } else {
        g
    };
    if g.dtype() != dtype {
        g.to_dtype(dtype)
    } else {
        Ok(g)
    }
}

/// Runs backward from `roots` with the given output gradients (None = ones for a scalar).
pub fn backward(
    roots: &[Tensor],
    grad_outputs: &[Option<Tensor>],
    retain_graph: bool,
    create_graph: bool,
) -> Result<()> {
    let mut root_nodes = Vec::new();
    let mut root_grads = Vec::new();
    for (i, (t, g)) in roots.iter().zip(grad_outputs).enumerate() {
        let Some(edge) = t.grad_edge() else {
            bail!(
                Autograd,
                "element {i} of tensors does not require grad and does not have a grad_fn"
            )
        };
        let g = match g {
            Some(g) => {
                if g.shape() != t.shape() {
                    bail!(
                        Shape,
                        "Mismatch in shape: grad_output[{i}] has a shape of {} and output[{i}] has a shape of {}.",
                        fmt_shape(g.shape()),
                        fmt_shape(t.shape())
                    )
                }
                if g.dtype() != t.dtype() {
                    g.cast_raw(t.dtype())?
                } else {
                    g.clone()
                }
            }
            None => {
                if t.numel() != 1 {
                    bail!(Autograd, "grad can be implicitly created only for scalar outputs (the output has shape {})", fmt_shape(t.shape()))
                }
                t.ones_like()?
            }
        };
        root_nodes.push(edge.node);
        root_grads.push(g);
    }

    let _mode = GradModeGuard::new(create_graph);
    let mut arena = Arena::collect(&root_nodes);
    for (n, g) in root_nodes.iter().zip(root_grads) {
        let i = arena.index[&Arc::as_ptr(n)];
        arena.accumulate(i, g)?;
    }
    let mut ready = BinaryHeap::new();
    for n in &root_nodes {
        let i = arena.index[&Arc::as_ptr(n)];
        if arena.deps[i] == 0 && !ready.iter().any(|r: &Ready| r.idx == i) {
            ready.push(Ready { seq: n.seq, idx: i });
        }
    }

    while let Some(Ready { idx, .. }) = ready.pop() {
        let node = arena.nodes[idx].clone();
        let Some(grad) = arena.grads[idx].take() else {
            continue;
        };
        let inputs = run_node(&node, grad, retain_graph, create_graph)?;
        for (edge, g) in node.next.iter().zip(inputs) {
            let Some(edge) = edge else { continue };
            let j = arena.index[&Arc::as_ptr(&edge.node)];
            if let Some(g) = g {
                let g = fit(g, &edge.shape, edge.dtype, node.name)?;
                arena.accumulate(j, g)?;
            }
            arena.deps[j] -= 1;
            if arena.deps[j] == 0 {
                ready.push(Ready {
                    seq: edge.node.seq,
                    idx: j,
                });
            }
        }
    }
    Ok(())
}

/// Applies one node: an op's rule, or accumulation into a leaf's `.grad`.
fn run_node(
    node: &Arc<Node>,
    grad: Tensor,
    retain_graph: bool,
    create_graph: bool,
) -> Result<Vec<Option<Tensor>>> {
    for meta in node.retained.lock().iter() {
        if let Some(meta) = meta.upgrade() {
            let mut m = meta.lock();
            let g = if create_graph {
                grad.clone()
            } else {
                grad.detach()
            };
            m.grad = Some(match m.grad.take() {
                None => g.contiguous_copy()?,
                Some(prev) => prev.add(&g)?,
            });
        }
    }
    match &node.kind {
        NodeKind::AccumulateGrad(meta, _) => {
            let mut m = meta.lock();
            let g = if create_graph { grad } else { grad.detach() };
            m.grad = Some(match m.grad.take() {
                // A private copy: the incoming gradient may be shared with other leaves or the
                // caller, and users mutate .grad in place (zero_()).
                None if create_graph => g,
                None => g.contiguous_copy()?,
                Some(prev) => prev.add(&g)?,
            });
            Ok(Vec::new())
        }
        NodeKind::Op(rule) => {
            let needs: Vec<bool> = node.next.iter().map(|e| e.is_some()).collect();
            let mut guard = rule.lock();
            let Some(r) = guard.as_ref() else {
                bail!(
                    Autograd,
                    "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward. (node {})",
                    node.name
                )
            };
            let out = r.backward(&grad, &needs)?;
            if !retain_graph && r.saves_tensors() {
                // Frees the saved values now that this node is done.
                guard.take();
            }
            Ok(out)
        }
    }
}
