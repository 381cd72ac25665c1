//! What the op table (`ops/table.rs`) turns into in the core: the `MathOp` enum with its
//! metadata, the CPU kernel of every row, its backward rule and its `Tensor` method.

use super::table::{first_or, math_ops};
use crate::backend::cpu::kernels::map1;
use crate::backend::cpu::Buf;
use crate::dtype::{DType, FloatElem};
use crate::error::{bail, Result};
use crate::layout::Layout;
use crate::tensor::Tensor;
#[allow(unused_imports)] // the rows call Float's methods
use num_traits::Float;

/// Which dtypes a row takes (see `ops/table.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MathDType {
    Float,
    Rounding,
    FloatOnly,
    /// Every dtype in, bool out (int64 and bool are tested as floats): the predicates.
    BoolOut,
    /// Floats computed, int64 and bool returned unchanged (a copy), as torch's nan_to_num.
    IntIdentity,
}

/// What a row's backward rule keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saves {
    Input,
    Output,
    Nothing,
}

/// A row's parameters as its kernels take them (`p0`..`p2` in WGSL), from its `prepare`.
pub type MathParams = [f64; 3];

/// One row of the table, as the Python layer sees it: the name, the in-place name (none where
/// torch has none), the aliases (each with its in-place name), the parameters with their Rust
/// types (for the stub) and the doc line.
pub struct MathRow {
    pub op: MathOp,
    pub name: &'static str,
    pub inplace: Option<&'static str>,
    pub aliases: &'static [(&'static str, &'static str)],
    pub signature: &'static str,
    pub params: &'static [(&'static str, &'static str)],
    pub doc: &'static str,
}

macro_rules! saves {
    (input) => {
        Saves::Input
    };
    (output) => {
        Saves::Output
    };
    (nothing) => {
        Saves::Nothing
    };
}

/// A row's float kernel: its element expression over `T` (with the parameters in `T` where the
/// row names them); a `BoolOut` row has none (its kernel is `pred_kernel!`).
macro_rules! float_kernel {
    (BoolOut, $op:ident, $($rest:tt)*) => {
        bail!(DType, "{}: a bool-output row has no float kernel", $op.name())
    };
    ($dt:ident, $op:ident, $b:ident, $l:ident, $p:ident, |$x:ident| $e:expr) => {{
        let _ = $p;
        map1($b, $l, |$x: T| -> T { $e })
    }};
    ($dt:ident, $op:ident, $b:ident, $l:ident, $p:ident, |$x:ident, $pa:pat_param| $e:expr) => {{
        let $pa = $p.map(T::from_f64);
        map1($b, $l, move |$x: T| -> T { $e })
    }};
}

/// A `BoolOut` row's kernel: its element expression is a predicate over `T`.
macro_rules! pred_kernel {
    (BoolOut, $op:ident, $b:ident, $l:ident, |$x:ident $(, $pa:pat_param)?| $e:expr) => {
        map1($b, $l, |$x: T| -> bool { $e })
    };
    ($dt:ident, $op:ident, $($rest:tt)*) => {
        bail!(DType, "{}: not a bool-output row", $op.name())
    };
}

/// The tokens of the first bracket when it has any, else those of the second (items, where
/// `first_or!` picks expressions).
macro_rules! first_items {
    ([$($x:tt)+] [$($d:tt)*]) => {
        $($x)+
    };
    ([] [$($d:tt)*]) => {
        $($d)*
    };
}

