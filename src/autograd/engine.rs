//! The backward engine. It gathers the subgraph reachable from the roots into a flat arena
//! (nodes by index, dependency counts, gradient slots), then runs ready nodes with no recursion.

use super::grad_mode::GradModeGuard;
use super::hooks::run_grad_hooks;
use super::node::{Node, NodeKind};
use crate::error::{bail, fmt_shape, Result};
use crate::tensor::Tensor;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

/// How the host interrupts a long backward (Python: a pending Ctrl-C becomes KeyboardInterrupt),
/// and the one thread that asks, if only one can see an interrupt (other threads would just
/// contend for the host's lock). Asked between nodes at most every `INTERRUPT_EVERY`, so it costs
/// nothing measurable.
static INTERRUPT_CHECK: std::sync::OnceLock<(InterruptCheck, Option<std::thread::ThreadId>)> =
    std::sync::OnceLock::new();
type InterruptCheck = fn() -> Result<()>;
const INTERRUPT_EVERY: std::time::Duration = std::time::Duration::from_millis(20);

/// Installs the host's interrupt check (once per process; later calls are ignored).
pub fn set_interrupt_check(check: InterruptCheck, only_on: Option<std::thread::ThreadId>) {
    let _ = INTERRUPT_CHECK.set((check, only_on));
}

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
    /// Gradient contributions per node, tagged with the producer's sequence number. They are
    /// summed in that order when the node runs, so the float result does not depend on which
    /// thread finished first.
    grads: Vec<Vec<(u64, Tensor)>>,
    index: HashMap<*const Node, usize>,
}

impl Arena {
    fn collect(roots: &[Arc<Node>]) -> Arena {
        let mut a = Arena { nodes: Vec::new(), deps: Vec::new(), grads: Vec::new(), index: HashMap::new() };
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
        self.grads.push(Vec::new());
        self.index.insert(key, i);
        stack.push(i);
        i
    }

    /// The summed gradient for node `i` (None if nothing flowed to it).
    fn take_grad(&mut self, i: usize) -> Result<Option<Tensor>> {
        let mut parts = std::mem::take(&mut self.grads[i]);
        parts.sort_by_key(|p| std::cmp::Reverse(p.0));
        let mut it = parts.into_iter().map(|(_, g)| g);
        let Some(mut acc) = it.next() else {
            return Ok(None);
        };
        for g in it {
            acc = acc.add(&g)?;
        }
        Ok(Some(acc))
    }
}

/// `prev += g` for a leaf's `.grad` without create_graph, as torch does: the gradient stays the
/// same tensor across backward calls (`g = p.grad; loss.backward(); g is p.grad`), updated.
fn add_in_place(prev: &Tensor, g: &Tensor) -> Result<()> {
    let sum = prev.add(g)?;
    prev.storage().write(prev.layout(), sum.storage(), sum.layout())?;
    prev.bump_version_at("gradient accumulation (backward)".into(), None);
    Ok(())
}

