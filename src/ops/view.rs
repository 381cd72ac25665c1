//! Layout ops that share storage (view, reshape, transpose, permute, expand, squeeze, unsqueeze,
//! select, slice), plus contiguous, clone and dtype casts.

use super::record;
use crate::autograd::Backward;
use crate::backend::BackendStorage;
use crate::dtype::DType;
use crate::error::{bail, fmt_shape, Result};
use crate::layout::Layout;
use crate::shape::{infer_shape, normalize_dim, Dims};
use crate::tensor::Tensor;

/// A sub-view along one dim: what `x[i]` and `x[a:b:s]` take.
#[derive(Clone, Copy, Debug)]
pub enum Narrow {
    Select { dim: usize, index: usize },
    Slice { dim: usize, start: usize, len: usize, step: usize },
}

impl Narrow {
    pub fn apply(self, t: &Tensor) -> Result<Tensor> {
        self.check(t.shape())?;
        let (layout, name) = match self {
            Narrow::Select { dim, index } => (t.layout().select(dim, index), "SelectBackward0"),
            Narrow::Slice { dim, start, len, step } => {
                (t.layout().narrow(dim, start, len, step), "SliceBackward0")
            }
        };
        let out = t.view_of(layout);
        record(name, &out, &[t], |_| ViewBackward::Narrow { shape: t.dims(), narrow: self });
        Ok(out)
    }

    /// Zeros of `shape` with `g` written into this view: the adjoint of `apply`.
    pub(crate) fn embed(self, g: &Tensor, shape: &[usize]) -> Result<Tensor> {
        self.check(shape)?;
        let out = Tensor::full(shape, 0.0, g.dtype(), g.device())?;
        let l = match self {
            Narrow::Select { dim, index } => out.layout().select(dim, index),
            Narrow::Slice { dim, start, len, step } => out.layout().narrow(dim, start, len, step),
        };
        let gl = g.layout().broadcast_to("embed", &l.shape)?;
        out.storage().data().copy_into(&l, g.storage().data(), &gl)?;
        record("NarrowBackwardBackward0", &out, &[g], |_| EmbedBackward { narrow: self });
        Ok(out)
    }
}

impl Narrow {
    /// Refuses a sub-view that would leave a tensor of `shape`: the layout arithmetic does not
    /// check, and a view past its storage would be read out of bounds later (the public
    /// constructors check too; this guards direct users of `Narrow`).
    fn check(self, shape: &[usize]) -> Result<()> {
        let (dim, last) = match self {
            Narrow::Select { dim, index } => (dim, Some(index)),
            Narrow::Slice { dim, start, len, step } => {
                if step == 0 {
                    bail!(Value, "slice step cannot be zero")
                }
                // The last element taken, or None for an empty slice (any start up to size).
                let last = match len {
                    0 => None,
                    n => (n - 1).checked_mul(step).and_then(|x| x.checked_add(start)).or(Some(usize::MAX)),
                };
                if len == 0 && shape.get(dim).is_some_and(|&size| start > size) {
                    bail!(
                        Index,
                        "slice start {start} is out of bounds for dimension {dim} with size {}",
                        shape[dim]
                    )
                }
                (dim, last)
            }
        };
        let Some(&size) = shape.get(dim) else {
            bail!(
                Index,
                "Dimension out of range (expected to be in range of [{}, {}], but got {dim})",
                -(shape.len().max(1) as i64),
                shape.len().max(1) as i64 - 1
            )
        };
        if let Some(i) = last {
            if i >= size {
                bail!(Index, "index {i} is out of bounds for dimension {dim} with size {size}")
            }
        }
        Ok(())
    }
}

struct EmbedBackward {
    narrow: Narrow,
}
impl Backward for EmbedBackward {
    fn saves_tensors(&self) -> bool {
        false
    }
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![Some(self.narrow.apply(g)?)])
    }
}

enum ViewBackward {
    Reshape { shape: Dims },
    Transpose { a: usize, b: usize },
    Permute { inverse: Vec<usize> },
    Expand { shape: Dims },
    Narrow { shape: Dims, narrow: Narrow },
    Identity,
    Cast { dtype: DType },
    ToDevice { device: crate::Device },
}

