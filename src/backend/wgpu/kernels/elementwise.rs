//! Elementwise kernels (unary, binary, compare, where, the ternary rows): one WGSL thread body
//! per input access pattern, vectorised over float4 when every operand allows it, and split into
//! binding-sized windows when a buffer is larger than one binding.

use super::windows::split_windows;
use super::{source, strided_params, Kind};
use crate::backend::wgpu::runtime::{grid_1d, launch, GpuBuffer, Launch};
use crate::backend::{BinaryOp, CmpOp, GradMask, MathBinOp, MathOp, UnaryOp};
use crate::error::{Error, Result};
use crate::layout::Layout;

const ELEMENTWISE: &str = include_str!("../wgsl/elementwise.wgsl");

/// How an elementwise input finds element i.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Contiguous in the output's shape: offset + i.
    Contiguous,
    /// Every stride 0 (a broadcast scalar): one element for all.
    Scalar,
    /// Anything else: the strided walk of strided.wgsl.
    Strided,
}

fn access(l: &Layout) -> Access {
    if l.strides.iter().all(|&s| s == 0) {
        Access::Scalar
    } else if l.is_contiguous() {
        Access::Contiguous
    } else {
        Access::Strided
    }
}

/// The WGSL statements of one elementwise thread (see elementwise.wgsl).
fn elementwise_body(expr: &str, acc: &[Access], kinds: &[Kind], vec4: bool) -> String {
    const NAMES: [(&str, &str); 3] = [("a", "x"), ("b", "y"), ("c", "z")];
    let mut body = String::new();
    for (k, (&m, &kind)) in acc.iter().zip(kinds).enumerate() {
        let (buf, var) = NAMES[k];
        let off = format!("prm[{}u]", 6 + k);
        let load = match (m, vec4) {
            (Access::Contiguous, false) => format!("{buf}[{off} + i]"),
            (Access::Contiguous, true) => format!("{buf}[({off} >> 2u) + i]"),
            (Access::Scalar, false) => format!("{buf}[{off}]"),
            (Access::Scalar, true) => format!("vec4<{}>({buf}[{off}])", kind.wgsl()),
            (Access::Strided, _) => format!("{buf}[strided_offset(i, {k}u)]"),
        };
        let name = if vec4 { format!("{var}v") } else { var.to_string() };
        body.push_str(&format!("let {name} = {load};\n    "));
    }
    if vec4 {
        // Unrolled by component: a loop indexing a local vector may put it in memory.
        body.push_str("var r: OUT_V;\n    ");
        for c in ["x", "y", "z", "w"] {
            let lets: String = (0..acc.len()).map(|k| format!("let {0} = {0}v.{c}; ", NAMES[k].1)).collect();
            body.push_str(&format!("{{ {lets}r.{c} = {expr}; }}\n    "));
        }
        body.push_str("out[i] = r;");
        // Each thread does VEC_PER_THREAD vectors, a grid apart (coalesced): fewer, fuller
        // workgroups for large tensors.
        format!(
            "for (var u = 0u; u < {VEC_PER_THREAD}u; u = u + 1u) {{ let i = i0 + u * prm[2] * nwg.y; \
             if (i < prm[0]) {{\n    {body}\n    }} }}"
        )
    } else {
        body.push_str(&format!("out[i] = {expr};"));
        format!("let i = i0; if (i < prm[0]) {{\n    {body}\n    }}")
    }
}

/// float4 vectors per thread in vectorised elementwise kernels.
const VEC_PER_THREAD: usize = 4;

