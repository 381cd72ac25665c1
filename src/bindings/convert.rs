//! Python values to engine values: operands, dims, shapes, dtypes, nested data.

use super::dtype::PyDType;
use super::tensor::PyTensor;
use crate::dtype::DType;
use crate::tensor::{Datum, NestedData, Scalar, Tensor};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyList, PySequence, PyString, PyTuple};

/// A Python number as a scalar, or None for anything else.
pub fn scalar_of(obj: &Bound<'_, PyAny>) -> Option<Scalar> {
    if obj.is_instance_of::<PyBool>() {
        return obj.extract::<bool>().ok().map(Scalar::Bool);
    }
    if obj.is_instance_of::<PyFloat>() {
        return obj.extract::<f64>().ok().map(Scalar::Float);
    }
    // The common non-numbers, refused before the probes below (a failed extract or hasattr
    // costs a Python exception).
    if obj.is_none() || obj.is_instance_of::<PyTensor>() || obj.is_instance_of::<PyString>() {
        return None;
    }
    if let Ok(i) = obj.extract::<i64>() {
        return Some(Scalar::Int(i));
    }
    // NumPy scalars and other objects with __float__ (but not strings, sequences or tensors: a
    // tensor is not a Number to torch's parser, and its __float__ fails for many elements).
    if obj.hasattr("__float__").unwrap_or(false)
        && !obj.is_instance_of::<PySequence>()
        && !obj.is_instance_of::<PyTensor>()
    {
        if let Ok(name) = obj.get_type().name() {
            if name.to_string().starts_with("bool") {
                return obj.extract::<bool>().ok().map(Scalar::Bool);
            }
        }
        return obj.extract::<f64>().ok().map(Scalar::Float);
    }
    None
}

/// A tensor or a Python number (as a wrapped scalar); None for other types.
pub fn operand(obj: &Bound<'_, PyAny>) -> Option<Tensor> {
    if let Ok(t) = obj.cast::<PyTensor>() {
        return Some(t.borrow().t.clone());
    }
    scalar_of(obj).map(Tensor::wrapped_scalar)
}

/// Like `operand`, but a TypeError naming the op for anything else.
pub fn operand_or_err(op: &str, obj: &Bound<'_, PyAny>) -> PyResult<Tensor> {
    operand(obj).ok_or_else(|| {
        PyTypeError::new_err(format!(
            "{op}(): argument 'other' must be Tensor or Number, not {}",
            type_name(obj)
        ))
    })
}

pub fn tensor_arg(op: &str, name: &str, obj: &Bound<'_, PyAny>) -> PyResult<Tensor> {
    let t = obj.cast::<PyTensor>().map_err(|_| {
        PyTypeError::new_err(format!("{op}(): argument '{name}' must be Tensor, not {}", type_name(obj)))
    })?;
    // A tensor being modified by the method that receives it as an argument: an error, not the
    // panic of a failed borrow.
    let r = t.try_borrow().map_err(|_| {
        pyo3::exceptions::PyRuntimeError::new_err(format!(
            "{op}(): argument '{name}' is the tensor being modified"
        ))
    })?;
    Ok(r.t.clone())
}

/// The Python type name of `obj`, for error messages ("Tensor", "bool", ...).
pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    if obj.is_instance_of::<PyTensor>() {
        return "Tensor".into();
    }
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_default()
}

/// A 0-d integer tensor without grad as an int (torch's parser takes one wherever an int goes).
fn int_of_tensor(obj: &Bound<'_, PyAny>) -> Option<i64> {
    match scalar_tensor(obj)?.item().ok()? {
        Scalar::Int(i) => Some(i),
        _ => None,
    }
}

