//! What the op table (`ops/table.rs`) turns into in the core: the `MathOp` enum with its
//! metadata, the CPU kernel of every row, its backward rule and its `Tensor` method.

use super::table::math_ops;
use crate::backend::cpu::kernels::map1;
use crate::backend::cpu::Buf;
use crate::dtype::{DType, FloatElem};
use crate::error::Result;
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
}

/// What a row's backward rule keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saves {
    Input,
    Output,
    Nothing,
}

/// One row of the table, as the Python layer sees it: the name, the in-place name, the aliases
/// (each with its in-place name) and the doc line.
pub struct MathRow {
    pub op: MathOp,
    pub name: &'static str,
    pub inplace: &'static str,
    pub aliases: &'static [(&'static str, &'static str)],
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

macro_rules! gen_core {
    ($(
        #[doc = $doc:literal]
        $name:ident, $inplace:ident $(| $alias:ident, $alias_:ident)* => $V:ident {
            node: $node:literal,
            dtype: $dt:ident,
            cpu: |$x:ident| $cpu:expr,
            wgsl: $wgsl:literal,
            saves: $save:ident,
            $(#[$gm:meta])*
            grad: |$g:ident $(, $v:ident)?| $grad:expr $(,)?
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
            inplace: stringify!($inplace),
            aliases: &[$((stringify!($alias), stringify!($alias_))),*],
            doc: $doc,
        }),*];

        impl MathOp {
            /// torch's name of the op.
            pub fn name(self) -> &'static str {
                match self { $(MathOp::$V => stringify!($name),)* }
            }
            /// The autograd node's name (torch's).
            pub fn node(self) -> &'static str {
                match self { $(MathOp::$V => $node,)* }
            }
            pub fn dtype_rule(self) -> MathDType {
                match self { $(MathOp::$V => MathDType::$dt,)* }
            }
            /// The WGSL element expression, in `x`.
            pub fn wgsl(self) -> &'static str {
                match self { $(MathOp::$V => $wgsl,)* }
            }
            pub fn saves(self) -> Saves {
                match self { $(MathOp::$V => saves!($save),)* }
            }
            /// The CPU kernel: one monomorphic loop per row.
            pub(crate) fn map_float<T: FloatElem>(self, b: &Buf<T>, l: &Layout) -> Result<Vec<T>> {
                match self { $(MathOp::$V => map1(b, l, |$x: T| -> T { $cpu }),)* }
            }
            /// The backward rule: `g` times the derivative, from the saved tensor `v`.
            pub(crate) fn grad(self, g: &Tensor, v: Option<&Tensor>) -> Result<Tensor> {
                match self {
                    $(MathOp::$V => {
                        let $g = g;
                        $(let $v: &Tensor = v.expect(concat!(stringify!($name), "'s rule saves a tensor"));)?
                        $grad
                    })*
                }
            }
        }

        impl Tensor {
            $(#[doc = $doc] pub fn $name(&self) -> Result<Tensor> {
                math(self, MathOp::$V)
            })*
        }
    };
}

math_ops!(gen_core);

/// Checks the row's dtype rule, then runs the kernel and records the node.
fn math(t: &Tensor, op: MathOp) -> Result<Tensor> {
    let refused = match op.dtype_rule() {
        MathDType::Float => false,
        MathDType::Rounding => t.dtype() == DType::Bool,
        MathDType::FloatOnly => !t.dtype().is_float(),
    };
    if refused {
        return Err(super::unary::no_kernel(t, op.name()));
    }
    super::unary::math_unary(t, op)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_have_unique_names_and_nodes() {
        let mut names: Vec<&str> = ROWS
            .iter()
            .flat_map(|r| {
                std::iter::once(r.name)
                    .chain(std::iter::once(r.inplace))
                    .chain(r.aliases.iter().flat_map(|a| [a.0, a.1]))
            })
            .collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "a name appears twice in the op table");
        for r in ROWS {
            assert_eq!(r.inplace, format!("{}_", r.name));
            assert!(r.op.node().ends_with("Backward0") || r.op.node().ends_with("Backward1"));
            assert_eq!(r.op.name(), r.name);
        }
    }
}