impl Backward for ViewBackward {
    fn saves_tensors(&self) -> bool {
        false
    }
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let gx = match self {
            ViewBackward::Reshape { shape } => g.reshape_to(shape)?,
            ViewBackward::Transpose { a, b } => g.transpose(*a as i64, *b as i64)?,
            ViewBackward::Permute { inverse } => {
                let p: Vec<i64> = inverse.iter().map(|&d| d as i64).collect();
                g.permute(&p)?
            }
            ViewBackward::Expand { shape } => g.sum_to(shape)?,
            ViewBackward::Narrow { shape, narrow } => narrow.embed(g, shape)?,
            ViewBackward::Identity => g.clone(),
            ViewBackward::Cast { dtype } => g.to_dtype(*dtype)?,
            ViewBackward::ToDevice { device } => g.to_device(*device)?,
        };
        Ok(vec![Some(gx)])
    }
}

impl Tensor {
    /// Casts without recording (kernels' input preparation). Returns `self` if nothing changes.
    pub(crate) fn cast_raw(&self, dtype: DType) -> Result<Tensor> {
        if self.dtype() == dtype {
            return Ok(self.clone());
        }
        let s = self.storage().data().to_dtype(self.layout(), dtype)?;
        Ok(Tensor::from_data(s, self.shape()))
    }

    /// Differentiable dtype conversion (`.to(dtype)`, `.double()`, `.float()`).
    pub fn to_dtype(&self, dtype: DType) -> Result<Tensor> {
        if self.dtype() == dtype {
            return Ok(self.clone());
        }
        let out = self.cast_raw(dtype)?;
        if dtype.is_float() {
            record("ToCopyBackward0", &out, &[self], |_| ViewBackward::Cast { dtype: self.dtype() });
        }
        Ok(out)
    }

    /// Differentiable move to another device (`.to("wgpu")`, `.cpu()`): a contiguous copy there.
    pub fn to_device(&self, device: crate::Device) -> Result<Tensor> {
        if self.device() == device {
            return Ok(self.clone());
        }
        let data = self.storage().data().to_device(self.layout(), device)?;
        let out = Tensor::from_data(data, self.shape());
        if self.dtype().is_float() {
            record("ToCopyBackward0", &out, &[self], |_| ViewBackward::ToDevice { device: self.device() });
        }
        Ok(out)
    }

    pub fn contiguous(&self) -> Result<Tensor> {
        if self.is_contiguous() {
            return Ok(self.clone());
        }
        self.clone_tensor()
    }

    /// torch.clone: a copy with its own storage, differentiable.
    pub fn clone_tensor(&self) -> Result<Tensor> {
        let out = self.contiguous_copy()?;
        record("CloneBackward0", &out, &[self], |_| ViewBackward::Identity);
        Ok(out)
    }

    /// view: only when the strides allow it (torch's error otherwise).
    pub fn view(&self, shape: &[i64]) -> Result<Tensor> {
        let target = infer_shape("view", shape, self.numel(), self.shape())?;
        match self.layout().reshape_view(&target) {
            Some(l) => Ok(self.reshape_record(l, "ViewBackward0")),
            None => bail!(
                Shape,
                "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead. (input shape {}, view shape {})",
                fmt_shape(self.shape()),
                fmt_shape(&target)
            ),
        }
    }

    pub fn reshape(&self, shape: &[i64]) -> Result<Tensor> {
        let target = infer_shape("reshape", shape, self.numel(), self.shape())?;
        self.reshape_to(&target)
    }

    pub(crate) fn reshape_to(&self, target: &[usize]) -> Result<Tensor> {
        if target == self.shape() {
            return Ok(self.clone());
        }
        // Callers pass shapes of the same size; a mismatch would make a view past the data.
        if crate::shape::numel(target) != self.numel() {
            bail!(Shape, "shape '{}' is invalid for input of size {}", fmt_shape(target), self.numel())
        }
        match self.layout().reshape_view(target) {
            Some(l) => Ok(self.reshape_record(l, "ViewBackward0")),
            None => {
                let c = self.clone_tensor()?;
                let l = Layout::contiguous(target);
                Ok(c.reshape_record(l, "UnsafeViewBackward0"))
            }
        }
    }

