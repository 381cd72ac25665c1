//! Shape arithmetic: broadcasting, dim normalisation, element counts. Pure functions, no data.

use crate::error::{bail, fmt_shape, Result};
use smallvec::SmallVec;

/// Shapes and strides are short: six dims stay on the stack.
pub type Dims = SmallVec<[usize; 6]>;

/// Element count. Shapes are checked with [`check_extent`] when they are made, so the product
/// fits; a zero anywhere gives 0 whatever comes before it (a plain left-to-right product of
/// [2^40, 2^40, 0] would overflow first).
pub fn numel(shape: &[usize]) -> usize {
    if shape.contains(&0) {
        return 0;
    }
    shape.iter().product()
}

/// Refuses a shape no layout can have: the product of its dims, zeros counted as one (what the
/// contiguous strides multiply up to), must stay within isize::MAX, the limit NumPy and Rust's
/// allocator share. Without it, an empty tensor of [0, 2^40, 2^40] or a broadcast of [2^40, 1]
/// with [1, 2^40] would overflow the stride and element-count arithmetic.
pub fn check_extent(op: &str, shape: &[usize]) -> Result<()> {
    let extent = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d.max(1)));
    if extent.is_none_or(|n| n > isize::MAX as usize) {
        bail!(Shape, "{op}: shape {} is too large (its size overflows)", fmt_shape(shape))
    }
    Ok(())
}

/// Element count of a shape a new tensor is made with, with overflow turned into an error
/// instead of a wrapped size: MemoryError for too many elements, and (see [`check_extent`]) a
/// shape error for an empty shape whose other dims overflow, which no layout can describe.
pub fn checked_numel(op: &str, shape: &[usize]) -> Result<usize> {
    if check_extent(op, shape).is_err() && !shape.contains(&0) {
        bail!(OutOfMemory, "{op}: shape {} has too many elements", fmt_shape(shape))
    }
    check_extent(op, shape)?;
    Ok(numel(shape))
}

pub fn contiguous_strides(shape: &[usize]) -> Dims {
    let mut strides: Dims = SmallVec::from_elem(0, shape.len());
    let mut acc = 1usize;
    for i in (0..shape.len()).rev() {
        strides[i] = acc;
        // Saturating: only an empty tensor of a shape check_extent refuses can get here with
        // an overflow, and its strides address nothing.
        acc = acc.saturating_mul(shape[i].max(1));
    }
    strides
}

/// NumPy broadcasting of two shapes.
pub fn broadcast_shapes(op: &str, a: &[usize], b: &[usize]) -> Result<Dims> {
    let n = a.len().max(b.len());
    let mut out: Dims = SmallVec::from_elem(0, n);
    for i in 0..n {
        let da = if i + a.len() >= n { a[i + a.len() - n] } else { 1 };
        let db = if i + b.len() >= n { b[i + b.len() - n] } else { 1 };
        out[i] = if da == db || db == 1 {
            da
        } else if da == 1 {
            db
        } else {
            bail!(
                Shape,
                "{op}: the size of tensor a ({da}) must match the size of tensor b ({db}) at non-singleton dimension {i} (shapes {} and {})",
                fmt_shape(a),
                fmt_shape(b)
            )
        };
    }
    check_extent(op, &out)?;
    Ok(out)
}

/// Wraps a possibly negative dim into `0..ndim` (a 0-d tensor accepts dims -1 and 0, like torch).
pub fn normalize_dim(op: &str, dim: i64, ndim: usize) -> Result<usize> {
    let n = ndim.max(1) as i64;
    if dim < -n || dim >= n {
        bail!(
            Index,
            "{op}: Dimension out of range (expected to be in range of [{}, {}], but got {dim})",
            -n,
            n - 1
        )
    }
    Ok(if dim < 0 { (dim + n) as usize } else { dim as usize })
}

/// Normalises a dim list for a reduction: empty means all dims; repeated dims are an error.
pub fn normalize_dims(op: &str, dims: &[i64], ndim: usize) -> Result<Dims> {
    if dims.is_empty() {
        return Ok((0..ndim).collect());
    }
    let mut out = Dims::new();
    for &d in dims {
        let d = normalize_dim(op, d, ndim)?;
        if ndim == 0 {
            continue;
        }
        if out.contains(&d) {
            bail!(Shape, "{op}: dim {d} appears multiple times in the list of dims")
        }
        out.push(d);
    }
    out.sort_unstable();
    Ok(out)
}

