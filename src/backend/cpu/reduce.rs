//! Row reductions on the CPU: the caller permutes kept dims first and reduced dims last, so
//! every run of `reduced` consecutive logical elements is one output.

use super::buffer::{try_with_capacity, Buf, CpuStorage, IntoCpuStorage};
use super::kernels::fill_with_grain;
use super::parallel;
use super::simd;
use crate::backend::ReduceOp;
use crate::dtype::DType;
use crate::dtype::Elem;
use crate::error::{bail, Result};
use crate::layout::Layout;

/// Reduces each row with `fold` (to an accumulator), then `finish`es it. Contiguous rows are
/// spread over the pool; one very long row is cut into fixed-size chunks whose accumulators
/// `combine` left to right (ops without a `combine` keep a long row on one thread). Strided
/// rows are gathered into a contiguous buffer first. Chunk boundaries depend only on the size,
/// so the result does not depend on the thread count.
fn reduce_rows<T: Elem, A: Copy + Send + Sync, U: Elem>(
    b: &Buf<T>,
    l: &Layout,
    rows: usize,
    reduced: usize,
    fold: impl Fn(&[T]) -> A + Sync,
    combine: Option<fn(A, A) -> A>,
    finish: impl Fn(A) -> U + Sync,
) -> Result<Vec<U>> {
    let src = b.as_slice();
    if l.is_contiguous() {
        let s = if rows * reduced == 0 { &[] } else { &src[l.offset..l.offset + rows * reduced] };
        if let Some(combine) = combine.filter(|_| rows == 1 && reduced >= 2 * parallel::ELEMENTWISE_GRAIN) {
            let parts = parallel::map_chunks(reduced, parallel::ELEMENTWISE_GRAIN, |a, e| fold(&s[a..e]))?;
            let acc = parts.into_iter().reduce(combine).expect("at least two chunks");
            let mut out = try_with_capacity(1)?;
            out.push(finish(acc));
            return Ok(out);
        }
        let grain = (parallel::ELEMENTWISE_GRAIN / reduced.max(1)).max(1);
        return fill_with_grain(rows, grain, |start, out| {
            for (k, o) in out.iter_mut().enumerate() {
                let r = start + k;
                o.write(finish(fold(&s[r * reduced..(r + 1) * reduced])));
            }
        });
    }
    if rows * reduced == 0 {
        let mut out = try_with_capacity(rows)?;
        out.extend((0..rows).map(|_| finish(fold(&[]))));
        return Ok(out);
    }
    // A strided walk per element costs several times a vectorised copy: gather the rows into a
    // contiguous buffer first (one pass), then reduce them as above.
    let dense = Buf::from_vec(super::kernels::map1(b, l, |x| x)?);
    reduce_rows(&dense, &Layout::contiguous(&[rows, reduced]), rows, reduced, fold, combine, finish)
}

/// Sums over outer dims with the kept dims innermost and contiguous (a bias gradient: a
/// (rows, n) tensor summed over its rows), read as `reduced` contiguous runs of `kept`
/// elements added column-wise into f64 accumulators: one vectorised pass, where the row path
/// would gather every column first. Column chunks are fixed by the sizes, each column adds
/// its runs in order, so the result does not depend on the thread count. None when the
/// layout is not of that form.
fn column_sum<T: Elem>(b: &Buf<T>, l: &Layout, kept: usize, reduced: usize) -> Option<Result<Vec<T>>> {
    let v = l.reshape_view(&[kept, reduced])?;
    if kept < 2 || reduced < 2 || v.strides[0] != 1 {
        return None;
    }
    let (src, step, base) = (b.as_slice(), v.strides[1], v.offset);
    let grain = (parallel::ELEMENTWISE_GRAIN / reduced).max(16);
    Some(fill_with_grain(kept, grain, |start, out| {
        let mut acc = vec![0f64; out.len()];
        for r in 0..reduced {
            let run = &src[base + r * step + start..base + r * step + start + out.len()];
            for (a, &x) in acc.iter_mut().zip(run) {
                *a += x.to_f64();
            }
        }
        for (o, a) in out.iter_mut().zip(acc) {
            o.write(T::from_f64(a));
        }
    }))
}

