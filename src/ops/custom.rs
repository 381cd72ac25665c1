//! Nodes for user-defined functions (autograd.Function): the rule itself lives outside the
//! core (a Python callable, through the bindings); the core attaches it to the outputs.

use super::record;
use super::view::Narrow;
use crate::autograd::{Backward, Node};
use crate::error::{bail, fmt_shape, Result};
use crate::shape::Dims;
use crate::tensor::Tensor;
use parking_lot::Mutex;
use std::collections::HashSet;
use std::sync::Arc;

/// The user's backward: output gradients in, one optional gradient per input out.
pub trait CustomBackward: Send + Sync {
    fn backward(&self, grads: Vec<Tensor>) -> Result<Vec<Option<Tensor>>>;
    /// Its foreign references, for the host's cycle collector (see `autograd::gc`).
    fn visit_foreign(&self, _visit: &mut crate::autograd::gc::Visit<'_>) -> std::ops::ControlFlow<()> {
        std::ops::ControlFlow::Continue(())
    }
}

/// The node of a function with several outputs differentiates their concatenation (flattened):
/// each output reads its slice, so the engine's usual summation delivers all output gradients
/// to one node, which splits them again.
struct CustomNode {
    rule: Box<dyn CustomBackward>,
    shapes: Vec<Dims>,
    inputs: usize,
}

impl Backward for CustomNode {
    fn visit_foreign(&self, visit: &mut crate::autograd::gc::Visit<'_>) -> std::ops::ControlFlow<()> {
        self.rule.visit_foreign(visit)
    }
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let grads = if self.shapes.len() == 1 {
            vec![g.clone()]
        } else {
            let mut start = 0;
            let mut v = Vec::with_capacity(self.shapes.len());
            for s in &self.shapes {
                let n: usize = s.iter().product();
                v.push(Narrow::Slice { dim: 0, start, len: n, step: 1 }.apply(g)?.reshape_to(s)?);
                start += n;
            }
            v
        };
        let out = self.rule.backward(grads)?;
        if out.len() != self.inputs {
            bail!(
                Autograd,
                "function backward returned an incorrect number of gradients (expected {}, got {})",
                self.inputs,
                out.len()
            )
        }
        Ok(out)
    }
}

/// Reads one output's slice of the flattened concatenation.
struct SliceOfFlat {
    start: usize,
    total: usize,
}

impl Backward for SliceOfFlat {
    fn saves_tensors(&self) -> bool {
        false
    }
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let flat = g.reshape_to(&[g.numel()])?;
        let n = flat.numel();
        Ok(vec![Some(
            Narrow::Slice { dim: 0, start: self.start, len: n, step: 1 }.embed(&flat, &[self.total])?,
        )])
    }
}

/// Node names must be `'static`; each distinct function name is leaked once.
fn intern(name: &str) -> &'static str {
    static NAMES: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    let mut g = NAMES.lock();
    let set = g.get_or_insert_with(HashSet::new);
    if let Some(s) = set.get(name) {
        return s;
    }
    let s: &'static str = Box::leak(name.to_string().into_boxed_str());
    set.insert(s);
    s
}

/// Bytes of the distinct tensors in `saved` (one saved twice counts once).
fn distinct_bytes(saved: &[Tensor]) -> usize {
    let mut seen: Vec<&Tensor> = Vec::new();
    for t in saved {
        if !seen.iter().any(|s| s.same_tensor(t)) {
            seen.push(t);
        }
    }
    seen.iter().map(|t| t.numel() * t.dtype().size_in_bytes()).sum()
}

/// Attaches `rule` to `outputs` (fresh tensors computed without recording) as the gradient
/// of `inputs`; `saved` are the tensors the rule keeps for backward (the node reports their
/// bytes until a backward frees the rule). Returns the outputs to hand back (aliases where an
/// output was an input).
pub fn attach(
    name: &str,
    inputs: &[Tensor],
    outputs: Vec<Tensor>,
    rule: Box<dyn CustomBackward>,
    saved: &[Tensor],
) -> Result<Vec<Tensor>> {
    let (name, saved_bytes) = (intern(name), distinct_bytes(saved));
    if outputs.is_empty() {
        return Ok(outputs);
    }
    // An output that is an input (or shares its autograd identity) becomes an alias, so the
    // input's own history is not overwritten.
    let outputs: Vec<Tensor> = outputs
        .into_iter()
        .map(|o| if inputs.iter().any(|i| i.same_tensor(&o)) || o.requires_grad() { o.detach() } else { o })
        .collect();
    for o in &outputs {
        if !o.dtype().is_float() {
            bail!(Autograd, "{name}: outputs that require grad must be floating point (got {}); mark them non-differentiable", o.dtype())
        }
        if o.dtype() != outputs[0].dtype() {
            bail!(
                Autograd,
                "{name}: differentiable outputs must share one dtype (got {} and {})",
                outputs[0].dtype(),
                o.dtype()
            )
        }
    }
    let refs: Vec<&Tensor> = inputs.iter().collect();
    let shapes: Vec<Dims> = outputs.iter().map(|o| o.dims()).collect();
    let total: usize = shapes.iter().map(|s| s.iter().product::<usize>()).sum();
    let make = |_: &[bool]| {
        crate::autograd::saved::note_saved_bytes(saved_bytes);
        CustomNode { rule, shapes, inputs: inputs.len() }
    };
    if outputs.len() == 1 {
        record(name, &outputs[0], &refs, make);
        return Ok(outputs);
    }
    let flat = Tensor::full(&[total], 0.0, outputs[0].dtype(), outputs[0].device())?;
    let Some(node): Option<Arc<Node>> = record(name, &flat, &refs, make) else {
        return Ok(outputs);
    };
    let _ = node;
    let mut start = 0;
    for o in &outputs {
        record(name, o, &[&flat], |_| SliceOfFlat { start, total });
        start += o.numel();
    }
    if start != total {
        bail!(Autograd, "{name}: output sizes changed while attaching ({})", fmt_shape(&[start, total]))
    }
    Ok(outputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_interned_and_saved_tensors_counted_once() {
        let a = intern(&String::from("MyFunctionBackward"));
        assert!(std::ptr::eq(a, intern("MyFunctionBackward")));
        let t = Tensor::zeros(&[3], crate::DType::F64).unwrap();
        let u = Tensor::zeros(&[2], crate::DType::F32).unwrap();
        assert_eq!(distinct_bytes(&[t.clone(), u, t]), 3 * 8 + 2 * 4);
    }
}