/// Makes a rule's gradient fit the input it flows to: undo broadcasting, restore the dtype.
fn fit(g: Tensor, edge: &super::node::Edge, node: &str) -> Result<Tensor> {
    let (shape, dtype) = (&edge.shape[..], edge.dtype);
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
    let g = if g.dtype() != dtype { g.to_dtype(dtype)? } else { g };
    // A CPU scalar that joined a GPU op gets its gradient back on the CPU, as in torch.
    if g.device() != edge.device {
        g.to_device(edge.device)
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
    run(roots, grad_outputs, retain_graph, create_graph, None).map(|_| ())
}

/// backward(..., inputs=[...]): accumulates only into the given tensors' `.grad` (detached
/// unless `create_graph`, as `backward` accumulates).
pub fn backward_into(
    roots: &[Tensor],
    grad_outputs: &[Option<Tensor>],
    inputs: &[Tensor],
    retain_graph: bool,
    create_graph: bool,
) -> Result<()> {
    let got = grad(roots, grad_outputs, inputs, retain_graph, create_graph, true)?;
    for (t, g) in inputs.iter().zip(got) {
        if let Some(g) = g {
            let g = if create_graph { g } else { g.detach() };
            let new = match t.grad() {
                Some(prev) => prev.add(&g)?,
                None => g.contiguous_copy()?,
            };
            t.set_grad(Some(new))?;
        }
    }
    Ok(())
}

/// autograd.grad: the gradients of `roots` with respect to `inputs`, without touching any
/// `.grad`. Only the part of the graph between them runs.
pub fn grad(
    roots: &[Tensor],
    grad_outputs: &[Option<Tensor>],
    inputs: &[Tensor],
    retain_graph: bool,
    create_graph: bool,
    allow_unused: bool,
) -> Result<Vec<Option<Tensor>>> {
    let mut targets = Vec::with_capacity(inputs.len());
    for (i, t) in inputs.iter().enumerate() {
        match t.grad_edge() {
            Some(e) => targets.push(e.node),
            None => bail!(Autograd, "One of the differentiated Tensors does not require grad (input {i})"),
        }
    }
    let got = run(roots, grad_outputs, retain_graph, create_graph, Some(&targets))?;
    if !allow_unused {
        if let Some(i) = got.iter().position(|g| g.is_none()) {
            bail!(
                Autograd,
                "One of the differentiated Tensors appears to not have been used in the graph (input {i}). Set allow_unused=True if this is the desired behavior."
            )
        }
    }
    Ok(got)
}

fn run(
    roots: &[Tensor],
    grad_outputs: &[Option<Tensor>],
    retain_graph: bool,
    create_graph: bool,
    targets: Option<&[Arc<Node>]>,
) -> Result<Vec<Option<Tensor>>> {
    if roots.len() != grad_outputs.len() {
        bail!(Autograd, "got {} tensors and {} gradients; they must match", roots.len(), grad_outputs.len());
    }
    let mut root_nodes = Vec::new();
    let mut root_grads = Vec::new();
    for (i, (t, g)) in roots.iter().zip(grad_outputs).enumerate() {
        let Some(edge) = t.grad_edge() else {
            bail!(Autograd, "element {i} of tensors does not require grad and does not have a grad_fn")
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
                    bail!(
                        Autograd,
                        "grad can be implicitly created only for scalar outputs (the output has shape {})",
                        fmt_shape(t.shape())
                    )
                }
                t.ones_like()?
            }
        };
        root_nodes.push(edge.node);
        root_grads.push(g);
    }

    let _mode = GradModeGuard::new(create_graph);
    let mut arena = Arena::collect(&root_nodes);
    let plan = targets.map(|t| Capture::plan(&arena, t));
    let mut captured: Vec<Option<Tensor>> = vec![None; targets.map_or(0, |t| t.len())];
    let mut ready = BinaryHeap::new();
    for (k, (n, g)) in root_nodes.iter().zip(root_grads).enumerate() {
        let i = arena.index[&Arc::as_ptr(n)];
        arena.grads[i].push((u64::MAX - k as u64, g));
        if arena.deps[i] == 0 && !ready.iter().any(|r: &Ready| r.idx == i) {
            ready.push(Ready { seq: n.seq, idx: i });
        }
    }

    let pool = crate::backend::cpu::parallel::pool();
    let interrupt = INTERRUPT_CHECK
        .get()
        .filter(|(_, only_on)| only_on.is_none_or(|t| t == std::thread::current().id()))
        .map(|(check, _)| check);
    let mut last_check = std::time::Instant::now();
    while let Some(first) = ready.pop() {
        if let Some(check) = interrupt {
            if last_check.elapsed() >= INTERRUPT_EVERY {
                check()?;
                last_check = std::time::Instant::now();
            }
        }
        // Cheap ready nodes run first, here, one by one (a thread wake-up would cost more than
        // they do); that exposes the expensive ones of independent branches, which then run
        // together on the pool. Values do not depend on this order: each node sums its
        // gradient contributions in producer order.
        let heavy = pool.is_some() && is_heavy(&arena, first.idx);
        let mut batch = vec![first];
        if heavy {
            let mut light = Vec::new();
            while let Some(r) = ready.pop() {
                if is_heavy(&arena, r.idx) {
                    batch.push(r);
                } else {
                    light.push(r);
                }
            }
            if !light.is_empty() {
                ready.extend(batch.drain(..));
                batch.push(light.remove(0));
                ready.extend(light);
            }
        }
        let mut jobs = Vec::with_capacity(batch.len());
        for r in &batch {
            let Some(g) = arena.take_grad(r.idx)? else {
                continue;
            };
            if let Some(plan) = &plan {
                for &k in &plan.slots[r.idx] {
                    captured[k] = Some(g.clone());
                }
                if !plan.run[r.idx] {
                    continue;
                }
            }
            jobs.push((r.idx, arena.nodes[r.idx].clone(), g));
        }
        let results: Vec<Result<Vec<Option<Tensor>>>> = match &pool {
            Some(p) if jobs.len() > 1 => {
                let slots: Vec<parking_lot::Mutex<Option<NodeResult>>> =
                    jobs.iter().map(|_| parking_lot::Mutex::new(None)).collect();
                let level = super::forward::current_level().unwrap_or(0);
                p.scope(|s| {
                    for (job, slot) in jobs.iter().zip(&slots) {
                        s.spawn(move |_| {
                            // Grad mode is per thread: pool threads take the caller's.
                            let _m = GradModeGuard::new(create_graph);
                            let _l = super::forward::LevelGuard::enter(level);
                            *slot.lock() =
                                Some(run_and_fit(&job.1, job.2.clone(), retain_graph, create_graph));
                        });
                    }
                });
                slots.into_iter().map(|m| m.into_inner().expect("every job ran")).collect()
            }
            _ => jobs
                .iter()
                .map(|(_, node, g)| run_and_fit(node, g.clone(), retain_graph, create_graph))
                .collect(),
        };
        for ((idx, node, _), res) in jobs.into_iter().zip(results) {
            debug_assert!(Arc::ptr_eq(&node, &arena.nodes[idx]));
            for (edge, g) in node.next.iter().zip(res?) {
                let Some(edge) = edge else { continue };
                let j = arena.index[&Arc::as_ptr(&edge.node)];
                if let Some(g) = g {
                    arena.grads[j].push((node.seq, g));
                }
                arena.deps[j] -= 1;
                if arena.deps[j] == 0 {
                    ready.push(Ready { seq: edge.node.seq, idx: j });
                }
            }
        }
    }
    Ok(captured)
}

