//! Elementwise unary math (neg, exp, log, sqrt, sin, cos, tanh, sigmoid, relu, abs, clamp, sign,
//! erf) and the activations torch records as one op (leaky_relu, silu, elu, gelu).

use super::record;
use crate::autograd::{Backward, Node, SavedTensor};
use crate::backend::{BackendStorage, GradMask, UnaryOp};
use crate::error::{bail, Result};
use crate::tensor::{Scalar, Tensor};
use std::sync::Weak;

/// torch.bitwise_not (`~`): int64 and bool only, never differentiable, so nothing is recorded.
pub fn bitwise_not(t: &Tensor) -> Result<Tensor> {
    if t.dtype().is_float() {
        return Err(no_kernel(t, "bitwise_not"));
    }
    let out = t.storage().data().unary(t.layout(), UnaryOp::BitwiseNot)?;
    Ok(Tensor::from_data(out, t.shape()))
}

fn kernel(t: &Tensor, op: UnaryOp) -> Result<Tensor> {
    let dtype = if op.keeps_int() { t.dtype() } else { t.dtype().to_float() };
    let src = t.cast_raw(dtype)?;
    let out = src.storage().data().unary(src.layout(), op)?;
    Ok(Tensor::from_data(out, t.shape()))
}

/// What a unary rule keeps: the input, the output, or nothing.
enum Keep {
    Input(SavedTensor),
    Output(SavedTensor),
    Nothing,
}

struct UnaryBackward {
    op: UnaryOp,
    keep: Keep,
}

impl Backward for UnaryBackward {
    fn saves_tensors(&self) -> bool {
        !matches!(self.keep, Keep::Nothing)
    }
    fn bind_outputs(&mut self, node: &Weak<Node>) {
        if let Keep::Output(s) = &mut self.keep {
            s.bind_output(node);
        }
    }

    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let saved = match &self.keep {
            Keep::Input(s) | Keep::Output(s) => Some(s.unpack()?),
            Keep::Nothing => None,
        };
        let v = || saved.clone().expect("rule saved its value");
        let one = || Tensor::wrapped_scalar(Scalar::Int(1));
        let gx = match self.op {
            UnaryOp::Neg => g.neg()?,
            UnaryOp::Exp => g.mul(&v())?,
            UnaryOp::Log => g.div(&v())?,
            UnaryOp::Sqrt => g.div(&v().mul_scalar(2.0)?)?,
            UnaryOp::Math(m, _) => m.grad(g, saved.as_ref())?,
            UnaryOp::Act(a, p) => a.grad(g, &v(), p)?,
            UnaryOp::Tanh => {
                let y = v();
                g.mul(&one().sub(&y.mul(&y)?)?)?
            }
            UnaryOp::Sigmoid => {
                let y = v();
                g.mul(&y.mul(&one().sub(&y)?)?)?
            }
            // torch: threshold_backward(g, y, 0), NaN passing its gradient
            UnaryOp::Relu => {
                masked_grad(g, &v(), GradMask::Threshold { t: 0.0 }, "ThresholdBackwardBackward0")?
            }
            UnaryOp::Abs => {
                // g * sgn(x) with torch's sgn: 0 at NaN (ferrograd's sign(NaN) is NaN, which
                // would turn a NaN input's zero gradient into NaN upstream)
                let x = v();
                let s = x.sign()?;
                g.mul(&Tensor::where_(&x.ne(&x)?, &s.zeros_like()?, &s)?)?
            }
            // bitwise_not records nothing (int/bool only); kept total for the match.
            UnaryOp::Sign | UnaryOp::BitwiseNot => g.zeros_like()?,
            UnaryOp::LeakyRelu { slope } => leaky_relu_backward(g, &v(), slope)?,
            UnaryOp::Silu => silu_backward(g, &v())?,
            UnaryOp::Elu { alpha } => elu_backward(g, &v(), alpha)?,
            UnaryOp::Gelu { tanh } => gelu_backward(g, &v(), tanh)?,
            UnaryOp::Softplus { beta, threshold } => softplus_backward(g, &v(), beta, threshold)?,
            UnaryOp::Clamp { min, max } => {
                // The gradient passes strictly inside (min, max); torch gives 0 at a bound.
                let x = v();
                let mut pass = x.eq(&x)?;
                if let Some(lo) = min {
                    pass = pass.logical_and(&x.gt_scalar(lo)?)?;
                }
                if let Some(hi) = max {
                    pass = pass.logical_and(&x.lt_scalar(hi)?)?;
                }
                Tensor::where_(&pass, g, &g.zeros_like()?)?
            }
        };
        Ok(vec![Some(gx)])
    }
}

