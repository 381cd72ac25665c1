//! torch's argument parser, once: Python arguments matched against a row's signatures
//! (`api::signature`), converted to engine values for the Rust rows (`api::methods`,
//! `api::functions`, `api::table`) or to Python values for the Python layers
//! (`_core.Signature`), with torch's TypeErrors; and the generators that make the rows Tensor
//! methods (a method binds like a function, so each is also the function form `torch.<name>`),
//! module functions, getters and operator slots (`api::attrs`).

use super::convert::{int_list_of, strict_int, type_name};
use super::dtype::{dtype_object, PyDevice};
use super::tensor::PyTensor;
use crate::api::signature::{self, Signature, Ty};
use crate::api::{Args, Out, Value};
use crate::tensor::Scalar;
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyList, PyString, PyTuple};
use pyo3::IntoPyObjectExt;

/// The Python objects bound to each parameter, before conversion.
type Slots<'py> = Vec<Option<Bound<'py, PyAny>>>;

/// Why a signature did not match (`api::signature::Fail`), with Python's objects and errors.
type Fail<'py> = signature::Fail<Bound<'py, PyAny>, PyErr>;

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
        return if p.takes_none() { Ok(Value::None) } else { Err(bad()) };
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
            // (a tuple's or list's own iteration: the iterator protocol costs ~0.1 µs a call)
            let items: Vec<Bound<'py, PyAny>> = if let Ok(t) = obj.cast::<PyTuple>() {
                t.iter().collect()
            } else if let Ok(l) = obj.cast::<PyList>() {
                l.iter().collect()
            } else {
                return Ok(Value::Ints(vec![strict_int(obj).ok_or_else(bad)?; n.ok_or_else(bad)?]));
            };
            Value::Ints(int_list_of(&sig.name, &p.name, &items).map_err(Fail::Raise)?)
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