macro_rules! gen_core {
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
                $(#[$gm:meta])*
                grad: |$g:ident $(, $v:ident)?| $grad:expr $(,)?
            )?
        }
    )*) => {
        /// The elementwise math ops of the table, one variant per row.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum MathOp {
            $(#[doc = $doc] $V,)*
        }

        /// Every row, in table order.
        pub const ROWS: &[MathRow] = &[$(MathRow {
            op: MathOp::$V,
            name: stringify!($name),
            inplace: first_or!([$(Some(stringify!($inplace)))?] None),
            aliases: &[$((stringify!($alias), stringify!($alias_))),*],
            signature: first_or!([$($sig)?] ""),
            params: &[$($((stringify!($p), stringify!($pt))),*)?],
            doc: $doc,
        }),*];

        impl MathOp {
            /// torch's name of the op.
            pub fn name(self) -> &'static str {
                match self { $(MathOp::$V => stringify!($name),)* }
            }
            /// The autograd node's name (torch's; empty for the rows torch does not
            /// differentiate).
            pub fn node(self) -> &'static str {
                match self { $(MathOp::$V => first_or!([$($node)?] ""),)* }
            }
            pub fn dtype_rule(self) -> MathDType {
                match self { $(MathOp::$V => MathDType::$dt,)* }
            }
            /// The WGSL element expression, in `x` (and `p0`..`p2`).
            pub fn wgsl(self) -> &'static str {
                match self { $(MathOp::$V => $wgsl,)* }
            }
            pub fn saves(self) -> Saves {
                match self { $(MathOp::$V => first_or!([$(saves!($save))?] Saves::Nothing),)* }
            }
            /// The CPU kernel: one monomorphic loop per row.
            pub(crate) fn map_float<T: FloatElem>(self, b: &Buf<T>, l: &Layout, p: MathParams) -> Result<Vec<T>> {
                match self { $(MathOp::$V => float_kernel!($dt, self, b, l, p, |$x $(, $pa)?| $cpu),)* }
            }
            /// The CPU kernel of a `BoolOut` row.
            pub(crate) fn map_pred<T: FloatElem>(self, b: &Buf<T>, l: &Layout) -> Result<Vec<bool>> {
                match self { $(MathOp::$V => pred_kernel!($dt, self, b, l, |$x $(, $pa)?| $cpu),)* }
            }
            /// The backward rule: `g` times the derivative, from the saved tensor `v`.
            pub(crate) fn grad(self, g: &Tensor, v: Option<&Tensor>) -> Result<Tensor> {
                match self {
                    $(MathOp::$V => first_or!([$({
                        let $g = g;
                        $(let $v: &Tensor = v.expect(concat!(stringify!($name), "'s rule saves a tensor"));)?
                        $grad
                    })?] {
                        let _ = (g, v);
                        bail!(Autograd, "{} has no derivative", self.name())
                    }),)*
                }
            }
        }

        impl Tensor {
            $(first_items!([$(
                #[doc = $doc]
                pub fn $name(&self, $($p: $pt),*) -> Result<Tensor> {
                    let p: MathParams = {
                        let $px = self;
                        $prep?
                    };
                    let node = first_or!([$(if $ocond { $onode } else { MathOp::$V.node() })?] MathOp::$V.node());
                    math(self, MathOp::$V, p, node)
                }
            )?] [
                #[doc = $doc]
                pub fn $name(&self) -> Result<Tensor> {
                    math(self, MathOp::$V, [0.0; 3], MathOp::$V.node())
                }
            ]);)*
        }
    };
}

math_ops!(gen_core);

/// Checks the row's dtype rule, then runs the kernel and records the node (not for a
/// `BoolOut` row: its result never requires grad, as torch's).
fn math(t: &Tensor, op: MathOp, p: MathParams, node: &'static str) -> Result<Tensor> {
    let refused = match op.dtype_rule() {
        MathDType::Float | MathDType::BoolOut => false,
        MathDType::Rounding => t.dtype() == DType::Bool,
        MathDType::FloatOnly => !t.dtype().is_float(),
        MathDType::IntIdentity => {
            if !t.dtype().is_float() {
                return t.detach().clone_tensor();
            }
            false
        }
    };
    if refused {
        return Err(super::unary::no_kernel(t, op.name()));
    }
    if op.dtype_rule() == MathDType::BoolOut {
        return super::unary::math_predicate(t, op);
    }
    super::unary::math_unary(t, op, p, node)
}

/// torch's NotImplementedError for a parameterised form that refuses `t`'s dtype (round with
/// `decimals` on integers).
fn refuse_non_float(t: &Tensor, op: &str) -> Result<()> {
    if !t.dtype().is_float() {
        return Err(super::unary::no_kernel(t, op));
    }
    Ok(())
}

/// The largest finite value of `t`'s float dtype (nan_to_num's default for `+inf`).
fn max_finite(t: &Tensor) -> f64 {
    if t.dtype() == DType::F32 {
        f64::from(f32::MAX)
    } else {
        f64::MAX
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_have_unique_names_and_nodes() {
        let mut names: Vec<&str> = ROWS
            .iter()
            .flat_map(|r| {
                [Some(r.name), r.inplace]
                    .into_iter()
                    .flatten()
                    .chain(r.aliases.iter().flat_map(|a| [a.0, a.1]))
            })
            .collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "a name appears twice in the op table");
        for r in ROWS {
            if let Some(i) = r.inplace {
                assert_eq!(i, format!("{}_", r.name));
            }
            // a bool-output row records nothing, and names no node; the others name torch's
            let node = r.op.node();
            if r.op.dtype_rule() == MathDType::BoolOut {
                assert!(node.is_empty() && r.inplace.is_none(), "{}", r.name);
            } else {
                assert!(node.ends_with("Backward0") || node.ends_with("Backward1"), "{}", r.name);
            }
            assert_eq!(r.op.name(), r.name);
        }
    }
}