/// `g` where the saved value `x` is outside `mask`'s zero set, else 0, in one kernel pass (the
/// composite, a compare, a not, a zeros and a where, walks memory four times): relu's backward
/// and the `fused_grad` of the op table's rows. Recorded as `node` of `g` and `x`: its
/// derivative in `x` is zero, but keeping `x`'s history makes a gradient taken with create_graph
/// require grad, as torch's ThresholdBackwardBackward0 (and kin) does, and differentiating it
/// again gives zeros instead of an error.
pub(crate) fn masked_grad(g: &Tensor, x: &Tensor, mask: GradMask, node: &'static str) -> Result<Tensor> {
    let out = {
        let _off = crate::autograd::GradModeGuard::new(false);
        masked_kernel(&g.detach(), &x.detach(), mask)?
    };
    record(node, &out, &[g, x], |_| MaskedGrad { x: SavedTensor::input(x, node), mask, node });
    Ok(out)
}

fn masked_kernel(g: &Tensor, x: &Tensor, mask: GradMask) -> Result<Tensor> {
    if g.dtype() == x.dtype() && g.dtype().is_float() && g.shape() == x.shape() {
        let out = g.storage().data().masked_grad(g.layout(), x.storage().data(), x.layout(), mask)?;
        return Ok(Tensor::from_data(out, g.shape()));
    }
    // A gradient of another dtype or shape than the saved value: the composite, which promotes
    // and broadcasts. Its tests are the kernels' (NaN included).
    let zero = match mask {
        GradMask::Threshold { t } => x.le_scalar(t)?,
        GradMask::Inside { lo, hi } => x.le_scalar(lo)?.logical_or(&x.ge_scalar(hi)?)?,
        GradMask::Shrink { lambd } => x.ge_scalar(-lambd)?.logical_and(&x.le_scalar(lambd)?)?,
    };
    Tensor::where_(&zero, &g.zeros_like()?, g)
}

struct MaskedGrad {
    x: SavedTensor,
    mask: GradMask,
    node: &'static str,
}

impl Backward for MaskedGrad {
    fn backward(&self, gg: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        // linear in g with the same mask: the same fused op (torch's double backward of
        // threshold_backward is threshold_backward)
        let dg =
            if needs[0] { Some(masked_grad(gg, &self.x.unpack()?, self.mask, self.node)?) } else { None };
        let dx = if needs[1] { Some(gg.zeros_like()?) } else { None };
        Ok(vec![dg, dx])
    }
}

/// torch.nn.functional.leaky_relu as one op (LeakyReluBackward0, saving its input).
pub fn leaky_relu(x: &Tensor, slope: f64) -> Result<Tensor> {
    activation(x, UnaryOp::LeakyRelu { slope }, "leaky_relu", "LeakyReluBackward0")
}

/// An activation torch keeps as one op (floats only), saving its input: its rule is
/// UnaryBackward's arm for `op` (the function's own `_backward`).
fn activation(x: &Tensor, op: UnaryOp, fname: &str, node: &'static str) -> Result<Tensor> {
    float_only(x, fname)?;
    let out = kernel(x, op)?;
    record(node, &out, &[x], |_| UnaryBackward { op, keep: Keep::Input(SavedTensor::input(x, node)) });
    Ok(out)
}

