//! The op table: every elementwise unary math op is one row here, and nothing about it is
//! written anywhere else.
//!
//! A row is `name[, name_] [| alias, alias_]* => Variant { ... }` (the in-place form only where
//! torch has one) with
//! - `node`: the autograd node's name, torch's (what `grad_fn.name()` shows); absent, with
//!   `saves` and `grad`, for the rows torch does not differentiate (the `BoolOut` predicates);
//! - `signature`, `params`, `overload`, `prepare` (optional, together): the signature of the
//!   row's parameters in torch's grammar (`"*, int decimals"`, read by the one argument parser,
//!   `api/signature.rs`; the row also takes no parameters, torch's other overload), their Rust
//!   types, the condition under
//!   which torch records its other overload's node (`round(x, decimals=d)`: RoundBackward1), and
//!   `|x| ...`, the parameters as the kernels take them (`[f64; 3]`, from the call and the input
//!   `x`; an `Err` refuses the call);
//! - `dtype`: `Float` (computes in a float dtype; int64 and bool promote to float32, as in
//!   torch), `Rounding` (the identity on int64, bool refused), `FloatOnly` (int64 and bool
//!   refused, as torch refuses `frac` of a Long), `BoolOut` (every dtype in, bool out, never
//!   recorded: `cpu` and `wgsl` are predicates) or `IntIdentity` (int64 and bool returned
//!   unchanged, as torch's nan_to_num);
//! - `cpu`: the element expression, generic over f32/f64 (`num_traits::Float` and
//!   `FloatElem` are in scope), `|x, [p0, p1, p2]|` with the prepared parameters in `T`;
//! - `wgsl`: the element expression in WGSL (helpers from `backend/wgpu/wgsl/elementwise.wgsl`),
//!   the parameters being `p0`..`p2`;
//! - `saves`: what the backward rule keeps: `input`, `output` or `nothing` (torch's choice, so
//!   an in-place change is caught exactly where torch catches it);
//! - `grad`: the backward rule, `|g, v|` with `v` the saved tensor (`|g|` when nothing is saved),
//!   written with differentiable ops: gradients of gradients and the forward-mode tangent follow.
//!
//! From the rows, `ops/math.rs` generates `MathOp`, its CPU kernel, its backward arm and the
//! Rust `Tensor` method; `bindings/math.rs` the Python method, its in-place form and aliases, and
//! the list the Python package reads to install the function forms (`torch.log1p`, `__all__`);
//! `scripts/gen_stubs.py` writes the `.pyi` entries. Why a `macro_rules!` table and not a table
//! file turned into code by `build.rs`: the rows are Rust (kernels and rules type-check where
//! they are written, errors point at the row), nothing is generated into the tree, and a build
//! script would cost every clean build a compile-and-run step.
//!
//! A row's generator is passed in as `$gen`, so each consumer expands the same rows its own way.

/// The tokens in the brackets, or the default when there are none: how the generators read an
/// optional row field (`first_or!([$(Some($x))?] None)`).
macro_rules! first_or {
    ([$($x:tt)+] $d:expr) => {
        $($x)+
    };
    ([] $d:expr) => {
        $d
    };
}
pub(crate) use first_or;

