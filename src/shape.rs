//! Shape arithmetic: broadcasting, dim normalisation, element counts. Pure functions, no data.

use crate::error::{bail, fmt_shape, Result};
use smallvec::SmallVec;

/// Shapes and strides are short: six dims stay on the stack.
pub type Dims = SmallVec<[usize; 6]>;

pub fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// Element count with overflow turned into an error instead of a wrapped size.
pub fn checked_numel(op: &str, shape: &[usize]) -> Result<usize> {
    let mut n: usize = 1;
    for &d in shape {
        n = match n.checked_mul(d) {
            Some(v) => v,
            None => bail!(OutOfMemory, "{op}: shape {} has too many elements", fmt_shape(shape)),
        };
    }
    Ok(n)
}

pub fn contiguous_strides(shape: &[usize]) -> Dims {
    let mut strides: Dims = SmallVec::from_elem(0, shape.len());
    let mut acc = 1usize;
    for i in (0..shape.len()).rev() {
        strides[i] = acc;
        acc *= shape[i].max(1);
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
}
