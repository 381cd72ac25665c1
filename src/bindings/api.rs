//! torch's argument parser, once: Python arguments matched against a row's signatures
//! (`api::signature`), converted to engine values for the Rust rows (`api::methods`,
//! `api::functions`) or to Python values for the Python layers (`_core.Signature`), with torch's
//! TypeErrors. Each row becomes one `Method` object: a Tensor method (it binds like a function)
//! and, the same object, the function form `torch.<name>`.

use super::convert::{int_list_of, number_arg, strict_int, type_name};
use super::dtype::{dtype_object, PyDevice};
use super::tensor::PyTensor;
use crate::api::signature::{Default, Param, Signature, Ty};
use crate::api::{Args, Out, Value};
use crate::tensor::Scalar;
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyString, PyTuple};
use pyo3::IntoPyObjectExt;

/// A row's signatures, parsed once.
fn compile(sigs: &[&str]) -> PyResult<Vec<Signature>> {
    sigs.iter().map(|s| Signature::parse(s).map_err(PyErr::from)).collect()
}

/// The Python objects bound to each parameter, before conversion.
type Bound_<'py> = Vec<Option<Bound<'py, PyAny>>>;

/// Binds positional and keyword arguments to `sig`'s parameters, with torch's TypeErrors for a
/// wrong count, an unknown or repeated keyword and a missing argument.
fn bind<'py>(
    sig: &Signature,
    args: &[Bound<'py, PyAny>],
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound_<'py>> {
    let name = &sig.name;
    let mut slots: Bound_<'py> = vec![None; sig.params.len()];
    let positional: Vec<usize> = (0..sig.params.len()).filter(|&i| !sig.params[i].kw_only).collect();
    let mut ai = 0;
    for &pi in &positional {
        let Some(a) = args.get(ai) else { break };
        let p = &sig.params[pi];
        // `view(2, 3)`: the ints from here on are the list (one sequence is the list itself).
        if p.varargs && (args.len() - ai > 1 || strict_int(a).is_some() || a.is_instance_of::<PyBool>()) {
            slots[pi] = Some(PyTuple::new(a.py(), &args[ai..])?.into_any());
            ai = args.len();
            break;
        }
        slots[pi] = Some(a.clone());
        ai += 1;
    }
    if ai < args.len() {
        let (lo, hi) = sig.positional_range();
        let range = if lo == hi { format!("{hi}") } else { format!("from {lo} to {hi}") };
        let s = if lo == hi && hi == 1 { "" } else { "s" };
        return Err(PyTypeError::new_err(format!(
            "{name}() takes {range} positional argument{s} but {} were given",
            args.len()
        )));
    }
    if let Some(kw) = kwargs {
        for (k, v) in kw.iter() {
            let k: String = k.extract()?;
            let Some(pi) = sig.params.iter().position(|p| p.name == k) else {
                return Err(PyTypeError::new_err(format!(
                    "{name}() got an unexpected keyword argument '{k}'"
                )));
            };
            if slots[pi].is_some() {
                return Err(PyTypeError::new_err(format!("{name}() got multiple values for argument '{k}'")));
            }
            slots[pi] = Some(v);
        }
    }
    if let Some(p) = sig.params.iter().zip(&slots).find(|(p, s)| s.is_none() && p.default.is_none()) {
        return Err(PyTypeError::new_err(format!(
            "{name}() missing 1 required positional arguments: \"{}\"",
            p.0.name
        )));
    }
    Ok(slots)
}

fn type_error(sig: &Signature, i: usize, obj: &Bound<'_, PyAny>) -> PyErr {
    let p = &sig.params[i];
    let pos = if p.kw_only { String::new() } else { format!(" (position {})", i + 1) };
    PyTypeError::new_err(format!(
        "{}(): argument '{}'{pos} must be {}, not {}",
        sig.name,
        p.name,
        p.ty.name(),
        type_name(obj)
    ))
}

