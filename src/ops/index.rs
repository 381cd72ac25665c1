//! Gathers and scatters by element offsets: advanced indexing with integer tensors, index_put
//! (setitem), and the along-dim pick used by max/min(dim). Each gather's backward is the
//! matching scatter-add, and the other way round, so higher derivatives follow.

use super::record;
use crate::autograd::Backward;
use crate::backend::BackendStorage;
use crate::dtype::DType;
use crate::error::{bail, Result};
use crate::layout::{for_each_offset, Layout};
use crate::shape::{broadcast_shapes, Dims};
use crate::tensor::Tensor;

/// Integer index tensors applied to some dims of a tensor, broadcast together: the result of
/// the gather has shape `batch + rest`, where `rest` are the un-indexed dims in order.
#[derive(Clone)]
pub struct AdvancedIndex {
    pub dims: Vec<usize>,
    pub indices: Vec<Tensor>,
}

impl AdvancedIndex {
    pub fn new(op: &str, shape: &[usize], dims: Vec<usize>, indices: Vec<Tensor>) -> Result<AdvancedIndex> {
        // One index tensor per dim, each dim present and indexed once: `offsets` adds one
        // stride term per pair, so a repeated or missing dim would address outside the tensor.
        if dims.len() != indices.len() {
            bail!(Index, "{op}: {} dims given for {} index tensors", dims.len(), indices.len())
        }
        for (i, &d) in dims.iter().enumerate() {
            if d >= shape.len() {
                bail!(Index, "too many indices for tensor of dimension {} (dim {d} indexed)", shape.len())
            }
            if dims[..i].contains(&d) {
                bail!(Index, "{op}: dim {d} is indexed twice")
            }
        }
        let mut b: Dims = Dims::new();
        for t in &indices {
            if !t.dtype().is_int() {
                bail!(Index, "{op}: tensors used as indices must be long, int, byte or bool tensors")
            }
            b = broadcast_shapes(op, &b, t.shape()).map_err(|_| {
                crate::Error::Index(format!(
                    "{op}: shape mismatch: indexing tensors could not be broadcast together"
                ))
            })?;
        }
        for (&d, t) in dims.iter().zip(&indices) {
            let size = shape[d] as i64;
            for v in t.to_vec::<i64>()? {
                if v < -size || v >= size {
                    bail!(Index, "index {v} is out of bounds for dimension {d} with size {size}")
                }
            }
        }
        Ok(AdvancedIndex { dims, indices })
    }

    fn batch_shape(&self) -> Result<Dims> {
        let mut b = Dims::new();
        for t in &self.indices {
            b = broadcast_shapes("index", &b, t.shape())?;
        }
        Ok(b)
    }

    /// Shape of the gathered result: batch dims first, then the remaining dims.
    pub fn front_shape(&self, shape: &[usize]) -> Result<Dims> {
        let mut out = self.batch_shape()?;
        out.extend((0..shape.len()).filter(|d| !self.dims.contains(d)).map(|d| shape[d]));
        Ok(out)
    }

    /// Storage offsets, in front-shape order, of the elements picked from `layout`.
    fn offsets(&self, layout: &Layout) -> Result<Vec<usize>> {
        let b = self.batch_shape()?;
        let nb: usize = crate::shape::numel(&b);
        let rest_dims: Dims =
            (0..layout.ndim()).filter(|d| !self.dims.contains(d)).map(|d| layout.shape[d]).collect();
        let rest_n = crate::shape::numel(&rest_dims);
        if nb == 0 || rest_n == 0 {
            // Nothing is picked: no per-row table (the rest of an expanded view can be huge).
            return Ok(Vec::new());
        }
        let mut base = crate::backend::cpu::try_alloc(nb, 0usize)?;
        for (&d, t) in self.dims.iter().zip(&self.indices) {
            let idx = t.expand_to(&b)?.to_vec::<i64>()?;
            let size = layout.shape[d] as i64;
            for (o, &v) in base.iter_mut().zip(&idx) {
                let v = if v < 0 { v + size } else { v };
                *o += v as usize * layout.strides[d];
            }
        }
        let rest: Vec<usize> = (0..layout.ndim()).filter(|d| !self.dims.contains(d)).collect();
        let rest_l = Layout {
            shape: rest.iter().map(|&d| layout.shape[d]).collect(),
            strides: rest.iter().map(|&d| layout.strides[d]).collect(),
            offset: layout.offset,
        };
        let mut rest_off = crate::backend::cpu::try_vec(rest_l.numel())?;
        for_each_offset(&rest_l.shape.clone(), [&rest_l], |[o]| rest_off.push(o));
        let mut out = crate::backend::cpu::try_with_capacity(nb * rest_off.len())?;
        for &b0 in &base {
            out.extend(rest_off.iter().map(|&r| b0 + r));
        }
        Ok(out)
    }

