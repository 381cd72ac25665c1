//! Values a backward rule saved, with the storage version at save time: an in-place write after
//! saving makes backward fail loudly instead of computing with overwritten data.

use crate::autograd::callsite::{self, CallSite};
use crate::autograd::Node;
use crate::error::{bail, Result};
use crate::tensor::{Tensor, TensorImpl};
use std::sync::{Arc, Weak};

/// A value a `saved_tensors_hooks` pack hook returned; unpacking gives the tensor back.
pub trait PackedValue: Send + Sync {
    fn unpack(&self) -> Result<Tensor>;
}

/// A pack hook: turns a tensor being saved into whatever the user wants to keep instead.
pub type PackHook = Arc<dyn Fn(&Tensor) -> Result<Box<dyn PackedValue>> + Send + Sync>;

thread_local! {
    /// The innermost `saved_tensors_hooks` context's pack hook is used (per thread, like grad mode).
    static PACK_HOOKS: std::cell::RefCell<Vec<PackHook>> = const { std::cell::RefCell::new(Vec::new()) };
}

pub fn push_pack_hook(h: PackHook) {
    PACK_HOOKS.with(|v| v.borrow_mut().push(h));
}

pub fn pop_pack_hook() {
    PACK_HOOKS.with(|v| v.borrow_mut().pop());
}

fn current_pack_hook() -> Option<PackHook> {
    PACK_HOOKS.with(|v| v.borrow().last().cloned())
}

enum Value {
    Plain(Tensor),
    /// Kept by a pack hook; no version check (the hook owns the value, as in torch).
    Packed(Box<dyn PackedValue>),
    /// The pack hook failed; backward reports it.
    Failed(crate::Error),
}

pub struct SavedTensor {
    data: Value,
    number: bool,
    version: u64,
    /// For a saved output: its node, held weakly (a strong edge would be a cycle output -> node ->
    /// output), so that create_graph can reattach the output's history.
    output_of: Option<Weak<Node>>,
    /// For a saved leaf that requires grad: the leaf, held weakly. A strong reference would
    /// close a cycle once create_graph puts this rule into the leaf's own `.grad` (leaf -> grad
    /// -> graph -> this rule -> leaf), which is how torch leaks (its issue #7343).
    leaf: Option<Weak<TensorImpl>>,
    op: &'static str,
    /// Where the user's code called the op that saved this, for the version error.
    site: Option<CallSite>,
}

