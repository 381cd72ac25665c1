//! Parsing `x[...]` into an `IndexSpec`: ints, slices, None, Ellipsis, bool/int tensors, lists.

use super::convert::scalar_of;
use super::tensor::PyTensor;
use crate::dtype::DType;
use crate::ops::index::{BasicIndex, IndexSpec};
use crate::tensor::Tensor;
use pyo3::exceptions::{PyIndexError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyEllipsis, PyList, PySlice, PyTuple};

enum Item<'py> {
    Int(i64),
    Slice(Bound<'py, PySlice>),
    None,
    Ellipsis,
    Tensor(Tensor),
}

/// How many dims of the indexed tensor an item consumes.
fn consumes(item: &Item<'_>) -> usize {
    match item {
        Item::Int(_) | Item::Slice(_) => 1,
        Item::Tensor(t) if t.dtype() == DType::Bool => t.ndim(),
        Item::Tensor(_) => 1,
        Item::None | Item::Ellipsis => 0,
    }
}

fn item_of<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Item<'py>> {
    if obj.is_none() {
        return Ok(Item::None);
    }
    if obj.is_instance_of::<PyEllipsis>() {
        return Ok(Item::Ellipsis);
    }
    if obj.is_instance_of::<PySlice>() {
        return Ok(Item::Slice(obj.cast::<PySlice>()?.clone()));
    }
    if let Ok(t) = obj.cast::<PyTensor>() {
        let t = t.borrow().t.clone();
        return match t.dtype() {
            // torch indexes with a 0-d integer tensor as with an int: a view (a 0-d bool
            // tensor stays a mask, which copies)
            d if d.is_int() && t.ndim() == 0 => match t.item()? {
                crate::tensor::Scalar::Int(i) => Ok(Item::Int(i)),
                _ => Ok(Item::Tensor(t)),
            },
            d if !d.is_float() => Ok(Item::Tensor(t)),
            _ => {
                Err(PyIndexError::new_err("tensors used as indices must be long, int, byte or bool tensors"))
            }
        };
    }
    if obj.is_instance_of::<PyList>() {
        // A list index becomes a tensor; torch names a str in it an invalid data type (TypeError).
        if contains_str(obj) {
            return Err(PyTypeError::new_err("index list: invalid data type 'str'"));
        }
        let n = super::convert::nested(obj)?;
        let dt = if n.values.is_empty() { DType::I64 } else { n.dtype };
        if dt == DType::F32 {
            return Err(PyIndexError::new_err(
                "tensors used as indices must be long, int, byte or bool tensors",
            ));
        }
        return Ok(Item::Tensor(super::convert::tensor_from_values(&n.values, &n.shape, dt)?));
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        // x[True] / x[False]: a 0-d mask, as in torch (a new dim of size 1 or 0)
        let v = crate::tensor::Scalar::Bool(b.is_true());
        return Ok(Item::Tensor(crate::tensor::Tensor::scalar(v, DType::Bool)));
    }
    if let Ok(i) = obj.extract::<i64>() {
        return Ok(Item::Int(i));
    }
    let ty = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
    // torch: a str is a TypeError (it tries to read it as data), any other type an IndexError.
    let err = if obj.is_instance_of::<pyo3::types::PyString>() {
        PyTypeError::new_err
    } else {
        PyIndexError::new_err
    };
    Err(err(format!(
        "only integers, slices (`:`), ellipsis (`...`), None and long or bool tensors are valid indices (got {ty})"
    )))
}

/// Whether a (nested) list or tuple holds a str anywhere.
fn contains_str(obj: &Bound<'_, PyAny>) -> bool {
    if obj.is_instance_of::<pyo3::types::PyString>() {
        return true;
    }
    if !(obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>()) {
        return false;
    }
    obj.try_iter().is_ok_and(|it| it.flatten().any(|o| contains_str(&o)))
}

