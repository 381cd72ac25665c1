//! What the op table's ternary rows (`ops/table.rs`, `ternary_ops!`) turn into in the core: the
//! `MathTerOp` enum with its metadata, the CPU kernel, the backward rule and the `Tensor` method
//! of every row.

use super::record;
use super::table::first_or;
use super::table::ternary_ops;
use crate::autograd::{Backward, SavedTensor};
use crate::backend::cpu::kernels::map3;
use crate::backend::cpu::Buf;
use crate::backend::BackendStorage;
#[allow(unused_imports)] // the rows call Elem's methods
use crate::dtype::Elem;
use crate::dtype::FloatElem;
use crate::error::{bail, Result};
use crate::layout::Layout;
use crate::shape::broadcast_shapes;
use crate::tensor::Tensor;
#[allow(unused_imports)] // the rows call Float's methods
use num_traits::Float;

/// One ternary row, as the Python layer sees it.
pub struct TernaryRow {
    pub op: MathTerOp,
    pub name: &'static str,
    pub inplace: Option<&'static str>,
    /// The second and third operands' names (torch's keywords).
    pub operands: [&'static str; 2],
    pub doc: &'static str,
}

macro_rules! gen_ternary_core {
    ($(
        #[doc = $doc:literal]
        $name:ident $(, $inplace:ident)? ($second:ident, $third:ident) => $V:ident {
            node: $node:literal,
            number_node: $nnode:literal,
            dtype: SameFloat,
            float: |$a:ident, $b:ident, $c:ident| $float:expr,
            wgsl: $wgsl:literal,
            grad: |$g:ident, $ga:ident, $gb:ident, $gc:ident| {
                input($($u0:ident),*): $g0:expr,
                $s1:ident($($u1:ident),*): $g1:expr,
                $s2:ident($($u2:ident),*): $g2:expr $(,)?
            } $(,)?
        }
    )*) => {
        /// The ternary math ops of the table, one variant per row.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum MathTerOp {
            $(#[doc = $doc] $V,)*
        }

        /// Every ternary row, in table order.
        pub const TERNARY_ROWS: &[TernaryRow] = &[$(TernaryRow {
            op: MathTerOp::$V,
            name: stringify!($name),
            inplace: first_or!([$(Some(stringify!($inplace)))?] None),
            operands: [stringify!($second), stringify!($third)],
            doc: $doc,
        }),*];

        impl MathTerOp {
            pub fn name(self) -> &'static str {
                match self { $(MathTerOp::$V => stringify!($name),)* }
            }
            pub fn operands(self) -> [&'static str; 2] {
                match self { $(MathTerOp::$V => [stringify!($second), stringify!($third)],)* }
            }
            /// The node's name, from whether the third operand is a Python number.
            pub fn node(self, number: bool) -> &'static str {
                match self { $(MathTerOp::$V => if number { $nnode } else { $node },)* }
            }
            /// The WGSL expression, in `x`, `y` and `z`.
            pub fn wgsl(self) -> &'static str {
                match self { $(MathTerOp::$V => $wgsl,)* }
            }
            #[allow(clippy::too_many_arguments)]
            pub(crate) fn map_float<T: FloatElem>(
                self, a: &Buf<T>, la: &Layout, b: &Buf<T>, lb: &Layout, c: &Buf<T>, lc: &Layout,
            ) -> Result<Vec<T>> {
                match self {
                    $(MathTerOp::$V => map3(a, la, b, lb, c, lc, |$a: T, $b: T, $c: T| -> T { $float }),)*
                }
            }
            /// The operands each gradient reads, as bits in operand order.
            #[allow(unused_variables)] // the operands a gradient does not read
            pub(crate) fn reads(self) -> [u8; 3] {
                match self {
                    $(MathTerOp::$V => {
                        let [$ga, $gb, $gc] = [0u8, 1, 2];
                        [0u8 $(| 1 << $u0)*, 0u8 $(| 1 << $u1)*, 0u8 $(| 1 << $u2)*]
                    })*
                }
            }
            /// The gradients of the operands that need one; an operand no needed gradient reads
            /// may be absent, and a gradient sees only those it names (see `binary_ops!`).
            #[allow(unused_variables)]
            fn grad(self, g: &Tensor, x: [Option<Tensor>; 3], needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
                let name = self.name();
                match self {
                    $(MathTerOp::$V => {
                        let ($g, [$ga, $gb, $gc]) = (g, &x);
                        Ok(vec![
                            if needs[0] { $(let $u0 = super::saved_value($u0, name)?;)* Some($g0?) } else { None },
                            if needs[1] { $(let $u1 = super::saved_value($u1, name)?;)* Some($g1?) } else { None },
                            if needs[2] { $(let $u2 = super::saved_value($u2, name)?;)* Some($g2?) } else { None },
                        ])
                    })*
                }
            }
        }

        impl Tensor {
            $(#[doc = $doc] pub fn $name(&self, $second: &Tensor, $third: &Tensor) -> Result<Tensor> {
                math_ternary(self, $second, $third, MathTerOp::$V)
            })*
        }
    };
}

ternary_ops!(gen_ternary_core);

/// Checks the operands' dtypes (torch's lerp: all the input's, floats only), broadcasts, runs
/// the kernel and records the node.
fn math_ternary(a: &Tensor, b: &Tensor, c: &Tensor, op: MathTerOp) -> Result<Tensor> {
    let dt = a.dtype();
    if !dt.is_float() {
        return Err(super::unary::no_kernel(a, op.name()));
    }
    let [second, third] = op.operands();
    for (t, what) in [(b, second), (c, third)] {
        if t.dtype() != dt && !t.is_wrapped_number() {
            bail!(DType, "{}: expected dtype {} for `{what}` but got dtype {}", op.name(), dt, t.dtype())
        }
    }
    let name = op.name();
    let dev = crate::ops::common_device(name, &[a, b, c])?;
    let shape = broadcast_shapes(name, &broadcast_shapes(name, a.shape(), b.shape())?, c.shape())?;
    let cast = |t: &Tensor| crate::ops::raw_on(t.cast_raw(dt)?, dev);
    let (ca, cb, cc) = (cast(a)?, cast(b)?, cast(c)?);
    let ls = [&ca, &cb, &cc].map(|t| t.layout().broadcast_to(name, &shape));
    let [la, lb, lc] = ls;
    let (la, lb, lc) = (la?, lb?, lc?);
    let out = ca.storage().data().ternary(&la, cb.storage().data(), &lb, cc.storage().data(), &lc, op)?;
    let out = Tensor::from_data(out, &shape);
    let node = op.node(c.is_wrapped_number());
    record(node, &out, &[a, b, c], |needs| {
        let (reads, operands) = (op.reads(), [a, b, c]);
        MathTernaryBackward {
            op,
            saved: std::array::from_fn(|i| {
                super::keeps_saved(&reads, needs, i).then(|| SavedTensor::input(operands[i], node))
            }),
        }
    });
    Ok(out)
}

struct MathTernaryBackward {
    op: MathTerOp,
    /// The operands, each kept only where a gradient to compute reads it (`keeps_saved`).
    saved: [Option<SavedTensor>; 3],
}

impl Backward for MathTernaryBackward {
    fn saves_tensors(&self) -> bool {
        self.saved.iter().flatten().any(|s| !s.is_number())
    }
    fn backward(&self, g: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let [a, b, c] = self.saved.each_ref().map(|s| s.as_ref().map(SavedTensor::unpack).transpose());
        self.op.grad(g, [a?, b?, c?], needs)
    }
}