    /// reshape recorded under torch's `name` for it where the result is a view.
    pub(crate) fn reshape_named(&self, target: &[usize], name: &'static str) -> Result<Tensor> {
        match self.layout().reshape_view(target) {
            Some(l) if crate::shape::numel(target) == self.numel() => Ok(self.reshape_record(l, name)),
            _ => self.reshape_to(target),
        }
    }

    fn reshape_record(&self, l: Layout, name: &'static str) -> Tensor {
        let out = self.view_of(l);
        record(name, &out, &[self], |_| ViewBackward::Reshape { shape: self.dims() });
        out
    }

    pub fn flatten(&self, start: i64, end: i64) -> Result<Tensor> {
        if self.ndim() == 0 {
            // A 0-d tensor takes dims -1 and 0 only (torch's IndexError otherwise).
            normalize_dim("flatten", start, 0)?;
            normalize_dim("flatten", end, 0)?;
            return self.reshape(&[1]);
        }
        let s = normalize_dim("flatten", start, self.ndim())?;
        let e = normalize_dim("flatten", end, self.ndim())?;
        if s > e {
            bail!(Shape, "flatten() has invalid args: start_dim cannot come after end_dim")
        }
        let mut shape: Vec<i64> = self.shape()[..s].iter().map(|&d| d as i64).collect();
        shape.push(self.shape()[s..=e].iter().product::<usize>() as i64);
        shape.extend(self.shape()[e + 1..].iter().map(|&d| d as i64));
        self.reshape(&shape)
    }

    pub fn transpose(&self, a: i64, b: i64) -> Result<Tensor> {
        if self.ndim() == 0 {
            normalize_dim("transpose", a, 0)?;
            normalize_dim("transpose", b, 0)?;
            return Ok(self.clone());
        }
        let a = normalize_dim("transpose", a, self.ndim())?;
        let b = normalize_dim("transpose", b, self.ndim())?;
        let out = self.view_of(self.layout().transpose(a, b));
        record("TransposeBackward0", &out, &[self], |_| ViewBackward::Transpose { a, b });
        Ok(out)
    }

    /// Tensor.t(): transpose of a tensor with at most 2 dims.
    pub fn t(&self) -> Result<Tensor> {
        if self.ndim() > 2 {
            bail!(Shape, "t() expects a tensor with <= 2 dimensions, but self is {}D", self.ndim())
        }
        if self.ndim() < 2 {
            return Ok(self.clone());
        }
        let out = self.view_of(self.layout().transpose(0, 1));
        record("TBackward0", &out, &[self], |_| ViewBackward::Transpose { a: 0, b: 1 });
        Ok(out)
    }

    pub fn permute(&self, dims: &[i64]) -> Result<Tensor> {
        if dims.len() != self.ndim() {
            bail!(
                Shape,
                "permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = {} is not equal to len(dims) = {}",
                self.ndim(),
                dims.len()
            )
        }
        let mut perm = Vec::with_capacity(dims.len());
        for &d in dims {
            let d = normalize_dim("permute", d, self.ndim())?;
            if perm.contains(&d) {
                bail!(Shape, "permute(): duplicate dims are not allowed.")
            }
            perm.push(d);
        }
        let mut inverse = vec![0; perm.len()];
        for (i, &p) in perm.iter().enumerate() {
            inverse[p] = i;
        }
        let out = self.view_of(self.layout().permute(&perm));
        record("PermuteBackward0", &out, &[self], |_| ViewBackward::Permute { inverse });
        Ok(out)
    }

    /// expand: -1 keeps a size; new leading dims may be added.
    pub fn expand(&self, sizes: &[i64]) -> Result<Tensor> {
        let n = sizes.len();
        if n < self.ndim() {
            bail!(
                Shape,
                "expand: the number of sizes provided ({n}) must be greater or equal to the number of dimensions in the tensor ({})",
                self.ndim()
            )
        }
        let lead = n - self.ndim();
        let mut shape = Dims::new();
        for (i, &s) in sizes.iter().enumerate() {
            if s == -1 {
                if i < lead {
                    bail!(Shape, "expand: -1 is not allowed in a leading, non-existing dimension {i}")
                }
                shape.push(self.shape()[i - lead]);
            } else if s < 0 {
                bail!(Shape, "expand: invalid size {s}")
            } else {
                shape.push(s as usize);
            }
        }
        self.expand_to(&shape)
    }

