//! The op table's rows (`ops/table.rs`) as api rows: each math, binary and ternary row's Tensor
//! method, its in-place form and aliases (`x.sin()`, `x.sin_()`, `x.arcsin()`), each binary
//! row's function form (`torch.hypot`) and each activation row's function (`F.celu`), with
//! their torch signatures. The binding layer's generators (`bindings/api.rs`) expand them as
//! they expand the hand-written rows.
//!
//! A table row turns into rows in two steps because of how `macro_rules!` repeats: the fields a
//! form needs (the row's parameters, its `other: Number`) sit in optional groups of their own,
//! and one output repetition cannot be driven by two of them. So the table's consumer
//! (`math_rows!`, ...) passes each optional group bracketed to a per-row macro, which sees it as
//! one token and hands it to each form (`math_form!`, ...), which unpacks it.

use super::{Args, Out};
use crate::error::{bail, Result};
use crate::ops::math_act::{activation, ActOp, ACT_ROWS};
use crate::tensor::Tensor;

/// The table's Tensor methods, each form handed to `$gen` on its own.
macro_rules! table_method_rows {
    ($gen:path) => {
        crate::ops::table::math_ops!(crate::api::table::math_rows, [$gen]);
        crate::ops::table::binary_ops!(crate::api::table::binary_rows, [$gen]);
        crate::ops::table::ternary_ops!(crate::api::table::ternary_rows, [$gen]);
    };
}
pub(crate) use table_method_rows;

macro_rules! math_rows {
    ([$gen:path] $(
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
            $($rest:tt)*
        }
    )*) => {
        $(crate::api::table::math_row!(
            [$gen] $doc $name [$($inplace)?] [$($alias $alias_)*] [$($sig ($($p: $pt),*))?]
        );)*
    };
}
pub(crate) use math_rows;

