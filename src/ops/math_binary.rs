//! What the op table's binary rows (`ops/table.rs`, `binary_ops!`) turn into in the core: the
//! `MathBinOp` enum with its metadata, the CPU kernels of every row, its backward rule and its
//! `Tensor` method.

use super::binary::{broadcast_pair, result_type};
use super::record;
use super::table::binary_ops;
use super::table::first_or;
use crate::autograd::{Backward, Node, SavedTensor};
use crate::backend::cpu::kernels::map2;
use crate::backend::cpu::Buf;
use crate::backend::{BackendStorage, BinaryOp};
#[allow(unused_imports)] // the rows call Elem's methods
use crate::dtype::Elem;
use crate::dtype::{DType, FloatElem, IntElem};
use crate::error::{bail, Result};
use crate::layout::Layout;
use crate::tensor::Tensor;
#[allow(unused_imports)] // the rows call Float's methods
use num_traits::Float;
use std::sync::Weak;

/// Which dtypes a binary row takes (see `binary_ops!` in `ops/table.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinDType {
    Float,
    FloatOnly,
    Any,
    Integer,
    Bitwise,
    /// Any operands, cast to bool (nonzero and NaN are true); bool out: the logical rows.
    BoolOut,
}

/// A value a binary rule saves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Input,
    Other,
    Output,
}

/// One binary row, as the Python layer sees it.
pub struct BinaryRow {
    pub op: MathBinOp,
    pub name: &'static str,
    pub inplace: Option<&'static str>,
    pub aliases: &'static [(&'static str, Option<&'static str>)],
    pub doc: &'static str,
}

macro_rules! slot {
    (input) => {
        Slot::Input
    };
    (other) => {
        Slot::Other
    };
    (output) => {
        Slot::Output
    };
}