    /// t[indices] in front order, differentiable.
    pub fn gather(&self, t: &Tensor) -> Result<Tensor> {
        self.gather_placed(t, None)
    }

    /// t[indices] with the front-order dims permuted by `perm` (new dim `i` is front dim
    /// `perm[i]`), gathered straight in that order: the result is contiguous, as torch's result of
    /// a contiguous tensor is (a permuted front-order gather did not view as torch's does).
    fn gather_placed(&self, t: &Tensor, perm: Option<&[usize]>) -> Result<Tensor> {
        let front = self.front_shape(t.shape())?;
        let offs = self.offsets(t.layout())?;
        let (offs, shape) = match perm {
            None => (offs, front),
            Some(p) => {
                let placed = Layout::contiguous(&front).permute(p);
                let mut in_order = crate::backend::cpu::try_vec(offs.len())?;
                if !offs.is_empty() {
                    for_each_offset(&placed.shape.clone(), [&placed], |[o]| in_order.push(offs[o]));
                }
                (in_order, placed.shape)
            }
        };
        let out = Tensor::from_data(t.storage().data().gather(&offs)?, &shape);
        let perm = perm.map(<[usize]>::to_vec);
        record("IndexBackward0", &out, &[t], |_| IndexBackward {
            index: self.clone(),
            shape: t.dims(),
            perm,
        });
        Ok(out)
    }

    /// zeros(shape) with `g` (front order) added at the indexed places; repeats add up.
    pub fn scatter_add_into_zeros(&self, g: &Tensor, shape: &[usize]) -> Result<Tensor> {
        let out = Tensor::full(shape, 0.0, g.dtype(), g.device())?;
        let offs = self.offsets(out.layout())?;
        let gl = g.layout().broadcast_to("index_put", &self.front_shape(shape)?)?;
        out.storage().data().scatter(&offs, g.storage().data(), &gl, true)?;
        record("IndexPutBackward0", &out, &[g], |_| ScatterBackward { index: self.clone() });
        Ok(out)
    }

    /// Writes `values` (broadcast to front order, already cast) into `t`'s storage in place.
    pub fn put_raw(&self, t: &Tensor, values: &Tensor) -> Result<()> {
        let offs = self.offsets(t.layout())?;
        let vl = values.layout().broadcast_to("index_put", &self.front_shape(t.shape())?)?;
        t.storage().data().scatter(&offs, values.storage().data(), &vl, false)
    }

    /// A bool mask, true at the indexed places of a tensor of `shape`.
    pub fn mask(&self, shape: &[usize]) -> Result<Tensor> {
        let m = Tensor::zeros(shape, DType::Bool)?;
        let offs = self.offsets(m.layout())?;
        let ones = Tensor::ones(&self.front_shape(shape)?, DType::Bool)?;
        m.storage().data().scatter(&offs, ones.storage().data(), ones.layout(), false)?;
        Ok(m)
    }
}

/// The permutation that undoes `perm`, as `Tensor::permute` takes it.
fn inverse(perm: &[usize]) -> Vec<i64> {
    let mut inv = vec![0i64; perm.len()];
    for (i, &p) in perm.iter().enumerate() {
        inv[p] = i as i64;
    }
    inv
}

struct IndexBackward {
    index: AdvancedIndex,
    shape: Dims,
    /// The result's dims from front order (`gather_placed`); `g` goes back before the scatter.
    perm: Option<Vec<usize>>,
}
impl Backward for IndexBackward {
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let g = match &self.perm {
            None => g.clone(),
            Some(p) => g.permute(&inverse(p))?,
        };
        Ok(vec![Some(self.index.scatter_add_into_zeros(&g, &self.shape)?)])
    }
}

struct ScatterBackward {
    index: AdvancedIndex,
}
impl Backward for ScatterBackward {
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![Some(self.index.gather(g)?)])
    }
}

/// The along-dim pick of max/min(dim): `indices` has the input's shape with size 1 at `dim`.
fn along_dim(shape: &[usize], dim: usize, indices: &Tensor) -> Result<AdvancedIndex> {
    // Expressed as an advanced index over every dim: aranges for the others, `indices` for dim.
    let mut idx = Vec::with_capacity(shape.len());
    for (d, &n) in shape.iter().enumerate() {
        if d == dim {
            idx.push(indices.clone());
        } else {
            let mut view_shape: Vec<usize> = vec![1; shape.len()];
            view_shape[d] = n;
            idx.push(Tensor::arange(0.0, n as f64, 1.0, DType::I64)?.reshape_to(&view_shape)?);
        }
    }
    Ok(AdvancedIndex { dims: (0..shape.len()).collect(), indices: idx })
}