macro_rules! math_row {
    ([$gen:path] $doc:literal $name:ident [$($inplace:ident)?] [$($alias:ident $alias_:ident)*] $params:tt) => {
        crate::api::table::math_form!([$gen] [#[doc = $doc]] $name $name false $params);
        $(crate::api::table::math_form!([$gen] [] $inplace $name true $params);)?
        $(
            crate::api::table::math_form!([$gen] [#[doc = $doc]] $alias $name false $params);
            crate::api::table::math_form!([$gen] [] $alias_ $name true $params);
        )*
    };
}
pub(crate) use math_row;

/// One form of a math row: without parameters, or with torch's two overloads, none and the
/// row's (so `round(x, decimals=None)` is torch's TypeError).
macro_rules! math_form {
    ([$gen:path] [$($attr:tt)*] $form:ident $name:ident $inplace:literal []) => {
        $gen! {
            $($attr)* $form: concat!(stringify!($form), "(Tensor input)")
                => |a| crate::api::table::form(a, stringify!($form), $inplace, &[], crate::tensor::Tensor::$name);
        }
    };
    ([$gen:path] [$($attr:tt)*] $form:ident $name:ident $inplace:literal [$sig:literal ($($p:ident: $pt:ty),*)]) => {
        $gen! {
            $($attr)* $form: concat!(stringify!($form), "(Tensor input)"),
                concat!(stringify!($form), "(Tensor input, ", $sig, ")") => |a| {
                let mut k = 0;
                $(let $p: $pt = crate::api::ArgValue::take(a, { k += 1; k });)*
                crate::api::table::form(a, stringify!($form), $inplace, &[], |s| s.$name($($p),*))
            };
        }
    };
}
pub(crate) use math_form;

macro_rules! binary_rows {
    ([$gen:path] $(
        #[doc = $doc:literal]
        $name:ident $(, $inplace:ident)? $(| $alias:ident $(, $alias_:ident)?)* => $V:ident {
            $(node: $node:literal,)?
            $(other: $num:ident $(($snode:literal))?,)?
            $(input: $inum:ident,)?
            dtype: $dt:ident,
            $($rest:tt)*
        }
    )*) => {
        $(crate::api::table::binary_row!(
            [$gen] $doc $name $V [$($inplace)?] [$($alias [$($alias_)?])*] [$($num)?]
        );)*
    };
}
pub(crate) use binary_rows;

macro_rules! binary_row {
    ([$gen:path] $doc:literal $name:ident $V:ident [$($inplace:ident)?] [$($alias:ident [$($alias_:ident)?])*] $other:tt) => {
        crate::api::table::binary_form!([$gen] [#[doc = $doc]] $name $name $V false $other);
        $(crate::api::table::binary_form!([$gen] [] $inplace $name $V true $other);)?
        $(
            crate::api::table::binary_form!([$gen] [#[doc = $doc]] $alias $name $V false $other);
            $(crate::api::table::binary_form!([$gen] [] $alias_ $name $V true $other);)?
        )*
    };
}
pub(crate) use binary_row;

/// One form of a binary row: `other` a tensor, or also a Python number (`[Number]`).
macro_rules! binary_form {
    ([$gen:path] [$($attr:tt)*] $form:ident $name:ident $V:ident $inplace:literal [$($num:ident)?]) => {
        $gen! {
            $($attr)* $form: concat!(stringify!($form), "(Tensor input, Tensor", $("|", stringify!($num),)? " other)")
                => |a| crate::api::table::binary_call(a, stringify!($form), crate::ops::math_binary::MathBinOp::$V, $inplace, |s| s.$name(a.t(1)));
        }
    };
}
pub(crate) use binary_form;

macro_rules! ternary_rows {
    ([$gen:path] $(
        #[doc = $doc:literal]
        $name:ident $(, $inplace:ident)? ($second:ident, $third:ident) => $V:ident { $($rest:tt)* }
    )*) => {
        $(
            crate::api::table::ternary_form!([$gen] [#[doc = $doc]] $name $name false $second $third);
            $(crate::api::table::ternary_form!([$gen] [] $inplace $name true $second $third);)?
        )*
    };
}
pub(crate) use ternary_rows;

/// One form of a ternary row: the second operand a tensor, the third also a Python number.
macro_rules! ternary_form {
    ([$gen:path] [$($attr:tt)*] $form:ident $name:ident $inplace:literal $second:ident $third:ident) => {
        $gen! {
            $($attr)* $form: concat!(
                stringify!($form), "(Tensor input, Tensor ", stringify!($second), ", Tensor|Number ", stringify!($third), ")"
            ) => |a| crate::api::table::form(a, stringify!($form), $inplace, &[a.t(1), a.t(2)], |s| s.$name(a.t(1), a.t(2)));
        }
    };
}
pub(crate) use ternary_form;

/// Each binary row's function form, `torch.<name>(input, other)`: the method's rules, and a
/// Python number as `input` where torch has that overload (the row's `input: Number`, torch's
/// `Scalar_Self`).
macro_rules! binary_function_rows {
    ($gen:path) => {
        crate::ops::table::binary_ops!(crate::api::table::binary_functions, [$gen]);
    };
}
pub(crate) use binary_function_rows;

macro_rules! binary_functions {
    ([$gen:path] $(
        #[doc = $doc:literal]
        $name:ident $(, $inplace:ident)? $(| $alias:ident $(, $alias_:ident)?)* => $V:ident {
            $(node: $node:literal,)?
            $(other: $num:ident $(($snode:literal))?,)?
            $(input: $inum:ident,)?
            dtype: $dt:ident,
            $($rest:tt)*
        }
    )*) => {
        $gen! {$(
            #[doc = $doc]
            $name: concat!(stringify!($name), "(Tensor input, Tensor", $("|", stringify!($num),)? " other)")
                $(, concat!(stringify!($name), "(", stringify!($inum), " input, Tensor other)"))?
                => |a| match a.overload {
                    0 => a.t(0).$name(a.t(1)),
                    _ => crate::tensor::Tensor::wrapped_scalar(a.scalar(0)).$name(a.t(1)),
                };
        )*}
    };
}
pub(crate) use binary_functions;

/// Each activation row's function (`F.<name>`, `_core.<name>`): its parameters as floats with
/// their defaults, and `inplace`, read by its truth value as torch's Python functions read it.
macro_rules! activation_function_rows {
    ($gen:path) => {
        crate::ops::table::activation_ops!(crate::api::table::activation_functions, [$gen]);
    };
}
pub(crate) use activation_function_rows;

macro_rules! activation_functions {
    ([$gen:path] $(
        #[doc = $doc:literal]
        $name:ident($($p:ident $(= $d:expr)?),*) => $V:ident { $($rest:tt)* }
    )*) => {
        $gen! {$(
            #[doc = $doc]
            $name: concat!(
                stringify!($name), "(Tensor input", $(", float ", stringify!($p), $("=", stringify!($d),)?)* ", truth inplace=False)"
            ) => |a| {
                #[allow(unused_mut)] // (rows without parameters)
                let mut k = 0;
                let given = [$({ let _ = stringify!($p); k += 1; a.f64(k) }),*];
                crate::api::table::activation_call(a.t(0), crate::ops::math_act::ActOp::$V, &given, a.bool(k + 1))
            };
        )*}
    };
}
pub(crate) use activation_functions;

/// One form of a table row: out of place (`x.sin()`), or in place (`x.sin_()`: the tensor
/// itself is returned; `others` are the operands the in-place checks look at).
pub fn form(
    a: &Args,
    op: &str,
    inplace: bool,
    others: &[&Tensor],
    f: impl FnOnce(&Tensor) -> Result<Tensor>,
) -> Result<Out> {
    if !inplace {
        return Ok(f(a.t(0))?.into());
    }
    a.t(0).apply_inplace(op, others, f)?;
    Ok(Out::Same)
}

/// One form of a binary row; the in-place form of a row torch does not differentiate leaves
/// the written tensor's history alone (torch's logical_and_ on a tensor requiring grad keeps
/// its node).
pub fn binary_call(
    a: &Args,
    op: &str,
    row: crate::ops::math_binary::MathBinOp,
    inplace: bool,
    f: impl FnOnce(&Tensor) -> Result<Tensor>,
) -> Result<Out> {
    if inplace && row.saves().is_none() {
        a.t(0).apply_inplace_untracked(op, &[a.t(1)], f)?;
        return Ok(Out::Same);
    }
    form(a, op, inplace, &[a.t(1)], f)
}

/// One call of an activation row: out of place, or in place where the row has that form.
pub fn activation_call(t: &Tensor, op: ActOp, given: &[f64], inplace: bool) -> Result<Tensor> {
    let mut p = [0.0; 2];
    p[..given.len()].copy_from_slice(given);
    if !inplace {
        return activation(t, op, p);
    }
    if !ACT_ROWS.iter().any(|r| r.op == op && r.forms.contains(&"inplace")) {
        bail!(Type, "{}() got an unexpected keyword argument 'inplace'", op.name());
    }
    t.apply_inplace(&format!("{}_", op.name()), &[], |s| activation(s, op, p))?;
    Ok(t.clone())
}
