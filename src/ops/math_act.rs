//! What the op table's activation rows (`ops/table.rs`, `activation_ops!`) turn into in the
//! core: the `ActOp` enum with its metadata, the CPU kernels, the backward rule, the parameter
//! checks and the `Tensor` method of every row.

use super::table::activation_ops;
use super::table::first_or;
use crate::backend::cpu::kernels::map1;
use crate::backend::cpu::Buf;
#[allow(unused_imports)] // the rows' fused_grad masks
use crate::backend::GradMask;
#[allow(unused_imports)] // the rows call Elem's methods
use crate::dtype::Elem;
use crate::dtype::{DType, FloatElem};
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::tensor::Tensor;
#[allow(unused_imports)] // the rows call Float's methods
use num_traits::Float;

/// Which dtypes an activation row takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActDType {
    FloatOnly,
    KeepInt,
}

/// One activation row, as the Python layer sees it.
pub struct ActRow {
    pub op: ActOp,
    pub name: &'static str,
    /// The parameters and their defaults (`None`: required), in order.
    pub params: &'static [(&'static str, Option<f64>)],
    pub module: &'static str,
    pub forms: &'static [&'static str],
    pub doc: &'static str,
}

/// SELU's constants (torch's).
const SELU_ALPHA: f64 = 1.6732632423543772848170429916717;
const SELU_SCALE: f64 = 1.0507009873554804934193349852946;

/// The parameters of one call, in the row's order (at most two).
pub type Params = [f64; 2];

macro_rules! gen_act_core {
    ($(
        #[doc = $doc:literal]
        $name:ident($($p:ident $(= $d:expr)?),*) => $V:ident {
            node: $node:literal,
            module: $module:ident,
            forms: [$($form:ident),*],
            $(refuse: $cond:expr => $kind:ident($msg:literal),)?
            dtype: $dt:ident,
            float: |$x:ident| $float:expr,
            $(int: |$ix:ident| $int:expr,)?
            wgsl: $wgsl:literal,
            $(fused_grad: $mask:expr => $gnode:literal $(,)?)?
            $(grad: |$g:ident, $gx:ident| $grad:expr $(,)?)?
        }
    )*) => {
        /// The activation ops of the table, one variant per row.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ActOp {
            $(#[doc = $doc] $V,)*
        }

        /// Every activation row, in table order.
        pub const ACT_ROWS: &[ActRow] = &[$(ActRow {
            op: ActOp::$V,
            name: stringify!($name),
            params: &[$((stringify!($p), first_or!([$(Some($d))?] None))),*],
            module: stringify!($module),
            forms: &[$(stringify!($form)),*],
            doc: $doc,
        }),*];

        impl ActOp {
            pub fn name(self) -> &'static str {
                match self { $(ActOp::$V => stringify!($name),)* }
            }
            pub fn node(self) -> &'static str {
                match self { $(ActOp::$V => $node,)* }
            }
            pub fn dtype_rule(self) -> ActDType {
                match self { $(ActOp::$V => ActDType::$dt,)* }
            }
            /// The WGSL expression in `x`, `p0` and `p1`.
            pub fn wgsl(self) -> &'static str {
                match self { $(ActOp::$V => $wgsl,)* }
            }
            /// The row's refusal of its parameters, as torch's.
            #[allow(unused_variables)]
            fn check(self, p: Params) -> Result<()> {
                match self {
                    $(ActOp::$V => {
                        let [$($p,)* ..] = p;
                        $(if $cond {
                            return Err(Error::$kind(format!("{}: {}", stringify!($name), $msg)));
                        })?
                        Ok(())
                    })*
                }
            }
            /// The CPU kernel: one monomorphic loop per row.
            #[allow(unused_variables)]
            pub(crate) fn map_float<T: FloatElem>(self, b: &Buf<T>, l: &Layout, p: Params) -> Result<Vec<T>> {
                match self {
                    $(ActOp::$V => {
                        let [$($p,)* ..] = p.map(T::from_f64);
                        map1(b, l, |$x: T| -> T { $float })
                    })*
                }
            }
            /// The int64 element function of a `KeepInt` row.
            #[allow(unused_variables)]
            pub(crate) fn int(self, x: i64, p: Params) -> i64 {
                match self {
                    $(ActOp::$V => {
                        let [$($p,)* ..] = p;
                        first_or!([$({ let $ix = x; $int })?] x)
                    })*
                }
            }
            /// The backward rule: `g` times the derivative at the saved input; for a row with a
            /// `fused_grad`, that mask's one-pass kernel, recorded as the row's double-backward node.
            #[allow(unused_variables)]
            pub(crate) fn grad(self, g: &Tensor, x: &Tensor, p: Params) -> Result<Tensor> {
                match self {
                    $(ActOp::$V => {
                        let [$($p,)* ..] = p;
                        $(return super::unary::masked_grad(g, x, $mask, $gnode);)?
                        $(let ($g, $gx) = (g, x); return $grad;)?
                    })*
                }
            }
        }

        impl Tensor {
            $(#[doc = $doc] pub fn $name(&self $(, $p: f64)*) -> Result<Tensor> {
                let given = [$($p),*];
                let mut p: Params = [0.0; 2];
                p[..given.len()].copy_from_slice(&given);
                activation(self, ActOp::$V, p)
            })*
        }
    };
}

activation_ops!(gen_act_core);

/// Checks the parameters and the dtype rule, then runs the kernel and records the node.
pub fn activation(t: &Tensor, op: ActOp, p: Params) -> Result<Tensor> {
    op.check(p)?;
    let refused = match op.dtype_rule() {
        ActDType::FloatOnly => !t.dtype().is_float(),
        ActDType::KeepInt => t.dtype() == DType::Bool,
    };
    if refused {
        return Err(super::unary::no_kernel(t, op.name()));
    }
    super::unary::act_unary(t, op, p)
}
