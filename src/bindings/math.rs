//! What the op table (`ops/table.rs`) turns into in Python: each row's `Tensor` method, its
//! in-place form and aliases, and `_math_ops()`/`_binary_ops()`, the lists `ferrograd/__init__.py`
//! reads to install the function forms and `scripts/gen_stubs.py` reads to write the stub.

use super::api::{call, call_compiled, compile};
use super::convert::{operand_or_err, tensor_arg};
use super::tensor::{ok, PyTensor, R};
use crate::api::signature::Signature;
use crate::api::{ArgValue, Out};
use crate::error::bail;
use crate::ops::math::ROWS;
use crate::ops::math_act::{activation, ActOp, ACT_ROWS};
use crate::ops::math_binary::{MathBinOp, BINARY_ROWS};
use crate::ops::math_ternary::TERNARY_ROWS;
use crate::ops::table::{activation_ops, binary_ops, math_ops, ternary_ops};
use crate::tensor::Tensor;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple};

/// The Python methods of one math row, in a `#[pymethods]` block of its own: without
/// parameters, or with the row's pyo3 signature and parameters (each form calls the core method
/// with the same arguments).
macro_rules! math_methods {
    ([$doc:literal $name:ident $($inplace:ident)?] [$($alias:ident, $alias_:ident)*] []) => {
        #[pymethods]
        impl PyTensor {
            #[doc = $doc]
            fn $name(&self) -> R {
                ok(self.t.$name())
            }
            $(
                fn $inplace(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
                    slf.t.apply_inplace(stringify!($inplace), &[], |s| s.$name())?;
                    Ok(slf)
                }
            )?
            $(
                #[doc = $doc]
                fn $alias(&self) -> R {
                    ok(self.t.$name())
                }
                fn $alias_(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
                    slf.t.apply_inplace(stringify!($alias_), &[], |s| s.$name())?;
                    Ok(slf)
                }
            )*
        }
    };
    ([$doc:literal $name:ident $inplace:ident] [] [$sig:literal ($($p:ident: $pt:ty),*)]) => {
        math_methods!([$doc $name] [] [$sig ($($p: $pt),*)]);
        #[pymethods]
        impl PyTensor {
            #[pyo3(signature = (*args, **kwargs), text_signature = None)]
            fn $inplace(slf: &Bound<'_, Self>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Py<PyAny>> {
                static SIGS: PyOnceLock<Vec<Signature>> = PyOnceLock::new();
                let specs = [concat!(stringify!($inplace), "(Tensor input)"), concat!(stringify!($inplace), "(Tensor input, ", $sig, ")")];
                call(&SIGS, &specs, Some(slf.as_any()), args, kwargs, |a| {
                    let mut k = 0;
                    $(let $p: $pt = ArgValue::take(a, { k += 1; k });)*
                    a.t(0).apply_inplace(stringify!($inplace), &[], |s| s.$name($($p),*))?;
                    Ok(Out::Same)
                })
            }
        }
    };
    // The parameters are parsed by the one parser (`bindings/api.rs`): torch's two overloads,
    // without parameters and with the row's (so `round(x, decimals=None)` is its TypeError).
    ([$doc:literal $name:ident] [] [$sig:literal ($($p:ident: $pt:ty),*)]) => {
        #[pymethods]
        impl PyTensor {
            #[doc = $doc]
            #[pyo3(signature = (*args, **kwargs), text_signature = None)]
            fn $name(slf: &Bound<'_, Self>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Py<PyAny>> {
                static SIGS: PyOnceLock<Vec<Signature>> = PyOnceLock::new();
                let specs = [concat!(stringify!($name), "(Tensor input)"), concat!(stringify!($name), "(Tensor input, ", $sig, ")")];
                call(&SIGS, &specs, Some(slf.as_any()), args, kwargs, |a| {
                    let mut k = 0;
                    $(let $p: $pt = ArgValue::take(a, { k += 1; k });)*
                    Ok(Out::from(a.t(0).$name($($p),*)?))
                })
            }
        }
    };
}

macro_rules! gen_python {
    ($(
        #[doc = $doc:literal]
        $name:ident $(, $inplace:ident)? $(| $alias:ident, $alias_:ident)* => $V:ident {
            $(node: $node:literal,)?
            $(
                signature: $sig:literal,
                params: ($($p:ident: $pt:ty),*),
                $(overload: $ocond:expr => $onode:literal,)?
                prepare: |$px:ident| $prep:expr,
            )?
            dtype: $dt:ident,
            cpu: |$x:ident $(, $pa:pat_param)?| $cpu:expr,
            wgsl: $wgsl:literal,
            $(
                saves: $save:ident,
                grad: |$g:ident $(, $v:ident)?| $grad:expr $(,)?
            )?
        }
    )*) => {
        $(
            math_methods!([$doc $name $($inplace)?] [$($alias, $alias_)*] [$($sig ($($p: $pt),*))?]);
        )*
    };
}

math_ops!(gen_python);

