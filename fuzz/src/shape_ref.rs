//! The reference model of the `shape_ops` harness (`shape_ops.rs`): for every view op and for
//! `x[...]` (basic and integer-array indexing), the result's shape and, for each of its
//! elements, the position it must read in the old tensor, computed from the definitions
//! (row-major index arithmetic, torch's argument rules, NumPy's indexing rules).

use crate::bytes::Bytes;
use crate::reference::{broadcast, fits, norm_dim, numel, ravel, unravel, MAX_NUMEL};
use _core::ops::index::{BasicIndex, IndexSpec};
use _core::Tensor;

/// A reference view: the new shape and, for each new element, its position in the old tensor.
pub(crate) type ViewRef = Option<(Vec<usize>, Option<Vec<usize>>)>;

/// The reference for a view described by `map` (new multi-index to old multi-index).
pub(crate) fn view_ref(old: &[usize], new: Vec<usize>, map: impl Fn(&[usize]) -> Vec<usize>) -> ViewRef {
    if !fits(&new) {
        return None;
    }
    let pos = match numel(&new) {
        Some(n) if n <= MAX_NUMEL => Some((0..n).map(|f| ravel(&map(&unravel(f, &new)), old)).collect()),
        _ => None,
    };
    Some((new, pos))
}

/// Same elements, new shape (reshape, view, flatten).
pub(crate) fn same_order(new: Vec<usize>) -> ViewRef {
    let pos = numel(&new).filter(|&n| n <= MAX_NUMEL).map(|n| (0..n).collect());
    Some((new, pos))
}

pub(crate) fn permute_ref(shape: &[usize], dims: &[i64]) -> ViewRef {
    if dims.len() != shape.len() {
        return None;
    }
    let mut perm = Vec::new();
    for &d in dims {
        let d = norm_dim(d, shape.len())?;
        if perm.contains(&d) {
            return None;
        }
        perm.push(d);
    }
    let new: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
    view_ref(shape, new, |j| {
        let mut k = vec![0; perm.len()];
        for (i, &p) in perm.iter().enumerate() {
            k[p] = j[i];
        }
        k
    })
}

pub(crate) fn transpose_ref(shape: &[usize], a: i64, b: i64) -> ViewRef {
    let (a, b) = (norm_dim(a, shape.len())?, norm_dim(b, shape.len())?);
    if shape.is_empty() {
        return same_order(vec![]);
    }
    let mut new = shape.to_vec();
    new.swap(a, b);
    view_ref(shape, new, |j| {
        let mut k = j.to_vec();
        k.swap(a, b);
        k
    })
}

/// torch's expand: -1 keeps a size (not in a new leading dim), size-1 dims stretch.
pub(crate) fn expand_ref(shape: &[usize], sizes: &[i64]) -> ViewRef {
    let n = sizes.len();
    if n < shape.len() {
        return None;
    }
    let lead = n - shape.len();
    let mut new = Vec::with_capacity(n);
    for (i, &s) in sizes.iter().enumerate() {
        new.push(match s {
            -1 if i < lead => return None,
            -1 => shape[i - lead],
            s if s < 0 => return None,
            s => s as usize,
        });
    }
    expand_to_ref(shape, &new)
}

/// A broadcast view of `shape` as `to` (also what copy_ and index_put do with their source).
pub(crate) fn expand_to_ref(shape: &[usize], to: &[usize]) -> ViewRef {
    let lead = to.len().checked_sub(shape.len())?;
    for (i, &d) in shape.iter().enumerate() {
        if d != to[lead + i] && d != 1 {
            return None;
        }
    }
    view_ref(shape, to.to_vec(), |j| {
        (0..shape.len()).map(|i| if shape[i] == 1 { 0 } else { j[lead + i] }).collect()
    })
}

pub(crate) fn squeeze_ref(shape: &[usize], dims: Option<&[i64]>) -> ViewRef {
    let ds: Vec<usize> = match dims {
        None => (0..shape.len()).collect(),
        Some(d) => d.iter().map(|&d| norm_dim(d, shape.len())).collect::<Option<_>>()?,
    };
    let removed: Vec<usize> = (0..shape.len()).filter(|d| ds.contains(d) && shape[*d] == 1).collect();
    let new: Vec<usize> = (0..shape.len()).filter(|d| !removed.contains(d)).map(|d| shape[d]).collect();
    view_ref(shape, new, |j| {
        let mut it = j.iter();
        (0..shape.len()).map(|d| if removed.contains(&d) { 0 } else { *it.next().unwrap() }).collect()
    })
}

