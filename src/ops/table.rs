//! The op table: every elementwise unary math op is one row here, and nothing about it is
//! written anywhere else.
//!
//! A row is `name, name_ [| alias, alias_]* => Variant { ... }` with
//! - `node`: the autograd node's name, torch's (what `grad_fn.name()` shows);
//! - `dtype`: `Float` (computes in a float dtype; int64 and bool promote to float32, as in
//!   torch), `Rounding` (the identity on int64, bool refused) or `FloatOnly` (int64 and bool
//!   refused, as torch refuses `frac` of a Long);
//! - `cpu`: the element expression, generic over f32/f64 (`num_traits::Float` and
//!   `FloatElem` are in scope);
//! - `wgsl`: the element expression in WGSL (helpers from `backend/wgpu/wgsl/elementwise.wgsl`);
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
        }
    };
}
pub(crate) use math_ops;