/// An elementwise kernel over 1-3 inputs of `count` elements in `layouts`' (common) shape.
fn elementwise(
    name: &str,
    expr: &str,
    out_kind: Kind,
    inputs: &[(&GpuBuffer, &Layout, Kind)],
    p: [u32; 3],
) -> Result<GpuBuffer> {
    let count = inputs[0].1.numel();
    let out = GpuBuffer::new(count)?;
    if count == 0 {
        return Ok(out);
    }
    let bufs: Vec<&GpuBuffer> = inputs.iter().map(|i| i.0).collect();
    let layouts: Vec<&Layout> = inputs.iter().map(|i| i.1).collect();
    let words = vec![1; inputs.len()];
    match split_windows(&out, 0, count, 1, &bufs, &layouts, &words)? {
        None => elementwise_launch(name, expr, out_kind, inputs, p, &out, &[])?,
        Some(chunks) => {
            for c in chunks {
                let chunk: Vec<(&GpuBuffer, &Layout, Kind)> =
                    inputs.iter().zip(&c.layouts).map(|(i, l)| (i.0, l, i.2)).collect();
                elementwise_launch(name, expr, out_kind, &chunk, p, &out, &c.windows)?;
            }
        }
    }
    Ok(out)
}

/// One elementwise dispatch over `inputs` (all of `out`, or the parts `windows` name).
fn elementwise_launch(
    name: &str,
    expr: &str,
    out_kind: Kind,
    inputs: &[(&GpuBuffer, &Layout, Kind)],
    p: [u32; 3],
    out: &GpuBuffer,
    windows: &[Option<(u64, u64)>],
) -> Result<()> {
    let count = inputs[0].1.numel();
    let layouts: Vec<&Layout> = inputs.iter().map(|i| i.1).collect();
    let acc: Vec<Access> = layouts.iter().map(|l| access(l)).collect();
    let kinds: Vec<Kind> = inputs.iter().map(|i| i.2).collect();
    let vec4 = count.is_multiple_of(4)
        && layouts
            .iter()
            .zip(&acc)
            .all(|(l, &m)| m == Access::Scalar || (m == Access::Contiguous && l.offset.is_multiple_of(4)));
    let items = if vec4 { count / 4 } else { count };
    let threads = if vec4 { items.div_ceil(VEC_PER_THREAD) } else { items };
    let (groups, row) = grid_1d(threads)?;
    let params = strided_params(items, row, p, &layouts)?;
    let key = format!("ew:{name}:{expr}:{out_kind:?}:{kinds:?}:{acc:?}:{vec4}");
    let src = || {
        let elem = |k: Kind, m: Access| {
            if vec4 && m == Access::Contiguous {
                format!("vec4<{}>", k.wgsl())
            } else {
                k.wgsl().to_string()
            }
        };
        let out_t = if vec4 { format!("vec4<{}>", out_kind.wgsl()) } else { out_kind.wgsl().to_string() };
        let mut subs = vec![
            ("{{BODY}}", elementwise_body(expr, &acc, &kinds, vec4)),
            ("OUT_V", out_t.clone()),
            ("{{OUT_T}}", out_t),
        ];
        for (k, tag) in ["{{A_T}}", "{{B_T}}", "{{C_T}}"].iter().enumerate() {
            let t = if k < kinds.len() { elem(kinds[k], acc[k]) } else { "f32".into() };
            subs.push((tag, t));
        }
        let mut s = source(ELEMENTWISE, false, &subs);
        if kinds.len() >= 2 {
            s = s.replace("//B ", "");
        }
        if kinds.len() >= 3 {
            s = s.replace("//C ", "");
        }
        s
    };
    let bufs: Vec<&GpuBuffer> = inputs.iter().map(|i| i.0).collect();
    launch(Launch { key, source: &src, out, params: &params, inputs: &bufs, groups, windows })
}