/// Index of the extreme element; the first one wins ties and NaN counts as the extreme, as in torch.
fn arg_extreme<T: Elem>(row: &[T], want_max: bool) -> (T, i64) {
    let mut best: Option<(T, i64)> = None;
    for (i, &x) in row.iter().enumerate() {
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

/// Reinterprets a slice whose element type is known from `T::DTYPE`.
fn as_typed<T: Elem, U: Elem>(r: &[T]) -> &[U] {
    assert_eq!(T::DTYPE, U::DTYPE);
    // SAFETY: equal DTYPE means T and U are the same type (one Elem impl per dtype).
    unsafe { std::slice::from_raw_parts(r.as_ptr() as *const U, r.len()) }
}

/// A row's sum in f64: SIMD kernels for floats (f64 lanes, blocked), a plain loop otherwise.
fn float_sum<T: Elem>(r: &[T]) -> f64 {
    match T::DTYPE {
        DType::F32 => simd::sum_f32(as_typed(r)),
        DType::F64 => simd::sum_f64(as_typed(r)),
        _ => r.iter().map(|x| x.to_f64()).sum(),
    }
}

/// A row's max or min, with arg_extreme's choice of element (first NaN, else first extreme).
fn float_extreme<T: Elem>(r: &[T], want_max: bool) -> T {
    match (T::DTYPE, want_max) {
        (DType::F32, true) => as_typed::<f32, T>(&[simd::max_f32(as_typed(r))])[0],
        (DType::F32, false) => as_typed::<f32, T>(&[simd::min_f32(as_typed(r))])[0],
        (DType::F64, true) => as_typed::<f64, T>(&[simd::max_f64(as_typed(r))])[0],
        (DType::F64, false) => as_typed::<f64, T>(&[simd::min_f64(as_typed(r))])[0],
        _ => arg_extreme(r, want_max).0,
    }
}

/// The extreme of two partial results, NaN winning (torch propagates NaN through max/min).
fn pick<T: Elem>(a: T, b: T, want_max: bool) -> T {
    #[allow(clippy::eq_op)]
    let (a_nan, b_nan) = (a != a, b != b);
    if a_nan {
        a
    } else if b_nan || (want_max && b > a) || (!want_max && b < a) {
        b
    } else {
        a
    }
}

fn reduce_typed<T: IntoCpuStorage>(
    b: &Buf<T>,
    l: &Layout,
    rows: usize,
    reduced: usize,
    op: ReduceOp,
    is_float: bool,
) -> Result<CpuStorage> {
    if is_float && matches!(op, ReduceOp::Sum) && !l.is_contiguous() {
        if let Some(sums) = column_sum(b, l, rows, reduced) {
            return Ok(T::into_storage(sums?));
        }
    }
    Ok(match op {
        // Floats accumulate in f64: sums of millions of f32 stay accurate without a pairwise pass.
        ReduceOp::Sum if is_float => T::into_storage(reduce_rows(
            b,
            l,
            rows,
            reduced,
            float_sum::<T>,
            Some(|a, c| a + c),
            T::from_f64,
        )?),
        ReduceOp::Prod if is_float => T::into_storage(reduce_rows(
            b,
            l,
            rows,
            reduced,
            |r: &[T]| r.iter().map(|x| x.to_f64()).product::<f64>(),
            Some(|a, c| a * c),
            T::from_f64,
        )?),
        ReduceOp::Sum => i64::into_storage(reduce_rows(
            b,
            l,
            rows,
            reduced,
            |r: &[T]| r.iter().fold(0i64, |a, x| a.wrapping_add(x.to_i64())),
            Some(i64::wrapping_add),
            |x| x,
        )?),
        ReduceOp::Prod => i64::into_storage(reduce_rows(
            b,
            l,
            rows,
            reduced,
            |r: &[T]| r.iter().fold(1i64, |a, x| a.wrapping_mul(x.to_i64())),
            Some(i64::wrapping_mul),
            |x| x,
        )?),
        ReduceOp::Max => T::into_storage(reduce_rows(
            b,
            l,
            rows,
            reduced,
            |r: &[T]| float_extreme(r, true),
            Some(|a, c| pick(a, c, true)),
            |x| x,
        )?),
        ReduceOp::Min => T::into_storage(reduce_rows(
            b,
            l,
            rows,
            reduced,
            |r: &[T]| float_extreme(r, false),
            Some(|a, c| pick(a, c, false)),
            |x| x,
        )?),
        // Index results are not combined across chunks: one long row stays on one thread.
        ReduceOp::ArgMax => i64::into_storage(reduce_rows(
            b,
            l,
            rows,
            reduced,
            |r: &[T]| arg_extreme(r, true).1,
            None,
            |x| x,
        )?),
        ReduceOp::ArgMin => i64::into_storage(reduce_rows(
            b,
            l,
            rows,
            reduced,
            |r: &[T]| arg_extreme(r, false).1,
            None,
            |x| x,
        )?),
    })
}

pub fn reduce(s: &CpuStorage, l: &Layout, rows: usize, reduced: usize, op: ReduceOp) -> Result<CpuStorage> {
    if rows.checked_mul(reduced) != Some(l.numel()) {
        bail!(Backend, "reduce: {rows} rows of {reduced} do not match {} elements", l.numel())
    }
    crate::with_buf!(s, b => reduce_typed(b, l, rows, reduced, op, s.dtype().is_float()))
}
