//! Layout = shape + strides + offset. Every view op is a function from one layout to another.

use crate::error::{bail, fmt_shape, Result};
use crate::shape::{contiguous_strides, numel, Dims};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub shape: Dims,
    pub strides: Dims,
    pub offset: usize,
}

impl Layout {
    pub fn contiguous(shape: &[usize]) -> Layout {
        Layout { shape: shape.into(), strides: contiguous_strides(shape), offset: 0 }
    }

    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    pub fn numel(&self) -> usize {
        numel(&self.shape)
    }

    /// Several elements at one memory location (an expanded dim: stride 0, size > 1), where an
    /// elementwise write would race with itself (torch's `has_internal_overlap`).
    pub fn has_internal_overlap(&self) -> bool {
        self.shape.iter().zip(self.strides.iter()).any(|(&n, &s)| n > 1 && s == 0)
    }

    /// Row-major contiguous (size-1 dims may have any stride, as in torch).
    pub fn is_contiguous(&self) -> bool {
        if self.numel() == 0 {
            return true; // an empty tensor has nothing out of place (as torch says)
        }
        let mut expected = 1usize;
        for i in (0..self.shape.len()).rev() {
            if self.shape[i] != 1 {
                if self.strides[i] != expected {
                    return false;
                }
                expected *= self.shape[i];
            }
        }
        true
    }

    /// The span of storage elements this layout touches, relative to offset (max index + 1).
    pub fn storage_span(&self) -> usize {
        if self.numel() == 0 {
            return 0;
        }
        1 + self.shape.iter().zip(&self.strides).map(|(&d, &s)| (d - 1) * s).sum::<usize>()
    }

    pub fn transpose(&self, a: usize, b: usize) -> Layout {
        let mut l = self.clone();
        l.shape.swap(a, b);
        l.strides.swap(a, b);
        l
    }

    pub fn permute(&self, perm: &[usize]) -> Layout {
        Layout {
            shape: perm.iter().map(|&p| self.shape[p]).collect(),
            strides: perm.iter().map(|&p| self.strides[p]).collect(),
            offset: self.offset,
        }
    }

    /// Broadcast view to `shape`: new leading dims and size-1 dims get stride 0.
    pub fn broadcast_to(&self, op: &str, shape: &[usize]) -> Result<Layout> {
        let n = shape.len();
        if n < self.ndim() {
            bail!(
                Shape,
                "{op}: the number of sizes provided ({n}) must be greater or equal to the number of dimensions in the tensor ({})",
                self.ndim()
            )
        }
        let lead = n - self.ndim();
        let mut strides = Dims::from_elem(0, n);
        for i in 0..n {
            if i < lead {
                continue;
            }
            let (d, s) = (self.shape[i - lead], self.strides[i - lead]);
            if d == shape[i] {
                strides[i] = s;
            } else if d != 1 {
                bail!(
                    Shape,
                    "{op}: the expanded size of the tensor ({}) must match the existing size ({d}) at non-singleton dimension {i}. Target sizes: {}. Tensor sizes: {}",
                    shape[i],
                    fmt_shape(shape),
                    fmt_shape(&self.shape)
                )
            }
        }
        // Stretching size-1 dims can make a shape whose element count overflows.
        crate::shape::check_extent(op, shape)?;
        Ok(Layout { shape: shape.into(), strides, offset: self.offset })
    }

    pub fn narrow(&self, dim: usize, start: usize, len: usize, step: usize) -> Layout {
        let mut l = self.clone();
        if len > 0 {
            l.offset += start * self.strides[dim];
        }
        l.shape[dim] = len;
        l.strides[dim] = self.strides[dim] * step;
        l
    }

    pub fn select(&self, dim: usize, index: usize) -> Layout {
        let mut l = self.clone();
        l.offset += index * self.strides[dim];
        l.shape.remove(dim);
        l.strides.remove(dim);
        l
    }

    pub fn unsqueeze(&self, dim: usize) -> Layout {
        let mut l = self.clone();
        // The stride of a size-1 dim is never applied; saturating keeps a huge empty or
        // expanded neighbour from overflowing it.
        let stride = if dim < self.ndim() { self.strides[dim].saturating_mul(self.shape[dim]) } else { 1 };
        l.shape.insert(dim, 1);
        l.strides.insert(dim, stride);
        l
    }

    pub fn squeeze_dims(&self, dims: &[usize]) -> Layout {
        let mut l = Layout { shape: Dims::new(), strides: Dims::new(), offset: self.offset };
        for i in 0..self.ndim() {
            if !(dims.contains(&i) && self.shape[i] == 1) {
                l.shape.push(self.shape[i]);
                l.strides.push(self.strides[i]);
            }
        }
        l
    }