macro_rules! math_ops {
    ($gen:path) => {
        $gen! {
            /// The sine of each element.
            sin, sin_ => Sin {
                node: "SinBackward0",
                dtype: Float,
                cpu: |x| x.sin(),
                wgsl: "sin(x)",
                saves: input,
                grad: |g, x| g.mul(&x.cos()?),
            }
            /// The cosine of each element.
            cos, cos_ => Cos {
                node: "CosBackward0",
                dtype: Float,
                cpu: |x| x.cos(),
                wgsl: "cos(x)",
                saves: input,
                grad: |g, x| g.mul(&x.sin()?)?.neg(),
            }
            /// The error function of each element.
            erf, erf_ => Erf {
                node: "ErfBackward0",
                dtype: Float,
                cpu: |x| FloatElem::erf(x),
                wgsl: "erf_f(x)",
                saves: input,
                // torch: 2 / sqrt(pi) * exp(-x^2) * g
                grad: |g, x| x.mul(x)?.neg()?.exp()?.mul_scalar(std::f64::consts::FRAC_2_SQRT_PI)?.mul(g),
            }
            /// The natural logarithm of `1 + x`, accurate for small `x`.
            log1p, log1p_ => Log1p {
                node: "Log1PBackward0",
                dtype: Float,
                cpu: |x| x.ln_1p(),
                wgsl: "log1p_f(x)",
                saves: input,
                grad: |g, x| g.div(&x.add_scalar(1.0)?),
            }
            /// `exp(x) - 1`, accurate for small `x`.
            expm1, expm1_ => Expm1 {
                node: "Expm1Backward0",
                dtype: Float,
                cpu: |x| x.exp_m1(),
                wgsl: "expm1_f(x)",
                saves: output,
                grad: |g, y| g.mul(&y.add_scalar(1.0)?),
            }
            /// The base-2 logarithm.
            log2, log2_ => Log2 {
                node: "Log2Backward0",
                dtype: Float,
                cpu: |x| x.log2(),
                wgsl: "log2(x)",
                saves: input,
                grad: |g, x| g.div(&x.mul_scalar(std::f64::consts::LN_2)?),
            }
            /// The base-10 logarithm.
            log10, log10_ => Log10 {
                node: "Log10Backward0",
                dtype: Float,
                cpu: |x| x.log10(),
                wgsl: "log(x) * 0.43429448190325182",
                saves: input,
                grad: |g, x| g.div(&x.mul_scalar(std::f64::consts::LN_10)?),
            }
            /// `2 ** x`.
            exp2, exp2_ => Exp2 {
                node: "Exp2Backward0",
                dtype: Float,
                cpu: |x| x.exp2(),
                wgsl: "exp2(x)",
                saves: output,
                grad: |g, y| g.mul(y)?.mul_scalar(std::f64::consts::LN_2),
            }
            /// `1 / sqrt(x)`.
            rsqrt, rsqrt_ => Rsqrt {
                node: "RsqrtBackward0",
                dtype: Float,
                cpu: |x| x.sqrt().recip(),
                wgsl: "1.0 / sqrt(x)",
                saves: output,
                // torch: -0.5 * g * y^3
                grad: |g, y| g.mul_scalar(-0.5)?.mul(&y.mul(y)?.mul(y)?),
            }
            /// The tangent.
            tan, tan_ => Tan {
                node: "TanBackward0",
                dtype: Float,
                cpu: |x| x.tan(),
                wgsl: "tan(x)",
                saves: output,
                grad: |g, y| g.mul(&y.mul(y)?.add_scalar(1.0)?),
            }
            /// The arcsine.
            asin, asin_ | arcsin, arcsin_ => Asin {
                node: "AsinBackward0",
                dtype: Float,
                cpu: |x| x.asin(),
                wgsl: "asin_f(x)",
                saves: input,
                // torch: g * rsqrt(1 - x^2)
                grad: |g, x| g.mul(&x.mul(x)?.neg()?.add_scalar(1.0)?.rsqrt()?),
            }
            /// The arccosine.
            acos, acos_ | arccos, arccos_ => Acos {
                node: "AcosBackward0",
                dtype: Float,
                cpu: |x| x.acos(),
                wgsl: "acos_f(x)",
                saves: input,
                grad: |g, x| g.mul(&x.mul(x)?.neg()?.add_scalar(1.0)?.rsqrt()?.neg()?),
            }
            /// The arctangent.
            atan, atan_ | arctan, arctan_ => Atan {
                node: "AtanBackward0",
                dtype: Float,
                cpu: |x| x.atan(),
                wgsl: "atan_f(x)",
                saves: input,
                grad: |g, x| g.div(&x.mul(x)?.add_scalar(1.0)?),
            }
            /// The hyperbolic sine.
            sinh, sinh_ => Sinh {
                node: "SinhBackward0",
                dtype: Float,
                cpu: |x| x.sinh(),
                wgsl: "sinh_f(x)",
                saves: input,
                grad: |g, x| g.mul(&x.cosh()?),
            }
            /// The hyperbolic cosine.
            cosh, cosh_ => Cosh {
                node: "CoshBackward0",
                dtype: Float,
                cpu: |x| x.cosh(),
                wgsl: "cosh(x)",
                saves: input,
                grad: |g, x| g.mul(&x.sinh()?),
            }
            /// The inverse hyperbolic sine.
            asinh, asinh_ | arcsinh, arcsinh_ => Asinh {
                node: "AsinhBackward0",
                dtype: Float,
                cpu: |x| x.asinh(),
                wgsl: "asinh_f(x)",
                saves: input,
                grad: |g, x| g.mul(&x.mul(x)?.add_scalar(1.0)?.rsqrt()?),
            }
            /// The inverse hyperbolic cosine.
            acosh, acosh_ | arccosh, arccosh_ => Acosh {
                node: "AcoshBackward0",
                dtype: Float,
                cpu: |x| x.acosh(),
                wgsl: "acosh_f(x)",
                saves: input,
                grad: |g, x| g.mul(&x.mul(x)?.add_scalar(-1.0)?.rsqrt()?),
            }
            /// The inverse hyperbolic tangent.
            atanh, atanh_ | arctanh, arctanh_ => Atanh {
                node: "AtanhBackward0",
                dtype: Float,
                cpu: |x| x.atanh(),
                wgsl: "atanh_f(x)",
                saves: input,
                grad: |g, x| g.div(&x.mul(x)?.neg()?.add_scalar(1.0)?),
            }
            /// The largest integer not above `x` (the identity on integers).
            floor, floor_ => Floor {
                node: "FloorBackward0",
                dtype: Rounding,
                cpu: |x| x.floor(),
                wgsl: "floor(x)",
                saves: nothing,
                grad: |g| g.zeros_like(),
            }
            /// The smallest integer not below `x` (the identity on integers).
            ceil, ceil_ => Ceil {
                node: "CeilBackward0",
                dtype: Rounding,
                cpu: |x| x.ceil(),
                wgsl: "ceil(x)",
                saves: nothing,
                grad: |g| g.zeros_like(),
            }
            /// `x` rounded toward zero (the identity on integers).
            trunc, trunc_ | fix, fix_ => Trunc {
                node: "TruncBackward0",
                dtype: Rounding,
                cpu: |x| x.trunc(),
                wgsl: "trunc(x)",
                saves: nothing,
                grad: |g| g.zeros_like(),
            }
            /// `x` rounded to the nearest integer, halves to even, or to `decimals` decimal places.
            round, round_ => Round {
                node: "RoundBackward0",
                signature: "*, int decimals",
                params: (decimals: Option<i64>),
                overload: decimals.is_some() => "RoundBackward1",
                // torch's round.decimals (floats only): nearbyint(x * 10^d) / 10^d, dividing
                // first for a negative d; 10^|d| in f64, then in the element type
                prepare: |x| match decimals {
                    None => Ok([1.0, 1.0, 0.0]),
                    Some(d) => refuse_non_float(x, "round")
                        .map(|()| [10f64.powf(d.unsigned_abs() as f64), if d < 0 { -1.0 } else { 1.0 }, 0.0]),
                },
                dtype: Rounding,
                cpu: |x, [s, sign, _]| {
                    if sign.is_sign_negative() { FloatElem::round_ties_even(x / s) * s } else { FloatElem::round_ties_even(x * s) / s }
                },
                wgsl: "select(round(x * p0) / p0, round(x / p0) * p0, p1 < 0.0)",
                saves: nothing,
                grad: |g| g.zeros_like(),
            }
            /// `x - trunc(x)`, the fractional part with the sign of `x` (floats only).
            frac, frac_ => Frac {
                node: "FracBackward0",
                dtype: FloatOnly,
                cpu: |x| x - x.trunc(),
                wgsl: "x - trunc(x)",
                saves: nothing,
                grad: |g| Ok(g.clone()),
            }
            /// NaN, `inf` and `-inf` replaced by `nan`, `posinf` and `neginf` (by default 0 and the dtype's extremes).
            nan_to_num, nan_to_num_ => NanToNum {
                node: "NanToNumBackward0",
                signature: "float? nan=None, float? posinf=None, float? neginf=None",
                params: (nan: Option<f64>, posinf: Option<f64>, neginf: Option<f64>),
                prepare: |x| Ok([nan.unwrap_or(0.0), posinf.unwrap_or(max_finite(x)), neginf.unwrap_or(-max_finite(x))]),
                dtype: IntIdentity,
                cpu: |x, [nan, posinf, neginf]| {
                    if x.is_nan() { nan } else if x == T::infinity() { posinf } else if x == T::neg_infinity() { neginf } else { x }
                },
                wgsl: "select(select(select(x, p2, is_neginf_f(x)), p1, is_posinf_f(x)), p0, is_nan_f(x))",
                saves: input,
                // torch: grad * isfinite(input) (a NaN gradient stays NaN where the input was not finite)
                grad: |g, x| g.mul(&x.isfinite()?),
            }
            /// Whether each element is NaN.
            isnan => Isnan {
                dtype: BoolOut,
                cpu: |x| x.is_nan(),
                wgsl: "is_nan_f(x)",
            }
            /// Whether each element is `inf` or `-inf`.
            isinf => Isinf {
                dtype: BoolOut,
                cpu: |x| x.is_infinite(),
                wgsl: "is_posinf_f(x) || is_neginf_f(x)",
            }
            /// Whether each element is finite (neither NaN nor infinite).
            isfinite => Isfinite {
                dtype: BoolOut,
                cpu: |x| x.is_finite(),
                wgsl: "is_finite_f(x)",
            }
            /// Whether each element is `inf`.
            isposinf => Isposinf {
                dtype: BoolOut,
                cpu: |x| x == T::infinity(),
                wgsl: "is_posinf_f(x)",
            }
            /// Whether each element is `-inf`.
            isneginf => Isneginf {
                dtype: BoolOut,
                cpu: |x| x == T::neg_infinity(),
                wgsl: "is_neginf_f(x)",
            }
        }
    };
}
pub(crate) use math_ops;

