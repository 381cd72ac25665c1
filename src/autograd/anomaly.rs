//! Anomaly mode: while on, each node remembers where its forward op was called (a stack trace
//! from the bindings), and a NaN produced in backward stops the backward with an error naming
//! the node, the input, the shape and that place, without a re-run.

use crate::error::{bail, fmt_shape, Result};
use crate::tensor::Tensor;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

static ENABLED: AtomicBool = AtomicBool::new(false);
static CHECK_NAN: AtomicBool = AtomicBool::new(true);
static TRACER: OnceLock<fn() -> Option<String>> = OnceLock::new();

pub fn set_enabled(on: bool, check_nan: bool) {
    ENABLED.store(on, Ordering::Relaxed);
    CHECK_NAN.store(check_nan, Ordering::Relaxed);
}

pub fn is_enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// The bindings register how to describe "where the user's code is now".
pub fn set_tracer(f: fn() -> Option<String>) {
    let _ = TRACER.set(f);
}

/// The caller's location, when anomaly mode is on and a tracer is registered.
pub(crate) fn trace() -> Option<String> {
    if !is_enabled() {
        return None;
    }
    TRACER.get().and_then(|f| f())
}

/// Errors if `g` (input `i` of `node`'s gradients) holds a NaN.
pub(crate) fn check(node: &crate::autograd::Node, i: usize, g: &Tensor) -> Result<()> {
    if !is_enabled() || !CHECK_NAN.load(Ordering::Relaxed) || !g.dtype().is_float() {
        return Ok(());
    }
    if g.to_vec::<f64>()?.iter().any(|v| v.is_nan()) {
        let place =
            node.trace().map(|t| format!("\nThe forward op was called here:\n{t}")).unwrap_or_default();
        bail!(
            Autograd,
            "Function '{}' returned nan values in its {i}th output (gradient of shape {}; the forward output had shape {}).{place}",
            node.name,
            fmt_shape(g.shape()),
            fmt_shape(&node.shape)
        )
    }
    Ok(())
}
