//! The `shape_ops` harness: a random program of view, copy, broadcast, indexing and in-place
//! ops on float64 tensors, each result checked against a reference model.
//!
//! The model keeps, for every storage ("root") the program has made, the values it should hold,
//! and for the current tensor the storage element behind each of its elements in row-major
//! order. A view op must return a tensor over the same storage whose layout addresses exactly
//! the elements the reference picks; a copying op must return the right values; an in-place op
//! must change exactly the elements the reference writes and nothing else. Inputs the reference
//! rejects must come back as `Err`; a panic anywhere is a finding.

use crate::bytes::Bytes;
use crate::reference::{
    broadcast, check_layout, fits, infer, norm_dim, numel, ravel, storage_f64, storage_len, unravel,
    MAX_NUMEL,
};
use _core::ops::index::{BasicIndex, IndexSpec};
use _core::storage::Storage;
use _core::{DType, Result, Scalar, Tensor};

/// At most this many ops per input, so one input stays fast.
const MAX_OPS: usize = 24;

/// A storage the program created, with the values the model says it holds.
struct Root {
    storage: Storage,
    vals: Vec<f64>,
}

/// The current tensor and, per element (row-major), the element of `roots[root]` behind it.
#[derive(Clone)]
struct Cur {
    t: Tensor,
    shape: Vec<usize>,
    idx: Vec<usize>,
    root: usize,
}

/// What the reference expects from an op that succeeds: the result's shape and its elements,
/// as positions in the current tensor (views and gathers) or as values (arithmetic). `None`
/// when the result is too big to check element by element.
enum Payload {
    Pos(Vec<usize>),
    Vals(Vec<f64>),
}

/// Whether a successful result must share the current tensor's storage.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    View,
    MayCopy,
    Copy,
}

/// A reference view: the new shape and, for each new element, its position in the old tensor.
type ViewRef = Option<(Vec<usize>, Option<Vec<usize>>)>;

struct State {
    roots: Vec<Root>,
    hist: Vec<Cur>,
    cur: Cur,
    /// Distinct values for fills and writes.
    counter: f64,
}

/// Runs one program decoded from `data`.
pub fn run(data: &[u8]) {
    let mut r = Bytes::new(data);
    let mut st = State { roots: Vec::new(), hist: Vec::new(), cur: dummy(), counter: 1e9 };
    let shape = r.small_shape();
    st.cur = st.new_root(&shape);
    for _ in 0..MAX_OPS {
        if r.is_empty() {
            break;
        }
        st.step(&mut r);
        st.check_roots();
    }
}

fn dummy() -> Cur {
    Cur { t: Tensor::scalar(Scalar::Float(0.0), DType::F64), shape: vec![], idx: vec![0], root: usize::MAX }
}