macro_rules! gen_binary_core {
    ($(
        #[doc = $doc:literal]
        $name:ident $(, $inplace:ident)? $(| $alias:ident $(, $alias_:ident)?)* => $V:ident {
            $(node: $node:literal,)?
            $(other: $num:ident $(($snode:literal))?,)?
            $(input: $inum:ident,)?
            dtype: $dt:ident,
            $(float: |$fa:ident, $fb:ident| $float:expr,)?
            $(int: |$ia:ident, $ib:ident| $int:expr,)?
            $(bool: |$ba:ident, $bb:ident| $bool:expr,)?
            $(wgsl: $wgsl:literal,)?
            $(
                saves: [$($save:ident),*],
                grad: |$g:ident, $($v:ident),*| {
                    input($($iu:ident),*): $gin:expr,
                    other($($ou:ident),*): $goth:expr $(,)?
                } $(,)?
            )?
        }
    )*) => {
        /// The binary math ops of the table, one variant per row.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum MathBinOp {
            $(#[doc = $doc] $V,)*
        }

        /// Every binary row, in table order.
        pub const BINARY_ROWS: &[BinaryRow] = &[$(BinaryRow {
            op: MathBinOp::$V,
            name: stringify!($name),
            inplace: first_or!([$(Some(stringify!($inplace)))?] None),
            aliases: &[$((stringify!($alias), first_or!([$(Some(stringify!($alias_)))?] None))),*],
            doc: $doc,
        }),*];

        impl MathBinOp {
            pub fn name(self) -> &'static str {
                match self { $(MathBinOp::$V => stringify!($name),)* }
            }
            /// The node's name, from whether `other` is a Python number (empty for the rows
            /// torch does not differentiate).
            pub fn node(self, other_is_number: bool) -> &'static str {
                match self {
                    $(MathBinOp::$V => {
                        let _ = other_is_number;
                        $($(if other_is_number { return $snode; })?)?
                        first_or!([$($node)?] "")
                    })*
                }
            }
            /// Whether `other` may be a Python number.
            /// Whether torch's function form also takes a Python number as `input`
            /// (`torch.xlogy(2.0, y)`, its `Scalar_Self` overload).
            pub fn takes_scalar_input(self) -> bool {
                match self { $(MathBinOp::$V => first_or!([$({ let _ = stringify!($inum); true })?] false),)* }
            }
            pub fn takes_scalar_other(self) -> bool {
                match self { $(MathBinOp::$V => first_or!([$({ let _ = stringify!($num); true })?] false),)* }
            }
            pub fn dtype_rule(self) -> BinDType {
                match self { $(MathBinOp::$V => BinDType::$dt,)* }
            }
            /// The WGSL float expression, in `x` and `y` (none for integer-only rows).
            pub fn wgsl(self) -> Option<&'static str> {
                match self { $(MathBinOp::$V => first_or!([$(Some($wgsl))?] None),)* }
            }
            /// What the backward rule saves; `None` for ops torch does not differentiate.
            pub fn saves(self) -> Option<&'static [Slot]> {
                match self { $(MathBinOp::$V => first_or!([$(Some(&[$(slot!($save)),*]))?] None),)* }
            }
            /// The saved values each gradient (input's, other's) reads, as bits in `saves` order.
            #[allow(unused_variables)] // the values a gradient does not read
            pub(crate) fn reads(self) -> [u8; 2] {
                match self {
                    $(MathBinOp::$V => first_or!([$({
                        let [$($v),*] = std::array::from_fn(|i| i as u8);
                        [0u8 $(| 1 << $iu)*, 0u8 $(| 1 << $ou)*]
                    })?] [0, 0]),)*
                }
            }
            #[allow(unused_variables)] // a row without this dtype's expression
            pub(crate) fn map_float<T: FloatElem>(
                self, a: &Buf<T>, la: &Layout, b: &Buf<T>, lb: &Layout,
            ) -> Result<Vec<T>> {
                match self {
                    $(MathBinOp::$V => first_or!(
                        [$(map2(a, la, b, lb, |$fa: T, $fb: T| -> T { $float }))?]
                        no_kernel_here(self)
                    ),)*
                }
            }
            #[allow(unused_variables)] // a row without this dtype's expression
            pub(crate) fn map_int<T: IntElem>(
                self, a: &Buf<T>, la: &Layout, b: &Buf<T>, lb: &Layout,
            ) -> Result<Vec<T>> {
                match self {
                    $(MathBinOp::$V => first_or!(
                        [$(map2(a, la, b, lb, |$ia: T, $ib: T| -> T { $int }))?]
                        no_kernel_here(self)
                    ),)*
                }
            }
            #[allow(unused_variables)] // a row without this dtype's expression
            pub(crate) fn map_bool(self, a: &Buf<bool>, la: &Layout, b: &Buf<bool>, lb: &Layout) -> Result<Vec<bool>> {
                match self {
                    $(MathBinOp::$V => first_or!(
                        [$(map2(a, la, b, lb, |$ba: bool, $bb: bool| -> bool { $bool }))?]
                        no_kernel_here(self)
                    ),)*
                }
            }
            /// The backward rule: the gradients of the operands that need one, from the saved
            /// values (in the row's `saves` order; those no needed gradient reads may be absent).
            /// A gradient sees only the values it declares it reads: the others stay `Option`s,
            /// so reading an undeclared one does not compile.
            #[allow(unused_variables)]
            fn grad(self, g: &Tensor, saved: &[Option<Tensor>], needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
                match self {
                    $(MathBinOp::$V => first_or!([$({
                        let [$($v),*] = saved else {
                            bail!(Autograd, "{}: the saved values do not match the rule", self.name())
                        };
                        let $g = g;
                        let gi = if needs[0] {
                            $(let $iu = super::saved_value($iu, self.name())?;)*
                            Some($gin?)
                        } else {
                            None
                        };
                        let go = if needs[1] {
                            $(let $ou = super::saved_value($ou, self.name())?;)*
                            Some($goth?)
                        } else {
                            None
                        };
                        Ok(vec![gi, go])
                    })?] bail!(Autograd, "{} has no derivative", self.name())),)*
                }
            }
        }

        impl Tensor {
            $(#[doc = $doc] pub fn $name(&self, other: &Tensor) -> Result<Tensor> {
                math_binary(self, other, MathBinOp::$V)
            })*
        }
    };
}

binary_ops!(gen_binary_core);

/// `1 / t`, 0 where that is infinite: torch's atan2_backward, whose gradients are 0 at the
/// origin (and where `a^2 + b^2` underflows) instead of `0 * inf`.
fn finite_recip(t: &Tensor) -> Result<Tensor> {
    let r = t.reciprocal()?;
    Tensor::where_(&r.isinf()?, &r.zeros_like()?, &r)
}

/// `g`, halved where `a == b`: fmax and fmin split a tie's gradient between the operands, as
/// torch (2.15; maximum and minimum do the same).
fn halved_at_ties(g: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    Tensor::where_(&a.eq(b)?, &g.mul_scalar(0.5)?, g)
}

/// A kernel a row has no expression for: the op layer refuses the dtype before this is reached.
fn no_kernel_here<T>(op: MathBinOp) -> Result<T> {
    bail!(DType, "{}: no kernel for this dtype", op.name())
}