/// The table's rows for the Python layer: `(name, inplace or None, [(alias, alias_inplace)],
/// signature, [(param, Rust type)], doc)`: the signature is pyo3's (empty without parameters).
#[pyfunction]
#[allow(clippy::type_complexity)]
pub fn _math_ops() -> Vec<(
    &'static str,
    Option<&'static str>,
    Vec<(&'static str, &'static str)>,
    &'static str,
    Vec<(&'static str, &'static str)>,
    &'static str,
)> {
    ROWS.iter()
        .map(|r| (r.name, r.inplace, r.aliases.to_vec(), r.signature, r.params.to_vec(), r.doc.trim()))
        .collect()
}

/// `other` of a binary row: a tensor, or also a Python number where the row takes one.
fn other_arg(op: MathBinOp, other: &Bound<'_, PyAny>) -> PyResult<Tensor> {
    if op.takes_scalar_other() {
        operand_or_err(op.name(), other)
    } else {
        tensor_arg(op.name(), "other", other)
    }
}

/// A binary row's in-place form; a row torch does not differentiate leaves the history alone
/// (torch's logical_and_ on a tensor requiring grad keeps its node).
fn binary_inplace(
    t: &Tensor,
    op: MathBinOp,
    name: &str,
    other: &Tensor,
    f: impl FnOnce(&Tensor) -> crate::Result<Tensor>,
) -> crate::Result<()> {
    if op.saves().is_some() {
        t.apply_inplace(name, &[other], f)
    } else {
        t.apply_inplace_untracked(name, &[other], f)
    }
}

macro_rules! gen_python_binary {
    ($(
        #[doc = $doc:literal]
        $name:ident $(, $inplace:ident)? $(| $alias:ident $(, $alias_:ident)?)* => $V:ident { $($rest:tt)* }
    )*) => {
        #[pymethods]
        impl PyTensor {
            $(
                #[doc = $doc]
                fn $name(&self, other: &Bound<'_, PyAny>) -> R {
                    ok(self.t.$name(&other_arg(MathBinOp::$V, other)?))
                }
                $(
                    fn $inplace<'py>(slf: PyRef<'py, Self>, other: &Bound<'py, PyAny>) -> PyResult<PyRef<'py, Self>> {
                        let o = other_arg(MathBinOp::$V, other)?;
                        binary_inplace(&slf.t, MathBinOp::$V, stringify!($inplace), &o, |s| s.$name(&o))?;
                        Ok(slf)
                    }
                )?
                $(
                    #[doc = $doc]
                    fn $alias(&self, other: &Bound<'_, PyAny>) -> R {
                        ok(self.t.$name(&other_arg(MathBinOp::$V, other)?))
                    }
                    $(
                        fn $alias_<'py>(slf: PyRef<'py, Self>, other: &Bound<'py, PyAny>) -> PyResult<PyRef<'py, Self>> {
                            let o = other_arg(MathBinOp::$V, other)?;
                            binary_inplace(&slf.t, MathBinOp::$V, stringify!($alias_), &o, |s| s.$name(&o))?;
                            Ok(slf)
                        }
                    )?
                )*
            )*
        }
    };
}

binary_ops!(gen_python_binary);