/// leaky_relu's gradient, `where(x > 0, g, slope * g)`, recorded as one op of `g` and `x`
/// (torch's LeakyReluBackwardBackward0): linear in `g`, zero derivative in `x`, and keeping `x`'s
/// history so a gradient taken with create_graph requires grad and differentiates to zeros.
fn leaky_relu_backward(g: &Tensor, x: &Tensor, slope: f64) -> Result<Tensor> {
    // `x > 0` is false for NaN: it takes the slope, as torch's leaky_relu_backward does.
    let mask = x.detach().gt_scalar(0.0)?;
    leaky_masked(g, Some(x), mask, slope)
}

fn leaky_masked(g: &Tensor, x: Option<&Tensor>, mask: Tensor, slope: f64) -> Result<Tensor> {
    let out = {
        let _off = crate::autograd::GradModeGuard::new(false);
        let gd = g.detach();
        Tensor::where_(&mask, &gd, &gd.mul_scalar(slope)?)?
    };
    let inputs: Vec<&Tensor> = std::iter::once(g).chain(x).collect();
    record("LeakyReluBackwardBackward0", &out, &inputs, |_| LeakyReluGrad { mask, slope });
    Ok(out)
}

struct LeakyReluGrad {
    mask: Tensor,
    slope: f64,
}

impl Backward for LeakyReluGrad {
    fn backward(&self, gg: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let dg = if needs[0] { Some(leaky_masked(gg, None, self.mask.clone(), self.slope)?) } else { None };
        let mut grads = vec![dg];
        if needs.len() > 1 {
            grads.push(if needs[1] { Some(gg.zeros_like()?) } else { None });
        }
        Ok(grads)
    }
}

/// Integer and bool inputs have no kernel for these activations (torch: "<op>_cpu" not implemented).
fn float_only(x: &Tensor, op: &str) -> Result<()> {
    if !x.dtype().is_float() {
        return Err(no_kernel(x, op));
    }
    Ok(())
}

/// torch's NotImplementedError for a dtype an op has no kernel for, in its words:
/// `"floor_cpu" not implemented for 'Bool'` (with the op and the shape in front).
pub(super) fn no_kernel(x: &Tensor, op: &str) -> crate::Error {
    crate::Error::NotImplemented(format!(
        "{op}: \"{op}_cpu\" not implemented for '{}' (shape {})",
        x.dtype().torch_scalar_name(),
        crate::error::fmt_shape(x.shape())
    ))
}

/// torch.nn.functional.silu as one op (SiluBackward0, saving its input): `x / (1 + exp(-x))`.
pub fn silu(x: &Tensor) -> Result<Tensor> {
    activation(x, UnaryOp::Silu, "silu", "SiluBackward0")
}

/// silu's gradient as torch's (infinitely_differentiable_)silu_backward computes it,
/// `g * s * (1 + x * (1 - s))` with `s = sigmoid(x)`, from recorded ops: at x = 0 an infinite
/// `g` gives inf (not `inf * 0`), and create_graph differentiates it as torch does.
fn silu_backward(g: &Tensor, x: &Tensor) -> Result<Tensor> {
    let one = || Tensor::wrapped_scalar(Scalar::Int(1));
    let s = x.sigmoid()?;
    g.mul(&s)?.mul(&one().add(&x.mul(&one().sub(&s)?)?)?)
}

/// torch.nn.functional.gelu as one op (GeluBackward0, saving its input); `tanh` is
/// `approximate="tanh"`.
pub fn gelu(x: &Tensor, tanh: bool) -> Result<Tensor> {
    activation(x, UnaryOp::Gelu { tanh }, "gelu", "GeluBackward0")
}

