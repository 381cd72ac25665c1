//! Interpreting `x[...]`: the items of an index (ints, slices, None, Ellipsis, integer and bool
//! tensors, lists) become an `IndexSpec` for the indexed tensor's shape, with torch's checks and
//! messages. The bindings only read each Python item into an `IndexItem`.

use super::index::{BasicIndex, IndexSpec};
use crate::dtype::DType;
use crate::error::{bail, Error, Result};
use crate::tensor::{flatten, Datum, NestedData, Scalar, Tensor};

const INDEX_DTYPES: &str = "tensors used as indices must be long, int, byte or bool tensors";

/// One item of an index. `S` is a slice, whose bounds are read only when the slice is reached:
/// torch reads them left to right with the other items, so an earlier item's error comes first.
pub enum IndexItem<S> {
    Int(i64),
    Slice(S),
    NewAxis,
    Ellipsis,
    /// An integer or bool tensor (made through `IndexItem::tensor`, which checks).
    Tensor(Tensor),
}

/// A slice's (start, stop, step) as Python's `PySlice_Unpack` gives them: clamped to the
/// machine's index range, a missing start 0, a missing stop the largest index, a missing step 1.
pub trait SliceBounds {
    type Error: From<Error>;
    fn bounds(&self) -> std::result::Result<(i64, i64, i64), Self::Error>;
}

impl SliceBounds for (i64, i64, i64) {
    type Error = Error;
    fn bounds(&self) -> Result<(i64, i64, i64)> {
        Ok(*self)
    }
}

impl<S> IndexItem<S> {
    /// A tensor as an index. torch indexes with a 0-d integer tensor as with an int: a view (a
    /// 0-d bool tensor stays a mask, which copies).
    pub fn tensor(t: Tensor) -> Result<Self> {
        match t.dtype() {
            d if d.is_int() && t.ndim() == 0 => match t.item()? {
                Scalar::Int(i) => Ok(IndexItem::Int(i)),
                _ => Ok(IndexItem::Tensor(t)),
            },
            d if !d.is_float() => Ok(IndexItem::Tensor(t)),
            _ => bail!(Index, "{INDEX_DTYPES}"),
        }
    }

    /// `x[True]` / `x[False]`: a 0-d mask, as in torch (a new dim of size 1 or 0).
    pub fn bool(b: bool) -> Self {
        IndexItem::Tensor(Tensor::scalar(Scalar::Bool(b), DType::Bool))
    }

    /// A list index becomes a tensor; torch names a str anywhere in it an invalid data type.
    pub fn list<D: NestedData>(data: &D) -> std::result::Result<Self, D::Error> {
        if contains_str(data) {
            return Err(Error::Type("index list: invalid data type 'str'".into()).into());
        }
        let n = flatten(data, false)?;
        let dt = if n.values.is_empty() { DType::I64 } else { n.dtype };
        if dt == DType::F32 {
            return Err(Error::Index(INDEX_DTYPES.into()).into());
        }
        Ok(IndexItem::Tensor(Tensor::from_scalars(&n.values, &n.shape, dt)?))
    }

    /// How many dims of the indexed tensor this item consumes.
    fn consumes(&self) -> usize {
        match self {
            IndexItem::Int(_) | IndexItem::Slice(_) => 1,
            IndexItem::Tensor(t) if t.dtype() == DType::Bool => t.ndim(),
            IndexItem::Tensor(_) => 1,
            IndexItem::NewAxis | IndexItem::Ellipsis => 0,
        }
    }
}

/// An index of any other type: torch reads a str as data (a TypeError), anything else is an
/// IndexError.
pub fn invalid_index(is_str: bool, type_name: &str) -> Error {
    let msg = format!(
        "only integers, slices (`:`), ellipsis (`...`), None and long or bool tensors are valid indices (got {type_name})"
    );
    if is_str {
        Error::Type(msg)
    } else {
        Error::Index(msg)
    }
}

fn contains_str<D: NestedData>(data: &D) -> bool {
    match data.datum() {
        Datum::Str => true,
        Datum::Seq(n) => (0..n).any(|i| data.item(i).is_ok_and(|d| contains_str(&d))),
        _ => false,
    }
}

