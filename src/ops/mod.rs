//! Differentiable ops. One file per family; each op's forward and its backward rule side by side.
//! Rules are written with these same ops, so with create_graph they record and differentiate again.

pub mod binary;
pub mod compare;
pub mod conv;
pub mod custom;
pub mod index;
pub mod index_parse;
pub mod inplace;
pub mod join;
pub mod layer_norm;
pub mod math;
pub mod math_act;
pub mod math_binary;
pub mod math_ternary;
pub mod matmul;
pub mod reduce;
pub mod softmax;
pub(crate) mod table;
pub mod unary;
pub mod view;

use crate::autograd::{is_grad_enabled, Backward, Node};
use crate::tensor::Tensor;
use std::sync::Arc;

/// Attaches a node to `out` when grad mode is on and any input requires grad. `make` builds the
/// rule only then, so ops that record nothing save nothing. Returns the node if one was made,
/// so the caller can point saved outputs at it.
pub(crate) fn record<B: Backward + 'static>(
    name: &'static str,
    out: &Tensor,
    inputs: &[&Tensor],
    make: impl FnOnce(&[bool]) -> B,
) -> Option<Arc<Node>> {
    // Forward mode: tangents of the inputs, when a dual level is open and any input has one.
    let tangents = crate::autograd::forward::current_level().and_then(|lvl| {
        let t: Vec<Option<Tensor>> = inputs.iter().map(|x| x.tangent(lvl)).collect();
        t.iter().any(|t| t.is_some()).then_some((lvl, t))
    });
    if !is_grad_enabled() && tangents.is_none() {
        return None;
    }
    let edges: Vec<_> = if is_grad_enabled() {
        inputs.iter().map(|t| t.grad_edge()).collect()
    } else {
        inputs.iter().map(|_| None).collect()
    };
    let backward_needed = edges.iter().any(|e| e.is_some());
    if !backward_needed && tangents.is_none() {
        return None;
    }
    let needs: Vec<bool> = edges
        .iter()
        .enumerate()
        .map(|(i, e)| e.is_some() || tangents.as_ref().is_some_and(|(_, t)| t[i].is_some()))
        .collect();
    let (rule, saved) = crate::autograd::saved::count_saved(|| make(&needs));
    let mut tangent = None;
    if let Some((lvl, t)) = &tangents {
        // An op whose tangent cannot be formed leaves its output without one (never wrong values).
        if let Ok(Some(tan)) = crate::autograd::forward::jvp(&rule, out, inputs, t) {
            out.set_tangent(*lvl, tan.clone());
            tangent = Some((*lvl, tan));
        }
    }
    if !backward_needed {
        return None;
    }
    let node = Node::new_op(name, Box::new(rule), edges, (out.shape(), out.dtype()), saved);
    if let Some((lvl, tan)) = tangent {
        node.set_output_tangent(lvl, tan);
    }
    if let Some(t) = crate::autograd::anomaly::trace() {
        node.set_trace(t);
    }
    out.set_grad_fn(Some(node.clone()));
    Some(node)
}

/// Whether a rule keeps its `i`-th saved value, as torch's generated autograd code decides:
/// a value exactly one gradient reads is saved only when that gradient will be computed (so an
/// in-place change to it is no error when nothing needs it); one several gradients read is saved
/// always. `reads[k]` has bit `i` set when gradient `k` reads saved value `i`; `needs[k]`: whether
/// gradient `k` may be asked for (its input has an edge or a tangent).
pub(crate) fn keeps_saved(reads: &[u8], needs: &[bool], i: usize) -> bool {
    let mut readers = reads.iter().zip(needs).filter(|(r, _)| *r >> i & 1 == 1);
    match (readers.next(), readers.next()) {
        (Some((_, &need)), None) => need,
        _ => true,
    }
}

/// A saved value a gradient reads, which `keeps_saved` kept whenever that gradient is needed.
pub(crate) fn saved_value<'a>(v: &'a Option<Tensor>, op: &str) -> crate::Result<&'a Tensor> {
    match v {
        Some(t) => Ok(t),
        None => crate::error::bail!(Autograd, "{op}: a gradient reads a value its node did not save"),
    }
}

/// Operands of one op must live on one device.
/// A 0-dim CPU tensor (a Python number, or a CPU scalar as torch allows) may join operands on
/// another device; anything else mixing devices is an error naming both.
pub(crate) fn common_device(op: &str, ts: &[&Tensor]) -> crate::Result<crate::Device> {
    let first = ts[0].device();
    if ts.iter().all(|t| t.device() == first) {
        return Ok(first);
    }
    let dev = ts.iter().map(|t| t.device()).find(|&d| d != crate::Device::Cpu).unwrap_or(first);
    for t in ts {
        if t.device() != dev && !(t.device() == crate::Device::Cpu && t.ndim() == 0) {
            crate::error::bail!(
                Device,
                "{op}: Expected all tensors to be on the same device, but found at least two devices, {} and {}!",
                dev,
                t.device()
            )
        }
    }
    Ok(dev)
}

/// `t`'s data on `device` without history (kernels' view of an operand common_device allowed).
pub(crate) fn raw_on(t: Tensor, device: crate::Device) -> crate::Result<Tensor> {
    if t.device() == device {
        return Ok(t);
    }
    if t.ndim() == 0 && t.dtype() != crate::DType::I64 {
        // A scalar operand becomes a fill kernel's parameter: no upload through a staging buffer.
        return Tensor::full(&[], t.item_f64()?, t.dtype(), device);
    }
    let data = t.storage().data().to_device(t.layout(), device)?;
    Ok(Tensor::from_data(data, t.shape()))
}
