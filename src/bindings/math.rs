//! What the op table (`ops/table.rs`) turns into in Python: each row's `Tensor` method, its
//! in-place form and aliases, and `_math_ops()`, the list `ferrograd/__init__.py` reads to install
//! the function forms and `scripts/gen_stubs.py` reads to write the stub.

use super::tensor::{ok, PyTensor, R};
use crate::ops::math::ROWS;
use crate::ops::table::math_ops;
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