impl IndexSpec {
    /// `items` applied to a tensor of `shape`, left to right.
    pub fn parse<S: SliceBounds>(
        shape: &[usize],
        items: Vec<IndexItem<S>>,
    ) -> std::result::Result<IndexSpec, S::Error> {
        let ndim = shape.len();
        let used: usize = items.iter().map(IndexItem::consumes).sum();
        if items.iter().filter(|i| matches!(i, IndexItem::Ellipsis)).count() > 1 {
            return Err(Error::Index("an index can only have a single ellipsis ('...')".into()).into());
        }
        if used > ndim {
            return Err(Error::Index(format!(
                "too many indices for tensor of dimension {ndim} (got {used})"
            ))
            .into());
        }
        let mut spec = IndexSpec::default();
        // `dim` walks the view being built; `src` walks the original tensor's dims (for sizes).
        let mut dim = 0usize;
        let mut src = 0usize;
        let mut shape: Vec<usize> = shape.to_vec();
        for item in items {
            match item {
                IndexItem::Int(i) => {
                    let size = shape[src] as i64;
                    if i < -size || i >= size {
                        return Err(Error::Index(format!(
                            "index {i} is out of bounds for dimension {src} with size {size}"
                        ))
                        .into());
                    }
                    spec.basic.push(BasicIndex::Select { dim, index: i });
                    src += 1;
                }
                IndexItem::Slice(s) => {
                    let (start, stop, step) = s.bounds()?;
                    if step <= 0 {
                        return Err(Error::Value("step must be greater than zero".into()).into());
                    }
                    let (start, stop) = (clamp_bound(start, shape[src]), clamp_bound(stop, shape[src]));
                    let step = step as usize;
                    spec.basic.push(BasicIndex::Slice { dim, start, stop, step });
                    shape[src] = if stop > start { (stop - start).div_ceil(step) } else { 0 };
                    dim += 1;
                    src += 1;
                }
                IndexItem::NewAxis => {
                    spec.basic.push(BasicIndex::NewAxis { dim });
                    dim += 1;
                }
                IndexItem::Ellipsis => {
                    let skip = ndim - used;
                    dim += skip;
                    src += skip;
                }
                IndexItem::Tensor(ix) if ix.dtype() == DType::Bool && ix.ndim() == 0 => {
                    // A 0-d mask adds a dim, as None does, that keeps everything (true) or
                    // nothing. It is an advanced index in torch: the result is a copy, never a view.
                    let keep = if ix.item()?.to_f64() != 0.0 { 1.0 } else { 0.0 };
                    spec.basic.push(BasicIndex::NewAxis { dim });
                    spec.adv_dims.push(dim);
                    spec.adv.push(Tensor::arange(0.0, keep, 1.0, DType::I64)?);
                    dim += 1;
                }
                IndexItem::Tensor(ix) if ix.dtype() == DType::Bool => {
                    let k = ix.ndim();
                    if ix.shape() != &shape[src..src + k] {
                        return Err(Error::Index(format!(
                            "The shape of the mask {:?} at index {src} does not match the shape of the indexed tensor {:?}",
                            ix.shape(),
                            &shape[src..src + k]
                        ))
                        .into());
                    }
                    let nz = ix.nonzero()?;
                    for j in 0..k {
                        spec.adv_dims.push(dim + j);
                        spec.adv.push(nz.select(1, j as i64)?.contiguous()?);
                    }
                    dim += k;
                    src += k;
                }
                IndexItem::Tensor(ix) => {
                    spec.adv_dims.push(dim);
                    spec.adv.push(ix);
                    dim += 1;
                    src += 1;
                }
            }
        }
        Ok(spec)
    }
}