/// The binary rows: broadcasting ops of two operands. A row is
/// `name[, name_] [| alias[, alias_]]* => Variant { ... }` (the in-place form only where torch
/// has one) with
/// - `node`: the node's name (absent with `saves` and `grad`);
/// - `other: Number` (optional): `other` may be a Python number (without it, `other` must be a
///   tensor, as torch refuses `atan2(x, 2.0)`); `other: Number("...")` also names the node
///   recorded then (torch's `CopysignBackward1`);
/// - `input: Number` (optional): torch's function form also takes a Python number as `input`
///   (`torch.xlogy(2.0, y)`, `torch.bitwise_and(2, t)`: its `Scalar_Self` overload);
/// - `dtype`: `Float` (int64 and bool promote to float32), `FloatOnly` (refused),
///   `Any` (integers and bool keep their dtype), `Integer` (integers only), `Bitwise` (integers
///   and bool), applied to the operands' promoted type (torch.result_type), or `BoolOut` (any
///   dtypes, each operand cast to bool, nonzero and NaN being true; bool out, never recorded);
/// - `float`, `int`, `bool` (each optional, as the dtype rule needs): the element expression
///   over two floats (generic, `num_traits::Float` and `Elem` in scope), two integers (generic
///   over `T: IntElem`, wrapping as torch) or two bools;
/// - `wgsl`: the float expression in `x` and `y` (int64 and bool run the CPU kernel; absent
///   for rows without a float expression); for a `BoolOut` row, the expression over the
///   operands' 0/1 words (`u32`);
/// - `saves` and `grad` (both absent for ops torch does not differentiate): the saved values
///   (`input`, `other`, `output`) bound, in order, after `g` in the rule, and the rule's
///   gradient for each operand in the broadcast shape (the engine sums it back to the operand's),
///   written `operand(values it reads): expr`. As in torch's generated code, a value exactly one
///   gradient reads is saved (and version-checked) only when that gradient is needed
///   (`ops::keeps_saved`); a gradient cannot read a value it does not name.
macro_rules! binary_ops {
    ($gen:path) => {
        $gen! {
            /// `sqrt(input^2 + other^2)`, without overflow for large operands.
            hypot, hypot_ => Hypot {
                node: "HypotBackward0",
                dtype: FloatOnly,
                float: |a, b| a.hypot(b),
                wgsl: "hypot_f(x, y)",
                saves: [input, other, output],
                grad: |g, a, b, r| {
                    input(a, r): g.mul(&a.div(r)?),
                    other(b, r): g.mul(&b.div(r)?),
                },
            }
            /// The angle of the point `(other, input)`: `atan(input / other)` in the right quadrant.
            atan2, atan2_ | arctan2, arctan2_ => Atan2 {
                node: "Atan2Backward0",
                dtype: Float,
                float: |a, b| a.atan2(b),
                wgsl: "atan2_f(x, y)",
                saves: [input, other],
                // torch: g * b * r and g * -a * r with r = 1 / (a^2 + b^2), 0 where that is
                // infinite (at the origin both gradients are 0, not NaN)
                grad: |g, a, b| {
                    input(a, b): g.mul(b)?.mul(&finite_recip(&a.mul(a)?.add(&b.mul(b)?)?)?),
                    other(a, b): g.mul(&a.neg()?)?.mul(&finite_recip(&a.mul(a)?.add(&b.mul(b)?)?)?),
                },
            }
            /// The bitwise AND of integers, the logical AND of bools.
            bitwise_and, bitwise_and_ => BitwiseAnd {
                other: Number,
                input: Number,
                dtype: Bitwise,
                int: |a, b| a & b,
                bool: |a, b| a & b,
            }
            /// The bitwise OR of integers, the logical OR of bools.
            bitwise_or, bitwise_or_ => BitwiseOr {
                other: Number,
                input: Number,
                dtype: Bitwise,
                int: |a, b| a | b,
                bool: |a, b| a | b,
            }
            /// The bitwise XOR of integers, the logical XOR of bools.
            bitwise_xor, bitwise_xor_ => BitwiseXor {
                other: Number,
                input: Number,
                dtype: Bitwise,
                int: |a, b| a ^ b,
                bool: |a, b| a ^ b,
            }
            /// `input << other` on integers; a shift outside 0..bits gives 0, as in torch.
            bitwise_left_shift, bitwise_left_shift_ => BitwiseLeftShift {
                other: Number,
                input: Number,
                dtype: Integer,
                int: |a, b| match T::shift(b) { Some(s) => a << s, None => <T as Elem>::zero() },
            }
            /// `input >> other` on integers (arithmetic; a shift outside 0..bits gives 0 or -1).
            bitwise_right_shift, bitwise_right_shift_ => BitwiseRightShift {
                other: Number,
                input: Number,
                dtype: Integer,
                int: |a, b| a >> T::shift(b).unwrap_or(T::BITS - 1),
            }
            /// The magnitude of `input` with the sign of `other` (also for zeros and NaN).
            copysign, copysign_ => Copysign {
                node: "CopysignBackward0",
                other: Number("CopysignBackward1"),
                dtype: Float,
                float: |a, b| a.copysign(b),
                wgsl: "bitcast<f32>((bitcast<u32>(x) & 0x7fffffffu) | (bitcast<u32>(y) & 0x80000000u))",
                saves: [input, output],
                // torch: g * result / input, 0 where input is 0; nothing flows to the sign's source
                grad: |g, a, r| {
                    input(a, r): g.mul(&Tensor::where_(&a.eq_scalar(0.0)?, &a.zeros_like()?, &r.div(a)?)?),
                    other(): g.zeros_like(),
                },
            }
            /// The larger of the operands, the number where the other is NaN (C's fmax).
            fmax => Fmax {
                node: "FmaxBackward0",
                dtype: Any,
                float: |a, b| if a.is_nan() { b } else if b.is_nan() { a } else { a.max(b) },
                int: |a, b| a.max(b),
                bool: |a, b| a | b,
                wgsl: "select(select(max(x, y), x, is_nan_f(y)), y, is_nan_f(x))",
                saves: [input, other],
                // torch: the gradient goes to input where input >= other or other is NaN, to other
                // where input < other or input alone is NaN; a tie splits it in half
                grad: |g, a, b| {
                    input(a, b): Tensor::where_(&a.ge(b)?.logical_or(&b.ne(b)?)?, &halved_at_ties(g, a, b)?, &g.zeros_like()?),
                    other(a, b): Tensor::where_(&a.gt(b)?.logical_or(&b.ne(b)?)?, &g.zeros_like()?, &halved_at_ties(g, a, b)?),
                },
            }
            /// The smaller of the operands, the number where the other is NaN (C's fmin).
            fmin => Fmin {
                node: "FminBackward0",
                dtype: Any,
                float: |a, b| if a.is_nan() { b } else if b.is_nan() { a } else { a.min(b) },
                int: |a, b| a.min(b),
                bool: |a, b| a & b,
                wgsl: "select(select(min(x, y), x, is_nan_f(y)), y, is_nan_f(x))",
                saves: [input, other],
                grad: |g, a, b| {
                    input(a, b): Tensor::where_(&a.le(b)?.logical_or(&b.ne(b)?)?, &halved_at_ties(g, a, b)?, &g.zeros_like()?),
                    other(a, b): Tensor::where_(&a.lt(b)?.logical_or(&b.ne(b)?)?, &g.zeros_like()?, &halved_at_ties(g, a, b)?),
                },
            }
            /// `input * log(other)`, 0 where `input` is 0 (unless `other` is NaN).
            xlogy, xlogy_ => Xlogy {
                node: "XlogyBackward0",
                other: Number("XlogyBackward2"),
                input: Number,
                dtype: Float,
                float: |a, b| if b.is_nan() { b } else if a == Elem::zero() { Elem::zero() } else { a * b.ln() },
                wgsl: "select(x * log(y), 0.0, x == 0.0 && !is_nan_f(y))",
                saves: [input, other],
                // torch: xlogy(g, other), 0 where input is 0 and other <= 0; g * input / other
                grad: |g, a, b| {
                    input(a, b): {
                        let zero = a.eq_scalar(0.0)?.logical_and(&b.le_scalar(0.0)?)?;
                        Tensor::where_(&zero, &g.zeros_like()?, &g.xlogy(b)?)
                    },
                    other(a, b): g.mul(a)?.div(b),
                },
            }
            /// `log(exp(input) + exp(other))`, without overflow.
            logaddexp => Logaddexp {
                node: "LogaddexpBackward0",
                dtype: FloatOnly,
                float: |a, b| {
                    if a.is_infinite() && a == b {
                        a
                    } else {
                        a.max(b) + (-(a - b).abs()).exp().ln_1p()
                    }
                },
                wgsl: "logaddexp_f(x, y)",
                saves: [input, other],
                // torch: g / (1 + exp(other - input)) and g / (1 + exp(input - other))
                grad: |g, a, b| {
                    input(a, b): g.div(&b.sub(a)?.exp()?.add_scalar(1.0)?),
                    other(a, b): g.div(&a.sub(b)?.exp()?.add_scalar(1.0)?),
                },
            }
            /// Whether both operands are nonzero (NaN counts as nonzero), as bools.
            logical_and, logical_and_ => LogicalAnd {
                dtype: BoolOut,
                bool: |a, b| a & b,
                wgsl: "x & y",
            }
            /// Whether either operand is nonzero (NaN counts as nonzero), as bools.
            logical_or, logical_or_ => LogicalOr {
                dtype: BoolOut,
                bool: |a, b| a | b,
                wgsl: "x | y",
            }
            /// Whether exactly one operand is nonzero (NaN counts as nonzero), as bools.
            logical_xor, logical_xor_ => LogicalXor {
                dtype: BoolOut,
                bool: |a, b| a ^ b,
                wgsl: "x ^ y",
            }
        }
    };
}
pub(crate) use binary_ops;