/// Matches the arguments against each signature in turn (torch's overloads), returning them
/// and the objects bound to the matched signature's parameters. With one signature its own
/// error is the error; with several and no match, torch's "invalid combination" TypeError
/// listing them. `method`: the first argument is the receiver.
fn parse<'py>(
    sigs: &[Signature],
    args: &[Bound<'py, PyAny>],
    kwargs: Option<&Bound<'py, PyDict>>,
    method: bool,
) -> PyResult<(Args, Slots<'py>)> {
    let mut first = None;
    for (overload, sig) in sigs.iter().enumerate() {
        let attempt = bind(sig, args, kwargs).and_then(|slots| {
            let mut vals = Vec::with_capacity(slots.len());
            for (i, (slot, p)) in slots.iter().zip(&sig.params).enumerate() {
                vals.push(match slot {
                    Some(o) => convert(sig, i, o)?,
                    None => p.default_value(),
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
        let fail = first.expect("one signature tried");
        return Err(fail.message(&sigs[0], method, type_name).map_or_else(|e| e, PyTypeError::new_err));
    }
    let mut got: Vec<String> = args.iter().map(type_name).collect();
    if let Some(kw) = kwargs {
        got.extend(kw.iter().map(|(k, v)| format!("{k}={}", type_name(&v))));
    }
    Err(PyTypeError::new_err(signature::invalid_combination(sigs, &got)))
}

/// An engine result as Python objects; `recv` is the receiving object (for `Out::Same`).
pub fn out_to_py(py: Python<'_>, out: Out, recv: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
    Ok(match out {
        Out::Tensor(t) => PyTensor::wrap(t).into_py_any(py)?,
        Out::Same => {
            let recv = recv.expect("a method receives its tensor");
            if let Ok(t) = recv.cast::<PyTensor>() {
                super::identity::adopt(t);
            }
            recv.clone().unbind()
        }
        Out::Named(name, ts) => {
            let items: Vec<_> = ts.into_iter().map(PyTensor::wrap).collect();
            py.import("ferrograd.return_types")?.getattr(name)?.call1(PyTuple::new(py, items)?)?.unbind()
        }
        Out::Tensors(ts) => PyTuple::new(py, ts.into_iter().map(PyTensor::wrap))?.into_any().unbind(),
        Out::Tuple(outs) => {
            let items = outs.into_iter().map(|o| out_to_py(py, o, recv)).collect::<PyResult<Vec<_>>>()?;
            PyTuple::new(py, items)?.into_any().unbind()
        }
        Out::Int(i) => i.into_py_any(py)?,
        Out::Float(f) => f.into_py_any(py)?,
        Out::Bool(b) => b.into_py_any(py)?,
        Out::Size(s) => super::functions::size_obj(py, &s)?.unbind(),
        Out::Ints(v) => PyTuple::new(py, v)?.into_any().unbind(),
        Out::Scalar(Scalar::Float(f)) => f.into_py_any(py)?,
        Out::Scalar(Scalar::Int(i)) => i.into_py_any(py)?,
        Out::Scalar(Scalar::Bool(b)) => b.into_py_any(py)?,
        Out::DType(d) => dtype_object(py, d).into_any(),
        Out::Device(d) => PyDevice { d }.into_py_any(py)?,
        Out::Str(s) => s.into_py_any(py)?,
        Out::Node(n) => super::node::PyNode::new(n).into_py_any(py)?,
        Out::None => py.None(),
    })
}

/// Parses a call of a generated method or function and runs its row.
pub fn call(
    sigs: &PyOnceLock<Vec<Signature>>,
    specs: &[&str],
    recv: Option<&Bound<'_, PyAny>>,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
    body: impl FnOnce(&Args) -> crate::Result<Out>,
) -> PyResult<Py<PyAny>> {
    let py = args.py();
    let sigs = sigs.get_or_try_init(py, || Signature::parse_all(specs))?;
    let items: Vec<Bound<'_, PyAny>> = recv.cloned().into_iter().chain(args.iter()).collect();
    let (a, _) = parse(sigs, &items, kwargs, recv.is_some())?;
    out_to_py(py, body(&a)?, recv)
}

/// Each method row (`api/methods.rs`, `api/table.rs`) as a Tensor method; its receiver is the
/// first argument. No text signature: `inspect` and stubtest take the `.pyi` stub's.
macro_rules! gen_methods {
    ($($(#[$m:meta])* $name:ident : $($sig:expr),+ => |$a:ident| $body:expr;)*) => {
        #[pymethods]
        impl crate::bindings::tensor::PyTensor {
            $(
                $(#[$m])*
                #[pyo3(signature = (*args, **kwargs), text_signature = None)]
                fn $name(
                    slf: &Bound<'_, Self>,
                    args: &Bound<'_, pyo3::types::PyTuple>,
                    kwargs: Option<&Bound<'_, pyo3::types::PyDict>>,
                ) -> PyResult<Py<PyAny>> {
                    static SIGS: pyo3::sync::PyOnceLock<Vec<crate::api::signature::Signature>> =
                        pyo3::sync::PyOnceLock::new();
                    let specs = [$($sig),+];
                    crate::bindings::api::call(&SIGS, &specs, Some(slf.as_any()), args, kwargs, |$a| {
                        Ok(crate::api::Out::from($body?))
                    })
                }
            )*
        }
    };
}
pub(super) use gen_methods;

/// Each function row as a module function, and `add_functions` to add them (one module per
/// set of rows).
macro_rules! gen_functions {
    ($($(#[$m:meta])* $name:ident : $($sig:expr),+ => |$a:ident| $body:expr;)*) => {
        $(
            $(#[$m])*
            #[pyfunction]
            #[pyo3(signature = (*args, **kwargs), text_signature = None)]
            fn $name(
                args: &Bound<'_, pyo3::types::PyTuple>,
                kwargs: Option<&Bound<'_, pyo3::types::PyDict>>,
            ) -> PyResult<Py<PyAny>> {
                static SIGS: pyo3::sync::PyOnceLock<Vec<crate::api::signature::Signature>> =
                    pyo3::sync::PyOnceLock::new();
                let specs = [$($sig),+];
                crate::bindings::api::call(&SIGS, &specs, None, args, kwargs, |$a| Ok(crate::api::Out::from($body?)))
            }
        )*
        pub fn add_functions(m: &Bound<'_, PyModule>) -> PyResult<()> {
            $(m.add_function(wrap_pyfunction!($name, m)?)?;)*
            Ok(())
        }
    };
}
pub(super) use gen_functions;

/// The attribute rows (`api/attrs.rs`) as getters (`[getter]`) or as unary operator slots
/// (`[inline]`: any attribute, for the one the getters need).
macro_rules! gen_attrs {
    ([$attr:ident] $($name:ident => |$t:ident| $body:expr;)*) => {
        #[pymethods]
        impl PyTensor {
            $(
                #[$attr]
                #[allow(non_snake_case)] // (`T`, `mT`)
                fn $name(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
                    let out = { let $t = &slf.try_borrow()?.t; Out::from($body?) };
                    out_to_py(slf.py(), out, Some(slf.as_any()))
                }
            )*
        }
    };
}

/// The binary operator rows as number-protocol slots: NotImplemented for an operand of
/// another type.
macro_rules! gen_operators {
    ($($name:ident $(($modulo:ident))? : $kind:ident => |$x:ident, $o:ident| $e:expr;)*) => {
        #[pymethods]
        impl PyTensor {
            $(fn $name<'py>(
                &self,
                py: Python<'py>,
                o: &Bound<'py, PyAny>,
                $($modulo: Option<&Bound<'py, PyAny>>,)?
            ) -> PyResult<Py<PyAny>> {
                $(if $modulo.is_some_and(|m| !m.is_none()) {
                    return Err(PyTypeError::new_err("pow() with a modulo is not supported for tensors"));
                })?
                let Some(o) = operator_arg(o, Ty::$kind) else { return Ok(py.NotImplemented()) };
                let ($x, $o) = (&self.t, &o);
                PyTensor::wrap($e?).into_py_any(py)
            })*
        }
    };
}

/// `o` of a binary operator: a tensor, or also a Python number for `Ty::Operand`.
fn operator_arg(o: &Bound<'_, PyAny>, kind: Ty) -> Option<crate::tensor::Tensor> {
    match kind {
        Ty::Operand => super::convert::operand(o),
        _ => o.cast::<PyTensor>().ok().map(|t| t.borrow().t.clone()),
    }
}

/// The in-place operator rows: `x op= o` runs the in-place op (pow's modulo is Python's slot
/// signature, never given by `**=`).
macro_rules! gen_inplace_operators {
    ($($name:ident $(($modulo:ident))? => $op:literal, $f:path;)*) => {
        #[pymethods]
        impl PyTensor {
            $(fn $name(&self, o: &Bound<'_, PyAny>, $($modulo: Option<&Bound<'_, PyAny>>)?) -> PyResult<()> {
                $(let _ = $modulo;)?
                let o = super::super::convert::operand_or_err($op, o)?;
                Ok(crate::api::attrs::inplace_binary(&self.t, $op, &o, $f)?)
            })*
        }
    };
}

mod rows {
    use crate::api::functions::*;
    use crate::api::methods::*;
    use crate::api::{ok, Out};
    use crate::dtype::DType;
    use crate::tensor::Tensor;
    use pyo3::prelude::*;

    crate::api::methods::method_rows!(super::gen_methods);
    crate::api::functions::function_rows!(super::gen_functions);
}

mod attr_rows {
    use super::{operator_arg, out_to_py, PyTensor, Ty};
    use crate::api::attrs::*;
    use crate::api::{ok, Out};
    use crate::tensor::Tensor;
    use pyo3::exceptions::PyTypeError;
    use pyo3::prelude::*;
    use pyo3::IntoPyObjectExt;

    crate::api::attrs::getter_rows!(gen_attrs, [getter]);
    crate::api::attrs::unary_operator_rows!(gen_attrs, [inline]);
    crate::api::attrs::operator_rows!(gen_operators);
    crate::api::attrs::inplace_operator_rows!(gen_inplace_operators);
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
        Ok(PySignature { sigs: Signature::parse_all(&specs)? })
    }

    #[pyo3(signature = (args, kwargs=None))]
    fn parse<'py>(
        &self,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = args.py();
        let items: Vec<Bound<'py, PyAny>> = args.iter().collect();
        let (a, slots) = parse(&self.sigs, &items, kwargs, false)?;
        let sig = &self.sigs[a.overload];
        let mut out = Vec::with_capacity(a.vals.len());
        for ((v, p), slot) in a.vals.into_iter().zip(&sig.params).zip(&slots) {
            out.push(match (v, p.ty) {
                (Value::Tensor(_), Ty::Tensor) | (Value::Tensors(_) | Value::Opaque, _) => {
                    slot.as_ref().expect("a given argument").clone().unbind()
                }
                (v, _) => out_to_py(py, Out::from(v), None)?,
            });
        }
        let vals = PyTuple::new(py, out)?.into_any();
        if self.sigs.len() > 1 {
            return Ok(PyTuple::new(py, [a.overload.into_py_any(py)?, vals.unbind()])?.into_any());
        }
        Ok(vals)
    }
}