/// For autograd.grad: which arena nodes feed which requested input, and which nodes must run
/// (those with a path to some requested input; leaves' accumulators never run).
struct Capture {
    slots: Vec<Vec<usize>>,
    run: Vec<bool>,
}

impl Capture {
    fn plan(arena: &Arena, targets: &[Arc<Node>]) -> Capture {
        let n = arena.nodes.len();
        let mut slots = vec![Vec::new(); n];
        let mut needed = vec![false; n];
        for (k, t) in targets.iter().enumerate() {
            if let Some(&i) = arena.index.get(&Arc::as_ptr(t)) {
                slots[i].push(k);
                needed[i] = true;
            }
        }
        // A topological order (Kahn on a copy of the dependency counts), then `needed` flows
        // from each node's successors back to it.
        let mut deps = arena.deps.clone();
        let mut order = Vec::with_capacity(n);
        let mut stack: Vec<usize> = (0..n).filter(|&i| deps[i] == 0).collect();
        while let Some(i) = stack.pop() {
            order.push(i);
            for e in arena.nodes[i].next.iter().flatten() {
                let j = arena.index[&Arc::as_ptr(&e.node)];
                deps[j] -= 1;
                if deps[j] == 0 {
                    stack.push(j);
                }
            }
        }
        let mut run = vec![false; n];
        for &i in order.iter().rev() {
            let feeds =
                arena.nodes[i].next.iter().flatten().any(|e| needed[arena.index[&Arc::as_ptr(&e.node)]]);
            run[i] = feeds;
            needed[i] = needed[i] || feeds;
        }
        Capture { slots, run }
    }
}