/// A Python int, a NumPy integer or a 0-d integer tensor; None for anything else (bools too).
pub fn strict_int(obj: &Bound<'_, PyAny>) -> Option<i64> {
    if obj.is_instance_of::<PyBool>() || obj.is_instance_of::<PyFloat>() {
        return None;
    }
    if obj.is_instance_of::<PyTensor>() {
        return int_of_tensor(obj);
    }
    if obj.is_instance_of::<pyo3::types::PyInt>() {
        return obj.extract::<i64>().ok();
    }
    // NumPy integers and other `__index__` types; probing anything else would cost an exception.
    if obj.is_none()
        || obj.is_instance_of::<PyString>()
        || obj.is_instance_of::<PyDType>()
        || obj.is_instance_of::<PyTuple>()
        || obj.is_instance_of::<PyList>()
    {
        return None;
    }
    obj.extract::<i64>().ok()
}

/// An optional argument that tells "not given" from an explicit None: torch refuses `dim=None`
/// in several signatures (`max(None)`, `squeeze(None)`, `eye(2, None)`) where the argument may
/// be left out. Give it the default `Arg::Absent` in the pyo3 signature.
pub enum Arg<'py> {
    Absent,
    Given(Bound<'py, PyAny>),
}

impl<'a, 'py> FromPyObject<'a, 'py> for Arg<'py> {
    type Error = PyErr;
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        Ok(Arg::Given(obj.to_owned()))
    }
}

/// A 0-d tensor without grad: what torch's parser accepts where a Number is expected.
pub fn scalar_tensor(obj: &Bound<'_, PyAny>) -> Option<Tensor> {
    let t = obj.cast::<PyTensor>().ok()?.try_borrow().ok()?.t.clone();
    (t.ndim() == 0 && !t.requires_grad()).then_some(t)
}

/// A size that must be one sequence (`full(size, v)`, `torch.reshape(x, shape)`): a bare int is
/// torch's TypeError (only the varargs forms, `zeros(2, 3)`, take ints).
pub fn size_seq_of(op: &str, name: &str, obj: &Bound<'_, PyAny>) -> PyResult<Vec<i64>> {
    if !(obj.is_instance_of::<PyTuple>() || obj.is_instance_of::<PyList>()) {
        return Err(PyTypeError::new_err(format!(
            "{op}(): argument '{name}' must be tuple of ints, not {}",
            type_name(obj)
        )));
    }
    let items: Vec<Bound<'_, PyAny>> = obj.try_iter()?.collect::<PyResult<_>>()?;
    int_list_of(op, name, &items)
}

/// An int list (a shape, a permutation) as torch's IntArrayRef parser reads it: it picks the
/// overload by the first element, which must be an int, and then takes later bools as 0/1
/// (`zeros(2, True)` is 2x1, `zeros(True, 2)` and `empty((True, 2))` are TypeErrors).
pub(super) fn int_list_of(op: &str, name: &str, items: &[Bound<'_, PyAny>]) -> PyResult<Vec<i64>> {
    if items.first().is_some_and(|o| o.is_instance_of::<PyBool>()) {
        return Err(PyTypeError::new_err(format!(
            "{op}(): argument '{name}' must be tuple of ints, but found element of type bool at pos 0"
        )));
    }
    items.iter().map(|x| list_int_of(op, x)).collect()
}

/// An element of an int list after the first: a bool is 0 or 1 here, unlike single int arguments.
fn list_int_of(op: &str, obj: &Bound<'_, PyAny>) -> PyResult<i64> {
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(b.is_true() as i64);
    }
    int_of(op, obj)
}

fn int_of(op: &str, obj: &Bound<'_, PyAny>) -> PyResult<i64> {
    strict_int(obj)
        .ok_or_else(|| PyTypeError::new_err(format!("{op}(): expected an int, but got {}", type_name(obj))))
}

