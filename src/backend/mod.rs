//! The kernel interface every backend implements, and the op enums the kernels take.
//!
//! Kernels see storage + layout and know nothing of autograd. Inputs may be strided (views,
//! broadcasts with stride 0); outputs are fresh and contiguous unless the kernel writes in place.

pub mod cpu;
pub mod gpu;
#[cfg(feature = "wgpu")]
pub mod wgpu;

use crate::dtype::DType;
use crate::error::Result;
use crate::layout::Layout;
pub use crate::ops::conv::ConvGeom;
pub use crate::ops::math::MathOp;
pub use crate::ops::math_act::ActOp;
pub use crate::ops::math_binary::MathBinOp;
pub use crate::ops::math_ternary::MathTerOp;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum UnaryOp {
    Neg,
    Exp,
    Log,
    Sqrt,
    Tanh,
    Sigmoid,
    Relu,
    Abs,
    Sign,
    Clamp {
        min: Option<f64>,
        max: Option<f64>,
    },
    /// `~x` on int64 and bool (floats have no kernel, as in torch).
    BitwiseNot,
    /// `x > 0 ? x : slope * x` (floats only).
    LeakyRelu {
        slope: f64,
    },
    /// `x / (1 + exp(-x))` (floats only), as torch's silu kernel computes it.
    Silu,
    /// `x <= 0 ? alpha * expm1(x) : x` (floats only): expm1 keeps -0.0, NaN stays NaN.
    Elu {
        alpha: f64,
    },
    /// `x * Phi(x)`, as torch's gelu kernels compute it: exact (`x / 2 * (1 + erf(x / sqrt 2))`)
    /// or, with `tanh`, `x / 2 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3)))`.
    Gelu {
        tanh: bool,
    },
    /// `x * beta > threshold ? x : log1p(exp(x * beta)) / beta`, as torch's softplus kernel.
    Softplus {
        beta: f64,
        threshold: f64,
    },
    /// A row of the op table (ops/table.rs): its kernel, rule and dtypes come from the row,
    /// with the row's prepared parameters.
    Math(MathOp, crate::ops::math::MathParams),
    /// An activation row of the op table, with its parameters in the row's order.
    Act(ActOp, [f64; 2]),
}

impl UnaryOp {
    /// A `BoolOut` row of the table (isnan, ...): a float input, a bool output.
    pub fn bool_out(self) -> bool {
        matches!(self, UnaryOp::Math(m, _) if m.dtype_rule() == crate::ops::math::MathDType::BoolOut)
    }

