//! The `layout_math` harness: ferrograd's pure shape and layout functions (`shape.rs`,
//! `layout.rs`) on arbitrary shapes, strides and dim lists, checked against the reference. No
//! tensor is allocated, so huge and overflowing sizes are fair game.

use crate::bytes::Bytes;
use crate::reference::{broadcast, check_layout, infer, norm_dim, numel, offsets, MAX_NUMEL};
use _core::layout::Layout;
use _core::shape::{
    broadcast_shapes, checked_numel, contiguous_strides, infer_shape, normalize_dim, normalize_dims, Dims,
};

/// Runs the checks decoded from `data`.
pub fn run(data: &[u8]) {
    let mut r = Bytes::new(data);
    while !r.is_empty() {
        match r.below(6) {
            0 => {
                let (a, b) = (r.shape(6), r.shape(6));
                let got = broadcast_shapes("fuzz", &a, &b).ok().map(|d| d.to_vec());
                assert_eq!(got, broadcast(&a, &b), "broadcast_shapes({a:?}, {b:?})");
            }
            1 => {
                let target: Vec<i64> = (0..r.below(6)).map(|_| r.i64()).collect();
                let from = r.shape(4);
                if let Some(n) = numel(&from) {
                    let got = infer_shape("fuzz", &target, n, &from).ok().map(|d| d.to_vec());
                    assert_eq!(got, infer(&target, n), "infer_shape({target:?}, {n})");
                }
            }
            2 => {
                let (dim, ndim) = (r.i64(), r.below(8));
                let got = normalize_dim("fuzz", dim, ndim).ok();
                assert_eq!(got, norm_dim(dim, ndim), "normalize_dim({dim}, {ndim})");
                let dims: Vec<i64> = (0..r.below(5)).map(|_| r.i64()).collect();
                let got = normalize_dims("fuzz", &dims, ndim).ok().map(|d| d.to_vec());
                assert_eq!(got, normalize_dims_ref(&dims, ndim), "normalize_dims({dims:?}, {ndim})");
            }
            3 => {
                let s = r.shape(6);
                let want = if crate::reference::fits(&s) { numel(&s) } else { None };
                assert_eq!(checked_numel("fuzz", &s).ok(), want, "checked_numel({s:?})");
                // Strides of a shape that can exist: row-major, and the layout walks 0..n.
                if crate::reference::fits(&s) {
                    let l = Layout::contiguous(&s);
                    assert_eq!(l.strides, contiguous_strides(&s));
                    if numel(&s).is_some_and(|n| n <= MAX_NUMEL) {
                        let offs = offsets(&l);
                        assert!(offs.iter().enumerate().all(|(k, &o)| o == k), "contiguous({s:?})");
                        assert!(l.is_contiguous());
                    }
                }
            }
            4 => reshape_view(&mut r),
            _ => broadcast_layout(&mut r),
        }
    }
}

/// A reduction's dim list: empty means all; each wrapped; repeats refused; sorted.
fn normalize_dims_ref(dims: &[i64], ndim: usize) -> Option<Vec<usize>> {
    if dims.is_empty() {
        return Some((0..ndim).collect());
    }
    let mut out = vec![];
    for &d in dims {
        let d = norm_dim(d, ndim)?;
        if ndim == 0 {
            continue;
        }
        if out.contains(&d) {
            return None;
        }
        out.push(d);
    }
    out.sort_unstable();
    Some(out)
}

/// An arbitrary strided layout over a storage big enough for it.
fn strided_layout(r: &mut Bytes) -> (Layout, usize) {
    let nd = r.below(5);
    let shape: Dims = (0..nd).map(|_| r.below(5)).collect();
    let strides: Dims = (0..nd)
        .map(|_| match r.below(4) {
            0 => 0,
            _ => r.below(40),
        })
        .collect();
    let offset = r.below(8);
    let l = Layout { shape, strides, offset };
    let len = offsets(&l).into_iter().max().map_or(offset, |m| m + 1);
    (l, len)
}

/// reshape_view on arbitrary strides: when it answers, the new layout must address the same
/// elements in the same order; a contiguous input must always get an answer.
fn reshape_view(r: &mut Bytes) {
    let (l, len) = strided_layout(r);
    let before = check_layout(&l, len, "layout");
    let n = before.len();
    // A random factorisation of n, with size-1 dims sprinkled in.
    let mut target = vec![];
    let mut left = n;
    for _ in 0..r.below(5) {
        if r.below(4) == 0 {
            target.push(1);
            continue;
        }
        let divs: Vec<usize> = (1..=left.clamp(1, 12)).filter(|&d| left.is_multiple_of(d)).collect();
        let d = if left == 0 { r.below(3) } else { divs[r.below(divs.len())] };
        target.push(d);
        left = left.checked_div(d).unwrap_or(0);
    }
    target.push(left);
    if numel(&target) != Some(n) {
        return;
    }
    match l.reshape_view(&target) {
        Some(v) => {
            assert_eq!(&v.shape[..], &target[..], "reshape_view shape");
            let after = check_layout(&v, len, "reshape_view");
            assert_eq!(after, before, "reshape_view of {l:?} to {target:?} gave {v:?}");
        }
        None => assert!(!l.is_contiguous(), "reshape_view refused a contiguous layout {l:?} -> {target:?}"),
    }
}

/// Layout::broadcast_to, permute and transpose on arbitrary strides.
fn broadcast_layout(r: &mut Bytes) {
    let (l, len) = strided_layout(r);
    let before = check_layout(&l, len, "layout");
    let mut to: Vec<usize> = l.shape.to_vec();
    for d in to.iter_mut() {
        if *d == 1 || r.below(6) == 0 {
            *d = r.size();
        }
    }
    for _ in 0..r.below(3) {
        to.insert(0, r.size());
    }
    let ok = crate::reference::broadcast(&l.shape, &to).is_some_and(|b| b == to);
    match l.broadcast_to("fuzz", &to) {
        Ok(b) => {
            assert!(ok, "broadcast_to accepted {:?} -> {to:?}", l.shape);
            assert_eq!(&b.shape[..], &to[..]);
            if numel(&to).is_some_and(|n| n <= MAX_NUMEL) {
                let offs = check_layout(&b, len, "broadcast_to");
                let lead = to.len() - l.shape.len();
                for (f, &o) in offs.iter().enumerate() {
                    let j = crate::reference::unravel(f, &to);
                    let k: Vec<usize> =
                        (0..l.shape.len()).map(|i| if l.shape[i] == 1 { 0 } else { j[lead + i] }).collect();
                    let src =
                        if before.is_empty() { o } else { before[crate::reference::ravel(&k, &l.shape)] };
                    assert_eq!(o, src, "broadcast_to element {f}");
                }
            }
        }
        Err(_) => assert!(!ok, "broadcast_to refused {:?} -> {to:?}", l.shape),
    }
    if l.ndim() >= 2 {
        let (a, b) = (r.below(l.ndim()), r.below(l.ndim()));
        let t = l.transpose(a, b);
        let offs = check_layout(&t, len, "transpose");
        let mut sorted = offs.clone();
        sorted.sort_unstable();
        let mut want = before.clone();
        want.sort_unstable();
        assert_eq!(sorted, want, "transpose must address the same elements");
    }
}