pub(crate) fn unsqueeze_ref(shape: &[usize], dim: i64) -> ViewRef {
    let d = norm_dim(dim, shape.len() + 1)?;
    let mut new = shape.to_vec();
    new.insert(d, 1);
    view_ref(shape, new, |j| {
        let mut k = j.to_vec();
        k.remove(d);
        k
    })
}

pub(crate) fn select_ref(shape: &[usize], dim: i64, index: i64) -> ViewRef {
    if shape.is_empty() {
        return None;
    }
    let d = norm_dim(dim, shape.len())?;
    let size = shape[d] as i128;
    let i = index as i128;
    if i < -size || i >= size {
        return None;
    }
    let i = if i < 0 { i + size } else { i } as usize;
    let mut new = shape.to_vec();
    new.remove(d);
    view_ref(shape, new, |j| {
        let mut k = j.to_vec();
        k.insert(d, i);
        k
    })
}

/// Python slicing x[start:stop:step] on `dim` (bounds clamped, step > 0).
pub(crate) fn slice_ref(shape: &[usize], dim: usize, start: usize, stop: usize, step: usize) -> ViewRef {
    if step == 0 || dim >= shape.len() {
        return None;
    }
    let size = shape[dim];
    let start = start.min(size);
    let stop = stop.clamp(start, size);
    let len = (stop - start).div_ceil(step);
    let mut new = shape.to_vec();
    new[dim] = len;
    view_ref(shape, new, |j| {
        let mut k = j.to_vec();
        k[dim] = start + j[dim] * step;
        k
    })
}

pub(crate) fn narrow_ref(shape: &[usize], dim: i64, start: i64, length: i64) -> ViewRef {
    if shape.is_empty() {
        return None;
    }
    let d = norm_dim(dim, shape.len())?;
    let size = shape[d] as i128;
    let s = if start < 0 { start as i128 + size } else { start as i128 };
    if s < 0 || length < 0 || s + length as i128 > size {
        return None;
    }
    let (s, len) = (s as usize, length as usize);
    let mut new = shape.to_vec();
    new[d] = len;
    view_ref(shape, new, |j| {
        let mut k = j.to_vec();
        k[d] = s + j[d];
        k
    })
}

pub(crate) fn flatten_ref(shape: &[usize], start: i64, end: i64) -> ViewRef {
    if shape.is_empty() {
        return same_order(vec![1]);
    }
    let (s, e) = (norm_dim(start, shape.len())?, norm_dim(end, shape.len())?);
    if s > e {
        return None;
    }
    let mut new = shape[..s].to_vec();
    new.push(shape[s..=e].iter().product());
    new.extend(&shape[e + 1..]);
    same_order(new)
}

/// Applies a reference view to a running (shape, positions) pair.
pub(crate) fn compose(pos: &[usize], v: ViewRef) -> Option<(Vec<usize>, Vec<usize>)> {
    let (new, p) = v?;
    let p = p.expect("views of materialised tensors stay small");
    Some((new, p.iter().map(|&i| pos[i]).collect()))
}

/// Whether `vals` repeats an element.
pub(crate) fn has_duplicates(vals: &[usize]) -> bool {
    let mut v = vals.to_vec();
    v.sort_unstable();
    v.windows(2).any(|w| w[0] == w[1])
}

/// A decoded `x[...]`: the spec, plus what the reference makes of it on a tensor of `shape`:
/// the result's shape and positions, or None if it must be rejected.
pub(crate) struct IndexCase {
    pub(crate) spec: IndexSpec,
    pub(crate) expected: Option<(Vec<usize>, Option<Vec<usize>>)>,
    pub(crate) advanced: bool,
}