/// A slice bound for a positive step, as Python's `PySlice_AdjustIndices`: a negative one counts
/// from the end, and either is clamped to [0, size].
fn clamp_bound(b: i64, size: usize) -> usize {
    let size = size as i64;
    let b = if b < 0 { b.saturating_add(size).max(0) } else { b.min(size) };
    b as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    type Item = IndexItem<(i64, i64, i64)>;

    fn basic(shape: &[usize], items: Vec<Item>) -> Result<Vec<String>> {
        Ok(IndexSpec::parse(shape, items)?.basic.iter().map(|b| format!("{b:?}")).collect())
    }

    #[test]
    fn basic_items_walk_the_dims() {
        let got =
            basic(&[4, 5, 6], vec![Item::Int(-1), Item::NewAxis, Item::Slice((1, i64::MAX, 2))]).unwrap();
        assert_eq!(
            got,
            [
                "Select { dim: 0, index: -1 }",
                "NewAxis { dim: 0 }",
                "Slice { dim: 1, start: 1, stop: 5, step: 2 }"
            ]
        );
        // The ellipsis skips the dims the other items do not consume.
        let got = basic(&[4, 5, 6], vec![Item::Ellipsis, Item::Int(0)]).unwrap();
        assert_eq!(got, ["Select { dim: 2, index: 0 }"]);
    }

    #[test]
    fn slice_bounds_clamp_as_python() {
        assert_eq!((clamp_bound(-2, 5), clamp_bound(-9, 5), clamp_bound(9, 5)), (3, 0, 5));
        assert_eq!(clamp_bound(i64::MIN, 5), 0);
        let got = basic(&[5], vec![Item::Slice((4, 1, 1))]).unwrap();
        assert_eq!(got, ["Slice { dim: 0, start: 4, stop: 1, step: 1 }"]);
    }

    #[test]
    fn bad_indices_give_torchs_errors() {
        let err = |shape: &[usize], items| IndexSpec::parse(shape, items).err().unwrap();
        assert_eq!(
            err(&[3], vec![Item::Int(3)]),
            Error::Index("index 3 is out of bounds for dimension 0 with size 3".into())
        );
        assert_eq!(
            err(&[3], vec![Item::Int(0), Item::Int(0)]),
            Error::Index("too many indices for tensor of dimension 1 (got 2)".into())
        );
        assert!(
            matches!(err(&[3, 3], vec![Item::Ellipsis, Item::Ellipsis]), Error::Index(m) if m.contains("single"))
        );
        assert_eq!(
            err(&[3], vec![Item::Slice((0, 3, -1))]),
            Error::Value("step must be greater than zero".into())
        );
        let mask = Tensor::from_vec(vec![true, false], &[2]).unwrap();
        assert!(
            matches!(err(&[3], vec![Item::Tensor(mask)]), Error::Index(m) if m.contains("shape of the mask"))
        );
        let float = Tensor::from_vec(vec![1.0f32], &[1]).unwrap();
        assert!(matches!(Item::tensor(float), Err(Error::Index(_))));
        assert!(matches!(invalid_index(true, "str"), Error::Type(_)));
    }

    #[test]
    fn tensors_and_masks_become_advanced_indices() {
        let zero_d = Tensor::from_vec(vec![2i64], &[]).unwrap();
        assert!(matches!(Item::tensor(zero_d).unwrap(), IndexItem::Int(2)));
        let zero_d = Tensor::from_vec(vec![-1i32], &[]).unwrap();
        assert!(matches!(Item::tensor(zero_d).unwrap(), IndexItem::Int(-1)));
        let int32 = Tensor::from_vec(vec![0i32, 2], &[2]).unwrap();
        assert!(matches!(Item::tensor(int32).unwrap(), IndexItem::Tensor(t) if t.dtype() == DType::I32));
        let mask = Tensor::from_vec(vec![true, false, true, true], &[2, 2]).unwrap();
        let spec = IndexSpec::parse(&[2, 2, 3], vec![Item::tensor(mask).unwrap()]).unwrap();
        assert_eq!(spec.adv_dims, vec![0, 1]);
        assert_eq!(spec.adv[0].to_vec::<i64>().unwrap(), vec![0, 1, 1]);
        assert_eq!(spec.adv[1].to_vec::<i64>().unwrap(), vec![0, 0, 1]);
        let spec = IndexSpec::parse(&[3], vec![Item::bool(false)]).unwrap();
        assert_eq!((spec.adv_dims.clone(), spec.adv[0].numel()), (vec![0], 0));
    }
}
