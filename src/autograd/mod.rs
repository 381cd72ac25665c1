//! Autograd: per-thread grad mode, graph nodes, saved values and the backward engine.

pub mod anomaly;
pub mod callsite;
pub mod engine;
pub mod forward;
pub mod gc;
pub mod grad_mode;
pub mod hooks;
pub mod node;
pub mod saved;

pub use engine::{backward, backward_into, grad};
pub use grad_mode::{is_grad_enabled, set_grad_enabled, GradModeGuard};
pub use node::{Backward, Edge, Node, NodeKind};
pub use saved::SavedTensor;

#[cfg(test)]
mod tests;