/// zeros(shape) with `g` placed at `indices` along `dim` (the backward of max/min(dim)).
pub fn put_along_dim(g: &Tensor, shape: &[usize], dim: usize, indices: &Tensor) -> Result<Tensor> {
    let idx = along_dim(shape, dim, indices)?;
    let gf = g.reshape_to(&idx.front_shape(shape)?)?;
    idx.scatter_add_into_zeros(&gf, shape)
}

impl Tensor {
    /// Indices of the true (nonzero) elements, shape [count, ndim].
    pub fn nonzero(&self) -> Result<Tensor> {
        let flags = self.to_vec::<bool>()?;
        let shape = self.dims();
        let nd = shape.len();
        let mut out = Vec::new();
        let mut coord = vec![0usize; nd];
        let mut count = 0;
        for f in flags {
            if f {
                out.extend(coord.iter().map(|&c| c as i64));
                count += 1;
            }
            for d in (0..nd).rev() {
                coord[d] += 1;
                if coord[d] < shape[d] {
                    break;
                }
                coord[d] = 0;
            }
        }
        Tensor::from_vec(out, &[count, nd])
    }
}

/// One basic indexing step, applied at the running dim of `x[...]`.
#[derive(Clone, Copy, Debug)]
pub enum BasicIndex {
    Select { dim: usize, index: i64 },
    Slice { dim: usize, start: usize, stop: usize, step: usize },
    NewAxis { dim: usize },
}

/// A parsed `x[...]`: basic steps left to right, then integer-tensor indices on dims of the
/// resulting view. When the indexed dims are adjacent, the batch dims land where the first one
/// was (NumPy's rule); otherwise they come first.
#[derive(Clone, Default)]
pub struct IndexSpec {
    pub basic: Vec<BasicIndex>,
    pub adv_dims: Vec<usize>,
    pub adv: Vec<Tensor>,
}

impl IndexSpec {
    fn basic_view(&self, t: &Tensor) -> Result<Tensor> {
        let mut v = t.clone();
        for step in &self.basic {
            v = match *step {
                BasicIndex::Select { dim, index } => v.select(dim as i64, index)?,
                BasicIndex::Slice { dim, start, stop, step } => v.slice(dim, start, stop, step)?,
                BasicIndex::NewAxis { dim } => v.unsqueeze(dim as i64)?,
            };
        }
        Ok(v)
    }

    fn advanced(&self, v: &Tensor) -> Result<Option<AdvancedIndex>> {
        if self.adv.is_empty() {
            return Ok(None);
        }
        Ok(Some(AdvancedIndex::new("index", v.shape(), self.adv_dims.clone(), self.adv.clone())?))
    }

    /// Where the batch dims go in the result, and the permutation from front order to it.
    fn placement(&self, v_ndim: usize, batch_nd: usize) -> Option<Vec<usize>> {
        let first = *self.adv_dims.first()?;
        let adjacent = self.adv_dims.windows(2).all(|w| w[1] == w[0] + 1);
        if !adjacent || first == 0 {
            return None;
        }
        // front order: [batch..., rest...]; rest = dims before `first`, then after the block.
        let rest = v_ndim - self.adv_dims.len();
        let mut perm: Vec<usize> = (batch_nd..batch_nd + first).collect();
        perm.extend(0..batch_nd);
        perm.extend(batch_nd + first..batch_nd + rest);
        Some(perm)
    }

    /// `t[spec]`, differentiable (views for the basic part, a gather for the advanced part).
    pub fn get(&self, t: &Tensor) -> Result<Tensor> {
        let v = self.basic_view(t)?;
        let Some(adv) = self.advanced(&v)? else {
            return Ok(v);
        };
        adv.gather_placed(&v, self.placement(v.ndim(), adv.batch_shape()?.len()).as_deref())
    }

    /// Writes `value` (broadcast, cast to t's dtype) into `t[spec]` without recording.
    pub fn set_raw(&self, t: &Tensor, value: &Tensor) -> Result<()> {
        let v = {
            let _g = crate::autograd::GradModeGuard::new(false);
            self.basic_view(t)?
        };
        let value = crate::ops::raw_on(value.cast_raw(t.dtype())?, t.device())?;
        match self.advanced(&v)? {
            None => {
                let vl = value.layout().broadcast_to("index_put", v.shape())?;
                t.storage().data().copy_into(v.layout(), value.storage().data(), &vl)
            }
            Some(adv) => {
                let front = adv.front_shape(v.shape())?;
                let value = match self.placement(v.ndim(), adv.batch_shape()?.len()) {
                    None => value.detach(),
                    Some(perm) => {
                        // Bring the value into the result's shape, then back to front order.
                        let result_shape: Vec<usize> = perm.iter().map(|&p| front[p]).collect();
                        value.detach().expand_to(&result_shape)?.permute(&inverse(&perm))?
                    }
                };
                adv.put_raw(&v, &value)
            }
        }
    }