/// gelu's gradient as torch's gelu_backward computes it, `g * (d gelu / dx)` with the
/// derivative formed first, from recorded ops (so create_graph differentiates it): an infinite
/// `g` then gives inf, not the `inf - inf` of differentiating `x * Phi(x)` term by term.
fn gelu_backward(g: &Tensor, x: &Tensor, tanh: bool) -> Result<Tensor> {
    use std::f64::consts::{FRAC_1_SQRT_2, FRAC_2_SQRT_PI, SQRT_2};
    let one = || Tensor::wrapped_scalar(Scalar::Int(1));
    let d = if tanh {
        // 0.5 (1 + t) + 0.5 x (1 - t^2) beta (1 + 3 kappa x^2), t = tanh(beta (x + kappa x^3))
        let (beta, kappa) = (SQRT_2 * FRAC_2_SQRT_PI * 0.5, 0.044715);
        let x_sq = x.mul(x)?;
        let x_cube = x_sq.mul(x)?;
        let t = x.add(&x_cube.mul_scalar(kappa)?)?.mul_scalar(beta)?.tanh()?;
        let left = x.mul_scalar(0.5)?;
        let right = one().add(&t)?;
        let left_derivative = right.mul_scalar(0.5)?;
        let tanh_derivative = one().sub(&t.mul(&t)?)?;
        let inner_derivative = one().add(&x_sq.mul_scalar(3.0 * kappa)?)?.mul_scalar(beta)?;
        let right_derivative = left.mul(&tanh_derivative)?.mul(&inner_derivative)?;
        left_derivative.add(&right_derivative)?
    } else {
        // Phi(x) + x phi(x)
        let cdf = one().add(&x.mul_scalar(FRAC_1_SQRT_2)?.erf()?)?.mul_scalar(0.5)?;
        let pdf = x.mul(x)?.mul_scalar(-0.5)?.exp()?.mul_scalar(FRAC_2_SQRT_PI * FRAC_1_SQRT_2 * 0.5)?;
        cdf.add(&x.mul(&pdf)?)?
    };
    g.mul(&d)
}

/// torch.nn.functional.softplus as one op (SoftplusBackward0, saving its input).
pub fn softplus(x: &Tensor, beta: f64, threshold: f64) -> Result<Tensor> {
    activation(x, UnaryOp::Softplus { beta, threshold }, "softplus", "SoftplusBackward0")
}

/// torch's softplus_backward, `x * beta > threshold ? g : g * z / (z + 1)` with
/// `z = exp(x * beta)` (a NaN input gives NaN), recorded as one op of `g` and `x`
/// (SoftplusBackwardBackward0) whose rule is torch's: softplus_backward in `g`, and
/// softplus_double_backward in `x`, which uses `x * beta < threshold` (so at the threshold itself
/// the gradient takes the soft branch and its derivative the linear one, as in torch).
fn softplus_backward(g: &Tensor, x: &Tensor, beta: f64, threshold: f64) -> Result<Tensor> {
    let out = {
        let _off = crate::autograd::GradModeGuard::new(false);
        let (gd, xb) = (g.detach(), x.detach().mul_scalar(beta)?);
        let linear = xb.gt_scalar(threshold)?;
        // exp reads 0 where the linear branch is taken: no overflow into the discarded values
        let z = Tensor::where_(&linear, &xb.zeros_like()?, &xb)?.exp()?;
        let soft = gd.mul(&z)?.div(&z.add(&Tensor::wrapped_scalar(Scalar::Int(1)))?)?;
        Tensor::where_(&linear, &gd, &soft)?
    };
    record("SoftplusBackwardBackward0", &out, &[g, x], |needs| SoftplusGrad {
        g: needs[1].then(|| SavedTensor::input(g, "SoftplusBackwardBackward0")),
        x: SavedTensor::input(x, "SoftplusBackwardBackward0"),
        beta,
        threshold,
    });
    Ok(out)
}

struct SoftplusGrad {
    g: Option<SavedTensor>,
    x: SavedTensor,
    beta: f64,
    threshold: f64,
}