/// Converts one argument to the engine's value for its parameter's type.
fn convert(sig: &Signature, i: usize, obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    let p = &sig.params[i];
    if obj.is_none() {
        return if p.optional || p.default == Some(Default::None) || p.ty == Ty::Any {
            Ok(Value::None)
        } else {
            Err(type_error(sig, i, obj))
        };
    }
    let bad = || type_error(sig, i, obj);
    Ok(match p.ty {
        Ty::Tensor => {
            let t = obj.cast::<PyTensor>().map_err(|_| bad())?;
            // The tensor a method is modifying, passed to it again: an error, not a failed borrow.
            let r = t.try_borrow().map_err(|_| {
                PyRuntimeError::new_err(format!(
                    "{}(): argument '{}' is the tensor being modified",
                    sig.name, p.name
                ))
            })?;
            Value::Tensor(r.t.clone())
        }
        Ty::Operand => Value::Tensor(super::convert::operand(obj).ok_or_else(bad)?),
        Ty::Int => Value::Int(strict_int(obj).ok_or_else(bad)?),
        Ty::Float => Value::Float(number_arg(&sig.name, &p.name, obj).map_err(|_| bad())?.to_f64()),
        Ty::Scalar => Value::Scalar(number_arg(&sig.name, &p.name, obj).map_err(|_| bad())?),
        Ty::Bool => Value::Bool(
            obj.cast::<PyBool>().map(|b| b.is_true()).or_else(|_| numpy_bool(obj).ok_or_else(bad))?,
        ),
        Ty::IntList(n) => {
            if let Some(v) = strict_int(obj) {
                match n {
                    Some(n) => Value::Ints(vec![v; n]),
                    None => return Err(bad()),
                }
            } else if obj.is_instance_of::<PyTuple>() || obj.is_instance_of::<PyList>() {
                let items: Vec<Bound<'_, PyAny>> = obj.try_iter()?.collect::<PyResult<_>>()?;
                Value::Ints(int_list_of(&sig.name, &p.name, &items)?)
            } else {
                return Err(bad());
            }
        }
        Ty::DType => Value::DType(super::convert::dtype_of(Some(obj)).map_err(|_| bad())?.expect("not None")),
        Ty::Device => Value::Device(PyDevice::new(obj)?.d),
        Ty::Str => Value::Str(obj.cast::<PyString>().map_err(|_| bad())?.to_string()),
        Ty::TensorList => {
            if !(obj.is_instance_of::<PyTuple>() || obj.is_instance_of::<PyList>()) {
                return Err(bad());
            }
            let mut v = Vec::new();
            for (k, item) in obj.try_iter()?.enumerate() {
                let item = item?;
                let t = item.cast::<PyTensor>().map_err(|_| {
                    PyTypeError::new_err(format!(
                        "{}(): expected Tensor as element {k} in argument '{}', but got {}",
                        sig.name,
                        p.name,
                        type_name(&item)
                    ))
                })?;
                v.push(t.borrow().t.clone());
            }
            Value::Tensors(v)
        }
        Ty::Generator => {
            let cls = obj.py().import("ferrograd.utils._random")?.getattr("Generator")?;
            if !obj.is_instance(&cls)? {
                return Err(bad());
            }
            Value::Opaque
        }
        Ty::MemoryFormat | Ty::Any => Value::Opaque,
    })
}

/// NumPy's bool scalar, which torch's parser takes as a bool.
fn numpy_bool(obj: &Bound<'_, PyAny>) -> Option<bool> {
    let name = obj.get_type().name().ok()?.to_string();
    (name == "bool" || name == "bool_").then(|| obj.extract::<bool>().ok()).flatten()
}

fn default_value(p: &Param) -> Value {
    match &p.default {
        None | Some(Default::None) => Value::None,
        Some(Default::Bool(b)) => Value::Bool(*b),
        // `int[2] stride=1` is `[1, 1]`, as a given int is.
        Some(Default::Int(i)) => match p.ty {
            Ty::IntList(Some(n)) => Value::Ints(vec![*i; n]),
            _ => Value::Int(*i),
        },
        Some(Default::Float(f)) => Value::Float(*f),
        Some(Default::Str(s)) => Value::Str(s.clone()),
        Some(Default::Ints(v)) => Value::Ints(v.clone()),
    }
}