pub fn parse_index<'py>(t: &Tensor, index: &Bound<'py, PyAny>) -> PyResult<IndexSpec> {
    let items: Vec<Item<'py>> = if index.is_instance_of::<PyTuple>() {
        index.cast::<PyTuple>()?.iter().map(|o| item_of(&o)).collect::<PyResult<_>>()?
    } else {
        vec![item_of(index)?]
    };
    let used: usize = items.iter().map(consumes).sum();
    if items.iter().filter(|i| matches!(i, Item::Ellipsis)).count() > 1 {
        return Err(PyIndexError::new_err("an index can only have a single ellipsis ('...')"));
    }
    if used > t.ndim() {
        return Err(PyIndexError::new_err(format!(
            "too many indices for tensor of dimension {} (got {used})",
            t.ndim()
        )));
    }
    let mut spec = IndexSpec::default();
    // `dim` walks the view being built; `src` walks the original tensor's dims (for sizes).
    let mut dim = 0usize;
    let mut src = 0usize;
    let mut shape: Vec<usize> = t.shape().to_vec();
    for item in items {
        match item {
            Item::Int(i) => {
                let size = shape[src] as i64;
                if i < -size || i >= size {
                    return Err(PyIndexError::new_err(format!(
                        "index {i} is out of bounds for dimension {src} with size {size}"
                    )));
                }
                spec.basic.push(BasicIndex::Select { dim, index: i });
                src += 1;
            }
            Item::Slice(s) => {
                let size = shape[src];
                let ind = s.indices(size as isize)?;
                if ind.step <= 0 {
                    return Err(PyValueError::new_err("step must be greater than zero"));
                }
                let start = ind.start.max(0) as usize;
                let stop = ind.stop.max(0) as usize;
                spec.basic.push(BasicIndex::Slice { dim, start, stop, step: ind.step as usize });
                shape[src] = if stop > start { (stop - start).div_ceil(ind.step as usize) } else { 0 };
                dim += 1;
                src += 1;
            }
            Item::None => {
                spec.basic.push(BasicIndex::NewAxis { dim });
                dim += 1;
            }
            Item::Ellipsis => {
                let skip = t.ndim() - used;
                dim += skip;
                src += skip;
            }
            Item::Tensor(ix) if ix.dtype() == DType::Bool && ix.ndim() == 0 => {
                // A 0-d mask adds a dim, as None does, that keeps everything (true) or nothing.
                // It is an advanced index in torch: the result is a copy, never a view.
                let keep = if ix.item()?.to_f64() != 0.0 { 1.0 } else { 0.0 };
                spec.basic.push(BasicIndex::NewAxis { dim });
                spec.adv_dims.push(dim);
                spec.adv.push(Tensor::arange(0.0, keep, 1.0, DType::I64)?);
                dim += 1;
            }
            Item::Tensor(ix) if ix.dtype() == DType::Bool => {
                let k = ix.ndim();
                if ix.shape() != &shape[src..src + k] {
                    return Err(PyIndexError::new_err(format!(
                        "The shape of the mask {:?} at index {src} does not match the shape of the indexed tensor {:?}",
                        ix.shape(),
                        &shape[src..src + k]
                    )));
                }
                let nz = ix.nonzero()?;
                for j in 0..k {
                    spec.adv_dims.push(dim + j);
                    spec.adv.push(nz.select(1, j as i64)?.contiguous()?);
                }
                dim += k;
                src += k;
            }
            Item::Tensor(ix) => {
                spec.adv_dims.push(dim);
                spec.adv.push(ix);
                dim += 1;
                src += 1;
            }
        }
    }
    Ok(spec)
}

/// The right-hand side of `x[...] = value`: a tensor, or a number in x's dtype.
pub fn value_tensor(value: &Bound<'_, PyAny>, dtype: DType) -> PyResult<Tensor> {
    if let Ok(t) = value.cast::<PyTensor>() {
        return Ok(t.borrow().t.clone());
    }
    if let Some(s) = scalar_of(value) {
        return Ok(Tensor::scalar(s, dtype));
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        let n = super::convert::nested(value)?;
        return Ok(super::convert::tensor_from_values(&n.values, &n.shape, dtype)?);
    }
    let ty = value.get_type().name().map(|n| n.to_string()).unwrap_or_default();
    Err(PyTypeError::new_err(format!("can't assign a {ty} to a Tensor")))
}
