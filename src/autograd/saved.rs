//! Values a backward rule saved, with the storage version at save time: an in-place write after
//! saving makes backward fail loudly instead of computing with overwritten data.

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
}

thread_local! {
    /// Bytes saved by rules under construction on this thread (read by ops::record).
    static SAVED_BYTES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Starts counting saved bytes for one rule; returns the count when the rule is built.
pub(crate) fn count_saved<R>(make: impl FnOnce() -> R) -> (R, usize) {
    let before = SAVED_BYTES.with(|c| c.replace(0));
    let r = make();
    let n = SAVED_BYTES.with(|c| c.replace(before));
    (r, n)
}

fn note_saved(t: &Tensor) {
    if !t.is_wrapped_number() {
        SAVED_BYTES.with(|c| c.set(c.get() + t.numel() * t.dtype().size_in_bytes()));
    }
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
        if t.is_leaf() && t.requires_grad() {
            let leaf = Some(Arc::downgrade(&t.0));
            return SavedTensor { data: Self::value(t.detach()), number, version, output_of: None, leaf, op };
        }
        SavedTensor { data: Self::value(t.clone()), number, version, output_of: None, leaf: None, op }
    }

    /// Saves the op's own output, which is not yet attached to its node.
    pub fn output(t: &Tensor, op: &'static str) -> SavedTensor {
        note_saved(t);
        let version = t.version();
        let data = Self::value(t.detach());
        SavedTensor { data, number: false, version, output_of: Some(Weak::new()), leaf: None, op }
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
            bail!(
                Autograd,
                "one of the variables needed for gradient computation has been modified by an inplace operation: [{}{}] is at version {}; expected version {} instead. It was saved by {}{by}.",
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
