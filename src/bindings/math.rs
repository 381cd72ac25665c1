//! What the op table (`ops/table.rs`) turns into in Python: each row's `Tensor` method, its
//! in-place form and aliases, and `_math_ops()`/`_binary_ops()`, the lists `ferrograd/__init__.py`
//! reads to install the function forms and `scripts/gen_stubs.py` reads to write the stub.

use super::convert::{operand_or_err, tensor_arg};
use super::tensor::{ok, PyTensor, R};
use crate::ops::math::ROWS;
use crate::ops::math_binary::{MathBinOp, BINARY_ROWS};
use crate::ops::table::{binary_ops, math_ops};
use crate::tensor::Tensor;
use pyo3::prelude::*;

macro_rules! gen_python {
    ($(
        #[doc = $doc:literal]
        $name:ident, $inplace:ident $(| $alias:ident, $alias_:ident)* => $V:ident { $($rest:tt)* }
    )*) => {
        #[pymethods]
        impl PyTensor {
            $(
                #[doc = $doc]
                fn $name(&self) -> R {
                    ok(self.t.$name())
                }
                fn $inplace(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
                    slf.t.apply_inplace(stringify!($inplace), &[], |s| s.$name())?;
                    Ok(slf)
                }
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
            )*
        }
    };
}

math_ops!(gen_python);

/// The table's rows for the Python layer: `(name, inplace, [(alias, alias_inplace)], doc)`.
#[pyfunction]
#[allow(clippy::type_complexity)]
pub fn _math_ops() -> Vec<(&'static str, &'static str, Vec<(&'static str, &'static str)>, &'static str)> {
    ROWS.iter().map(|r| (r.name, r.inplace, r.aliases.to_vec(), r.doc.trim())).collect()
}

/// `other` of a binary row: a tensor, or also a Python number where the row takes one.
fn other_arg(op: MathBinOp, other: &Bound<'_, PyAny>) -> PyResult<Tensor> {
    if op.takes_scalar_other() {
        operand_or_err(op.name(), other)
    } else {
        tensor_arg(op.name(), "other", other)
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
                        slf.t.apply_inplace(stringify!($inplace), &[&o], |s| s.$name(&o))?;
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
                            slf.t.apply_inplace(stringify!($alias_), &[&o], |s| s.$name(&o))?;
                            Ok(slf)
                        }
                    )?
                )*
            )*
        }
    };
}

binary_ops!(gen_python_binary);

/// The binary rows for the Python layer: `(name, inplace or None, [(alias, alias_inplace or
/// None)], doc)`.
#[pyfunction]
#[allow(clippy::type_complexity)]
pub fn _binary_ops(
) -> Vec<(&'static str, Option<&'static str>, Vec<(&'static str, Option<&'static str>)>, &'static str)> {
    BINARY_ROWS.iter().map(|r| (r.name, r.inplace, r.aliases.to_vec(), r.doc.trim())).collect()
}
