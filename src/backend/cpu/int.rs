//! Integer kernels, generic over `IntElem` (int32, int64): wrapping arithmetic, torch's
//! integer division and modulo, and the unary ops that keep integers.

use super::buffer::{Buf, CpuStorage, IntoCpuStorage};
use super::kernels::map2;
use crate::backend::{BinaryOp, UnaryOp};
use crate::dtype::IntElem;
use crate::error::{bail, Result};
use crate::layout::Layout;

pub(super) fn int_unary<T: IntElem>(x: T, op: UnaryOp) -> T {
    match op {
        UnaryOp::Neg => x.wrapping_neg(),
        UnaryOp::Abs => x.wrapping_abs(),
        UnaryOp::Relu => x.max(T::zero()),
        UnaryOp::Sign => x.signum(),
        UnaryOp::BitwiseNot => !x,
        // the table's Rounding rows (floor, ceil, ...) are the identity on integers
        UnaryOp::Math(..) => x,
        // Parameters are f64s: compared in i64, the result lies between x and them.
        UnaryOp::Act(a, p) => T::from_i64(a.int(x.to_i64(), p)),
        UnaryOp::Clamp { min, max } => {
            let mut y = x.to_i64();
            if let Some(lo) = min {
                y = y.max(lo as i64);
            }
            if let Some(hi) = max {
                y = y.min(hi as i64);
            }
            T::from_i64(y)
        }
        _ => unreachable!("float-only unary ops are cast to float by the caller"),
    }
}

/// Integer modulo and rounded division: a zero divisor sets `zero` (the caller raises torch's
/// ZeroDivisionError) and yields 0; MIN by -1 wraps to 0 / MIN as torch does.
fn int_division<T: IntElem>(x: T, y: T, op: BinaryOp, zero: &std::sync::atomic::AtomicBool) -> T {
    let z = T::zero();
    if y == z {
        zero.store(true, std::sync::atomic::Ordering::Relaxed);
        return z;
    }
    let r = x.wrapping_rem(y);
    let crosses = r != z && (r < z) != (y < z);
    match op {
        BinaryOp::Fmod => r,
        BinaryOp::Remainder => r.wrapping_add(if crosses { y } else { z }),
        BinaryOp::TruncDiv => x.wrapping_div(y),
        _ => x.wrapping_div(y).wrapping_sub(T::from_bool(crosses)),
    }
}

fn int_binary<T: IntElem>(x: T, y: T, op: BinaryOp) -> T {
    match op {
        BinaryOp::Add => x.wrapping_add(y),
        BinaryOp::Sub => x.wrapping_sub(y),
        BinaryOp::Mul => x.wrapping_mul(y),
        // Integer true division is computed in float by the caller; this is never reached
        // with a zero divisor from the public API.
        BinaryOp::Div if y == T::zero() => y,
        BinaryOp::Div => x.wrapping_div(y),
        BinaryOp::Pow => {
            // Negative integer powers truncate toward zero: only 1 and -1 survive (the caller
            // refuses a negative scalar exponent, as torch does).
            let (x, e) = (x.to_i64(), y.to_i64());
            if e < 0 {
                T::from_i64(match x {
                    1 => 1,
                    -1 if e % 2 == 0 => 1,
                    -1 => -1,
                    _ => 0,
                })
            } else {
                T::from_i64(x).wrapping_pow(e.min(u32::MAX as i64) as u32)
            }
        }
        BinaryOp::Maximum => x.max(y),
        BinaryOp::Minimum => x.min(y),
        BinaryOp::Remainder | BinaryOp::Fmod | BinaryOp::FloorDiv | BinaryOp::TruncDiv => {
            unreachable!("integer division ops go through int_division")
        }
        BinaryOp::Math(_) => unreachable!("table rows run their own kernels"),
    }
}

/// Integer arithmetic of two same-dtype buffers; a zero divisor of the division ops is torch's
/// ZeroDivisionError.
pub(super) fn int_arith<T: IntElem + IntoCpuStorage>(
    a: &Buf<T>,
    la: &Layout,
    b: &Buf<T>,
    lb: &Layout,
    op: BinaryOp,
) -> Result<CpuStorage> {
    if !matches!(op, BinaryOp::Remainder | BinaryOp::Fmod | BinaryOp::FloorDiv | BinaryOp::TruncDiv) {
        return Ok(T::into_storage(map2(a, la, b, lb, |x, y| int_binary(x, y, op))?));
    }
    let zero = std::sync::atomic::AtomicBool::new(false);
    let v = map2(a, la, b, lb, |x, y| int_division(x, y, op, &zero))?;
    if zero.into_inner() {
        bail!(
            Backend,
            "ZeroDivisionError: {}: integer division by zero (shape {})",
            op.name(),
            crate::error::fmt_shape(&la.shape)
        )
    }
    Ok(T::into_storage(v))
}