    /// A view with a new shape over the same elements, when strides allow it (torch's
    /// computeStride): groups of old dims that are contiguous among themselves can be re-split.
    pub fn reshape_view(&self, shape: &[usize]) -> Option<Layout> {
        if self.is_contiguous() {
            return Some(Layout {
                shape: shape.into(),
                strides: contiguous_strides(shape),
                offset: self.offset,
            });
        }
        let numel = self.numel();
        if numel == 0 {
            return Some(Layout {
                shape: shape.into(),
                strides: contiguous_strides(shape),
                offset: self.offset,
            });
        }
        let mut new_strides = Dims::from_elem(0, shape.len());
        let mut view_d = shape.len() as isize - 1;
        let mut chunk_base_stride = *self.strides.last().unwrap_or(&1);
        let mut tensor_numel = 1usize;
        let mut view_numel = 1usize;
        for tensor_d in (0..self.ndim()).rev() {
            tensor_numel *= self.shape[tensor_d];
            let boundary = tensor_d == 0
                || (self.shape[tensor_d - 1] != 1
                    && self.strides[tensor_d - 1] != tensor_numel * chunk_base_stride);
            if boundary {
                while view_d >= 0 && (view_numel < tensor_numel || shape[view_d as usize] == 1) {
                    new_strides[view_d as usize] = view_numel * chunk_base_stride;
                    view_numel *= shape[view_d as usize];
                    view_d -= 1;
                }
                if view_numel != tensor_numel {
                    return None;
                }
                if tensor_d > 0 {
                    chunk_base_stride = self.strides[tensor_d - 1];
                    tensor_numel = 1;
                    view_numel = 1;
                }
            }
        }
        if view_d != -1 {
            return None;
        }
        Some(Layout { shape: shape.into(), strides: new_strides, offset: self.offset })
    }
}

/// Calls `f` with the storage offsets of N layouts of one shape, in row-major order. The
/// innermost dim is a tight loop; the outer dims advance an index counter, so there is no
/// recursion and no per-element division.
pub fn for_each_offset<const N: usize>(
    shape: &[usize],
    layouts: [&Layout; N],
    mut f: impl FnMut([usize; N]),
) {
    let total = numel(shape);
    if total == 0 {
        return;
    }
    let nd = shape.len();
    let mut base: [usize; N] = std::array::from_fn(|k| layouts[k].offset);
    if nd == 0 {
        f(base);
        return;
    }
    let inner = shape[nd - 1];
    let inner_strides: [usize; N] = std::array::from_fn(|k| layouts[k].strides[nd - 1]);
    let mut idx = Dims::from_elem(0, nd);
    loop {
        let mut off = base;
        for _ in 0..inner {
            f(off);
            for k in 0..N {
                off[k] += inner_strides[k];
            }
        }
        // Advance the outer counter (dims nd-2 down to 0).
        let mut d = nd as isize - 2;
        loop {
            if d < 0 {
                return;
            }
            let du = d as usize;
            idx[du] += 1;
            for k in 0..N {
                base[k] += layouts[k].strides[du];
            }
            if idx[du] < shape[du] {
                break;
            }
            for k in 0..N {
                base[k] -= layouts[k].strides[du] * shape[du];
            }
            idx[du] = 0;
            d -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offsets(l: &Layout) -> Vec<usize> {
        let mut v = vec![];
        for_each_offset(&l.shape.clone(), [l], |[o]| v.push(o));
        v
    }

    #[test]
    fn contiguity_and_transpose() {
        let l = Layout::contiguous(&[2, 3]);
        assert!(l.is_contiguous());
        let t = l.transpose(0, 1);
        assert!(!t.is_contiguous());
        assert_eq!(offsets(&t), vec![0, 3, 1, 4, 2, 5]);
    }

    #[test]
    fn broadcast_and_narrow() {
        let l = Layout::contiguous(&[3, 1]);
        let b = l.broadcast_to("expand", &[2, 3, 4]).unwrap();
        assert_eq!(&b.strides[..], &[0, 1, 0]);
        assert!(l.broadcast_to("expand", &[2, 4]).is_err());
        let n = Layout::contiguous(&[10]).narrow(0, 1, 4, 2);
        assert_eq!(offsets(&n), vec![1, 3, 5, 7]);
    }

    #[test]
    fn empty_layouts_are_contiguous() {
        // Regression: (2, 0) was reported non-contiguous and sent a kernel down a row loop
        // that divided by the zero row length.
        assert!(Layout::contiguous(&[2, 0]).is_contiguous());
        assert!(Layout::contiguous(&[2, 0]).transpose(0, 1).is_contiguous());
    }

    #[test]
    fn expanding_to_an_overflowing_shape_is_an_error() {
        // Found by fuzz/layout_math: the element count of [2^40, 2^40] wrapped (release) or
        // panicked (debug) in every later numel().
        let l = Layout::contiguous(&[1, 1]);
        assert!(l.broadcast_to("expand", &[1 << 40, 1 << 40]).is_err());
        assert!(l.broadcast_to("expand", &[1 << 40, 4]).is_ok());
        let empty = Layout::contiguous(&[0, 1]);
        assert!(empty.broadcast_to("expand", &[usize::MAX, 0, usize::MAX]).is_err());
        // unsqueeze next to a huge expanded dim of an empty view must not overflow its stride.
        let e = Layout::contiguous(&[0, 1]).broadcast_to("expand", &[0, 1 << 62]).unwrap();
        assert_eq!(e.unsqueeze(1).shape.len(), 3);
    }

    #[test]
    fn reshape_views() {
        let l = Layout::contiguous(&[2, 3, 4]);
        let t = l.transpose(0, 1); // (3, 2, 4), strides (4, 12, 1)
        assert!(t.reshape_view(&[24]).is_none());
        let v = t.reshape_view(&[3, 2, 2, 2]).unwrap();
        assert_eq!(&v.strides[..], &[4, 12, 2, 1]);
        let s = l.select(1, 2);
        assert_eq!(s.offset, 8);
        assert_eq!(&s.shape[..], &[2, 4]);
        assert_eq!(offsets(&l.unsqueeze(0).squeeze_dims(&[0])), offsets(&l));
    }
}