/// A bool argument as torch's engine takes it (a C `unsigned char`): a bool, or anything with
/// `__index__` (an int, a one-element integer tensor) in [0, 255]; another int is an
/// OverflowError, and anything else (float, None, str, a float tensor) a TypeError. The one
/// rule for every such flag, Python's included (`_core._flag`).
pub fn flag_of(op: &str, name: &str, obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(b.is_true());
    }
    let py = obj.py();
    // SAFETY: PyNumber_Index returns a new reference or NULL with an exception set.
    let index = unsafe { Bound::from_owned_ptr_or_err(py, pyo3::ffi::PyNumber_Index(obj.as_ptr())) };
    let n = match index {
        Ok(n) => n,
        Err(e) if e.is_instance_of::<PyTypeError>(py) => {
            return Err(PyTypeError::new_err(format!(
                "{op}(): argument '{name}' must be bool, not {}",
                type_name(obj)
            )))
        }
        Err(e) => return Err(e),
    };
    match n.extract::<i64>() {
        Ok(i) if (0..=255).contains(&i) => Ok(i != 0),
        _ => Err(pyo3::exceptions::PyOverflowError::new_err(format!(
            "{op}(): argument '{name}' must be a bool or an int in [0, 255] (an unsigned byte), got {n}"
        ))),
    }
}

/// Shapes given as varargs (`view(2, 3)`) or as one sequence (`view((2, 3))`).
/// No arguments at all is torch's TypeError (a 0-d shape is spelled `()`).
pub fn shape_of(op: &str, args: &Bound<'_, PyTuple>) -> PyResult<Vec<i64>> {
    if args.is_empty() {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "{op}() missing 1 required positional arguments: \"size\""
        )));
    }
    if args.len() == 1 {
        let a = args.get_item(0)?;
        if a.is_instance_of::<PyTuple>() || a.is_instance_of::<PyList>() {
            return size_seq_of(op, "size", &a);
        }
    }
    let items: Vec<Bound<'_, PyAny>> = args.iter().collect();
    int_list_of(op, "size", &items)
}

/// A shape of non-negative sizes (creation functions).
pub fn sizes_of(op: &str, args: &Bound<'_, PyTuple>) -> PyResult<Vec<usize>> {
    Ok(crate::api::functions::sizes(op, &shape_of(op, args)?)?)
}

/// A dtype, or Python's `float`, `int` and `bool` as torch maps them; None for anything else.
pub fn dtype_if(o: &Bound<'_, PyAny>) -> Option<DType> {
    if let Ok(d) = o.cast::<PyDType>() {
        return Some(d.get().d);
    }
    let py = o.py();
    [
        (py.get_type::<PyFloat>(), DType::F64),
        (py.get_type::<pyo3::types::PyInt>(), DType::I64),
        (py.get_type::<PyBool>(), DType::Bool),
    ]
    .into_iter()
    .find(|(t, _)| o.is(t))
    .map(|(_, d)| d)
}

pub fn dtype_of(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<DType>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => match dtype_if(o) {
            Some(d) => Ok(Some(d)),
            None => Err(PyTypeError::new_err(format!(
                "dtype must be a ferrograd.dtype ({}), not {}",
                DType::ALL.iter().map(|d| d.name()).collect::<Vec<_>>().join(", "),
                o.repr()?
            ))),
        },
    }
}

/// Python data as `tensor()` reads it; `crate::tensor::flatten` does the rest.
impl NestedData for Bound<'_, PyAny> {
    type Error = PyErr;
    // Type checks, not casts: a failed cast builds an error, which costs more than the check
    // when every element is probed.
    fn datum(&self) -> Datum {
        if self.is_instance_of::<PyList>() || self.is_instance_of::<PyTuple>() {
            return Datum::Seq(self.len().unwrap_or_default());
        }
        if let Some(s) = scalar_of(self) {
            return Datum::Number(s);
        }
        if let Ok(t) = self.cast::<PyTensor>() {
            return Datum::Tensor(t.borrow().t.clone());
        }
        if self.is_instance_of::<PyString>() {
            Datum::Str
        } else {
            Datum::Other
        }
    }
    fn item(&self, i: usize) -> PyResult<Self> {
        if self.is_instance_of::<PyList>() {
            return self.cast::<PyList>()?.get_item(i);
        }
        self.cast::<PyTuple>()?.get_item(i)
    }
    fn type_name(&self) -> String {
        type_name(self)
    }
}