pub(crate) fn decode_index(r: &mut Bytes, shape: &[usize]) -> IndexCase {
    let mut spec = IndexSpec::default();
    // The running basic view, as the reference sees it.
    let n0 = numel(shape).unwrap();
    let mut run: Option<(Vec<usize>, Vec<usize>)> = Some((shape.to_vec(), (0..n0).collect()));
    for _ in 0..r.below(4) {
        let nd = run.as_ref().map_or(shape.len(), |(s, _)| s.len());
        let step = match r.below(3) {
            0 => BasicIndex::Select { dim: r.below(nd + 2), index: r.i64() },
            1 => {
                BasicIndex::Slice { dim: r.below(nd + 2), start: r.usize(), stop: r.usize(), step: r.usize() }
            }
            _ => BasicIndex::NewAxis { dim: r.below(nd + 3) },
        };
        spec.basic.push(step);
        run = run.and_then(|(s, p)| {
            let v = match step {
                BasicIndex::Select { dim, index } => select_ref(&s, dim as i64, index),
                BasicIndex::Slice { dim, start, stop, step } => slice_ref(&s, dim, start, stop, step),
                BasicIndex::NewAxis { dim } => unsqueeze_ref(&s, dim as i64),
            };
            compose(&p, v)
        });
    }
    let n_adv = r.below(4);
    let vshape = run.as_ref().map_or_else(|| shape.to_vec(), |(s, _)| s.clone());
    let mut valid = true;
    let mut index_vals: Vec<(Vec<usize>, Vec<i64>)> = Vec::new();
    for _ in 0..n_adv {
        let d = r.below(vshape.len() + 2);
        let size = vshape.get(d).copied().unwrap_or(3) as i64;
        let ishape: Vec<usize> = (0..r.below(3)).map(|_| r.below(4)).collect();
        let n = numel(&ishape).unwrap();
        let vals: Vec<i64> = (0..n)
            .map(|_| match r.u8() {
                b @ 0..=239 if size > 0 => (b as i128 % (2 * size as i128) - size as i128) as i64,
                _ => r.i64(),
            })
            .collect();
        let t = if r.below(32) == 0 {
            // A float index tensor must be refused.
            valid = false;
            Tensor::from_vec(vals.iter().map(|&v| v as f64).collect::<Vec<_>>(), &ishape).unwrap()
        } else {
            Tensor::from_vec(vals.clone(), &ishape).unwrap()
        };
        spec.adv_dims.push(d);
        spec.adv.push(t);
        index_vals.push((ishape, vals));
    }
    if n_adv > 0 && r.below(32) == 0 {
        // One dim more or fewer than index tensors: must be refused.
        if r.bool() {
            spec.adv_dims.push(0);
        } else {
            spec.adv_dims.pop();
        }
        valid = false;
    }
    let advanced = n_adv > 0;
    let expected =
        if !valid { None } else { run.and_then(|(s, p)| advanced_ref(&s, &p, &spec.adv_dims, &index_vals)) };
    IndexCase { spec, expected, advanced }
}

/// The reference for integer-array indexing of a view (shape `s`, positions `p`): NumPy's rules.
pub(crate) fn advanced_ref(
    s: &[usize],
    p: &[usize],
    dims: &[usize],
    index: &[(Vec<usize>, Vec<i64>)],
) -> Option<(Vec<usize>, Option<Vec<usize>>)> {
    if index.is_empty() {
        let pos = Some(p.to_vec());
        return Some((s.to_vec(), pos));
    }
    let mut batch: Vec<usize> = vec![];
    for (ishape, _) in index {
        batch = broadcast(&batch, ishape)?;
    }
    if dims.iter().any(|&d| d >= s.len()) || has_duplicates(dims) {
        return None;
    }
    for (&d, (_, vals)) in dims.iter().zip(index) {
        let size = s[d] as i128;
        if vals.iter().any(|&v| (v as i128) < -size || (v as i128) >= size) {
            return None;
        }
    }
    let rest: Vec<usize> = (0..s.len()).filter(|d| !dims.contains(d)).collect();
    let mut front = batch.clone();
    front.extend(rest.iter().map(|&d| s[d]));
    if !fits(&front) {
        return None;
    }
    let n = numel(&front)?;
    if n > MAX_NUMEL {
        return Some((front, None));
    }
    let bn = batch.len();
    let pos: Vec<usize> = (0..n)
        .map(|f| {
            let j = unravel(f, &front);
            let mut k = vec![0usize; s.len()];
            for (&d, (ishape, vals)) in dims.iter().zip(index) {
                // The index tensor broadcast against the batch shape (aligned right).
                let lead = bn - ishape.len();
                let ij: Vec<usize> =
                    (0..ishape.len()).map(|i| if ishape[i] == 1 { 0 } else { j[lead + i] }).collect();
                let v = vals[ravel(&ij, ishape)] as i128;
                k[d] = if v < 0 { v + s[d] as i128 } else { v } as usize;
            }
            for (i, &d) in rest.iter().enumerate() {
                k[d] = j[bn + i];
            }
            p[ravel(&k, s)]
        })
        .collect();
    // Adjacent indexed dims after the first put the batch dims where the first one was.
    let adjacent = dims.windows(2).all(|w| w[1] == w[0] + 1);
    let first = dims[0];
    if !adjacent || first == 0 {
        return Some((front, Some(pos)));
    }
    let mut perm: Vec<i64> = (bn..bn + first).map(|d| d as i64).collect();
    perm.extend((0..bn).map(|d| d as i64));
    perm.extend((bn + first..bn + rest.len()).map(|d| d as i64));
    compose(&pos, permute_ref(&front, &perm)).map(|(sh, p)| (sh, Some(p)))
}