/// Each binary row's function form, `torch.<name>(input, other)`: the method's rules, and a
/// Python number as `input` where torch has that overload (the row's `input: Number`).
macro_rules! gen_binary_functions {
    ($(
        #[doc = $doc:literal]
        $name:ident $(, $inplace:ident)? $(| $alias:ident $(, $alias_:ident)?)* => $V:ident { $($rest:tt)* }
    )*) => {
        mod binary_functions {
            use super::*;
            $(
                #[doc = $doc]
                #[pyfunction]
                #[pyo3(signature = (*args, **kwargs), text_signature = None)]
                pub fn $name(args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Py<PyAny>> {
                    static SIGS: PyOnceLock<Vec<Signature>> = PyOnceLock::new();
                    let sigs = SIGS.get_or_try_init(args.py(), || binary_signatures(MathBinOp::$V))?;
                    call_compiled(sigs, None, args, kwargs, |a| match a.overload {
                        0 => Ok(Out::from(a.t(0).$name(a.t(1))?)),
                        _ => Ok(Out::from(Tensor::wrapped_scalar(a.scalar(0)).$name(a.t(1))?)),
                    })
                }
            )*
        }

        /// Adds the binary rows' function forms to the module.
        pub fn add_binary_functions(m: &Bound<'_, PyModule>) -> PyResult<()> {
            $(m.add_function(wrap_pyfunction!(binary_functions::$name, m)?)?;)*
            Ok(())
        }
    };
}

/// A binary row's function signatures: torch's `(Tensor input, Tensor other)` (`other` also a
/// Number where the row takes one), and `(Scalar input, Tensor other)` where torch has it.
fn binary_signatures(op: MathBinOp) -> PyResult<Vec<Signature>> {
    let other = if op.takes_scalar_other() { "Tensor|Number" } else { "Tensor" };
    let mut specs = vec![format!("{}(Tensor input, {other} other)", op.name())];
    if op.takes_scalar_input() {
        specs.push(format!("{}(Scalar input, Tensor other)", op.name()));
    }
    compile(&specs.iter().map(String::as_str).collect::<Vec<_>>())
}

binary_ops!(gen_binary_functions);

/// The binary rows for the Python layer: `(name, inplace or None, [(alias, alias_inplace or
/// None)], doc)`.
#[pyfunction]
#[allow(clippy::type_complexity)]
pub fn _binary_ops(
) -> Vec<(&'static str, Option<&'static str>, Vec<(&'static str, Option<&'static str>)>, &'static str)> {
    BINARY_ROWS.iter().map(|r| (r.name, r.inplace, r.aliases.to_vec(), r.doc.trim())).collect()
}

/// One call of an activation row: out of place, or in place where the row has that form.
fn act_call(t: &Tensor, op: ActOp, given: &[f64], inplace: bool) -> crate::Result<Out> {
    let mut p = [0.0; 2];
    p[..given.len()].copy_from_slice(given);
    if !inplace {
        return Ok(activation(t, op, p)?.into());
    }
    if !ACT_ROWS.iter().any(|r| r.op == op && r.forms.contains(&"inplace")) {
        bail!(Type, "{}() got an unexpected keyword argument 'inplace'", op.name());
    }
    t.apply_inplace(&format!("{}_", op.name()), &[], |s| activation(s, op, p))?;
    Ok(t.clone().into())
}

macro_rules! gen_python_act {
    ($(
        #[doc = $doc:literal]
        $name:ident($($p:ident $(= $d:expr)?),*) => $V:ident { $($rest:tt)* }
    )*) => {
        $(
            /// The row's function (`F.<name>`), its arguments parsed by the one parser.
            #[doc = $doc]
            #[pyfunction]
            #[pyo3(signature = (*args, **kwargs), text_signature = None)]
            fn $name(args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Py<PyAny>> {
                static SIGS: PyOnceLock<Vec<Signature>> = PyOnceLock::new();
                let spec = concat!(
                    stringify!($name), "(Tensor input",
                    $(", float ", stringify!($p), $("=", stringify!($d),)?)*
                    ", truth inplace=False)"
                );
                call(&SIGS, &[spec], None, args, kwargs, |a| {
                    #[allow(unused_mut)] // (rows without parameters)
                    let mut k = 0;
                    let given = [$({ let _ = stringify!($p); k += 1; a.f64(k) }),*];
                    act_call(a.t(0), ActOp::$V, &given, a.bool(k + 1))
                })
            }
        )*

        /// Adds the activation rows' functions (`_core.<name>`) to the module.
        pub fn add_activations(m: &Bound<'_, PyModule>) -> PyResult<()> {
            $(m.add_function(wrap_pyfunction!($name, m)?)?;)*
            Ok(())
        }
    };
}

activation_ops!(gen_python_act);

/// The activation rows for the Python layer: `(name, [(param, default or None)], module class,
/// forms, doc)`.
#[pyfunction]
#[allow(clippy::type_complexity)]
pub fn _activation_ops(
) -> Vec<(&'static str, Vec<(&'static str, Option<f64>)>, &'static str, Vec<&'static str>, &'static str)> {
    ACT_ROWS.iter().map(|r| (r.name, r.params.to_vec(), r.module, r.forms.to_vec(), r.doc.trim())).collect()
}

macro_rules! gen_python_ternary {
    ($(
        #[doc = $doc:literal]
        $name:ident $(, $inplace:ident)? ($second:ident, $third:ident) => $V:ident { $($rest:tt)* }
    )*) => {
        #[pymethods]
        impl PyTensor {
            $(
                #[doc = $doc]
                fn $name(&self, $second: &Bound<'_, PyAny>, $third: &Bound<'_, PyAny>) -> R {
                    let op = stringify!($name);
                    let (b, c) = (tensor_arg(op, stringify!($second), $second)?, operand_or_err(op, $third)?);
                    ok(self.t.$name(&b, &c))
                }
                $(
                    fn $inplace<'py>(
                        slf: PyRef<'py, Self>,
                        $second: &Bound<'py, PyAny>,
                        $third: &Bound<'py, PyAny>,
                    ) -> PyResult<PyRef<'py, Self>> {
                        let op = stringify!($inplace);
                        let (b, c) = (tensor_arg(op, stringify!($second), $second)?, operand_or_err(op, $third)?);
                        slf.t.apply_inplace(op, &[&b, &c], |s| s.$name(&b, &c))?;
                        Ok(slf)
                    }
                )?
            )*
        }
    };
}

ternary_ops!(gen_python_ternary);

/// The ternary rows for the Python layer: `(name, inplace or None, [second, third], doc)`.
#[pyfunction]
#[allow(clippy::type_complexity)]
pub fn _ternary_ops() -> Vec<(&'static str, Option<&'static str>, [&'static str; 2], &'static str)> {
    TERNARY_ROWS.iter().map(|r| (r.name, r.inplace, r.operands, r.doc.trim())).collect()
}
