//! Reading `x[...]` into `IndexItem`s (their interpretation is `crate::ops::index_parse`), and
//! the right-hand side of `x[...] = value`.

use super::convert::{scalar_of, type_name};
use super::tensor::PyTensor;
use crate::dtype::DType;
use crate::ops::index::IndexSpec;
use crate::ops::index_parse::{invalid_index, IndexItem, SliceBounds};
use crate::tensor::Tensor;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyEllipsis, PyList, PySlice, PyString, PyTuple};

impl SliceBounds for Bound<'_, PySlice> {
    type Error = PyErr;
    fn bounds(&self) -> PyResult<(i64, i64, i64)> {
        let (mut start, mut stop, mut step) = (0, 0, 0);
        // SAFETY: attached; `self` is a slice, and PySlice_Unpack writes the three out-values or
        // sets an exception and returns -1.
        if unsafe { pyo3::ffi::PySlice_Unpack(self.as_ptr(), &mut start, &mut stop, &mut step) } < 0 {
            return Err(PyErr::fetch(self.py()));
        }
        Ok((start as i64, stop as i64, step as i64))
    }
}

fn item_of<'py>(obj: &Bound<'py, PyAny>) -> PyResult<IndexItem<Bound<'py, PySlice>>> {
    if obj.is_none() {
        return Ok(IndexItem::NewAxis);
    }
    if obj.is_instance_of::<PyEllipsis>() {
        return Ok(IndexItem::Ellipsis);
    }
    // Type checks before casts here: a failed cast builds an error, and this runs per `x[i]`.
    if obj.is_instance_of::<PySlice>() {
        return Ok(IndexItem::Slice(obj.cast::<PySlice>()?.clone()));
    }
    if let Ok(t) = obj.cast::<PyTensor>() {
        return Ok(IndexItem::tensor(t.borrow().t.clone())?);
    }
    if obj.is_instance_of::<PyList>() {
        return IndexItem::list(obj);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(IndexItem::bool(b.is_true()));
    }
    if let Ok(i) = obj.extract::<i64>() {
        return Ok(IndexItem::Int(i));
    }
    Err(invalid_index(obj.is_instance_of::<PyString>(), &type_name(obj)).into())
}

pub fn parse_index(t: &Tensor, index: &Bound<'_, PyAny>) -> PyResult<IndexSpec> {
    let items = if index.is_instance_of::<PyTuple>() {
        index.cast::<PyTuple>()?.iter().map(|o| item_of(&o)).collect::<PyResult<_>>()?
    } else {
        vec![item_of(index)?]
    };
    IndexSpec::parse(t.shape(), items)
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
        let n = crate::tensor::flatten(value, false)?;
        return Ok(Tensor::from_scalars(&n.values, &n.shape, dtype)?);
    }
    Err(PyTypeError::new_err(format!("can't assign a {} to a Tensor", type_name(value))))
}
