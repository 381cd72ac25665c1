//! Row reductions on the CPU: the caller permutes kept dims first and reduced dims last, so
//! every run of `reduced` consecutive logical elements is one output.

use super::buffer::{try_with_capacity, Buf, CpuStorage, IntoCpuStorage};
use crate::backend::ReduceOp;
use crate::dtype::Elem;
use crate::error::{bail, Result};
use crate::layout::{for_each_offset, Layout};

/// Feeds each row to `fold`, which returns that row's result.
fn rows_of<T: Elem, U: crate::backend::cpu::pool::Pooled>(
    b: &Buf<T>,
    l: &Layout,
    rows: usize,
    reduced: usize,
    mut fold: impl FnMut(&mut dyn Iterator<Item = T>) -> U,
) -> Result<Vec<U>> {
    let src = b.as_slice();
    let mut out = try_with_capacity(rows)?;
    if l.is_contiguous() {
        let s = &src[l.offset..l.offset + rows * reduced];
        if reduced == 0 {
            for _ in 0..rows {
                out.push(fold(&mut std::iter::empty()));
            }
        } else {
            for row in s.chunks_exact(reduced) {
                out.push(fold(&mut row.iter().copied()));
            }
        }
        return Ok(out);
    }
    if reduced == 0 {
        for _ in 0..rows {
            out.push(fold(&mut std::iter::empty()));
        }
        return Ok(out);
    }
    let mut row = Vec::with_capacity(reduced);
    for_each_offset(&l.shape, [l], |[i]| {
        row.push(src[i]);
        if row.len() == reduced {
            out.push(fold(&mut row.iter().copied()));
            row.clear();
        }
    });
    Ok(out)
}

/// Index of the extreme element; the first one wins ties and NaN counts as the extreme, as in torch.
fn arg_extreme<T: Elem>(it: &mut dyn Iterator<Item = T>, want_max: bool) -> (T, i64) {
    let mut best: Option<(T, i64)> = None;
    for (i, x) in it.enumerate() {
        #[allow(clippy::eq_op)] // NaN is the only value unequal to itself; Elem has no is_nan
        let x_nan = x != x;
        best = match best {
            None => Some((x, i as i64)),
            Some((b, bi)) => {
                #[allow(clippy::eq_op)]
                let b_nan = b != b;
                let better = !b_nan && (x_nan || if want_max { x > b } else { x < b });
                if better {
                    Some((x, i as i64))
                } else {
                    Some((b, bi))
                }
            }
        };
    }
    best.unwrap_or((T::zero(), 0))
}

fn reduce_typed<T: IntoCpuStorage>(
    b: &Buf<T>,
    l: &Layout,
    rows: usize,
    reduced: usize,
    op: ReduceOp,
    is_float: bool,
) -> Result<CpuStorage> {
    Ok(match op {
        // Floats accumulate in f64: sums of millions of f32 stay accurate without a pairwise pass.
        ReduceOp::Sum if is_float => T::into_storage(rows_of(b, l, rows, reduced, |it| {
            T::from_f64(it.map(|x| x.to_f64()).sum())
        })?),
        ReduceOp::Prod if is_float => T::into_storage(rows_of(b, l, rows, reduced, |it| {
            T::from_f64(it.map(|x| x.to_f64()).product())
        })?),
        ReduceOp::Sum => i64::into_storage(rows_of(b, l, rows, reduced, |it| {
            it.fold(0i64, |a, x| a.wrapping_add(x.to_i64()))
        })?),
        ReduceOp::Prod => i64::into_storage(rows_of(b, l, rows, reduced, |it| {
            it.fold(1i64, |a, x| a.wrapping_mul(x.to_i64()))
        })?),
        ReduceOp::Max => {
            T::into_storage(rows_of(b, l, rows, reduced, |it| arg_extreme(it, true).0)?)
        }
        ReduceOp::Min => {
            T::into_storage(rows_of(b, l, rows, reduced, |it| arg_extreme(it, false).0)?)
        }
        ReduceOp::ArgMax => {
            i64::into_storage(rows_of(b, l, rows, reduced, |it| arg_extreme(it, true).1)?)
        }
        ReduceOp::ArgMin => {
            i64::into_storage(rows_of(b, l, rows, reduced, |it| arg_extreme(it, false).1)?)
        }
    })
}

pub fn reduce(
    s: &CpuStorage,
    l: &Layout,
    rows: usize,
    reduced: usize,
    op: ReduceOp,
) -> Result<CpuStorage> {
    if rows.checked_mul(reduced) != Some(l.numel()) {
        bail!(
            Backend,
            "reduce: {rows} rows of {reduced} do not match {} elements",
            l.numel()
        )
    }
    match s {
        CpuStorage::F32(b) => reduce_typed(b, l, rows, reduced, op, true),
        CpuStorage::F64(b) => reduce_typed(b, l, rows, reduced, op, true),
        CpuStorage::I64(b) => reduce_typed(b, l, rows, reduced, op, false),
        CpuStorage::Bool(b) => reduce_typed(b, l, rows, reduced, op, false),
    }
}