    pub fn expand_to(&self, shape: &[usize]) -> Result<Tensor> {
        if shape == self.shape() {
            return Ok(self.clone());
        }
        let l = self.layout().broadcast_to("expand", shape)?;
        let out = self.view_of(l);
        record("ExpandBackward0", &out, &[self], |_| ViewBackward::Expand { shape: self.dims() });
        Ok(out)
    }

    pub fn squeeze(&self, dims: Option<&[i64]>) -> Result<Tensor> {
        let ds: Vec<usize> = match dims {
            None => (0..self.ndim()).collect(),
            Some(d) => d.iter().map(|&d| normalize_dim("squeeze", d, self.ndim())).collect::<Result<_>>()?,
        };
        // torch refuses a dim named twice (`squeeze((0, 0))`, `squeeze((0, -2))` on 2-d).
        if let Some(dup) = ds.iter().enumerate().find_map(|(i, d)| ds[..i].contains(d).then_some(*d)) {
            bail!(Shape, "squeeze: dim {dup} appears multiple times in the list of dims")
        }
        let l = self.layout().squeeze_dims(&ds);
        if l.shape == self.layout().shape {
            return Ok(self.view_of(self.layout().clone()).with_history_of(self));
        }
        let out = self.view_of(l);
        let name = if dims.is_none() { "SqueezeBackward0" } else { "SqueezeBackward1" };
        record(name, &out, &[self], |_| ViewBackward::Reshape { shape: self.dims() });
        Ok(out)
    }

    pub fn unsqueeze(&self, dim: i64) -> Result<Tensor> {
        let d = normalize_dim("unsqueeze", dim, self.ndim() + 1)?;
        let out = self.view_of(self.layout().unsqueeze(d));
        record("UnsqueezeBackward0", &out, &[self], |_| ViewBackward::Reshape { shape: self.dims() });
        Ok(out)
    }

    /// A view of the whole tensor that keeps its history (an identity step in the graph).
    pub fn alias_view(&self) -> Tensor {
        self.identity_step("AliasBackward0")
    }

    /// A same-layout view whose node, named `name`, passes the gradient through unchanged.
    pub(crate) fn identity_step(&self, name: &'static str) -> Tensor {
        let out = self.view_of(self.layout().clone());
        record(name, &out, &[self], |_| ViewBackward::Identity);
        out
    }

    /// A view with the same layout that records an identity step (so it is a distinct tensor
    /// with the same history, as torch's no-op squeeze returns).
    fn with_history_of(self, src: &Tensor) -> Tensor {
        record("AliasBackward0", &self, &[src], |_| ViewBackward::Identity);
        self
    }

    pub fn select(&self, dim: i64, index: i64) -> Result<Tensor> {
        if self.ndim() == 0 {
            bail!(Index, "select() cannot be applied to a 0-dim tensor.")
        }
        let d = normalize_dim("select", dim, self.ndim())?;
        let size = self.shape()[d] as i64;
        if index < -size || index >= size {
            bail!(Index, "index {index} is out of bounds for dimension {d} with size {size}")
        }
        let i = if index < 0 { index + size } else { index } as usize;
        Narrow::Select { dim: d, index: i }.apply(self)
    }

    /// Python-style slice with a positive step; bounds are clamped as Python does.
    pub fn slice(&self, dim: usize, start: usize, stop: usize, step: usize) -> Result<Tensor> {
        if step == 0 {
            bail!(Value, "slice step cannot be zero")
        }
        // A dim past the last (or any dim of a 0-d tensor) is an error, not a panic.
        let Some(&size) = self.shape().get(dim) else {
            let n = self.ndim().max(1) as i64;
            bail!(
                Index,
                "Dimension out of range (expected to be in range of [{}, {}], but got {dim})",
                -n,
                n - 1
            )
        };
        let start = start.min(size);
        let stop = stop.clamp(start, size);
        let len = (stop - start).div_ceil(step);
        // With at most one element the step is never applied; a huge one would only overflow
        // the stride (stride * step) it is folded into.
        let step = if len <= 1 { 1 } else { step };
        Narrow::Slice { dim, start, len, step }.apply(self)
    }