/// The reference for a view described by `map` (new multi-index to old multi-index).
fn view_ref(old: &[usize], new: Vec<usize>, map: impl Fn(&[usize]) -> Vec<usize>) -> ViewRef {
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
fn same_order(new: Vec<usize>) -> ViewRef {
    let pos = numel(&new).filter(|&n| n <= MAX_NUMEL).map(|n| (0..n).collect());
    Some((new, pos))
}

fn permute_ref(shape: &[usize], dims: &[i64]) -> ViewRef {
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

fn transpose_ref(shape: &[usize], a: i64, b: i64) -> ViewRef {
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
fn expand_ref(shape: &[usize], sizes: &[i64]) -> ViewRef {
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
fn expand_to_ref(shape: &[usize], to: &[usize]) -> ViewRef {
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

fn squeeze_ref(shape: &[usize], dims: Option<&[i64]>) -> ViewRef {
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

fn unsqueeze_ref(shape: &[usize], dim: i64) -> ViewRef {
    let d = norm_dim(dim, shape.len() + 1)?;
    let mut new = shape.to_vec();
    new.insert(d, 1);
    view_ref(shape, new, |j| {
        let mut k = j.to_vec();
        k.remove(d);
        k
    })
}

fn select_ref(shape: &[usize], dim: i64, index: i64) -> ViewRef {
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
fn slice_ref(shape: &[usize], dim: usize, start: usize, stop: usize, step: usize) -> ViewRef {
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

fn narrow_ref(shape: &[usize], dim: i64, start: i64, length: i64) -> ViewRef {
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

fn flatten_ref(shape: &[usize], start: i64, end: i64) -> ViewRef {
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
fn compose(pos: &[usize], v: ViewRef) -> Option<(Vec<usize>, Vec<usize>)> {
    let (new, p) = v?;
    let p = p.expect("views of materialised tensors stay small");
    Some((new, p.iter().map(|&i| pos[i]).collect()))
}

/// Whether `vals` repeats an element.
fn has_duplicates(vals: &[usize]) -> bool {
    let mut v = vals.to_vec();
    v.sort_unstable();
    v.windows(2).any(|w| w[0] == w[1])
}

/// A decoded `x[...]`: the spec, plus what the reference makes of it on a tensor of `shape`:
/// the result's shape and positions, or None if it must be rejected.
struct IndexCase {
    spec: IndexSpec,
    expected: Option<(Vec<usize>, Option<Vec<usize>>)>,
    advanced: bool,
}

fn decode_index(r: &mut Bytes, shape: &[usize]) -> IndexCase {
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
fn advanced_ref(
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

impl State {
    /// A fresh float64 tensor whose elements are distinct across every root.
    fn new_root(&mut self, shape: &[usize]) -> Cur {
        let n = numel(shape).unwrap();
        let base = (self.roots.len() as f64) * 65536.0;
        let vals: Vec<f64> = (0..n).map(|i| base + i as f64).collect();
        let t = Tensor::from_vec(vals.clone(), shape).expect("from_vec of a small shape");
        self.roots.push(Root { storage: t.storage().clone(), vals });
        Cur { t, shape: shape.to_vec(), idx: (0..n).collect(), root: self.roots.len() - 1 }
    }

    fn vals_of(&self, c: &Cur) -> Vec<f64> {
        c.idx.iter().map(|&i| self.roots[c.root].vals[i]).collect()
    }

    fn fresh(&mut self) -> f64 {
        self.counter += 1.0;
        self.counter
    }

    /// Every storage holds what the model says: catches writes that land in the wrong place.
    fn check_roots(&self) {
        for (i, root) in self.roots.iter().enumerate() {
            assert_eq!(storage_f64(&root.storage), root.vals, "storage {i} differs from the reference");
        }
    }

    /// Checks an op's result against the reference and makes it the current tensor.
    fn adopt(
        &mut self,
        what: &str,
        res: Result<Tensor>,
        exp: Option<(Vec<usize>, Option<Payload>)>,
        kind: Kind,
    ) {
        let (t, (shape, payload)) = match (res, exp) {
            (Err(_), None) => return,
            (Ok(t), None) => {
                panic!("{what}: accepted an input the reference rejects (got shape {:?})", t.shape())
            }
            (Err(e), Some((s, _))) => panic!("{what}: rejected a valid input (expected shape {s:?}): {e}"),
            (Ok(t), Some(e)) => (t, e),
        };
        assert_eq!(t.shape(), &shape[..], "{what}: shape");
        assert_eq!(t.dtype(), DType::F64, "{what}: dtype");
        let shares = t.storage().same(&self.roots[self.cur.root].storage);
        match kind {
            Kind::View => assert!(shares, "{what}: a view must share its input's storage"),
            Kind::Copy => assert!(!shares, "{what}: a copy must not share its input's storage"),
            Kind::MayCopy => {}
        }
        let slen = storage_len(t.storage());
        let Some(payload) = payload else {
            // Too big to read: the layout must still stay inside its storage.
            let l = t.layout();
            if numel(&l.shape) != Some(0) {
                let last = l.shape.iter().zip(&l.strides).try_fold(l.offset, |acc, (&d, &s)| {
                    (d - 1).checked_mul(s).and_then(|x| acc.checked_add(x))
                });
                assert!(last.is_some_and(|m| m < slen), "{what}: layout {l:?} leaves its storage of {slen}");
                assert_eq!(l.storage_span(), last.unwrap() - l.offset + 1, "{what}: storage_span");
            }
            return;
        };
        let offs = check_layout(t.layout(), slen, what);
        let (vals, idx) = match payload {
            Payload::Pos(pos) => {
                let idx: Vec<usize> = pos.iter().map(|&p| self.cur.idx[p]).collect();
                if shares {
                    assert_eq!(offs, idx, "{what}: the view addresses the wrong elements");
                }
                (idx.iter().map(|&i| self.roots[self.cur.root].vals[i]).collect::<Vec<f64>>(), Some(idx))
            }
            Payload::Vals(v) => (v, None),
        };
        assert_eq!(t.to_vec::<f64>().expect("to_vec"), vals, "{what}: values");
        let next = if shares {
            Cur { t, shape, idx: idx.unwrap(), root: self.cur.root }
        } else {
            let storage = t.storage().clone();
            let stored = storage_f64(&storage);
            for (k, &o) in offs.iter().enumerate() {
                assert_eq!(stored[o], vals[k], "{what}: stored value of element {k}");
            }
            self.roots.push(Root { storage, vals: stored });
            Cur { t, shape, idx: offs, root: self.roots.len() - 1 }
        };
        let prev = std::mem::replace(&mut self.cur, next);
        self.hist.push(prev);
        if self.hist.len() > 8 {
            self.hist.remove(0);
        }
    }

    fn adopt_view(&mut self, what: &str, res: Result<Tensor>, v: ViewRef, kind: Kind) {
        let exp = v.map(|(s, p)| (s, p.map(Payload::Pos)));
        self.adopt(what, res, exp, kind);
    }

    fn dims_arg(&self, r: &mut Bytes, len: usize) -> Vec<i64> {
        (0..len).map(|_| r.i64()).collect()
    }

    /// A target shape for reshape/view: a factorisation of the element count with an optional
    /// -1, or anything at all.
    fn reshape_target(&self, r: &mut Bytes) -> Vec<i64> {
        let n = self.cur.idx.len();
        if r.below(4) == 0 {
            let len = r.below(6);
            return self.dims_arg(r, len);
        }
        let mut left = n;
        let mut out = vec![];
        for _ in 0..r.below(4) {
            let divs: Vec<usize> = (1..=left.clamp(1, 8)).filter(|&d| left.is_multiple_of(d)).collect();
            let d = if left == 0 { r.below(3) } else { divs[r.below(divs.len())] };
            out.push(d as i64);
            left = left.checked_div(d).unwrap_or(0);
        }
        out.push(left as i64);
        let k = r.below(out.len() + 2);
        if k < out.len() {
            out[k] = -1;
        }
        let at = r.below(out.len() + 1);
        out.insert(at, 1);
        out
    }

    /// A shape that broadcasts with (or deliberately against) the current one.
    fn partner_shape(&self, r: &mut Bytes) -> Vec<usize> {
        let mut s = self.cur.shape.clone();
        match r.below(4) {
            0 => return r.small_shape(),
            1 => {
                let drop = r.below(s.len() + 1);
                s.drain(..drop);
            }
            2 => {
                for _ in 0..r.below(3) {
                    s.insert(0, r.below(3) + 1);
                }
            }
            _ => {}
        }
        for d in s.iter_mut() {
            if r.below(3) == 0 {
                *d = 1;
            }
        }
        s
    }

    fn step(&mut self, r: &mut Bytes) {
        let shape = self.cur.shape.clone();
        let nd = shape.len();
        let t = self.cur.t.clone();
        match r.below(20) {
            0 => {
                let target = self.reshape_target(r);
                let v = infer(&target, self.cur.idx.len()).and_then(same_order);
                self.adopt_view("reshape", t.reshape(&target), v, Kind::MayCopy);
            }
            1 => {
                let target = self.reshape_target(r);
                let v = infer(&target, self.cur.idx.len()).and_then(same_order);
                let res = t.view(&target);
                if res.is_err() && v.is_some() && !t.is_contiguous() {
                    return; // a view the strides cannot express: torch refuses it too
                }
                self.adopt_view("view", res, v, Kind::View);
            }
            2 => {
                let len = if r.below(8) == 0 { r.below(nd + 2) } else { nd };
                let mut dims: Vec<i64> = (0..nd as i64).collect();
                for i in (1..dims.len()).rev() {
                    dims.swap(i, r.below(i + 1));
                }
                dims.resize(len, 0);
                for d in dims.iter_mut() {
                    match r.below(8) {
                        0 => *d = r.i64(),
                        1 => *d -= nd as i64,
                        _ => {}
                    }
                }
                self.adopt_view("permute", t.permute(&dims), permute_ref(&shape, &dims), Kind::View);
            }
            3 => {
                let (a, b) = (r.i64(), r.i64());
                self.adopt_view("transpose", t.transpose(a, b), transpose_ref(&shape, a, b), Kind::View);
            }
            4 => {
                let mut sizes: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
                for s in sizes.iter_mut() {
                    match r.below(4) {
                        0 => *s = -1,
                        1 => *s = r.size() as i64,
                        2 if *s == 1 => *s = r.below(4) as i64,
                        _ => {}
                    }
                }
                for _ in 0..r.below(3) {
                    let lead = if r.bool() { r.below(4) as i64 } else { r.size() as i64 };
                    sizes.insert(0, lead);
                }
                if r.below(8) == 0 && !sizes.is_empty() {
                    sizes.remove(0);
                }
                self.adopt_view("expand", t.expand(&sizes), expand_ref(&shape, &sizes), Kind::View);
            }
            5 => {
                let dims = if r.bool() {
                    None
                } else {
                    let len = r.below(3);
                    let mut d = self.dims_arg(r, len);
                    d.sort_unstable();
                    d.dedup(); // torch rejects repeats; ferrograd ignores them (not what we test)
                    Some(d)
                };
                let res = t.squeeze(dims.as_deref());
                self.adopt_view("squeeze", res, squeeze_ref(&shape, dims.as_deref()), Kind::View);
            }
            6 => {
                let d = r.i64();
                self.adopt_view("unsqueeze", t.unsqueeze(d), unsqueeze_ref(&shape, d), Kind::View);
            }
            7 => {
                let (d, i) = (r.i64(), r.i64());
                self.adopt_view("select", t.select(d, i), select_ref(&shape, d, i), Kind::View);
            }
            8 => {
                let dim = if r.below(8) == 0 { r.usize() } else { r.below(nd + 1) };
                let (start, stop, step) = (r.usize(), r.usize(), r.usize());
                let v = slice_ref(&shape, dim, start, stop, step);
                self.adopt_view("slice", t.slice(dim, start, stop, step), v, Kind::View);
            }
            9 => {
                let (d, s, l) = (r.i64(), r.i64(), r.i64());
                self.adopt_view("narrow", t.narrow(d, s, l), narrow_ref(&shape, d, s, l), Kind::View);
            }
            10 => {
                let (s, e) = (r.i64(), r.i64());
                self.adopt_view("flatten", t.flatten(s, e), flatten_ref(&shape, s, e), Kind::MayCopy);
            }
            11 => {
                let kind = if t.is_contiguous() { Kind::View } else { Kind::Copy };
                let res = t.contiguous();
                if let Ok(c) = &res {
                    assert!(c.is_contiguous(), "contiguous() returned a non-contiguous tensor");
                }
                self.adopt_view("contiguous", res, same_order(shape.clone()), kind);
            }
            12 => self.adopt_view("clone", t.clone_tensor(), same_order(shape.clone()), Kind::Copy),
            13 => self.add(r),
            14 => {
                let case = decode_index(r, &shape);
                if case.expected.as_ref().is_some_and(|(_, p)| p.is_none()) {
                    return; // valid but too big to materialise
                }
                let kind = if case.advanced { Kind::Copy } else { Kind::View };
                self.adopt_view("index", case.spec.get(&t), case.expected, kind);
            }
            15 => self.index_put(r),
            16 => {
                let v = self.fresh();
                t.fill_(Scalar::Float(v)).expect("fill_");
                for &i in &self.cur.idx {
                    self.roots[self.cur.root].vals[i] = v;
                }
            }
            17 => self.copy(r),
            18 => {
                if !self.hist.is_empty() && r.bool() {
                    let k = r.below(self.hist.len());
                    let prev = self.hist.remove(k);
                    let old = std::mem::replace(&mut self.cur, prev);
                    self.hist.push(old);
                } else {
                    let s = r.small_shape();
                    let fresh = self.new_root(&s);
                    let old = std::mem::replace(&mut self.cur, fresh);
                    self.hist.push(old);
                }
            }
            _ => {
                let v = if nd > 2 {
                    None
                } else if nd < 2 {
                    same_order(shape.clone())
                } else {
                    transpose_ref(&shape, 0, 1)
                };
                self.adopt_view("t", t.t(), v, Kind::View);
            }
        }
    }

    /// Broadcasting addition with a fresh tensor (sometimes a transposed view of one).
    fn add(&mut self, r: &mut Bytes) {
        let mut bshape = self.partner_shape(r);
        if r.below(16) == 0 {
            bshape.insert(0, r.size()); // maybe huge: must be refused or fit
        }
        let a_shape = self.cur.shape.clone();
        let expected = broadcast(&a_shape, &bshape);
        let agreed = _core::shape::broadcast_shapes("fuzz", &a_shape, &bshape);
        assert_eq!(
            agreed.as_ref().ok().map(|s| s.to_vec()),
            expected,
            "broadcast_shapes({a_shape:?}, {bshape:?})"
        );
        if expected.as_ref().is_some_and(|s| numel(s).is_none_or(|n| n > MAX_NUMEL))
            || numel(&bshape).is_none_or(|n| n > MAX_NUMEL)
            || !fits(&bshape)
        {
            return; // valid but too big to materialise
        }
        let saved = std::mem::replace(&mut self.cur, dummy());
        let mut b = self.new_root(&bshape);
        if bshape.len() >= 2 && r.bool() {
            // Operate on a transposed view of a tensor of the transposed shape instead.
            let mut ts = bshape.clone();
            let last = ts.len() - 1;
            ts.swap(0, last);
            self.roots.pop();
            let base = self.new_root(&ts);
            let (s, p) = compose(&base.idx, transpose_ref(&ts, 0, -1)).unwrap();
            b = Cur { t: base.t.transpose(0, -1).unwrap(), shape: s, idx: p, root: base.root };
        }
        self.cur = saved;
        let bvals = self.vals_of(&b);
        let avals = self.vals_of(&self.cur);
        let exp = expected.map(|out| {
            let n = numel(&out).unwrap();
            let pick = |s: &[usize], j: &[usize]| -> usize {
                let lead = out.len() - s.len();
                let k: Vec<usize> = (0..s.len()).map(|i| if s[i] == 1 { 0 } else { j[lead + i] }).collect();
                ravel(&k, s)
            };
            let vals = (0..n)
                .map(|f| {
                    let j = unravel(f, &out);
                    avals[pick(&a_shape, &j)] + bvals[pick(&b.shape, &j)]
                })
                .collect();
            (out, Some(Payload::Vals(vals)))
        });
        let res = self.cur.t.add(&b.t);
        self.adopt("add", res, exp, Kind::Copy);
    }

    /// x[spec] = value, through a view: the write must reach exactly the referenced elements.
    fn index_put(&mut self, r: &mut Bytes) {
        let shape = self.cur.shape.clone();
        let case = decode_index(r, &shape);
        let mode = r.below(4);
        let result_shape = case.expected.as_ref().map(|(s, _)| s.clone());
        let mut vshape = match (&result_shape, mode) {
            (_, 0) | (None, _) => vec![],
            (Some(s), 1) => s.clone(),
            (Some(s), 2) => {
                let mut v = s.clone();
                let drop = r.below(v.len() + 1);
                v.drain(..drop);
                for d in v.iter_mut() {
                    if r.bool() {
                        *d = 1;
                    }
                }
                v
            }
            _ => r.small_shape(),
        };
        let targets: Option<Vec<usize>> = case
            .expected
            .as_ref()
            .and_then(|(_, p)| p.as_ref())
            .map(|p| p.iter().map(|&i| self.cur.idx[i]).collect());
        if let Some(tg) = &targets {
            if has_duplicates(tg) {
                vshape = vec![]; // one value everywhere: the order of repeated writes cannot matter
            }
        }
        if numel(&vshape).is_none_or(|n| n > MAX_NUMEL) {
            return;
        }
        if case.expected.as_ref().is_some_and(|(_, p)| p.is_none()) {
            return; // valid but too big to materialise
        }
        let n = numel(&vshape).unwrap();
        let base = self.fresh() * 4096.0;
        self.counter += 1.0;
        let vvals: Vec<f64> = (0..n).map(|i| base + i as f64).collect();
        let value = Tensor::from_vec(vvals.clone(), &vshape).unwrap();
        let writes: Option<Vec<(usize, f64)>> = match (&case.expected, &targets) {
            (Some((rs, _)), Some(tg)) => expand_to_ref(&vshape, rs).map(|(_, p)| {
                let p = p.expect("small");
                tg.iter().zip(&p).map(|(&o, &k)| (o, vvals[k])).collect()
            }),
            _ => None,
        };
        let res = self.cur.t.index_put_(&case.spec, &value);
        match (res, writes) {
            (Ok(()), Some(w)) => {
                for (o, v) in w {
                    self.roots[self.cur.root].vals[o] = v;
                }
            }
            (Err(_), None) => {}
            (Ok(()), None) => panic!("index_put_: accepted an input the reference rejects"),
            (Err(e), Some(_)) => panic!("index_put_: rejected a valid input: {e}"),
        }
    }

    /// copy_ from a fresh tensor or from an earlier tensor of the program (often one sharing the
    /// destination's storage, which must be read before it is overwritten).
    fn copy(&mut self, r: &mut Bytes) {
        let shape = self.cur.shape.clone();
        let src = if !self.hist.is_empty() && r.bool() {
            self.hist[r.below(self.hist.len())].clone()
        } else {
            let s = self.partner_shape(r);
            if numel(&s).is_none_or(|n| n > MAX_NUMEL) || !fits(&s) {
                return; // a partner of a huge empty tensor: too big to make
            }
            let saved = std::mem::replace(&mut self.cur, dummy());
            let c = self.new_root(&s);
            self.cur = saved;
            c
        };
        let mut expected = expand_to_ref(&src.shape, &shape);
        if has_duplicates(&self.cur.idx) {
            if let Some((_, Some(p))) = &expected {
                let svals = self.vals_of(&src);
                let mut seen = std::collections::HashMap::new();
                for (&o, &k) in self.cur.idx.iter().zip(p) {
                    if *seen.entry(o).or_insert(svals[k]) != svals[k] {
                        return; // different values for one element: the order would matter
                    }
                }
            }
        }
        let svals = self.vals_of(&src);
        let res = self.cur.t.copy_(&src.t);
        match (res, expected.take()) {
            (Ok(()), Some((_, Some(p)))) => {
                for (&o, &k) in self.cur.idx.clone().iter().zip(&p) {
                    self.roots[self.cur.root].vals[o] = svals[k];
                }
            }
            (Err(_), None) => {}
            (Ok(()), None) => panic!("copy_: accepted a source of shape {:?} for {shape:?}", src.shape),
            (Err(e), Some(_)) => {
                panic!("copy_: rejected a valid source of shape {:?} for {shape:?}: {e}", src.shape)
            }
            (Ok(()), Some((_, None))) => unreachable!("destinations are small"),
        }
    }
}
