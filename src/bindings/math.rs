//! What the op table (`ops/table.rs`) turns into in Python: its rows' methods, in-place forms,
//! aliases and functions (rows of the one parser, `api/table.rs`, generated here), and
//! `_math_ops()`/`_binary_ops()`/..., the lists `ferrograd/__init__.py` reads to install the
//! function forms and `scripts/gen_stubs.py` reads to write the stub.

use super::api::{gen_functions, gen_methods};
use crate::ops::math::ROWS;
use crate::ops::math_act::ACT_ROWS;
use crate::ops::math_binary::BINARY_ROWS;
use crate::ops::math_ternary::TERNARY_ROWS;
use pyo3::prelude::*;

crate::api::table::table_method_rows!(gen_methods);

mod binary {
    use super::gen_functions;
    use pyo3::prelude::*;
    crate::api::table::binary_function_rows!(gen_functions);
}

mod activations {
    use super::gen_functions;
    use pyo3::prelude::*;
    crate::api::table::activation_function_rows!(gen_functions);
}

/// The binary rows' function forms and the activation rows' functions (`_core.<name>`).
pub use activations::add_functions as add_activations;
pub use binary::add_functions as add_binary_functions;

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

/// The binary rows for the Python layer: `(name, inplace or None, [(alias, alias_inplace or
/// None)], doc)`.
#[pyfunction]
#[allow(clippy::type_complexity)]
pub fn _binary_ops(
) -> Vec<(&'static str, Option<&'static str>, Vec<(&'static str, Option<&'static str>)>, &'static str)> {
    BINARY_ROWS.iter().map(|r| (r.name, r.inplace, r.aliases.to_vec(), r.doc.trim())).collect()
}

/// The activation rows for the Python layer: `(name, [(param, default or None)], module class,
/// forms, doc)`.
#[pyfunction]
#[allow(clippy::type_complexity)]
pub fn _activation_ops(
) -> Vec<(&'static str, Vec<(&'static str, Option<f64>)>, &'static str, Vec<&'static str>, &'static str)> {
    ACT_ROWS.iter().map(|r| (r.name, r.params.to_vec(), r.module, r.forms.to_vec(), r.doc.trim())).collect()
}

/// The ternary rows for the Python layer: `(name, inplace or None, [second, third], doc)`.
#[pyfunction]
#[allow(clippy::type_complexity)]
pub fn _ternary_ops() -> Vec<(&'static str, Option<&'static str>, [&'static str; 2], &'static str)> {
    TERNARY_ROWS.iter().map(|r| (r.name, r.inplace, r.operands, r.doc.trim())).collect()
}