impl Backward for SoftplusGrad {
    fn backward(&self, gg: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let x = self.x.unpack()?;
        let dg = if needs[0] { Some(softplus_backward(gg, &x, self.beta, self.threshold)?) } else { None };
        let dx = match (needs[1], &self.g) {
            (true, Some(g)) => {
                // torch: sigmoid_backward(gg * g, sigmoid(x * beta)) * (x * beta < threshold) * beta
                let xb = x.mul_scalar(self.beta)?;
                let s = xb.sigmoid()?;
                let below = xb.detach().lt_scalar(self.threshold)?;
                let one = Tensor::wrapped_scalar(Scalar::Int(1));
                let d = gg.mul(&g.unpack()?)?.mul(&one.sub(&s)?)?.mul(&s)?;
                Some(d.mul(&below.to_dtype(d.dtype())?)?.mul_scalar(self.beta)?)
            }
            _ => None,
        };
        Ok(vec![dg, dx])
    }
}

/// torch.nn.functional.elu as one op (EluBackward0, saving its input):
/// `x <= 0 ? alpha * expm1(x) : x` (expm1 keeps -0.0).
pub fn elu(x: &Tensor, alpha: f64) -> Result<Tensor> {
    activation(x, UnaryOp::Elu { alpha }, "elu", "EluBackward0")
}

/// torch's elu_backward (is_result=false), `x <= 0 ? g * alpha * exp(x) : g`, recorded as one op
/// of `g` and `x` (EluBackwardBackward0). A NaN `x` passes `g`, as torch's elementwise kernel
/// does (its vectorised loop, on 16+ floats, gives NaN there instead).
fn elu_backward(g: &Tensor, x: &Tensor, alpha: f64) -> Result<Tensor> {
    let out = {
        let _off = crate::autograd::GradModeGuard::new(false);
        let (gd, xd) = (g.detach(), x.detach());
        let neg = xd.le_scalar(0.0)?;
        Tensor::where_(&neg, &gd.mul_scalar(alpha)?.mul(&xd.exp()?)?, &gd)?
    };
    record("EluBackwardBackward0", &out, &[g, x], |needs| EluGrad {
        // the first-order gradient is needed for x's derivative only
        g: needs[1].then(|| SavedTensor::input(g, "EluBackwardBackward0")),
        x: SavedTensor::input(x, "EluBackwardBackward0"),
        alpha,
    });
    Ok(out)
}

struct EluGrad {
    g: Option<SavedTensor>,
    x: SavedTensor,
    alpha: f64,
}

impl Backward for EluGrad {
    /// torch: the gradient is linear in `g` (elu_backward of `gg`), and its derivative in `x` is
    /// elu_double_backward, `elu_backward(gg * g, x) * (x < 0)`.
    fn backward(&self, gg: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let x = self.x.unpack()?;
        let dg = if needs[0] { Some(elu_backward(gg, &x, self.alpha)?) } else { None };
        let dx = match (needs[1], &self.g) {
            (true, Some(g)) => {
                let neg = x.detach().lt_scalar(0.0)?.to_dtype(x.dtype())?;
                Some(elu_backward(&gg.mul(&g.unpack()?)?, &x, self.alpha)?.mul(&neg)?)
            }
            _ => None,
        };
        Ok(vec![dg, dx])
    }
}

/// A row of the op table (ops/math.rs has checked its dtype rule): its node and what it saves
/// come from the row.
pub(super) fn math_unary(
    t: &Tensor,
    op: crate::backend::MathOp,
    p: crate::ops::math::MathParams,
    node: &'static str,
) -> Result<Tensor> {
    unary(t, UnaryOp::Math(op, p), node)
}

/// A `BoolOut` row (isnan, ...): the kernel alone, as torch records nothing for a predicate.
pub(super) fn math_predicate(t: &Tensor, op: crate::backend::MathOp) -> Result<Tensor> {
    kernel(t, UnaryOp::Math(op, [0.0; 3]))
}

