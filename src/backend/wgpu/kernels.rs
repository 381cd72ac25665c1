//! WGSL sources for each op, with their constants substituted, and the parameters they read.
//!
//! Each family lives in one file under wgsl/; an op picks its expression and constants here,
//! and the runtime compiles each distinct source once.

use super::runtime::{grid_1d, launch, GpuBuffer, Launch};
use crate::backend::{BinaryOp, CmpOp, MathBinOp, MathOp, ReduceOp, UnaryOp};
use crate::error::{Error, Result};
use crate::layout::Layout;

const STRIDED: &str = include_str!("wgsl/strided.wgsl");
const ELEMENTWISE: &str = include_str!("wgsl/elementwise.wgsl");
const COPY: &str = include_str!("wgsl/copy.wgsl");
const FILL: &str = include_str!("wgsl/fill.wgsl");
const INDEX: &str = include_str!("wgsl/index.wgsl");
const REDUCE: &str = include_str!("wgsl/reduce.wgsl");
const MATMUL: &str = include_str!("wgsl/matmul.wgsl");

/// How an element is stored in a buffer of u32 words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// float32: one word, the f32 bits.
    F32,
    /// bool: one word, 0 or 1.
    Bool,
    /// int64: two words, low then high.
    I64,
}

impl Kind {
    pub fn words(self) -> usize {
        match self {
            Kind::I64 => 2,
            _ => 1,
        }
    }
    fn wgsl(self) -> &'static str {
        match self {
            Kind::F32 => "f32",
            _ => "u32",
        }
    }
}

fn u32_of(v: usize, what: &str) -> Result<u32> {
    u32::try_from(v).map_err(|_| {
        Error::Backend(format!("wgpu: {what} {v} does not fit the 32-bit indexing of the GPU kernels"))
    })
}

/// The strided header (see strided.wgsl) for tensors of one shape.
fn strided_params(count: usize, row: u32, p: [u32; 3], layouts: &[&Layout]) -> Result<Vec<u32>> {
    let shape = &layouts[0].shape;
    let mut v = vec![u32_of(count, "element count")?, shape.len() as u32, row, p[0], p[1], p[2], 0, 0, 0];
    for (k, l) in layouts.iter().enumerate() {
        v[6 + k] = u32_of(l.offset, "offset")?;
    }
    for &s in shape.iter() {
        v.push(u32_of(s, "dimension")?);
    }
    for l in layouts {
        for &s in l.strides.iter() {
            v.push(u32_of(s, "stride")?);
        }
    }
    Ok(v)
}

fn all_contiguous(layouts: &[&Layout]) -> bool {
    layouts.iter().all(|l| l.is_contiguous())
}

fn source(family: &str, contig: bool, subs: &[(&str, String)]) -> String {
    let mut s = STRIDED.replace("{{CONTIG}}", if contig { "true" } else { "false" });
    s.push_str(family);
    for (k, v) in subs {
        s = s.replace(k, v);
    }
    s
}

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

/// One part of a tensor too large for one binding: word windows of the output and the inputs,
/// and the inputs' layouts relative to their windows (flat: contiguous or one scalar).
struct Chunk {
    windows: Vec<Option<(u64, u64)>>,
    layouts: Vec<Layout>,
    /// The output's elements of this part, relative to its window.
    out_layout: Layout,
}

/// The binding window of `words` words from word `first`, its start aligned down to `align`
/// words as bindings require, and where `first` falls in it.
fn realign(first: usize, words: usize, align: usize) -> (Option<(u64, u64)>, usize) {
    let aligned = first / align * align;
    (Some((aligned as u64, (first - aligned + words) as u64)), first - aligned)
}

/// A flat layout of `n` elements (stride 1, or 0 for a scalar) at word `residual` of a window.
fn flat(n: usize, stride: usize, residual: usize, words: usize) -> Layout {
    Layout { shape: [n].as_slice().into(), strides: [stride].as_slice().into(), offset: residual / words }
}