    /// Ops defined on integers too (the rest compute in a float dtype).
    pub fn keeps_int(self) -> bool {
        if let UnaryOp::Math(m, _) = self {
            return m.dtype_rule() == crate::ops::math::MathDType::Rounding;
        }
        if let UnaryOp::Act(a, _) = self {
            return a.dtype_rule() == crate::ops::math_act::ActDType::KeepInt;
        }
        matches!(
            self,
            UnaryOp::Neg
                | UnaryOp::Abs
                | UnaryOp::Relu
                | UnaryOp::Sign
                | UnaryOp::Clamp { .. }
                | UnaryOp::BitwiseNot
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Maximum,
    Minimum,
    /// Python-style modulo: the result has the divisor's sign (torch.remainder).
    Remainder,
    /// C-style modulo: the result has the dividend's sign (torch.fmod).
    Fmod,
    /// floor(a / b) as torch's `div(rounding_mode="floor")` computes it (remainder's backward).
    FloorDiv,
    /// trunc(a / b) (fmod's backward).
    TruncDiv,
    /// A binary row of the op table (ops/table.rs): its kernels and rule come from the row.
    Math(MathBinOp),
}

impl BinaryOp {
    /// torch's name for the op, for messages.
    pub fn name(self) -> &'static str {
        match self {
            BinaryOp::Add => "add",
            BinaryOp::Sub => "sub",
            BinaryOp::Mul => "mul",
            BinaryOp::Div => "div",
            BinaryOp::Pow => "pow",
            BinaryOp::Maximum => "maximum",
            BinaryOp::Minimum => "minimum",
            BinaryOp::Remainder => "remainder",
            BinaryOp::Fmod => "fmod",
            BinaryOp::FloorDiv => "floor_divide",
            BinaryOp::TruncDiv => "trunc_divide",
            BinaryOp::Math(m) => m.name(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Where a fused masked gradient (`BackendStorage::masked_grad`) passes `g`, by the saved value
/// `x`; elsewhere it is +0.0. One pass over both. The bounds are compared in the element type
/// (f32 for float32), as torch converts its scalars. A NaN `x` passes `g` in every mask: torch's
/// scalar CPU kernels and its CUDA kernels do so for every row, only its vectorised CPU loops
/// (whole vectors: 16 float32 or more with AVX2) zero it, for all but threshold_backward.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GradMask {
    /// 0 where `x <= t`: relu (`t` 0) and threshold; NaN passes, as in torch's threshold_backward.
    Threshold { t: f64 },
    /// 0 where `x <= lo` or `x >= hi`: hardtanh and relu6; NaN passes.
    Inside { lo: f64, hi: f64 },
    /// 0 where `-lambd <= x <= lambd`: hardshrink and softshrink; NaN passes.
    Shrink { lambd: f64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReduceOp {
    Sum,
    Prod,
    Max,
    Min,
    ArgMax,
    ArgMin,
}

/// The convolution kernels (ops/conv.rs), part of what a backend must provide
/// (`BackendStorage` requires them), in a trait of their own so that each backend keeps them
/// in its convolution file.
pub trait ConvKernels: Sized {
    /// im2col of `layout`, an (N, C, H, W) input of any strides: a contiguous
    /// (C*KH*KW, N*OH*OW) matrix whose row (c, i, j) holds the input under kernel offset (i, j)
    /// at each output position (0 in the padding), in one pass.
    fn im2col(&self, layout: &Layout, geom: &ConvGeom) -> Result<Self>;
    /// col2im, im2col's transpose: the contiguous (N, C, H, W) sum, into each input element, of
    /// the entries of the column matrix at `layout` (contiguous) that im2col reads from it.
    fn col2im(&self, layout: &Layout, geom: &ConvGeom) -> Result<Self>;
}

/// What a backend must provide. Every input layout is already broadcast to the output shape
/// where the op is elementwise; dtypes are already promoted by the caller.
pub trait BackendStorage: Sized + ConvKernels {
    fn dtype(&self) -> DType;
    /// Copies `layout`'s elements into a fresh contiguous buffer of `dtype` (a cast when it differs).
    fn to_dtype(&self, layout: &Layout, dtype: DType) -> Result<Self>;
    fn unary(&self, layout: &Layout, op: UnaryOp) -> Result<Self>;
    fn binary(&self, layout: &Layout, rhs: &Self, rhs_layout: &Layout, op: BinaryOp) -> Result<Self>;
    fn compare(&self, layout: &Layout, rhs: &Self, rhs_layout: &Layout, op: CmpOp) -> Result<Self>;
    fn where_cond(
        &self,
        layout: &Layout,
        a: &Self,
        a_layout: &Layout,
        b: &Self,
        b_layout: &Layout,
    ) -> Result<Self>;
    /// A ternary row of the op table over three float operands of one dtype.
    fn ternary(
        &self,
        layout: &Layout,
        b: &Self,
        b_layout: &Layout,
        c: &Self,
        c_layout: &Layout,
        op: MathTerOp,
    ) -> Result<Self>;
    /// `self` (a gradient) where `x` is outside `mask`'s zero set, else 0: a fused backward, one
    /// pass over two float operands of one dtype and shape.
    fn masked_grad(&self, layout: &Layout, x: &Self, x_layout: &Layout, mask: GradMask) -> Result<Self>;
    /// Reduces the trailing `reduced` elements of each row, where `layout` has been permuted so
    /// that the kept dims come first and the reduced dims last.
    fn reduce(&self, layout: &Layout, rows: usize, reduced: usize, op: ReduceOp) -> Result<Self>;
    /// Batched matmul: `layout` is [batch..., m, k], `rhs_layout` [batch..., k, n], same batch dims.
    fn matmul(&self, layout: &Layout, rhs: &Self, rhs_layout: &Layout) -> Result<Self>;
    /// Writes `src` (broadcast to `dst_layout`'s shape) into `self` at `dst_layout`, casting.
    fn copy_into(&self, dst_layout: &Layout, src: &Self, src_layout: &Layout) -> Result<()>;
    /// out[i] = self[offsets[i]].
    fn gather(&self, offsets: &[usize]) -> Result<Self>;
    /// self[offsets[i]] (+)= src[i] for a contiguous `src`; accumulation sums repeated offsets.
    fn scatter(&self, offsets: &[usize], src: &Self, src_layout: &Layout, accumulate: bool) -> Result<()>;
    fn fill(&self, layout: &Layout, value: f64) -> Result<()>;
}

/// Row kernels (softmax, log_softmax, layer_norm, forward and backward): each row of `n`
/// consecutive logical elements (the last dim) is one problem, computed in one pass over the
/// row. Inputs may be strided (a backend gathers them); outputs are fresh and contiguous.
/// Float operands of one dtype only.
pub trait RowKernels: Sized {
    /// softmax of each row, or log_softmax with `log`.
    fn softmax_rows(&self, layout: &Layout, n: usize, log: bool) -> Result<Self>;
    /// The input gradient of `softmax_rows` from the gradient `self` and its output `y`.
    fn softmax_backward_rows(
        &self,
        layout: &Layout,
        y: &Self,
        y_layout: &Layout,
        n: usize,
        log: bool,
    ) -> Result<Self>;
    /// layer_norm of each row with optional `weight` and `bias` of `n` elements: the output,
    /// then each row's mean and rstd (`1 / sqrt(var + eps)`, biased variance), in the input's dtype.
    fn layer_norm_rows(
        &self,
        layout: &Layout,
        n: usize,
        weight: Option<(&Self, &Layout)>,
        bias: Option<(&Self, &Layout)>,
        eps: f64,
    ) -> Result<[Self; 3]>;
    /// layer_norm's input gradient from the gradient `self`, the input, the saved `[mean, rstd]`
    /// and the weight; with `want_gxh` also `g * (x - mean) * rstd` (rows, n), whose column sum is
    /// the weight's gradient.
    fn layer_norm_backward_rows(
        &self,
        layout: &Layout,
        x: (&Self, &Layout),
        stats: [&Self; 2],
        weight: Option<(&Self, &Layout)>,
        n: usize,
        want_gxh: bool,
    ) -> Result<(Self, Option<Self>)>;
}