type NodeResult = Result<Vec<Option<Tensor>>>;

/// A node is worth a thread when its incoming gradient is large (its rule does work in
/// proportion, e.g. a matmul's backward).
fn is_heavy(arena: &Arena, i: usize) -> bool {
    const HEAVY_ELEMENTS: usize = 1 << 14;
    arena.grads[i].first().is_some_and(|(_, g)| g.numel() >= HEAVY_ELEMENTS)
}

/// Runs a node and fits each input gradient to its input (shape and dtype).
fn run_and_fit(node: &Arc<Node>, grad: Tensor, retain_graph: bool, create_graph: bool) -> NodeResult {
    // Ops recorded here (create_graph) have no user code calling them to point at.
    let _engine = super::callsite::EngineThread::enter();
    let inputs = run_node(node, grad, retain_graph, create_graph)?;
    node.next
        .iter()
        .zip(inputs)
        .enumerate()
        .map(|(i, (edge, g))| match (edge, g) {
            (Some(edge), Some(g)) => {
                super::anomaly::check(node, i, &g)?;
                fit(g, edge, node.name).map(Some)
            }
            _ => Ok(None),
        })
        .collect()
}

/// Applies one node: an op's rule, or accumulation into a leaf's `.grad`.
fn run_node(
    node: &Arc<Node>,
    grad: Tensor,
    retain_graph: bool,
    create_graph: bool,
) -> Result<Vec<Option<Tensor>>> {
    // Hooks on the tensor this node produced, then retain_grad, then the node's pre-hooks.
    let mut grad =
        if node.tensor_hooks.is_empty() { grad } else { run_grad_hooks(&node.tensor_hooks, grad)? };
    for meta in node.retained.lock().iter() {
        if let Some(meta) = meta.upgrade() {
            let mut m = meta.lock();
            let g = if create_graph { grad.clone() } else { grad.detach() };
            m.grad = Some(match m.grad.take() {
                None => g.contiguous_copy()?,
                Some(prev) => prev.add(&g)?,
            });
        }
    }
    let node_hooks = node.node_hooks.snapshot();
    for h in &node_hooks {
        if let Some(g) = h.pre(&grad)? {
            grad = g;
        }
    }
    let mut out = run_rule(node, &grad, retain_graph, create_graph)?;
    for h in &node_hooks {
        if let Some(replaced) = h.post(&out, &grad)? {
            out = replaced;
        }
    }
    Ok(out)
}

fn run_rule(
    node: &Arc<Node>,
    grad: &Tensor,
    retain_graph: bool,
    create_graph: bool,
) -> Result<Vec<Option<Tensor>>> {
    let grad = grad.clone();
    match &node.kind {
        NodeKind::AccumulateGrad(meta, leaf) => {
            // A leaf that no longer exists has no .grad to fill.
            let Some(meta) = meta.upgrade() else {
                return Ok(Vec::new());
            };
            let (hooks, post) = {
                let m = meta.lock();
                (m.hooks.clone(), m.post_accumulate_hooks.clone())
            };
            let grad = match hooks {
                Some(h) => run_grad_hooks(&h, grad)?,
                None => grad,
            };
            {
                let mut m = meta.lock();
                let g = if create_graph { grad } else { grad.detach() };
                let new = match &m.grad {
                    // A private copy: the incoming gradient may be shared with other leaves or
                    // the caller, and .grad is mutated in place (users' zero_(), and below).
                    // With create_graph, a recorded clone keeps the gradient's history.
                    None if create_graph => Some(g.clone_tensor()?),
                    None => Some(g.contiguous_copy()?),
                    Some(prev) if !create_graph && prev.is_contiguous() => {
                        add_in_place(prev, &g)?;
                        None
                    }
                    Some(prev) => Some(prev.add(&g)?),
                };
                if new.is_some() {
                    m.grad = new;
                }
            }
            if let (Some(post), Some(t)) = (post, leaf.upgrade()) {
                let t = Tensor(t);
                for h in post.snapshot() {
                    h.call(&t)?;
                }
            }
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
                node.mark_released();
            }
            Ok(out)
        }
    }
}
