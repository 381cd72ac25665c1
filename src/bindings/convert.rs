//! Python values to engine values: operands, dims, shapes, dtypes, nested data.

use super::dtype::PyDType;
use super::tensor::PyTensor;
use crate::dtype::DType;
use crate::tensor::{Scalar, Tensor};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyList, PySequence, PyTuple};

/// A Python number as a scalar, or None for anything else.
pub fn scalar_of(obj: &Bound<'_, PyAny>) -> Option<Scalar> {
    if obj.is_instance_of::<PyBool>() {
        return obj.extract::<bool>().ok().map(Scalar::Bool);
    }
    if obj.is_instance_of::<PyFloat>() {
        return obj.extract::<f64>().ok().map(Scalar::Float);
    }
    if let Ok(i) = obj.extract::<i64>() {
        return Some(Scalar::Int(i));
    }
    // NumPy scalars and other objects with __float__ (but not strings or sequences).
    if obj.hasattr("__float__").unwrap_or(false) && !obj.is_instance_of::<PySequence>() {
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
        let ty = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
        PyTypeError::new_err(format!("{op}(): argument 'other' must be Tensor or Number, not {ty}"))
    })
}

pub fn tensor_arg(op: &str, name: &str, obj: &Bound<'_, PyAny>) -> PyResult<Tensor> {
    let t = obj.cast::<PyTensor>().map_err(|_| {
        let ty = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
        PyTypeError::new_err(format!("{op}(): argument '{name}' must be Tensor, not {ty}"))
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

fn int_of(op: &str, obj: &Bound<'_, PyAny>) -> PyResult<i64> {
    if obj.is_instance_of::<PyBool>() || obj.is_instance_of::<PyFloat>() {
        let ty = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
        return Err(PyTypeError::new_err(format!("{op}(): expected an int, but got {ty}")));
    }
    obj.extract::<i64>().map_err(|_| {
        let ty = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
        PyTypeError::new_err(format!("{op}(): expected an int, but got {ty}"))
    })
}

/// `dim` arguments: None, an int, or a tuple/list of ints.
pub fn dims_of(op: &str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<i64>>> {
    let Some(obj) = obj else { return Ok(None) };
    if obj.is_none() {
        return Ok(None);
    }
    if obj.is_instance_of::<PyTuple>() || obj.is_instance_of::<PyList>() {
        let mut v = Vec::new();
        for item in obj.try_iter()? {
            v.push(int_of(op, &item?)?);
        }
        return Ok(Some(v));
    }
    Ok(Some(vec![int_of(op, obj)?]))
}

/// A bool flag that, as torch's parser does, also takes an int (`retain_graph=0`).
pub fn flag_of(op: &str, name: &str, obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(b.is_true());
    }
    match obj.extract::<i64>() {
        Ok(i) if !obj.is_instance_of::<PyFloat>() => Ok(i != 0),
        _ => {
            let ty = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
            Err(PyTypeError::new_err(format!("{op}(): argument '{name}' must be bool, not {ty}")))
        }
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
            return a.try_iter()?.map(|x| int_of(op, &x?)).collect();
        }
    }
    args.iter().map(|x| int_of(op, &x)).collect()
}

/// A shape of non-negative sizes (creation functions).
pub fn sizes_of(op: &str, args: &Bound<'_, PyTuple>) -> PyResult<Vec<usize>> {
    shape_of(op, args)?
        .into_iter()
        .map(|d| {
            usize::try_from(d).map_err(|_| {
                pyo3::exceptions::PyRuntimeError::new_err(format!(
                    "{op}: Trying to create tensor with negative dimension {d}"
                ))
            })
        })
        .collect()
}

pub fn dtype_of(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<DType>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => match o.cast::<PyDType>() {
            Ok(d) => Ok(Some(d.get().d)),
            Err(_) => {
                // Python's builtin types as torch accepts them: float -> float64? torch maps
                // `dtype=float` to float64, `int` to int64, `bool` to bool.
                let py = o.py();
                if o.is(py.get_type::<PyFloat>()) {
                    Ok(Some(DType::F64))
                } else if o.is(py.get_type::<pyo3::types::PyInt>()) {
                    Ok(Some(DType::I64))
                } else if o.is(py.get_type::<PyBool>()) {
                    Ok(Some(DType::Bool))
                } else {
                    Err(PyTypeError::new_err(format!(
                        "dtype must be a ferrograd.dtype (float32, float64, int64, bool), not {}",
                        o.repr()?
                    )))
                }
            }
        },
    }
}

/// Nested Python data flattened, with its shape and the dtype torch would infer.
pub struct Nested {
    pub shape: Vec<usize>,
    pub values: Vec<Scalar>,
    pub dtype: DType,
}

pub fn nested(obj: &Bound<'_, PyAny>) -> PyResult<Nested> {
    let mut shape = Vec::new();
    // The shape comes from the first element at each depth; every other element must match.
    let mut probe = obj.clone();
    loop {
        if let Ok(t) = probe.cast::<PyTensor>() {
            shape.extend_from_slice(t.borrow().t.shape());
            break;
        }
        if scalar_of(&probe).is_some() {
            break;
        }
        if probe.is_instance_of::<PyList>() || probe.is_instance_of::<PyTuple>() {
            let seq = probe.cast::<PySequence>()?;
            let n = seq.len()?;
            shape.push(n);
            if n == 0 {
                break;
            }
            let first = seq.get_item(0)?;
            probe = first;
            continue;
        }
        let ty = probe.get_type().name().map(|n| n.to_string()).unwrap_or_default();
        return Err(PyTypeError::new_err(format!("tensor(): could not infer dtype of {ty}")));
    }
    let mut values = Vec::new();
    walk(obj, 0, &shape, &mut values)?;
    let dtype = if values.iter().any(|v| matches!(v, Scalar::Float(_))) {
        DType::F32
    } else if values.iter().any(|v| matches!(v, Scalar::Int(_))) {
        DType::I64
    } else if values.is_empty() {
        DType::F32
    } else {
        DType::Bool
    };
    Ok(Nested { shape, values, dtype })
}

fn walk(obj: &Bound<'_, PyAny>, depth: usize, shape: &[usize], out: &mut Vec<Scalar>) -> PyResult<()> {
    if let Ok(t) = obj.cast::<PyTensor>() {
        let t = t.borrow().t.clone();
        if t.shape() != &shape[depth..] {
            return Err(PyValueError::new_err(format!(
                "expected sequence of length {:?} at dim {depth} (got a tensor of shape {:?})",
                &shape[depth..],
                t.shape()
            )));
        }
        let dt = t.dtype();
        match dt {
            DType::F32 | DType::F64 => out.extend(t.to_vec::<f64>()?.into_iter().map(Scalar::Float)),
            DType::I64 => out.extend(t.to_vec::<i64>()?.into_iter().map(Scalar::Int)),
            DType::Bool => out.extend(t.to_vec::<bool>()?.into_iter().map(Scalar::Bool)),
        }
        return Ok(());
    }
    if depth == shape.len() {
        return match scalar_of(obj) {
            Some(s) => {
                out.push(s);
                Ok(())
            }
            None => Err(PyValueError::new_err(format!(
                "expected a number at dim {depth}, got {}",
                obj.get_type().name().map(|n| n.to_string()).unwrap_or_default()
            ))),
        };
    }
    if !(obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>()) {
        return Err(PyValueError::new_err(format!(
            "expected sequence of length {} at dim {depth} (got {})",
            shape[depth],
            obj.get_type().name().map(|n| n.to_string()).unwrap_or_default()
        )));
    }
    let seq = obj.cast::<PySequence>()?;
    let n = seq.len()?;
    if n != shape[depth] {
        return Err(PyValueError::new_err(format!(
            "expected sequence of length {} at dim {depth} (got {n})",
            shape[depth]
        )));
    }
    for item in obj.try_iter()? {
        walk(&item?, depth + 1, shape, out)?;
    }
    Ok(())
}

/// Builds a tensor of `dtype` from flattened values.
pub fn tensor_from_values(values: &[Scalar], shape: &[usize], dtype: DType) -> crate::Result<Tensor> {
    match dtype {
        DType::I64 => {
            let v: Vec<i64> = values
                .iter()
                .map(|s| match *s {
                    Scalar::Int(i) => i,
                    Scalar::Bool(b) => b as i64,
                    Scalar::Float(f) => f as i64,
                })
                .collect();
            Tensor::from_vec(v, shape)
        }
        DType::Bool => Tensor::from_vec(values.iter().map(|s| s.to_f64() != 0.0).collect(), shape),
        _ => {
            let v: Vec<f64> = values.iter().map(|s| s.to_f64()).collect();
            Tensor::from_f64s(&v, shape, dtype)
        }
    }
}