/// Matches the arguments against each signature in turn (torch's overloads). With one
/// signature its own error is the error; with several and no match, torch's "invalid
/// combination" TypeError listing them.
pub fn parse(
    py: Python<'_>,
    sigs: &[Signature],
    args: &[Bound<'_, PyAny>],
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Args> {
    parse_bound(py, sigs, args, kwargs).map(|(a, _)| a)
}

/// `parse`, also returning the objects bound to the matched signature's parameters.
fn parse_bound<'py>(
    py: Python<'py>,
    sigs: &[Signature],
    args: &[Bound<'py, PyAny>],
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<(Args, Bound_<'py>)> {
    let mut first_err = None;
    for (overload, sig) in sigs.iter().enumerate() {
        let attempt = bind(sig, args, kwargs).and_then(|slots| {
            let mut vals = Vec::with_capacity(slots.len());
            for (i, (slot, p)) in slots.iter().zip(&sig.params).enumerate() {
                vals.push(match slot {
                    Some(o) => convert(sig, i, o)?,
                    None => default_value(p),
                });
            }
            let given = slots.iter().map(Option::is_some).collect();
            Ok((Args { overload, vals, given }, slots))
        });
        match attempt {
            Ok(a) => return Ok(a),
            // An error that is not about the argument types (a tensor being modified) stands.
            Err(e) if !e.is_instance_of::<PyTypeError>(py) => return Err(e),
            Err(e) => first_err = first_err.or(Some(e)),
        }
    }
    if sigs.len() == 1 {
        return Err(first_err.expect("one signature tried"));
    }
    let mut got: Vec<String> = args.iter().map(type_name).collect();
    if let Some(kw) = kwargs {
        got.extend(kw.iter().map(|(k, v)| format!("{k}={}", type_name(&v))));
    }
    let expected: Vec<String> = sigs.iter().map(|s| format!(" * {}", describe(s))).collect();
    Err(PyTypeError::new_err(format!(
        "{}() received an invalid combination of arguments - got ({}), but expected one of:\n{}",
        sigs[0].name,
        got.join(", "),
        expected.join("\n")
    )))
}

fn describe(sig: &Signature) -> String {
    let ps: Vec<String> = sig.params.iter().map(|p: &Param| format!("{} {}", p.ty.name(), p.name)).collect();
    format!("({})", ps.join(", "))
}

/// An engine result as Python objects; `recv` is the receiving object (for `Out::Same`).
pub fn out_to_py(py: Python<'_>, out: Out, recv: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
    Ok(match out {
        Out::Tensor(t) => PyTensor::wrap(t).into_py_any(py)?,
        Out::Same => recv.expect("a method receives its tensor").clone().unbind(),
        Out::Named(name, ts) => {
            let items: Vec<_> = ts.into_iter().map(PyTensor::wrap).collect();
            py.import("ferrograd.return_types")?.getattr(name)?.call1(PyTuple::new(py, items)?)?.unbind()
        }
        Out::Tensors(ts) => PyTuple::new(py, ts.into_iter().map(PyTensor::wrap))?.into_any().unbind(),
        Out::Int(i) => i.into_py_any(py)?,
        Out::Float(f) => f.into_py_any(py)?,
        Out::Bool(b) => b.into_py_any(py)?,
        Out::Size(s) => super::functions::size_obj(py, &s)?.unbind(),
        Out::Ints(v) => PyTuple::new(py, v)?.into_any().unbind(),
        Out::Scalar(s) => scalar_to_py(py, s)?,
        Out::None => py.None(),
    })
}

pub fn scalar_to_py(py: Python<'_>, s: Scalar) -> PyResult<Py<PyAny>> {
    match s {
        Scalar::Float(f) => f.into_py_any(py),
        Scalar::Int(i) => i.into_py_any(py),
        Scalar::Bool(b) => b.into_py_any(py),
    }
}

/// Parses a call of a generated method or function and runs its row.
pub fn call(
    sigs: &pyo3::sync::PyOnceLock<Vec<Signature>>,
    specs: &[&str],
    recv: Option<&Bound<'_, PyAny>>,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
    body: impl FnOnce(&Args) -> crate::Result<Out>,
) -> PyResult<Py<PyAny>> {
    let py = args.py();
    let sigs = sigs.get_or_try_init(py, || compile(specs))?;
    let items: Vec<Bound<'_, PyAny>> = recv.cloned().into_iter().chain(args.iter()).collect();
    let a = parse(py, sigs, &items, kwargs)?;
    out_to_py(py, body(&a)?, recv)
}

/// Each method row (`api/methods.rs`) as a Tensor method; its receiver is the first argument.
macro_rules! gen_methods {
    ($($name:ident : $sig:literal $(| $more:literal)* => |$a:ident| $body:expr;)*) => {
        #[pymethods]
        impl PyTensor {
            $(
                // No text signature: `inspect` and stubtest take the `.pyi` stub's.
                #[pyo3(signature = (*args, **kwargs), text_signature = None)]
                fn $name(slf: &Bound<'_, Self>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Py<PyAny>> {
                    static SIGS: pyo3::sync::PyOnceLock<Vec<Signature>> = pyo3::sync::PyOnceLock::new();
                    call(&SIGS, &[$sig $(, $more)*], Some(slf.as_any()), args, kwargs, |$a| Ok(Out::from($body?)))
                }
            )*
        }
    };
}

/// Each function row (`api/functions.rs`) as a module function, and `add_functions` to add them.
macro_rules! gen_functions {
    ($($name:ident : $sig:literal $(| $more:literal)* => |$a:ident| $body:expr;)*) => {
        $(
            #[pyfunction]
            #[pyo3(signature = (*args, **kwargs), text_signature = None)]
            fn $name(args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Py<PyAny>> {
                static SIGS: pyo3::sync::PyOnceLock<Vec<Signature>> = pyo3::sync::PyOnceLock::new();
                call(&SIGS, &[$sig $(, $more)*], None, args, kwargs, |$a| Ok(Out::from($body?)))
            }
        )*
        pub fn add_functions(m: &Bound<'_, PyModule>) -> PyResult<()> {
            $(m.add_function(wrap_pyfunction!($name, m)?)?;)*
            Ok(())
        }
    };
}

mod rows {
    use super::{call, PyTensor, Signature};
    use crate::api::functions::*;
    use crate::api::methods::*;
    use crate::api::{ok, Out};
    use crate::dtype::DType;
    use crate::tensor::Tensor;
    use pyo3::prelude::*;
    use pyo3::types::{PyDict, PyTuple};

    crate::api::methods::method_rows!(gen_methods);
    crate::api::functions::function_rows!(gen_functions);
}

/// Installs the function rows and `_core.Signature` (the method rows are Tensor's methods).
pub fn install(m: &Bound<'_, PyModule>) -> PyResult<()> {
    rows::add_functions(m)?;
    m.add_class::<PySignature>()
}

/// `_core.Signature(spec, ...)`: the same parser for the functions written in Python
/// (`nn.functional`, `nn.init`): `parse(args, kwargs)` returns the arguments in the signature's
/// order, converted (an int from a 0-d tensor is an int, `int[2]` from one int a pair), and
/// raises torch's TypeError otherwise. With several signatures it returns `(overload, values)`.
#[pyclass(name = "Signature", module = "ferrograd", frozen)]
pub struct PySignature {
    sigs: Vec<Signature>,
}

#[pymethods]
impl PySignature {
    #[new]
    #[pyo3(signature = (*specs))]
    fn new(specs: Vec<String>) -> PyResult<PySignature> {
        let specs: Vec<&str> = specs.iter().map(String::as_str).collect();
        Ok(PySignature { sigs: compile(&specs)? })
    }

    #[pyo3(signature = (args, kwargs=None))]
    fn parse<'py>(
        &self,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = args.py();
        let items: Vec<Bound<'py, PyAny>> = args.iter().collect();
        // (with the objects as bound, for the types whose Python value is the object itself)
        let (a, slots) = parse_bound(py, &self.sigs, &items, kwargs)?;
        let sig = &self.sigs[a.overload];
        let mut out = Vec::with_capacity(a.vals.len());
        for ((v, p), slot) in a.vals.iter().zip(&sig.params).zip(&slots) {
            out.push(match (v, p.ty) {
                (Value::None, _) => py.None(),
                (Value::Tensor(_), Ty::Tensor) | (Value::Tensors(_), _) | (Value::Opaque, _) => {
                    slot.as_ref().expect("a given argument").clone().unbind()
                }
                (Value::Tensor(t), _) => PyTensor::wrap(t.clone()).into_py_any(py)?,
                (Value::Int(i), _) => i.into_py_any(py)?,
                (Value::Float(f), _) => f.into_py_any(py)?,
                (Value::Scalar(s), _) => scalar_to_py(py, *s)?,
                (Value::Bool(b), _) => b.into_py_any(py)?,
                (Value::Ints(v), _) => PyTuple::new(py, v)?.into_any().unbind(),
                (Value::DType(d), _) => dtype_object(py, *d).into_any(),
                (Value::Device(d), _) => PyDevice { d: *d }.into_py_any(py)?,
                (Value::Str(s), _) => s.into_py_any(py)?,
            });
        }
        let vals = PyTuple::new(py, out)?.into_any();
        if self.sigs.len() > 1 {
            return Ok(PyTuple::new(py, [a.overload.into_py_any(py)?, vals.unbind()])?.into_any());
        }
        Ok(vals)
    }
}