/// An activation row (ops/math_act.rs has checked its parameters and dtype rule): its rule
/// keeps the input.
pub(super) fn act_unary(t: &Tensor, op: crate::backend::ActOp, p: [f64; 2]) -> Result<Tensor> {
    unary(t, UnaryOp::Act(op, p), op.node())
}

fn unary(t: &Tensor, op: UnaryOp, name: &'static str) -> Result<Tensor> {
    let out = kernel(t, op)?;
    record(name, &out, &[t], |_| {
        use crate::ops::math::Saves;
        let keep = match op {
            UnaryOp::Math(m, _) => match m.saves() {
                Saves::Input => Keep::Input(SavedTensor::input(t, name)),
                Saves::Output => Keep::Output(SavedTensor::output(&out, name)),
                Saves::Nothing => Keep::Nothing,
            },
            UnaryOp::Neg | UnaryOp::Sign => Keep::Nothing,
            // These derivatives are cheapest from the output (exp' = exp, tanh' = 1 - tanh^2, ...).
            UnaryOp::Exp | UnaryOp::Sqrt | UnaryOp::Tanh | UnaryOp::Sigmoid | UnaryOp::Relu => {
                Keep::Output(SavedTensor::output(&out, name))
            }
            _ => Keep::Input(SavedTensor::input(t, name)),
        };
        UnaryBackward { op, keep }
    });
    Ok(out)
}

impl Tensor {
    pub fn neg(&self) -> Result<Tensor> {
        if self.dtype() == crate::dtype::DType::Bool {
            // (torch's NotImplementedError, which a backward negating a bool operand raises too)
            bail!(NotImplemented, "neg: Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
        }
        unary(self, UnaryOp::Neg, "NegBackward0")
    }
    pub fn exp(&self) -> Result<Tensor> {
        unary(self, UnaryOp::Exp, "ExpBackward0")
    }
    pub fn log(&self) -> Result<Tensor> {
        unary(self, UnaryOp::Log, "LogBackward0")
    }
    pub fn sqrt(&self) -> Result<Tensor> {
        unary(self, UnaryOp::Sqrt, "SqrtBackward0")
    }
    pub fn tanh(&self) -> Result<Tensor> {
        unary(self, UnaryOp::Tanh, "TanhBackward0")
    }
    pub fn sigmoid(&self) -> Result<Tensor> {
        unary(self, UnaryOp::Sigmoid, "SigmoidBackward0")
    }
    pub fn relu(&self) -> Result<Tensor> {
        if self.dtype() == crate::dtype::DType::Bool {
            bail!(DType, "relu: \"clamp_min_cpu\" not implemented for 'Bool'")
        }
        unary(self, UnaryOp::Relu, "ReluBackward0")
    }
    pub fn abs(&self) -> Result<Tensor> {
        if self.dtype() == crate::dtype::DType::Bool {
            bail!(DType, "abs: \"abs_cpu\" not implemented for 'Bool'")
        }
        unary(self, UnaryOp::Abs, "AbsBackward0")
    }
    pub fn sign(&self) -> Result<Tensor> {
        // The sign of a bool is itself (torch returns a bool copy).
        if self.dtype() == crate::dtype::DType::Bool {
            return self.clone_tensor();
        }
        unary(self, UnaryOp::Sign, "SignBackward0")
    }
    pub fn clamp(&self, min: Option<f64>, max: Option<f64>) -> Result<Tensor> {
        if min.is_none() && max.is_none() {
            bail!(DType, "clamp: At least one of 'min' or 'max' must not be None")
        }
        if self.dtype() == crate::dtype::DType::Bool {
            bail!(DType, "clamp: \"clamp_cpu\" not implemented for 'Bool'")
        }
        unary(self, UnaryOp::Clamp { min, max }, "ClampBackward1")
    }
}