pub fn unary(buf: &GpuBuffer, layout: &Layout, op: UnaryOp) -> Result<GpuBuffer> {
    let (expr, p) = match op {
        UnaryOp::Neg => ("-x", [0, 0]),
        UnaryOp::Exp => ("exp(x)", [0, 0]),
        UnaryOp::Log => ("log(x)", [0, 0]),
        UnaryOp::Sqrt => ("sqrt(x)", [0, 0]),
        UnaryOp::Tanh => ("tanh_f(x)", [0, 0]),
        UnaryOp::Sigmoid => ("1.0 / (1.0 + exp(-x))", [0, 0]),
        // NaN stays NaN, as in torch.
        UnaryOp::Relu => ("select(x, 0.0, x < 0.0)", [0, 0]),
        UnaryOp::Abs => ("abs(x)", [0, 0]),
        // Never dispatched here: WgpuStorage::unary sends it to the CPU kernel.
        UnaryOp::BitwiseNot => ("f32_nan()", [0, 0]),
        // `!(x > 0)`: NaN takes the slope branch and stays NaN, as in torch.
        UnaryOp::LeakyRelu { slope } => ("select(x, x * p0, !(x > 0.0))", [(slope as f32).to_bits(), 0]),
        // torch's formula (-inf gives NaN, as there).
        UnaryOp::Silu => ("x / (1.0 + exp(-x))", [0, 0]),
        // `x <= 0`: NaN takes the identity branch and stays NaN; expm1_f keeps -0.0.
        UnaryOp::Elu { alpha } => ("select(x, expm1_f(x) * p0, x <= 0.0)", [(alpha as f32).to_bits(), 0]),
        UnaryOp::Math(m, p) => return math_unary(buf, layout, m, p, op.bool_out()),
        UnaryOp::Act(a, p) => (a.wgsl(), [(p[0] as f32).to_bits(), (p[1] as f32).to_bits()]),
        // torch's formulas (see backend/cpu/kernels.rs gelu)
        UnaryOp::Gelu { tanh: false } => ("x * 0.5 * (1.0 + erf_f(x * 0.70710678118654752))", [0, 0]),
        UnaryOp::Gelu { tanh: true } => {
            ("0.5 * x * (1.0 + tanh_f(0.79788456080286536 * (x + 0.044715 * (x * x * x))))", [0, 0])
        }
        // torch's formula; `x * beta > threshold` is false for NaN, which stays NaN
        UnaryOp::Softplus { beta, threshold } => (
            "select(log1p_f(exp(x * p0)) / p0, x, x * p0 > p1)",
            [(beta as f32).to_bits(), (threshold as f32).to_bits()],
        ),
        UnaryOp::Sign => ("select(sign(x), x, is_nan_f(x))", [0, 0]),
        UnaryOp::Clamp { min, max } => {
            let lo = min.map_or(f32::NEG_INFINITY, |v| v as f32);
            let hi = max.map_or(f32::INFINITY, |v| v as f32);
            ("clamp_f(x, p0, p1)", [lo.to_bits(), hi.to_bits()])
        }
    };
    elementwise("unary", expr, Kind::F32, &[(buf, layout, Kind::F32)], [p[0], p[1], 0])
}

/// A unary row of the op table, its parameters `p0`..`p2` in f32; a `BoolOut` row's
/// predicate is stored as a bool's 0/1 word.
fn math_unary(buf: &GpuBuffer, layout: &Layout, m: MathOp, p: [f64; 3], bool_out: bool) -> Result<GpuBuffer> {
    let p = p.map(|v| (v as f32).to_bits());
    if bool_out {
        let expr = format!("select(0u, 1u, {})", m.wgsl());
        return elementwise("unary", &expr, Kind::Bool, &[(buf, layout, Kind::F32)], p);
    }
    elementwise("unary", m.wgsl(), Kind::F32, &[(buf, layout, Kind::F32)], p)
}

/// A `BoolOut` binary row of the op table over two bool operands: its expression over their
/// 0/1 words.
pub fn binary_bool(
    a: &GpuBuffer,
    la: &Layout,
    b: &GpuBuffer,
    lb: &Layout,
    m: MathBinOp,
) -> Result<GpuBuffer> {
    let expr = m.wgsl().ok_or_else(|| Error::DType(format!("{}: no kernel over bools", m.name())))?;
    elementwise("binary", expr, Kind::Bool, &[(a, la, Kind::Bool), (b, lb, Kind::Bool)], [0, 0, 0])
}