/// None when every buffer fits one binding; otherwise the parts, each within the adapter's
/// binding limit, of an op over `count` elements whose output is contiguous and whose inputs
/// are contiguous or broadcast scalars (anything else is refused by the binding check).
/// `out_words` and `words` are the words per element of the output and of each input;
/// `out_offset` is the output's first element in its buffer.
fn split_windows(
    out: &GpuBuffer,
    out_offset: usize,
    count: usize,
    out_words: usize,
    bufs: &[&GpuBuffer],
    layouts: &[&Layout],
    words: &[usize],
) -> Result<Option<Vec<Chunk>>> {
    let ctx = super::context::get()?;
    let max_words = (ctx.limits.max_storage_buffer_binding_size / 4) as usize;
    if out.words() <= max_words && bufs.iter().all(|b| b.words() <= max_words) {
        return Ok(None);
    }
    let scalar = |l: &Layout| l.strides.iter().all(|&s| s == 0);
    if layouts.iter().any(|l| !l.is_contiguous() && !scalar(l)) {
        return Ok(None); // strided: the binding check names the limit
    }
    let align = (ctx.limits.min_storage_buffer_offset_alignment.max(4) / 4) as usize;
    let widest = words.iter().copied().chain([out_words]).max().unwrap_or(1);
    // Elements per part: leaves room for realigning each window, a multiple of the alignment.
    let per = ((max_words - 2 * align) / widest) / align * align;
    let mut chunks = Vec::new();
    let mut start = 0;
    while start < count {
        let n = per.min(count - start);
        let (out_window, out_at) = realign((out_offset + start) * out_words, n * out_words, align);
        let mut windows = vec![out_window];
        let mut ls = Vec::new();
        for (l, &w) in layouts.iter().zip(words) {
            let (first, len, stride) = if scalar(l) { (l.offset, 1, 0) } else { (l.offset + start, n, 1) };
            let (window, at) = realign(first * w, len * w, align);
            windows.push(window);
            ls.push(flat(n, stride, at, w));
        }
        chunks.push(Chunk { windows, layouts: ls, out_layout: flat(n, 1, out_at, out_words) });
        start += n;
    }
    Ok(Some(chunks))
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

pub fn binary(a: &GpuBuffer, la: &Layout, b: &GpuBuffer, lb: &Layout, op: BinaryOp) -> Result<GpuBuffer> {
    let expr = match op {
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
    elementwise("binary", expr, Kind::F32, &[(a, la, Kind::F32), (b, lb, Kind::F32)], [0, 0, 0])
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

/// The statement of copy.wgsl that moves one element from `src` to `dst`, casting.
fn store(from: Kind, to: Kind) -> &'static str {
    match (from, to) {
        (Kind::F32, Kind::F32) | (Kind::Bool, Kind::Bool) => "dst[dofs] = src[so];",
        (Kind::I64, Kind::I64) => "dst[2u * dofs] = src[2u * so]; dst[2u * dofs + 1u] = src[2u * so + 1u];",
        // By the bits, so that NaN is true and -0.0 false (as torch).
        (Kind::F32, Kind::Bool) => "dst[dofs] = select(0u, 1u, (src[so] & 0x7fffffffu) != 0u);",
        (Kind::Bool, Kind::F32) => "dst[dofs] = bitcast<u32>(f32(src[so]));",
        (Kind::I64, Kind::F32) => "dst[dofs] = bitcast<u32>(i64_to_f32(src[2u * so], src[2u * so + 1u]));",
        (Kind::I64, Kind::Bool) => "dst[dofs] = select(0u, 1u, (src[2u * so] | src[2u * so + 1u]) != 0u);",
        (Kind::Bool, Kind::I64) => "dst[2u * dofs] = src[so]; dst[2u * dofs + 1u] = 0u;",
        // Truncation toward zero, as a C cast. Below 2^31 through i32; above, the split into
        // 2^32 * hi + lo is exact in f32 (such values have no bits below 2^8).
        (Kind::F32, Kind::I64) => {
            "let v = trunc(bitcast<f32>(src[so])); \
             if (abs(v) < 2147483648.0) { let i = i32(v); dst[2u * dofs] = bitcast<u32>(i); \
             dst[2u * dofs + 1u] = select(0u, 0xffffffffu, i < 0); } else { let hi = floor(v / TWO32); \
             dst[2u * dofs] = u32(v - hi * TWO32); dst[2u * dofs + 1u] = bitcast<u32>(i32(hi)); }"
        }
    }
}

/// dst at `ld` = src at `ls` (already broadcast to `ld`'s shape), cast from `from` to `to`.
pub fn copy(dst: &GpuBuffer, ld: &Layout, to: Kind, src: &GpuBuffer, ls: &Layout, from: Kind) -> Result<()> {
    let count = ld.numel();
    if count == 0 {
        return Ok(());
    }
    if ld.is_contiguous() {
        let ws = [from.words()];
        if let Some(chunks) = split_windows(dst, ld.offset, count, to.words(), &[src], &[ls], &ws)? {
            for c in chunks {
                copy_launch(dst, &c.out_layout, to, src, &c.layouts[0], from, &c.windows)?;
            }
            return Ok(());
        }
    }
    copy_launch(dst, ld, to, src, ls, from, &[])
}

fn copy_launch(
    dst: &GpuBuffer,
    ld: &Layout,
    to: Kind,
    src: &GpuBuffer,
    ls: &Layout,
    from: Kind,
    windows: &[Option<(u64, u64)>],
) -> Result<()> {
    let count = ld.numel();
    let layouts = [ld, ls];
    let contig = all_contiguous(&layouts);
    let (groups, row) = grid_1d(count)?;
    let params = strided_params(count, row, [0, 0, 0], &layouts)?;
    let stmt = store(from, to);
    let key = format!("copy:{from:?}:{to:?}:{contig}");
    let src_fn = || source(COPY, contig, &[("{{STORE}}", stmt.into())]);
    launch(Launch { key, source: &src_fn, out: dst, params: &params, inputs: &[src], groups, windows })
}

pub fn fill(dst: &GpuBuffer, layout: &Layout, kind: Kind, words: [u32; 2]) -> Result<()> {
    let count = layout.numel();
    if count == 0 {
        return Ok(());
    }
    if layout.is_contiguous() {
        // A fill reads nothing: its parts are copies' parts with no input.
        if let Some(chunks) = split_windows(dst, layout.offset, count, kind.words(), &[], &[], &[])? {
            for c in chunks {
                fill_launch(dst, &c.out_layout, kind, words, &c.windows)?;
            }
            return Ok(());
        }
    }
    fill_launch(dst, layout, kind, words, &[])
}

fn fill_launch(
    dst: &GpuBuffer,
    layout: &Layout,
    kind: Kind,
    words: [u32; 2],
    windows: &[Option<(u64, u64)>],
) -> Result<()> {
    let count = layout.numel();
    let contig = layout.is_contiguous();
    let (groups, row) = grid_1d(count)?;
    let params = strided_params(count, row, [words[0], words[1], 0], &[layout])?;
    let w = kind.words();
    let key = format!("fill:{w}:{contig}");
    let src = || source(FILL, contig, &[("{{WORDS}}", w.to_string())]);
    launch(Launch { key, source: &src, out: dst, params: &params, inputs: &[], groups, windows })
}

fn index_launch(mode: u32, kind: Kind, dst: &GpuBuffer, src: &GpuBuffer, offsets: &[usize]) -> Result<()> {
    let count = offsets.len();
    if count == 0 {
        return Ok(());
    }
    let offs: Vec<u32> = offsets.iter().map(|&o| u32_of(o, "offset")).collect::<Result<_>>()?;
    let offs = GpuBuffer::from_words(&offs)?;
    let (groups, row) = grid_1d(count)?;
    let params = [count as u32, 0, row];
    let w = kind.words();
    let key = format!("index:{mode}:{w}");
    let src_fn = || {
        let mut s = INDEX.replace("{{WORDS}}", &w.to_string()).replace("{{MODE}}", &mode.to_string());
        s.push('\n');
        s
    };
    launch(Launch {
        key,
        source: &src_fn,
        out: dst,
        params: &params,
        inputs: &[src, &offs],
        groups,
        windows: &[],
    })
}

/// out[i] = src[offsets[i]].
pub fn gather(src: &GpuBuffer, kind: Kind, offsets: &[usize]) -> Result<GpuBuffer> {
    let out = GpuBuffer::new(offsets.len() * kind.words())?;
    index_launch(0, kind, &out, src, offsets)?;
    Ok(out)
}

/// dst[offsets[i]] = src[i] (src contiguous), or += for float32 with `accumulate`.
pub fn scatter(
    dst: &GpuBuffer,
    kind: Kind,
    offsets: &[usize],
    src: &GpuBuffer,
    accumulate: bool,
) -> Result<()> {
    index_launch(if accumulate { 2 } else { 1 }, kind, dst, src, offsets)
}

/// Rows of `reduced` elements (the trailing dims of `layout`), reduced to `rows` results:
/// float32 values, or int64 indices for argmax/argmin. A contiguous input larger than one
/// binding is reduced in parts (groups of rows, or segments of a row and then their results).
pub fn reduce(
    buf: &GpuBuffer,
    layout: &Layout,
    rows: usize,
    reduced: usize,
    op: ReduceOp,
) -> Result<GpuBuffer> {
    let ctx = super::context::get()?;
    let max_words = (ctx.limits.max_storage_buffer_binding_size / 4) as usize;
    if buf.words() <= max_words || !layout.is_contiguous() || rows == 0 || reduced == 0 {
        return reduce_part(buf, layout, None, rows, reduced, op);
    }
    let align = (ctx.limits.min_storage_buffer_offset_alignment.max(4) / 4) as usize;
    let room = max_words - 2 * align;
    let arg = matches!(op, ReduceOp::ArgMax | ReduceOp::ArgMin);
    let ow = if arg { 2 } else { 1 };
    let window = |first: usize, n: usize| realign(first, n, align);
    let out = GpuBuffer::new(rows * ow)?;
    if reduced <= room {
        // Groups of whole rows.
        let per = room / reduced;
        let mut r0 = 0;
        while r0 < rows {
            let n = per.min(rows - r0);
            let (w, off) = window(layout.offset + r0 * reduced, n * reduced);
            let l = Layout {
                shape: [n, reduced].as_slice().into(),
                strides: [reduced, 1].as_slice().into(),
                offset: off,
            };
            let part = reduce_part(buf, &l, w, n, reduced, op)?;
            super::runtime::copy_words(&part, 0, &out, r0 * ow, n * ow)?;
            r0 += n;
        }
        return Ok(out);
    }
    if arg {
        return Err(Error::Backend(format!(
            "wgpu: argmax/argmin over rows of {reduced} elements, more than one buffer binding of {} holds",
            ctx.describe()
        )));
    }
    // Segments of each row, then the segments' results.
    let segs = reduced.div_ceil(room);
    let partial = GpuBuffer::new(rows * segs)?;
    for r in 0..rows {
        for g in 0..segs {
            let start = g * room;
            let n = room.min(reduced - start);
            let (w, off) = window(layout.offset + r * reduced + start, n);
            let l =
                Layout { shape: [1, n].as_slice().into(), strides: [n, 1].as_slice().into(), offset: off };
            let part = reduce_part(buf, &l, w, 1, n, op)?;
            super::runtime::copy_words(&part, 0, &partial, r * segs + g, 1)?;
        }
    }
    reduce_part(&partial, &Layout::contiguous(&[rows, segs]), None, rows, segs, op)
}

/// A reduction within one binding: all of `buf`, or the part `window` names (with `layout`
/// relative to it).
fn reduce_part(
    buf: &GpuBuffer,
    layout: &Layout,
    window: Option<(u64, u64)>,
    rows: usize,
    reduced: usize,
    op: ReduceOp,
) -> Result<GpuBuffer> {
    let (code, arg) = match op {
        ReduceOp::Sum => (0, false),
        ReduceOp::Prod => (1, false),
        ReduceOp::Max => (2, false),
        ReduceOp::Min => (3, false),
        ReduceOp::ArgMax => (2, true),
        ReduceOp::ArgMin => (3, true),
    };
    let out_words = |n: usize| if arg { 2 * n } else { n };
    let out = GpuBuffer::new(out_words(rows))?;
    if rows == 0 {
        return Ok(out);
    }
    // Enough workgroups to fill a GPU: a long row is split so each thread sums ~256 elements.
    let splits = if rows >= 1024 { 1 } else { (reduced / (256 * 256)).clamp(1, 1024) };
    let contig = layout.is_contiguous();
    // Rows of whole float4 vectors, 16-byte aligned: pass 1 reads four elements per load.
    let vec4_rows = contig && !arg && reduced.is_multiple_of(4) && layout.offset.is_multiple_of(4);
    let run =
        |out: &GpuBuffer, input: &GpuBuffer, params: Vec<u32>, splits: usize, pass2: bool, fin: bool| {
            let vec4 = vec4_rows && !pass2;
            let groups = rows * splits;
            let ctx_max = super::context::get()?.limits.max_compute_workgroups_per_dimension.max(1) as usize;
            let x = groups.min(ctx_max);
            let y = groups.div_ceil(x);
            let key = format!("reduce:{code}:{arg}:{pass2}:{fin}:{contig}:{vec4}");
            let src = || {
                let loop4 = if vec4 { REDUCE_VEC4_LOOP.to_string() } else { String::new() };
                let s = source(
                    REDUCE,
                    contig,
                    &[
                        ("{{OP}}", code.to_string()),
                        ("{{ARG}}", arg.to_string()),
                        ("{{PASS2}}", pass2.to_string()),
                        ("{{FINAL}}", fin.to_string()),
                        ("{{VEC4_LOOP}}", loop4),
                    ],
                );
                if vec4 {
                    s.replace("//V ", "")
                } else {
                    s
                }
            };
            let inputs: &[&GpuBuffer] = if vec4 { &[input, input] } else { &[input] };
            // Pass 1 reads the caller's window of the input; pass 2 the whole partials buffer.
            let w = if pass2 { None } else { window };
            launch(Launch {
                key,
                source: &src,
                out,
                params: &params,
                inputs,
                groups: [u32_of(x, "workgroups")?, u32_of(y, "workgroups")?, 1],
                windows: &[None, w, w],
            })
        };
    let mut params = strided_params(rows, 0, [u32_of(reduced, "row length")?, splits as u32, 0], &[layout])?;
    // strided_params puts its count at [0] and p0, p1 at [3], [4]: rows, reduced, splits.
    params[2] = 0;
    if splits == 1 {
        run(&out, buf, params, 1, false, true)?;
    } else {
        let partial = GpuBuffer::new(out_words(rows * splits))?;
        run(&partial, buf, params, splits, false, false)?;
        let p2 = vec![rows as u32, 0, 0, splits as u32, 1, 0, 0, 0, 0];
        run(&out, &partial, p2, 1, true, true)?;
    }
    Ok(out)
}

/// Pass 1 of a reduction over float4 vectors (see reduce.wgsl): each thread keeps four vector
/// loads in flight, then the scalar loop after it has nothing left to do.
const REDUCE_VEC4_LOOP: &str = "if (row < rows) {
        let r4 = reduced / 4u;
        let chunk4 = (r4 + splits - 1u) / splits;
        let s4 = min(part * chunk4, r4);
        let e4 = min(s4 + chunk4, r4);
        let rb = (prm[6] + row * reduced) / 4u;
        var jj = s4 + lid.x;
        for (; jj + 3u * WG < e4; jj = jj + 4u * WG) {
            let v0 = bitcast<vec4<f32>>(src4[rb + jj]);
            let v1 = bitcast<vec4<f32>>(src4[rb + jj + WG]);
            let v2 = bitcast<vec4<f32>>(src4[rb + jj + 2u * WG]);
            let v3 = bitcast<vec4<f32>>(src4[rb + jj + 3u * WG]);
            let c0 = combine(combine(v0.x, v0.y), combine(v0.z, v0.w));
            let c1 = combine(combine(v1.x, v1.y), combine(v1.z, v1.w));
            let c2 = combine(combine(v2.x, v2.y), combine(v2.z, v2.w));
            let c3 = combine(combine(v3.x, v3.y), combine(v3.z, v3.w));
            acc = combine(acc, combine(combine(c0, c1), combine(c2, c3)));
        }
        for (; jj < e4; jj = jj + WG) {
            let v = bitcast<vec4<f32>>(src4[rb + jj]);
            acc = combine(acc, combine(combine(v.x, v.y), combine(v.z, v.w)));
        }
    }
    j = end;";

/// Batched matmul of strided operands: `la` is [batch..., m, k], `lb` [batch..., k, n].
pub fn matmul(a: &GpuBuffer, la: &Layout, b: &GpuBuffer, lb: &Layout) -> Result<GpuBuffer> {
    let nd = la.ndim();
    let (m, k, n) = (la.shape[nd - 2], la.shape[nd - 1], lb.shape[nd - 1]);
    let batch_dims = &la.shape[..nd - 2];
    let batch: usize = batch_dims.iter().product();
    let count = batch * m * n;
    let out = GpuBuffer::new(count)?;
    if count == 0 {
        return Ok(out);
    }
    u32_of(count, "output size")?;
    let mut params = vec![
        u32_of(m, "rows")?,
        u32_of(n, "columns")?,
        u32_of(k, "inner size")?,
        u32_of(la.strides[nd - 2], "stride")?,
        u32_of(la.strides[nd - 1], "stride")?,
        u32_of(lb.strides[nd - 2], "stride")?,
        u32_of(lb.strides[nd - 1], "stride")?,
        u32_of(la.offset, "offset")?,
        u32_of(lb.offset, "offset")?,
        0,
        batch_dims.len() as u32,
    ];
    for &s in batch_dims {
        params.push(u32_of(s, "batch size")?);
    }
    for l in [la, lb] {
        for &s in &l.strides[..nd - 2] {
            params.push(u32_of(s, "stride")?);
        }
    }
    // 128 x 128 tiles reuse each load more; 64 x 64 ones when the big tiles would leave the GPU
    // with too few workgroups (a 1024 x 1024 product is 64 big tiles).
    let big = batch * m.div_ceil(128) * n.div_ceil(128) >= 256;
    let tile = Tile { halves: if big { 2 } else { 1 } };
    let key = format!("matmul:{}", tile.bm());
    let src = || {
        MATMUL
            .replace("{{BM}}", &tile.bm().to_string())
            .replace("{{BK}}", &MATMUL_BK.to_string())
            .replace("{{ACC}}", &(4 * tile.halves * tile.halves).to_string())
            .replace("{{GLOAD}}", &matmul_gload(tile))
            .replace("{{SSTORE}}", &matmul_sstore(tile))
            .replace("{{FMA}}", &matmul_fma(tile))
            .replace("{{STORE}}", &matmul_store(tile))
    };
    let max_z = super::context::get()?.limits.max_compute_workgroups_per_dimension.max(1) as usize;
    let gx = u32_of(n.div_ceil(tile.bm()), "workgroups")?;
    let gy = u32_of(m.div_ceil(tile.bm()), "workgroups")?;
    let mut b0 = 0;
    while b0 < batch {
        let nz = (batch - b0).min(max_z);
        params[9] = b0 as u32;
        launch(Launch {
            key: key.clone(),
            source: &src,
            out: &out,
            params: &params,
            inputs: &[a, b],
            groups: [gx, gy, nz as u32],
            windows: &[],
        })?;
        b0 += nz;
    }
    Ok(out)
}

/// K step of the matmul kernel: 16 halves the barriers per multiply-add against 8.
const MATMUL_BK: usize = 16;

/// A matmul tile: `halves` 64-row (and 64-column) halves, so 64 x 64 or 128 x 128.
#[derive(Clone, Copy)]
struct Tile {
    halves: usize,
}

impl Tile {
    fn bm(self) -> usize {
        64 * self.halves
    }
    /// Elements of A and of B each thread loads per K step.
    fn per_thread(self) -> (usize, usize) {
        (MATMUL_BK * self.bm() / 256, MATMUL_BK * self.bm() / 256)
    }
}

/// Global loads of one tile into the thread's registers ra, rb (bounds-checked).
fn matmul_gload(t: Tile) -> String {
    let (na, nb) = t.per_thread();
    let mut s = String::new();
    for c in 0..na {
        s.push_str(&format!(
            "{{ let gk = k0 + la_k + {c}u; ra[{c}] = 0.0; if (gm < M && gk < K) {{ ra[{c}] = a[a_row + gk * sak]; }} }}\n"
        ));
    }
    s.push_str("{ let gkb = k0 + lb_k;\n");
    for c in 0..nb {
        s.push_str(&format!(
            "  {{ let gn = col0 + lb_n + {c}u; rb[{c}] = 0.0; if (gkb < K && gn < N) {{ rb[{c}] = b[bo + gkb * sbk + gn * sbn]; }} }}\n"
        ));
    }
    s.push_str("}\n");
    s
}

/// The registers of one tile into workgroup memory.
fn matmul_sstore(t: Tile) -> String {
    let (na, nb) = t.per_thread();
    let row = t.bm() / 4;
    let mut s = String::new();
    for c in 0..na {
        s.push_str(&format!("As[(la_k + {c}u) * {row}u + la_m / 4u][la_m % 4u] = ra[{c}];\n"));
    }
    for q in 0..nb / 4 {
        let (i0, i1, i2, i3) = (4 * q, 4 * q + 1, 4 * q + 2, 4 * q + 3);
        s.push_str(&format!(
            "Bs[lb_k * {row}u + lb_n / 4u + {q}u] = vec4<f32>(rb[{i0}], rb[{i1}], rb[{i2}], rb[{i3}]);\n"
        ));
    }
    s
}

/// The unrolled inner product of one K step: for each k of the tile, one vec4 of A and one of
/// B per half (4 rows, 4 columns), and a vec4 fused multiply-add per row and column half.
fn matmul_fma(t: Tile) -> String {
    let h = t.halves;
    let row = t.bm() / 4;
    let mut s = String::new();
    for k in 0..MATMUL_BK {
        s.push_str("{ ");
        for q in 0..h {
            s.push_str(&format!(
                "let a{q} = As[{k}u * {row}u + {}u + ty]; let b{q} = Bs[{k}u * {row}u + {}u + tx]; ",
                16 * q,
                16 * q
            ));
        }
        s.push('\n');
        for i in 0..4 * h {
            let comp = ["x", "y", "z", "w"][i % 4];
            for j in 0..h {
                let acc = i * h + j;
                s.push_str(&format!(
                    "        acc[{acc}] = fma(vec4<f32>(a{}.{comp}), b{j}, acc[{acc}]);\n",
                    i / 4
                ));
            }
        }
        s.push_str("        }\n");
    }
    s
}

/// The unrolled store of a thread's block (bounds-checked at the edges of out).
fn matmul_store(t: Tile) -> String {
    let h = t.halves;
    let mut s = String::new();
    for i in 0..4 * h {
        s.push_str(&format!("{{ let r = row0 + {}u + ty * 4u + {}u; if (r < M) {{\n", 64 * (i / 4), i % 4));
        for j in 0..h {
            let q = i * h + j;
            s.push_str(&format!(
                "        {{ let c0 = col0 + {}u + tx * 4u; let o = base + r * N + c0; let v = acc[{q}];\n",
                j * 64
            ));
            for (c, comp) in ["x", "y", "z", "w"].iter().enumerate() {
                s.push_str(&format!("        if (c0 + {c}u < N) {{ out[o + {c}u] = v.{comp}; }}\n"));
            }
            s.push_str("        }\n");
        }
        s.push_str("    } }\n");
    }
    s
}