/// The activation rows: elementwise ops with `f64` parameters, whose Python surface is
/// `torch.nn.functional` (and an `nn` module). A row is `name(param [= default], ...) => Variant`
/// with
/// - `node`: the node's name (the rule saves the input);
/// - `module`: the `nn` module's class name;
/// - `forms`: `inplace` (`F.name(..., inplace=True)`), `underscore` (`F.name_`), `function`
///   (`torch.name`, and `torch.name_` with `underscore`), `bare_repr` (the module's repr shows
///   the parameters' values alone, as torch's `Hardshrink(0.5)`);
/// - `refuse` (optional): a condition on the parameters and the exception it raises;
/// - `dtype`: `FloatOnly` (int64 and bool refused) or `KeepInt` (int64 computed by `int`, bool
///   refused), as torch;
/// - `float`: the element expression with the parameters converted to the element type;
///   `int`: the int64 expression with the parameters as `f64`;
/// - `wgsl`: the WGSL expression, the parameters being `p0` and `p1` in order;
/// - `grad`: the rule in `g` and the input, the parameters as `f64`; or, for a gradient that is
///   `g` or 0 by where the input lies, `fused_grad: <GradMask> => "<its node>"`: one kernel pass
///   over `g` and the input (`BackendStorage::masked_grad`) instead of a compare, a zeros and a
///   where, recorded as the named double-backward node (torch's `...BackwardBackward0`).
macro_rules! activation_ops {
    ($gen:path) => {
        $gen! {
            /// `max(0, x) + min(0, alpha * (exp(x / alpha) - 1))`.
            celu(alpha = 1.0) => Celu {
                node: "CeluBackward0",
                module: CELU,
                forms: [inplace, underscore, function],
                refuse: alpha == 0.0 => Argument("ZeroDivisionError: alpha cannot be 0 for CELU"),
                dtype: FloatOnly,
                float: |x| if x > Elem::zero() { x } else { alpha * (x / alpha).exp_m1() },
                wgsl: "select(p0 * expm1_f(x / p0), x, x > 0.0)",
                grad: |g, x| Tensor::where_(&x.gt_scalar(0.0)?, g, &g.mul(&x.mul_scalar(1.0 / alpha)?.exp()?)?),
            }
            /// `x` clamped to `[min_val, max_val]` (NaN stays NaN).
            hardtanh(min_val = -1.0, max_val = 1.0) => Hardtanh {
                node: "HardtanhBackward0",
                module: Hardtanh,
                forms: [inplace, underscore],
                refuse: min_val > max_val => Value("min_val cannot be greater than max_val"),
                dtype: KeepInt,
                float: |x| if x < min_val { min_val } else if x > max_val { max_val } else { x },
                int: |x| x.max(min_val as i64).min(max_val as i64),
                wgsl: "select(select(x, p1, x > p1), p0, x < p0)",
                // torch: the gradient is 0 at and beyond the bounds (NaN passes it)
                fused_grad: GradMask::Inside { lo: min_val, hi: max_val } => "HardtanhBackwardBackward0",
            }
            /// `min(max(x, 0), 6)` (NaN stays NaN).
            relu6() => Relu6 {
                node: "HardtanhBackward0",
                module: ReLU6,
                forms: [inplace],
                dtype: KeepInt,
                float: |x| if x < Elem::zero() { Elem::zero() } else if x > <T as Elem>::from_f64(6.0) { <T as Elem>::from_f64(6.0) } else { x },
                int: |x| x.clamp(0, 6),
                wgsl: "select(select(x, 6.0, x > 6.0), 0.0, x < 0.0)",
                fused_grad: GradMask::Inside { lo: 0.0, hi: 6.0 } => "HardtanhBackwardBackward0",
            }
            /// `relu6(x + 3) / 6`.
            hardsigmoid() => Hardsigmoid {
                node: "HardsigmoidBackward0",
                module: Hardsigmoid,
                forms: [inplace],
                dtype: FloatOnly,
                float: |x| {
                    let three = <T as Elem>::from_f64(3.0);
                    if x <= -three { Elem::zero() } else if x >= three { Elem::one() } else { (x + three) / <T as Elem>::from_f64(6.0) }
                },
                wgsl: "select(select((x + 3.0) / 6.0, 1.0, x >= 3.0), 0.0, x <= -3.0)",
                // torch: g / 6 strictly inside (-3, 3), the 1/6 a float32 constant for every dtype
                grad: |g, x| {
                    let inside = x.gt_scalar(-3.0)?.logical_and(&x.lt_scalar(3.0)?)?;
                    Tensor::where_(&inside, &g.mul_scalar(f64::from(1.0f32 / 6.0))?, &g.zeros_like()?)
                },
            }
            /// `x * relu6(x + 3) / 6`.
            hardswish() => Hardswish {
                node: "HardswishBackward0",
                module: Hardswish,
                forms: [inplace],
                dtype: FloatOnly,
                // torch's `x * min(max(x + 3, 0), 6) / 6`: -0.0 below -3, NaN at -inf
                float: |x| {
                    let (r, six) = (x + <T as Elem>::from_f64(3.0), <T as Elem>::from_f64(6.0));
                    let r = if r < Elem::zero() { Elem::zero() } else { r };
                    x * (if six < r { six } else { r }) / six
                },
                wgsl: "x * select(select(x + 3.0, 6.0, x + 3.0 > 6.0), 0.0, x + 3.0 < 0.0) / 6.0",
                // torch: 0 below -3, g * (x / 3 + 1/2) up to 3, g above
                grad: |g, x| {
                    let mid = g.mul(&x.mul_scalar(1.0 / 3.0)?.add_scalar(0.5)?)?;
                    let upper = Tensor::where_(&x.le_scalar(3.0)?, &mid, g)?;
                    Tensor::where_(&x.lt_scalar(-3.0)?, &g.zeros_like()?, &upper)
                },
            }
            /// `x * tanh(softplus(x))`.
            mish() => Mish {
                node: "MishBackward0",
                module: Mish,
                forms: [inplace],
                dtype: FloatOnly,
                float: |x| x * x.exp().ln_1p().tanh(),
                wgsl: "x * tanh_f(log1p_f(exp(x)))",
                // torch: g * (tanh(sp) + x * sigmoid(x) * (1 - tanh(sp)^2))
                grad: |g, x| {
                    let t = x.exp()?.log1p()?.tanh()?;
                    g.mul(&t.add(&x.mul(&x.sigmoid()?)?.mul(&t.mul(&t)?.neg()?.add_scalar(1.0)?)?)?)
                },
            }
            /// `scale * (x > 0 ? x : alpha * (exp(x) - 1))` with torch's constants.
            selu() => Selu {
                node: "EluBackward0",
                module: SELU,
                forms: [inplace, underscore, function],
                dtype: FloatOnly,
                float: |x| {
                    let (alpha, scale) = (<T as Elem>::from_f64(SELU_ALPHA), <T as Elem>::from_f64(SELU_SCALE));
                    scale * if x > Elem::zero() { x } else { alpha * x.exp_m1() }
                },
                wgsl: "1.0507009873554805 * select(1.6732632423543772 * expm1_f(x), x, x > 0.0)",
                grad: |g, x| Tensor::where_(&x.gt_scalar(0.0)?, &g.mul_scalar(SELU_SCALE)?, &g.mul(&x.exp()?)?.mul_scalar(SELU_SCALE * SELU_ALPHA)?),
            }
            /// `log(sigmoid(x))`, without overflow.
            logsigmoid() => LogSigmoid {
                node: "LogSigmoidBackward0",
                module: LogSigmoid,
                forms: [],
                dtype: FloatOnly,
                float: |x| x.min(Elem::zero()) - (-x.abs()).exp().ln_1p(),
                wgsl: "min(x, 0.0) - log1p_f(exp(-abs(x)))",
                grad: |g, x| g.mul(&x.neg()?.sigmoid()?),
            }
            /// `x` where `|x| > lambd`, else 0.
            hardshrink(lambd = 0.5) => Hardshrink {
                node: "HardshrinkBackward0",
                module: Hardshrink,
                forms: [function, bare_repr],
                dtype: FloatOnly,
                float: |x| if x >= -lambd && x <= lambd { Elem::zero() } else { x },
                wgsl: "select(x, 0.0, x >= -p0 && x <= p0)",
                fused_grad: GradMask::Shrink { lambd } => "HardshrinkBackwardBackward0",
            }
            /// `x` moved toward 0 by `lambd`, 0 inside `[-lambd, lambd]`.
            softshrink(lambd = 0.5) => Softshrink {
                node: "SoftshrinkBackward0",
                module: Softshrink,
                forms: [bare_repr],
                // (torch: in [0, the dtype's largest value]; NaN and infinity refused too)
                refuse: !(0.0..=f64::MAX).contains(&lambd) => Argument("lambda must be in range [0, the input dtype's largest value]"),
                dtype: FloatOnly,
                float: |x| if x > lambd { x - lambd } else if x < -lambd { x + lambd } else { x * Elem::zero() },
                // (a zero with x's sign, NaN kept: lavapipe folds x * 0.0 to 0.0)
                wgsl: "select(select(select(bitcast<f32>(bitcast<u32>(x) & 0x80000000u), x, is_nan_f(x)), x + p0, x < -p0), x - p0, x > p0)",
                fused_grad: GradMask::Shrink { lambd } => "SoftshrinkBackwardBackward0",
            }
            /// `x` where above `threshold`, else `value`.
            threshold(threshold, value) => Threshold {
                node: "ThresholdBackward0",
                module: Threshold,
                forms: [inplace, underscore, function],
                dtype: KeepInt,
                float: |x| if x <= threshold { value } else { x },
                int: |x| if (x as f64) <= threshold { value as i64 } else { x },
                wgsl: "select(x, p1, x <= p0)",
                fused_grad: GradMask::Threshold { t: threshold } => "ThresholdBackwardBackward0",
            }
        }
    };
}
pub(crate) use activation_ops;

