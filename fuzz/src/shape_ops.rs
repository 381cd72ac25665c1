//! The `shape_ops` harness: a random program of view, copy, broadcast, indexing and in-place
//! ops on float64 tensors, each result checked against a reference model (`shape_ref.rs`).
//!
//! The model keeps, for every storage ("root") the program has made, the values it should hold,
//! and for the current tensor the storage element behind each of its elements in row-major
//! order. A view op must return a tensor over the same storage whose layout addresses exactly
//! the elements the reference picks; a copying op must return the right values; an in-place op
//! must change exactly the elements the reference writes and nothing else. Inputs the reference
//! rejects must come back as `Err`; a panic anywhere is a finding.

use crate::bytes::Bytes;
use crate::reference::{
    broadcast, check_layout, fits, infer, numel, ravel, storage_f64, storage_len, unravel, MAX_NUMEL,
};
use crate::shape_ref::{
    compose, decode_index, expand_ref, expand_to_ref, flatten_ref, has_duplicates, narrow_ref, permute_ref,
    same_order, select_ref, slice_ref, squeeze_ref, transpose_ref, unsqueeze_ref, ViewRef,
};
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
