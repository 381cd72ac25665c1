//! The naive reference: shape rules and index arithmetic written straight from their
//! definitions, one element at a time, with checked arithmetic throughout.

use _core::backend::cpu::IntoCpuStorage;
use _core::layout::Layout;
use _core::storage::Storage;

/// Tensors the harnesses materialise stay below this many elements (bigger shapes are checked
/// by their metadata only, never read element by element).
pub const MAX_NUMEL: usize = 1 << 11;

/// Row-major multi-index of the `flat`-th element of `shape`.
pub fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for d in (0..shape.len()).rev() {
        idx[d] = flat % shape[d];
        flat /= shape[d];
    }
    idx
}

/// Row-major position of `idx` in `shape`.
pub fn ravel(idx: &[usize], shape: &[usize]) -> usize {
    idx.iter().zip(shape).fold(0, |acc, (&i, &d)| {
        assert!(i < d, "reference: index {idx:?} outside shape {shape:?}");
        acc * d + i
    })
}

/// Element count, or None when it does not fit in usize (a zero anywhere makes it 0).
pub fn numel(shape: &[usize]) -> Option<usize> {
    if shape.contains(&0) {
        return Some(0);
    }
    shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))
}

/// Whether a layout of `shape` can exist: the product of its dims, zeros counted as one (what
/// contiguous strides multiply up to), must stay within isize::MAX, as NumPy requires and as
/// torch's overflow checks enforce. Shapes beyond it must be rejected with an error.
pub fn fits(shape: &[usize]) -> bool {
    shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d.max(1)))
        .is_some_and(|n| n <= isize::MAX as usize)
}

/// Wraps a possibly negative dim as torch does (a 0-d tensor takes -1 and 0).
pub fn norm_dim(dim: i64, ndim: usize) -> Option<usize> {
    let n = ndim.max(1) as i128;
    let d = dim as i128;
    if d < -n || d >= n {
        return None;
    }
    Some(if d < 0 { (d + n) as usize } else { d as usize })
}

/// NumPy broadcasting of two shapes, rejecting results that cannot be laid out.
pub fn broadcast(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let pad = |s: &[usize]| -> Vec<usize> {
        std::iter::repeat_n(1, n - s.len()).chain(s.iter().copied()).collect()
    };
    let (pa, pb) = (pad(a), pad(b));
    let mut out = Vec::with_capacity(n);
    for (&x, &y) in pa.iter().zip(&pb) {
        out.push(match (x, y) {
            _ if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        });
    }
    fits(&out).then_some(out)
}

/// torch's view/reshape target resolution: at most one -1, no other negatives, the element
/// count preserved, and a shape that can be laid out.
pub fn infer(target: &[i64], numel_in: usize) -> Option<Vec<usize>> {
    if target.iter().filter(|&&d| d == -1).count() > 1 || target.iter().any(|&d| d < -1) {
        return None;
    }
    let known: Vec<usize> = target.iter().filter(|&&d| d != -1).map(|&d| d as usize).collect();
    let known_n = numel(&known);
    let mut out: Vec<usize> = target.iter().map(|&d| if d == -1 { 0 } else { d as usize }).collect();
    match target.iter().position(|&d| d == -1) {
        Some(i) => {
            // torch: "shape '[...]' is invalid for input of size n" when the rest is 0 or
            // does not divide the element count (an overflowing product cannot divide it
            // unless the input is empty, where 0 / huge = 0).
            match known_n {
                Some(0) => return None,
                Some(k) if !numel_in.is_multiple_of(k) => return None,
                Some(k) => out[i] = numel_in / k,
                None if numel_in == 0 => out[i] = 0,
                None => return None,
            }
        }
        None if known_n != Some(numel_in) => return None,
        None => {}
    }
    fits(&out).then_some(out)
}

/// Storage offsets of every element of `l` in row-major order, computed per element. An
/// overflow here means the layout addresses memory no storage can have: a bug in itself.
pub fn offsets(l: &Layout) -> Vec<usize> {
    let n = numel(&l.shape).expect("reference: a layout's element count overflows");
    assert_eq!(
        l.shape.len(),
        l.strides.len(),
        "layout with {} dims and {} strides",
        l.shape.len(),
        l.strides.len()
    );
    (0..n)
        .map(|flat| {
            let idx = unravel(flat, &l.shape);
            idx.iter().zip(&l.strides).fold(l.offset, |acc, (&i, &s)| {
                i.checked_mul(s)
                    .and_then(|x| acc.checked_add(x))
                    .expect("reference: element offset overflows")
            })
        })
        .collect()
}

/// The elements of a float64 CPU storage.
pub fn storage_f64(s: &Storage) -> Vec<f64> {
    let cpu = s.cpu_data().expect("the harnesses only use CPU tensors");
    f64::buf(cpu).expect("the harnesses only use float64 data").as_slice().to_vec()
}

/// Number of elements in a storage.
pub fn storage_len(s: &Storage) -> usize {
    s.cpu_data().expect("the harnesses only use CPU tensors").len()
}

/// Checks the invariants every layout a tensor carries must satisfy, against its storage of
/// `storage_len` elements, and returns its element offsets.
pub fn check_layout(l: &Layout, storage_len: usize, what: &str) -> Vec<usize> {
    let offs = offsets(l);
    if let Some(&bad) = offs.iter().find(|&&o| o >= storage_len) {
        panic!("{what}: layout {l:?} reaches element {bad} of a storage of {storage_len}");
    }
    let mut walked = Vec::with_capacity(offs.len());
    _core::layout::for_each_offset(&l.shape.clone(), [l], |[o]| walked.push(o));
    assert_eq!(walked, offs, "{what}: for_each_offset disagrees with per-element offsets for {l:?}");
    let span = offs.iter().max().map_or(0, |&m| m - l.offset + 1);
    assert_eq!(l.storage_span(), span, "{what}: storage_span of {l:?}");
    let consecutive = offs.iter().enumerate().all(|(k, &o)| o == l.offset + k);
    assert_eq!(l.is_contiguous(), consecutive, "{what}: is_contiguous of {l:?}");
    offs
}