/// The ternary rows: broadcasting ops of three operands, the third of which may be a Python
/// number. A row is `name[, name_] (second, third) => Variant { ... }` with
/// - `node`, and `number_node`: the node's name when the third operand is a number;
/// - `dtype`: `SameFloat` (floats only, every tensor operand of the input's dtype, as torch's
///   lerp requires);
/// - `float`: the element expression (generic over the element type `T`, `num_traits::Float`
///   and `Elem` in scope);
/// - `wgsl`: the expression in `x`, `y` and `z`;
/// - `grad`: the rule per operand in `g` and the three operands (saved as inputs; a number
///   third operand is saved as a number), in the broadcast shape, written
///   `operand(operands it reads): expr`; an operand is saved as the binary rows' values are.
macro_rules! ternary_ops {
    ($gen:path) => {
        $gen! {
            /// `input + weight * (end - input)`, exact at both ends (torch's two-sided formula).
            lerp, lerp_ (end, weight) => Lerp {
                node: "LerpBackward1",
                number_node: "LerpBackward0",
                dtype: SameFloat,
                float: |a, b, w| if w.abs() < Elem::from_f64(0.5) { a + w * (b - a) } else { b - (b - a) * (<T as Elem>::one() - w) },
                wgsl: "select(y - (y - x) * (1.0 - z), x + z * (y - x), abs(z) < 0.5)",
                // torch: g * (1 - weight), g * weight, g * (end - input)
                grad: |g, a, b, w| {
                    input(w): g.sub(&g.mul(w)?),
                    end(w): g.mul(w),
                    weight(a, b): g.mul(&b.sub(a)?),
                },
            }
        }
    };
}
pub(crate) use ternary_ops;