/// Resolves a view/reshape target that may hold one -1.
pub fn infer_shape(op: &str, target: &[i64], numel: usize, from: &[usize]) -> Result<Dims> {
    let mut out = Dims::new();
    let mut infer = None;
    let mut known = 1usize;
    for (i, &d) in target.iter().enumerate() {
        if d == -1 {
            if infer.is_some() {
                bail!(Shape, "{op}: only one dimension can be inferred")
            }
            infer = Some(i);
            out.push(1);
        } else if d < 0 {
            bail!(Shape, "{op}: invalid shape dimension {d}")
        } else {
            known = known.saturating_mul(d as usize);
            out.push(d as usize);
        }
    }
    let bad = || {
        crate::Error::Shape(format!(
            "{op}: shape '{}' is invalid for input of size {numel} (input shape {})",
            fmt_target(target),
            fmt_shape(from)
        ))
    };
    match infer {
        Some(i) => {
            if known == 0 || !numel.is_multiple_of(known) {
                return Err(bad());
            }
            out[i] = numel / known;
        }
        None if known != numel => return Err(bad()),
        None => {}
    }
    // An empty input takes any target with a zero in it, and an inferred 0 lets the others be
    // huge: [0, 2^40, 2^40] has the right element count but no layout.
    check_extent(op, &out)?;
    Ok(out)
}

fn fmt_target(t: &[i64]) -> String {
    let parts: Vec<String> = t.iter().map(|d| d.to_string()).collect();
    format!("[{}]", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting() {
        assert_eq!(&broadcast_shapes("t", &[3, 1], &[4]).unwrap()[..], &[3, 4]);
        assert_eq!(&broadcast_shapes("t", &[], &[2, 2]).unwrap()[..], &[2, 2]);
        assert_eq!(&broadcast_shapes("t", &[2, 1, 5], &[3, 1]).unwrap()[..], &[2, 3, 5]);
        assert!(broadcast_shapes("t", &[2, 3], &[4]).is_err());
    }

    #[test]
    fn dims() {
        assert_eq!(normalize_dim("t", -1, 3).unwrap(), 2);
        assert!(normalize_dim("t", 3, 3).is_err());
        assert_eq!(&normalize_dims("t", &[-1, 0], 3).unwrap()[..], &[0, 2]);
        assert!(normalize_dims("t", &[1, -2], 3).is_err());
    }

    #[test]
    fn inferred_shapes() {
        assert_eq!(&infer_shape("v", &[-1, 3], 6, &[6]).unwrap()[..], &[2, 3]);
        assert!(infer_shape("v", &[-1, 4], 6, &[6]).is_err());
        assert!(infer_shape("v", &[5], 6, &[6]).is_err());
        assert_eq!(&infer_shape("v", &[0, -1], 0, &[0]).is_err(), &true);
    }

    #[test]
    fn overflowing_shapes_are_errors_not_wrapped_sizes() {
        // Found by fuzz/layout_math and fuzz/shape_ops: each of these used to panic on an
        // overflow in debug builds and wrap to a wrong element count in release builds.
        let big = 1usize << 40;
        assert!(broadcast_shapes("t", &[big, 1], &[1, big]).is_err());
        assert_eq!(&broadcast_shapes("t", &[big, 1], &[1, 4]).unwrap()[..], &[big, 4]);
        assert!(infer_shape("v", &[0, 1 << 40, 1 << 40], 0, &[0]).is_err());
        assert!(infer_shape("v", &[-1, 1 << 40, 1 << 40], 0, &[0]).is_err());
        assert_eq!(&infer_shape("v", &[2, 1 << 20, -1], 0, &[0]).unwrap()[..], &[2, 1 << 20, 0]);
        // A zero anywhere makes an empty shape, whatever overflow comes before it...
        assert_eq!(numel(&[big, big, 0]), 0);
        assert_eq!(contiguous_strides(&[0, big, big]).len(), 3);
        // ...but no layout can hold [3, usize::MAX, 0] (its strides overflow): an error, as
        // is a non-empty count past usize (a MemoryError in Python, as before).
        assert!(matches!(checked_numel("t", &[3, usize::MAX, 0]), Err(crate::Error::Shape(_))));
        assert!(matches!(checked_numel("t", &[big, big]), Err(crate::Error::OutOfMemory(_))));
        assert_eq!(checked_numel("t", &[0, big]).unwrap(), 0);
    }
}