/// An arithmetic op over two float32 operands, or (add, sub, mul, maximum, minimum) two int32.
pub fn binary(
    a: &GpuBuffer,
    la: &Layout,
    b: &GpuBuffer,
    lb: &Layout,
    op: BinaryOp,
    kind: Kind,
) -> Result<GpuBuffer> {
    let expr = match op {
        BinaryOp::Maximum if kind == Kind::I32 => "max(x, y)",
        BinaryOp::Minimum if kind == Kind::I32 => "min(x, y)",
        BinaryOp::Add => "x + y",
        BinaryOp::Sub => "x - y",
        BinaryOp::Mul => "x * y",
        BinaryOp::Div => "x / y",
        BinaryOp::Pow => "powf(x, y)",
        BinaryOp::Maximum => "maximum_f(x, y)",
        BinaryOp::Minimum => "minimum_f(x, y)",
        BinaryOp::Remainder => "remainder_f(x, y)",
        BinaryOp::Fmod => "fmod_f(x, y)",
        BinaryOp::FloorDiv => "floordiv_f(x, y)",
        BinaryOp::TruncDiv => "trunc(x / y)",
        BinaryOp::Math(m) => m
            .wgsl()
            .ok_or_else(|| Error::DType(format!("{}: no float kernel (integer-only op)", m.name())))?,
    };
    elementwise("binary", expr, kind, &[(a, la, kind), (b, lb, kind)], [0, 0, 0])
}

pub fn compare(
    a: &GpuBuffer,
    la: &Layout,
    b: &GpuBuffer,
    lb: &Layout,
    kind: Kind,
    op: CmpOp,
) -> Result<GpuBuffer> {
    let expr = match op {
        CmpOp::Eq => "select(0u, 1u, x == y)",
        CmpOp::Ne => "select(0u, 1u, x != y)",
        CmpOp::Lt => "select(0u, 1u, x < y)",
        CmpOp::Le => "select(0u, 1u, x <= y)",
        CmpOp::Gt => "select(0u, 1u, x > y)",
        CmpOp::Ge => "select(0u, 1u, x >= y)",
    };
    elementwise("compare", expr, Kind::Bool, &[(a, la, kind), (b, lb, kind)], [0, 0, 0])
}

pub fn where_cond(
    c: (&GpuBuffer, &Layout),
    a: (&GpuBuffer, &Layout),
    b: (&GpuBuffer, &Layout),
    kind: Kind,
) -> Result<GpuBuffer> {
    elementwise(
        "where",
        "select(z, y, x != 0u)",
        kind,
        &[(c.0, c.1, Kind::Bool), (a.0, a.1, kind), (b.0, b.1, kind)],
        [0, 0, 0],
    )
}

/// `g` where `x` is outside `mask`'s zero set, else 0 (see `GradMask`), in one kernel: `g` is
/// `x` of the expression, the saved value `y`.
pub fn masked_grad(g: (&GpuBuffer, &Layout), x: (&GpuBuffer, &Layout), mask: GradMask) -> Result<GpuBuffer> {
    let bits = |v: f64| (v as f32).to_bits();
    let (expr, p) = match mask {
        GradMask::Threshold { t } => ("select(x, 0.0, y <= p0)", [bits(t), 0]),
        GradMask::Inside { lo, hi } => ("select(x, 0.0, y <= p0 || y >= p1)", [bits(lo), bits(hi)]),
        GradMask::Shrink { lambd } => ("select(x, 0.0, y >= -p0 && y <= p0)", [bits(lambd), 0]),
    };
    let f = Kind::F32;
    elementwise("masked_grad", expr, f, &[(g.0, g.1, f), (x.0, x.1, f)], [p[0], p[1], 0])
}

/// A ternary row of the op table: its WGSL expression in `x`, `y` and `z`.
pub fn ternary(
    a: (&GpuBuffer, &Layout),
    b: (&GpuBuffer, &Layout),
    c: (&GpuBuffer, &Layout),
    expr: &str,
) -> Result<GpuBuffer> {
    let f = Kind::F32;
    elementwise("ternary", expr, f, &[(a.0, a.1, f), (b.0, b.1, f), (c.0, c.1, f)], [0, 0, 0])
}