    /// A bool tensor of `shape`, true where `spec` writes.
    fn region(&self, shape: &[usize], device: crate::Device) -> Result<Tensor> {
        let m = Tensor::full(shape, 0.0, DType::Bool, device)?;
        self.set_raw(&m, &Tensor::scalar(crate::tensor::Scalar::Bool(true), DType::Bool))?;
        Ok(m)
    }
}

/// `out = x.clone(); out[spec] = value`, differentiable in both x and value: the functional
/// form of __setitem__ on a tensor that takes part in autograd.
pub fn index_put(x: &Tensor, spec: &IndexSpec, value: &Tensor) -> Result<Tensor> {
    let out = x.contiguous_copy()?;
    spec.set_raw(&out, value)?;
    record("IndexPutBackward0", &out, &[x, value], |_| IndexPutBackward {
        spec: spec.clone(),
        shape: x.dims(),
    });
    Ok(out)
}

struct IndexPutBackward {
    spec: IndexSpec,
    shape: Dims,
}
impl Backward for IndexPutBackward {
    fn backward(&self, g: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let gx = if needs[0] {
            let region = self.spec.region(&self.shape, g.device())?;
            Some(Tensor::where_(&region, &g.zeros_like()?, g)?)
        } else {
            None
        };
        // The value's gradient is the written region (summed back to the value's shape by the engine).
        let gv = if needs[1] { Some(self.spec.get(g)?) } else { None };
        Ok(vec![gx, gv])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx(v: Vec<i64>) -> Tensor {
        let n = v.len();
        Tensor::from_vec(v, &[n]).unwrap()
    }

    #[test]
    fn advanced_index_dims_are_checked() {
        // A dim past the last panicked (`shape[d]`); a repeated dim or a dims/indices length
        // mismatch built offsets outside the tensor (a panic in the gather kernel).
        let shape = [2usize, 3];
        assert!(AdvancedIndex::new("index", &shape, vec![2], vec![idx(vec![0])]).is_err());
        assert!(AdvancedIndex::new("index", &shape, vec![1, 1], vec![idx(vec![2]), idx(vec![2])]).is_err());
        assert!(AdvancedIndex::new("index", &shape, vec![0, 1], vec![idx(vec![1])]).is_err());
        assert!(AdvancedIndex::new("index", &shape, vec![0], vec![idx(vec![1]), idx(vec![1])]).is_err());
        let t = Tensor::from_vec((0..6).map(|i| i as f64).collect::<Vec<_>>(), &[2, 3]).unwrap();
        let ok =
            AdvancedIndex::new("index", &shape, vec![1, 0], vec![idx(vec![2, 0]), idx(vec![1, -2])]).unwrap();
        assert_eq!(ok.gather(&t).unwrap().to_vec::<f64>().unwrap(), vec![5.0, 0.0]);
    }

    #[test]
    fn empty_index_of_a_huge_view_allocates_nothing() {
        // Found by fuzz/shape_ops: an empty index list still built the table of the other
        // dims' offsets, 2^40 of them for this expanded view, and failed with MemoryError
        // instead of returning an empty result.
        let t = Tensor::from_vec(vec![1.0f64], &[1, 1]).unwrap().expand(&[4, 1 << 40]).unwrap();
        let spec = IndexSpec { basic: vec![], adv_dims: vec![0], adv: vec![idx(vec![])] };
        let r = spec.get(&t).unwrap();
        assert_eq!(r.shape(), &[0, 1 << 40]);
        spec.set_raw(&t, &Tensor::scalar(crate::Scalar::Float(2.0), DType::F64)).unwrap();
        assert_eq!(t.storage().cpu_data().unwrap().len(), 1);
    }

    #[test]
    fn slicing_a_missing_dim_in_an_index_is_an_error() {
        // Found by fuzz/shape_ops through IndexSpec (BasicIndex::Slice on dim 2 of a 2-d tensor).
        let t = Tensor::from_vec((0..6).map(|i| i as f64).collect::<Vec<_>>(), &[2, 3]).unwrap();
        let spec = IndexSpec {
            basic: vec![BasicIndex::Slice { dim: 2, start: 0, stop: 1, step: 1 }],
            ..Default::default()
        };
        assert!(spec.get(&t).is_err());
    }
}