/// The dtype a row computes in, from the operands' promoted type, or torch's
/// NotImplementedError for one it has no kernel for.
fn compute_dtype(op: MathBinOp, a: &Tensor, b: &Tensor) -> Result<DType> {
    let dt = result_type(a, b);
    let ok = match op.dtype_rule() {
        BinDType::Float => return Ok(dt.to_float()),
        BinDType::BoolOut => return Ok(DType::Bool),
        BinDType::Any => true,
        BinDType::FloatOnly => dt.is_float(),
        BinDType::Integer => dt.is_int(),
        BinDType::Bitwise => !dt.is_float(),
    };
    if !ok {
        return Err(crate::Error::NotImplemented(format!(
            "{0}: \"{0}_cpu\" not implemented for '{1}' (shapes {2} and {3})",
            op.name(),
            dt.torch_scalar_name(),
            crate::error::fmt_shape(a.shape()),
            crate::error::fmt_shape(b.shape())
        )));
    }
    Ok(dt)
}

/// Checks the row's dtype rule, broadcasts, runs the kernel and records the node.
fn math_binary(a: &Tensor, b: &Tensor, op: MathBinOp) -> Result<Tensor> {
    let dt = compute_dtype(op, a, b)?;
    let (ca, cb, la, lb) = broadcast_pair(op.name(), a, b, dt)?;
    let out = ca.storage().data().binary(&la, cb.storage().data(), &lb, BinaryOp::Math(op))?;
    let out = Tensor::from_data(out, &la.shape);
    if let Some(slots) = op.saves() {
        let node = op.node(b.is_wrapped_number());
        let reads = op.reads();
        record(node, &out, &[a, b], |needs| MathBinaryBackward {
            op,
            saved: slots
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    super::keeps_saved(&reads, needs, i).then(|| match s {
                        Slot::Input => SavedTensor::input(a, node),
                        Slot::Other => SavedTensor::input(b, node),
                        Slot::Output => SavedTensor::output(&out, node),
                    })
                })
                .collect(),
        });
    }
    Ok(out)
}

struct MathBinaryBackward {
    op: MathBinOp,
    /// The row's `saves`, each kept only where a gradient to compute reads it (`keeps_saved`).
    saved: Vec<Option<SavedTensor>>,
}

impl Backward for MathBinaryBackward {
    fn saves_tensors(&self) -> bool {
        self.saved.iter().flatten().any(|s| !s.is_number())
    }
    fn bind_outputs(&mut self, node: &Weak<Node>) {
        for s in self.saved.iter_mut().flatten() {
            s.bind_output(node);
        }
    }
    fn backward(&self, g: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let saved = self.saved.iter().map(|s| s.as_ref().map(SavedTensor::unpack).transpose());
        self.op.grad(g, &saved.collect::<Result<Vec<_>>>()?, needs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_rows_have_unique_names_and_rules_their_saves() {
        let mut names: Vec<&str> = BINARY_ROWS
            .iter()
            .flat_map(|r| {
                [Some(r.name), r.inplace]
                    .into_iter()
                    .chain(r.aliases.iter().flat_map(|a| [Some(a.0), a.1]))
                    .flatten()
            })
            .collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "a name appears twice in the binary table");
        for r in BINARY_ROWS {
            if let Some(i) = r.inplace {
                assert_eq!(i, format!("{}_", r.name));
            }
            // a differentiable row names torch's node; the others record none
            assert_eq!(
                r.op.saves().is_some(),
                r.op.node(false).starts_with(char::is_uppercase),
                "{}",
                r.name
            );
            // and every value it saves is read by a gradient (else it would be kept for nothing)
            for i in 0..r.op.saves().map_or(0, <[Slot]>::len) {
                assert!(r.op.reads().iter().any(|m| m >> i & 1 == 1), "{}: value {i} is never read", r.name);
            }
        }
    }

    #[test]
    fn a_value_one_gradient_reads_is_kept_only_when_that_gradient_is_needed() {
        // hypot saves [input, other, output]: input's gradient reads input and output, other's
        // other and output
        let reads = MathBinOp::Hypot.reads();
        assert_eq!(reads, [0b101, 0b110]);
        let kept = |needs: [bool; 2]| {
            (0..3).map(|i| super::super::keeps_saved(&reads, &needs, i)).collect::<Vec<_>>()
        };
        assert_eq!(kept([false, true]), [false, true, true]);
        assert_eq!(kept([true, false]), [true, false, true]);
        assert_eq!(kept([true, true]), [true, true, true]);
        // atan2's operands are read by both gradients: always kept, as torch does
        let reads = MathBinOp::Atan2.reads();
        assert!((0..2).all(|i| super::super::keeps_saved(&reads, &[false, true], i)));
    }
}
