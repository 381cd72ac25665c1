//! torch's argument parser, once: Python arguments matched against a row's signatures
//! (`api::signature`), converted to engine values for the Rust rows (`api::methods`,
//! `api::functions`) or to Python values for the Python layers (`_core.Signature`), with torch's
//! TypeErrors. Each row becomes one `Method` object: a Tensor method (it binds like a function)
//! and, the same object, the function form `torch.<name>`.

use super::convert::{int_list_of, strict_int, type_name};
use super::dtype::{dtype_object, PyDevice};
use super::tensor::PyTensor;
use crate::api::signature::{Default, Param, Signature, Ty};
use crate::api::{Args, Out, Value};
use crate::tensor::Scalar;
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyList, PyString, PyTuple};
use pyo3::IntoPyObjectExt;

/// A row's signatures, parsed once.
pub fn compile(sigs: &[&str]) -> PyResult<Vec<Signature>> {
    sigs.iter().map(|s| Signature::parse(s).map_err(PyErr::from)).collect()
}

/// The Python objects bound to each parameter, before conversion.
type Slots<'py> = Vec<Option<Bound<'py, PyAny>>>;

/// Why a signature did not match. Kept as data: trying an overload that does not match is the
/// common case (`view(2, 3)` tries `view(dtype)` first), and a formatted Python exception would
/// cost more than the call; the message is made only for the error finally raised.
enum Fail<'py> {
    TooMany(usize),
    Unexpected(String),
    Multiple(String),
    Missing(usize),
    /// Parameter `i` cannot take this object.
    Type(usize, Bound<'py, PyAny>),
    /// An error that stands whatever the overloads (a tensor being modified, a bad device).
    Raise(PyErr),
}

impl Fail<'_> {
    fn into_err(self, sig: &Signature) -> PyErr {
        let name = &sig.name;
        let msg = match self {
            Fail::Raise(e) => return e,
            Fail::TooMany(n) => {
                let (lo, hi) = sig.positional_range();
                let range = if lo == hi { format!("{hi}") } else { format!("from {lo} to {hi}") };
                let s = if lo == hi && hi == 1 { "" } else { "s" };
                format!("{name}() takes {range} positional argument{s} but {n} were given")
            }
            Fail::Unexpected(k) => format!("{name}() got an unexpected keyword argument '{k}'"),
            Fail::Multiple(k) => format!("{name}() got multiple values for argument '{k}'"),
            Fail::Missing(i) => {
                format!("{name}() missing 1 required positional arguments: \"{}\"", sig.params[i].name)
            }
            Fail::Type(i, obj) => {
                let p = &sig.params[i];
                let pos = if p.kw_only { String::new() } else { format!(" (position {})", i + 1) };
                format!(
                    "{name}(): argument '{}'{pos} must be {}, not {}",
                    p.name,
                    p.ty.name(),
                    type_name(&obj)
                )
            }
        };
        PyTypeError::new_err(msg)
    }
}

/// Binds positional and keyword arguments to `sig`'s parameters.
fn bind<'py>(
    sig: &Signature,
    args: &[Bound<'py, PyAny>],
    kwargs: Option<&Bound<'py, PyDict>>,
) -> Result<Slots<'py>, Fail<'py>> {
    let mut slots: Slots<'py> = vec![None; sig.params.len()];
    let mut ai = 0;
    for (pi, p) in sig.params.iter().enumerate().filter(|(_, p)| !p.kw_only) {
        let Some(a) = args.get(ai) else { break };
        // `view(2, 3)`: the ints from here on are the list (one sequence is the list itself).
        if p.varargs && (args.len() - ai > 1 || strict_int(a).is_some() || a.is_instance_of::<PyBool>()) {
            slots[pi] = Some(PyTuple::new(a.py(), &args[ai..]).map_err(Fail::Raise)?.into_any());
            ai = args.len();
            break;
        }
        slots[pi] = Some(a.clone());
        ai += 1;
    }
    if ai < args.len() {
        return Err(Fail::TooMany(args.len()));
    }
    if let Some(kw) = kwargs {
        for (k, v) in kw.iter() {
            let k = k.cast::<PyString>().map_err(|e| Fail::Raise(e.into()))?;
            let k = k.to_cow().map_err(Fail::Raise)?;
            let Some(pi) = sig.params.iter().position(|p| p.name == k) else {
                return Err(Fail::Unexpected(k.to_string()));
            };
            if slots[pi].is_some() {
                return Err(Fail::Multiple(k.to_string()));
            }
            slots[pi] = Some(v);
        }
    }
    if let Some(i) = (0..slots.len()).find(|&i| slots[i].is_none() && sig.params[i].default.is_none()) {
        return Err(Fail::Missing(i));
    }
    Ok(slots)
}

