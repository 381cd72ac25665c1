//! Which ops the SIMD kernels handle, in one place: [`VecUnary::new`] and [`VecBinary::new`]
//! map the backend's ops onto these enums or say `None`. Every level (scalar included) matches
//! on the enums exhaustively, so a kernel cannot be missing for an op that maps, and callers
//! ask `new` before they allocate or write anything.

use super::vector::Real;
use crate::backend::{BinaryOp, UnaryOp};

/// A unary op with a vector kernel; `T` is the element type clamp's bounds are held in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum VecUnary<T> {
    Neg,
    Abs,
    Sqrt,
    Relu,
    Sign,
    /// Bounds converted as `kernels.rs` converts them (`as`); a missing one is an infinity,
    /// which no comparison lets through.
    Clamp(T, T),
    Exp,
    Log,
    Tanh,
    Sigmoid,
}

impl VecUnary<f64> {
    /// `None` for the ops that only have the scalar loops of `kernels.rs`.
    pub(super) fn new(op: UnaryOp) -> Option<Self> {
        Some(match op {
            UnaryOp::Neg => VecUnary::Neg,
            UnaryOp::Abs => VecUnary::Abs,
            UnaryOp::Sqrt => VecUnary::Sqrt,
            UnaryOp::Relu => VecUnary::Relu,
            UnaryOp::Sign => VecUnary::Sign,
            UnaryOp::Clamp { min, max } => {
                VecUnary::Clamp(min.unwrap_or(f64::NEG_INFINITY), max.unwrap_or(f64::INFINITY))
            }
            UnaryOp::Exp => VecUnary::Exp,
            UnaryOp::Log => VecUnary::Log,
            UnaryOp::Tanh => VecUnary::Tanh,
            UnaryOp::Sigmoid => VecUnary::Sigmoid,
            UnaryOp::BitwiseNot
            | UnaryOp::LeakyRelu { .. }
            | UnaryOp::Silu
            | UnaryOp::Elu { .. }
            | UnaryOp::Math(..)
            | UnaryOp::Act(..)
            | UnaryOp::Gelu { .. }
            | UnaryOp::Softplus { .. } => return None,
        })
    }

    /// The same op with clamp's bounds in `T`.
    pub(super) fn cast<T: Real>(self) -> VecUnary<T> {
        match self {
            VecUnary::Neg => VecUnary::Neg,
            VecUnary::Abs => VecUnary::Abs,
            VecUnary::Sqrt => VecUnary::Sqrt,
            VecUnary::Relu => VecUnary::Relu,
            VecUnary::Sign => VecUnary::Sign,
            VecUnary::Clamp(lo, hi) => VecUnary::Clamp(T::c(lo), T::c(hi)),
            VecUnary::Exp => VecUnary::Exp,
            VecUnary::Log => VecUnary::Log,
            VecUnary::Tanh => VecUnary::Tanh,
            VecUnary::Sigmoid => VecUnary::Sigmoid,
        }
    }
}

/// A binary op with a vector kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum VecBinary {
    Add,
    Sub,
    Mul,
    Div,
    /// NaN when either side is NaN (torch.maximum), else the scalar kernel's `a > b ? a : b`.
    Maximum,
    Minimum,
}

impl VecBinary {
    /// `None` for the ops that only have the scalar loops of `kernels.rs`.
    pub(super) fn new(op: BinaryOp) -> Option<Self> {
        Some(match op {
            BinaryOp::Add => VecBinary::Add,
            BinaryOp::Sub => VecBinary::Sub,
            BinaryOp::Mul => VecBinary::Mul,
            BinaryOp::Div => VecBinary::Div,
            BinaryOp::Maximum => VecBinary::Maximum,
            BinaryOp::Minimum => VecBinary::Minimum,
            BinaryOp::Pow
            | BinaryOp::Remainder
            | BinaryOp::Fmod
            | BinaryOp::FloorDiv
            | BinaryOp::TruncDiv
            | BinaryOp::Math(_) => return None,
        })
    }
}