    /// torch's errors: a bad dim is an IndexError, everything else (0-d input, a negative
    /// length, a range past the end) a RuntimeError.
    pub fn narrow(&self, dim: i64, start: i64, length: i64) -> Result<Tensor> {
        if self.ndim() == 0 {
            bail!(Shape, "narrow() cannot be applied to a 0-dim tensor.")
        }
        let d = normalize_dim("narrow", dim, self.ndim())?;
        let size = self.shape()[d] as i64;
        if start < -size || start > size {
            bail!(
                Index,
                "narrow: start out of range (expected to be in range of [{}, {size}], but got {start})",
                -size
            )
        }
        if length < 0 {
            bail!(Shape, "narrow(): length must be non-negative.")
        }
        let s = if start < 0 { start + size } else { start };
        // checked_add: start and length near i64::MAX must be an error, not an overflow.
        if s.checked_add(length).is_none_or(|end| end > size) {
            bail!(Shape, "narrow: start ({s}) + length ({length}) exceeds dimension size ({size}).")
        }
        Narrow::Slice { dim: d, start: s as usize, len: length as usize, step: 1 }.apply(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t23() -> Tensor {
        Tensor::from_vec((0..6).map(|i| i as f64).collect::<Vec<_>>(), &[2, 3]).unwrap()
    }

    #[test]
    fn slice_of_a_missing_dim_is_an_error() {
        // Found by fuzz/shape_ops: `self.shape()[dim]` panicked (index out of bounds).
        let t = t23();
        assert!(matches!(t.slice(2, 0, 1, 1), Err(crate::Error::Index(_))));
        let s = Tensor::scalar(crate::Scalar::Float(1.0), DType::F64);
        assert!(matches!(s.slice(0, 0, 1, 1), Err(crate::Error::Index(_))));
        assert!(matches!(t.slice(0, 0, 1, 0), Err(crate::Error::Value(_))));
    }

    #[test]
    fn slice_with_a_huge_step_takes_one_element() {
        // stride (3) * step (usize::MAX) overflowed; with one element taken the step is moot.
        let t = t23();
        let s = t.slice(0, 1, usize::MAX, usize::MAX).unwrap();
        assert_eq!(s.shape(), &[1, 3]);
        assert_eq!(s.to_vec::<f64>().unwrap(), vec![3.0, 4.0, 5.0]);
        assert_eq!(t.slice(1, 0, 3, usize::MAX - 1).unwrap().to_vec::<f64>().unwrap(), vec![0.0, 3.0]);
    }

    #[test]
    fn narrow_with_overflowing_bounds_is_an_error() {
        // start + length overflowed i64 before the bounds check.
        let t = t23();
        assert!(t.narrow(1, i64::MAX, i64::MAX).is_err());
        assert!(t.narrow(1, 1, i64::MAX).is_err());
        assert_eq!(t.narrow(1, -1, 1).unwrap().to_vec::<f64>().unwrap(), vec![2.0, 5.0]);
    }

    #[test]
    fn narrow_views_out_of_range_are_refused() {
        // `Narrow` is public and fed to the layout arithmetic unchecked: a view past its
        // storage would be read out of bounds by a later kernel.
        let t = t23();
        assert!(Narrow::Select { dim: 0, index: 2 }.apply(&t).is_err());
        assert!(Narrow::Select { dim: 2, index: 0 }.apply(&t).is_err());
        assert!(Narrow::Slice { dim: 1, start: 1, len: 2, step: 2 }.apply(&t).is_err());
        assert!(Narrow::Slice { dim: 1, start: 0, len: 2, step: usize::MAX }.apply(&t).is_err());
        assert!(Narrow::Slice { dim: 1, start: 0, len: 2, step: 0 }.apply(&t).is_err());
        let ok = Narrow::Slice { dim: 1, start: 0, len: 2, step: 2 }.apply(&t).unwrap();
        assert_eq!(ok.to_vec::<f64>().unwrap(), vec![0.0, 2.0, 3.0, 5.0]);
        assert_eq!(Narrow::Slice { dim: 1, start: 3, len: 0, step: 1 }.apply(&t).unwrap().numel(), 0);
    }

    #[test]
    fn expand_to_an_overflowing_shape_is_an_error() {
        let one = Tensor::from_vec(vec![1.0f64], &[1, 1]).unwrap();
        assert!(one.expand(&[1 << 40, 1 << 40]).is_err());
        assert_eq!(one.expand(&[1 << 40, 3]).unwrap().shape(), &[1 << 40, 3]);
    }
}