/// Converts one argument to the engine's value for its parameter's type.
fn convert<'py>(sig: &Signature, i: usize, obj: &Bound<'py, PyAny>) -> Result<Value, Fail<'py>> {
    let p = &sig.params[i];
    let bad = || Fail::Type(i, obj.clone());
    if obj.is_none() {
        return if p.optional || p.default == Some(Default::None) || p.ty == Ty::Any || p.ty == Ty::Truth {
            Ok(Value::None)
        } else {
            Err(bad())
        };
    }
    Ok(match p.ty {
        Ty::Tensor => {
            let t = obj.cast::<PyTensor>().map_err(|_| bad())?;
            // The tensor a method is modifying, passed to it again: an error, not a failed borrow.
            let r = t.try_borrow().map_err(|_| {
                Fail::Raise(PyRuntimeError::new_err(format!(
                    "{}(): argument '{}' is the tensor being modified",
                    sig.name, p.name
                )))
            })?;
            Value::Tensor(r.t.clone())
        }
        Ty::Operand => Value::Tensor(super::convert::operand(obj).ok_or_else(bad)?),
        Ty::Int => Value::Int(strict_int(obj).ok_or_else(bad)?),
        Ty::Float => Value::Float(number(obj).ok_or_else(bad)?.to_f64()),
        Ty::Scalar => Value::Scalar(number(obj).ok_or_else(bad)?),
        Ty::Bool => Value::Bool(match obj.cast::<PyBool>() {
            Ok(b) => b.is_true(),
            Err(_) => numpy_bool(obj).ok_or_else(bad)?,
        }),
        Ty::IntList(n) => {
            if let Ok(t) = obj.cast::<PyTuple>() {
                Value::Ints(
                    int_list_of(&sig.name, &p.name, &t.iter().collect::<Vec<_>>()).map_err(Fail::Raise)?,
                )
            } else if let Ok(l) = obj.cast::<PyList>() {
                Value::Ints(
                    int_list_of(&sig.name, &p.name, &l.iter().collect::<Vec<_>>()).map_err(Fail::Raise)?,
                )
            } else if let Some(v) = strict_int(obj) {
                Value::Ints(vec![v; n.ok_or_else(bad)?])
            } else {
                return Err(bad());
            }
        }
        Ty::DType => Value::DType(super::convert::dtype_if(obj).ok_or_else(bad)?),
        Ty::Device => {
            if !(obj.is_instance_of::<PyDevice>()
                || obj.is_instance_of::<PyString>()
                || strict_int(obj).is_some())
            {
                return Err(bad());
            }
            Value::Device(PyDevice::new(obj).map_err(Fail::Raise)?.d)
        }
        Ty::Str => Value::Str(obj.cast::<PyString>().map_err(|_| bad())?.to_string()),
        Ty::TensorList => {
            if !(obj.is_instance_of::<PyTuple>() || obj.is_instance_of::<PyList>()) {
                return Err(bad());
            }
            let mut v = Vec::new();
            for (k, item) in obj.try_iter().map_err(Fail::Raise)?.enumerate() {
                let item = item.map_err(Fail::Raise)?;
                let Ok(t) = item.cast::<PyTensor>() else {
                    return Err(Fail::Raise(PyTypeError::new_err(format!(
                        "{}(): expected Tensor as element {k} in argument '{}', but got {}",
                        sig.name,
                        p.name,
                        type_name(&item)
                    ))));
                };
                v.push(t.borrow().t.clone());
            }
            Value::Tensors(v)
        }
        Ty::Generator => {
            static GENERATOR: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
            let cls = GENERATOR.get_or_try_init(obj.py(), || {
                Ok::<_, PyErr>(obj.py().import("ferrograd.utils._random")?.getattr("Generator")?.unbind())
            });
            if !cls.and_then(|c| obj.is_instance(c.bind(obj.py()))).map_err(Fail::Raise)? {
                return Err(bad());
            }
            Value::Opaque
        }
        Ty::Truth => Value::Bool(obj.is_truthy().map_err(Fail::Raise)?),
        Ty::MemoryFormat | Ty::Any => Value::Opaque,
    })
}

/// A Number as torch's parser takes one: a Python number or a 0-d tensor without grad.
fn number(obj: &Bound<'_, PyAny>) -> Option<Scalar> {
    super::convert::scalar_of(obj).or_else(|| super::convert::scalar_tensor(obj)?.item().ok())
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
    sigs: &[Signature],
    args: &[Bound<'_, PyAny>],
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Args> {
    Ok(parse_bound(sigs, args, kwargs)?.0)
}

/// `parse`, also returning the objects bound to the matched signature's parameters.
fn parse_bound<'py>(
    sigs: &[Signature],
    args: &[Bound<'py, PyAny>],
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<(Args, Slots<'py>)> {
    let mut first = None;
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
            Err(Fail::Raise(e)) => return Err(e),
            Err(f) => first = first.or(Some(f)),
        }
    }
    if sigs.len() == 1 {
        return Err(first.expect("one signature tried").into_err(&sigs[0]));
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
        Out::DType(d) => dtype_object(py, d).into_any(),
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
    let sigs = sigs.get_or_try_init(args.py(), || compile(specs))?;
    call_compiled(sigs, recv, args, kwargs, body)
}

/// `call` with signatures the caller compiled (spelled at run time, from a row's properties).
pub fn call_compiled(
    sigs: &[Signature],
    recv: Option<&Bound<'_, PyAny>>,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
    body: impl FnOnce(&Args) -> crate::Result<Out>,
) -> PyResult<Py<PyAny>> {
    let py = args.py();
    let items: Vec<Bound<'_, PyAny>> = recv.cloned().into_iter().chain(args.iter()).collect();
    let a = parse(sigs, &items, kwargs)?;
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
        let (a, slots) = parse_bound(&self.sigs, &items, kwargs)?;
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