thread_local! {
    /// Bytes saved by rules under construction on this thread (read by ops::record).
    static SAVED_BYTES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Where the rule under construction on this thread was called from: found on its first saved
/// tensor (so ops that save nothing, and code without grad, never look), shared by the rest.
enum RuleSite {
    /// No rule under construction: each save looks for itself.
    Outside,
    Pending,
    Found(Option<CallSite>),
}

thread_local! {
    static RULE_SITE: std::cell::RefCell<RuleSite> = const { std::cell::RefCell::new(RuleSite::Outside) };
}

/// Starts counting saved bytes for one rule; returns the count when the rule is built.
pub(crate) fn count_saved<R>(make: impl FnOnce() -> R) -> (R, usize) {
    let before = SAVED_BYTES.with(|c| c.replace(0));
    let site_before = RULE_SITE.with(|s| s.replace(RuleSite::Pending));
    let r = make();
    RULE_SITE.with(|s| s.replace(site_before));
    let n = SAVED_BYTES.with(|c| c.replace(before));
    (r, n)
}

fn rule_site() -> Option<CallSite> {
    let pending = RULE_SITE.with(|s| match &*s.borrow() {
        RuleSite::Found(site) => Err(site.clone()),
        RuleSite::Pending => Ok(true),
        RuleSite::Outside => Ok(false),
    });
    match pending {
        Err(site) => site,
        Ok(pending) => {
            // Not under the borrow: capturing may run Python code (a collection) that records ops.
            let site = callsite::capture();
            if pending {
                RULE_SITE.with(|s| *s.borrow_mut() = RuleSite::Found(site.clone()));
            }
            site
        }
    }
}

fn note_saved(t: &Tensor) {
    if !t.is_wrapped_number() {
        note_saved_bytes(t.numel() * t.dtype().size_in_bytes());
    }
}

/// Counts bytes a rule holds outside SavedTensor (a custom Function's `ctx.save_for_backward`).
pub(crate) fn note_saved_bytes(n: usize) {
    SAVED_BYTES.with(|c| c.set(c.get() + n));
}

impl SavedTensor {
    /// The stored form of `t`: plain, or what the active pack hook made of it.
    fn value(t: Tensor) -> Value {
        if t.is_wrapped_number() {
            return Value::Plain(t);
        }
        match current_pack_hook() {
            None => Value::Plain(t),
            Some(h) => match h(&t) {
                Ok(p) => Value::Packed(p),
                Err(e) => Value::Failed(e),
            },
        }
    }

    /// Saves an input of the op.
    pub fn input(t: &Tensor, op: &'static str) -> SavedTensor {
        note_saved(t);
        let (version, number) = (t.version(), t.is_wrapped_number());
        // A Python number cannot be modified in place: no error will need its place.
        let site = if number { None } else { rule_site() };
        let leaf = (t.is_leaf() && t.requires_grad()).then(|| Arc::downgrade(&t.0));
        let data = Self::value(if leaf.is_some() { t.detach() } else { t.clone() });
        SavedTensor { data, number, version, output_of: None, leaf, op, site }
    }

    /// Saves the op's own output, which is not yet attached to its node.
    pub fn output(t: &Tensor, op: &'static str) -> SavedTensor {
        note_saved(t);
        let version = t.version();
        let data = Self::value(t.detach());
        let site = rule_site();
        SavedTensor { data, number: false, version, output_of: Some(Weak::new()), leaf: None, op, site }
    }

    /// Points a saved output at the node that produced it (called while that node is built).
    pub(crate) fn bind_output(&mut self, node: &Weak<Node>) {
        if self.output_of.is_some() {
            self.output_of = Some(node.clone());
        }
    }

    /// A saved Python number: not a tensor the user can free or modify, so a rule holding only
    /// these may run again (torch saves such operands as scalars).
    pub fn is_number(&self) -> bool {
        self.number
    }

    /// Whether any of these saved values is a real tensor.
    pub fn any_tensor(saved: &[Option<&SavedTensor>]) -> bool {
        saved.iter().flatten().any(|s| !s.is_number())
    }

    pub fn unpack(&self) -> Result<Tensor> {
        let data = match &self.data {
            Value::Plain(t) => t.clone(),
            Value::Packed(p) => p.unpack()?,
            Value::Failed(e) => return Err(e.clone()),
        };
        if matches!(self.data, Value::Plain(_)) && data.version() != self.version {
            let by = data.last_write().map(|w| format!("; it was last modified by {w}")).unwrap_or_default();
            let at =
                self.site.as_ref().and_then(|s| s.describe()).map(|p| format!(" at {p}")).unwrap_or_default();
            bail!(
                Autograd,
                "one of the variables needed for gradient computation has been modified by an inplace operation: [{}{}] is at version {}; expected version {} instead. It was saved by {}{at}{by}.",
                data.dtype(),
                crate::error::fmt_shape(data.shape()),
                data.version(),
                self.version,
                self.op
            )
        }
        // Recording (create_graph) differentiates through the saved value's history; inside a
        // dual level (forward-over-reverse) the rule's ops need its tangent. Both live on the
        // original tensor or its node, not on the stored copy.
        let recording = crate::autograd::is_grad_enabled();
        let level = crate::autograd::forward::current_level();
        if !recording && level.is_none() {
            return Ok(data);
        }
        if let Some(w) = &self.leaf {
            // The leaf itself while it lives.
            return Ok(w.upgrade().map(Tensor).unwrap_or(data));
        }
        if let Some(w) = &self.output_of {
            if let Some(node) = w.upgrade() {
                let tangent = level.and_then(|l| Some((l, node.output_tangent(l)?)));
                let out = if recording { data.alias_with_grad_fn(node) } else { data.detach() };
                if let Some((l, t)) = tangent {
                    out.set_tangent(l, t);
                }
                return Ok(out);
            }
        }
        Ok(data)
    }
}

/// A custom function's saved output: a plain alias plus a weak link to its node (a strong one
/// would close the cycle node -> backward -> ctx -> output -> node). Unpacked while recording
/// (create_graph), it has its history back, so double backward flows through it.
pub struct SavedOutput {
    alias: Tensor,
    node: Option<Weak<Node>>,
}

impl SavedOutput {
    pub fn new(t: &Tensor) -> SavedOutput {
        SavedOutput { alias: t.detach(), node: t.grad_fn().map(|n| Arc::downgrade(&n)) }
    }

    pub fn unpack(&self) -> Tensor {
        match self.node.as_ref().and_then(Weak::upgrade) {
            Some(n) if crate::autograd::is_grad_enabled() => self.alias.alias_with_grad_fn(n),
            _ => self.alias.clone(),
        }
    }

    pub fn version(&self) -> u64 {
        self.alias.version()
    }
}
