//! Data movement: strided copies with a cast, fills, and gather/scatter by element offsets.

use super::windows::split_windows;
use super::{all_contiguous, source, strided_params, u32_of, Kind};
use crate::backend::wgpu::runtime::{grid_1d, launch, GpuBuffer, Launch};
use crate::error::Result;
use crate::layout::Layout;

const COPY: &str = include_str!("../wgsl/copy.wgsl");
const FILL: &str = include_str!("../wgsl/fill.wgsl");
const INDEX: &str = include_str!("../wgsl/index.wgsl");

/// The statement of copy.wgsl that moves one element from `src` to `dst`, casting.
fn store(from: Kind, to: Kind) -> &'static str {
    match (from, to) {
        (Kind::F32, Kind::F32) | (Kind::Bool, Kind::Bool) | (Kind::I32, Kind::I32) | (Kind::Bool, Kind::I32) => {
            "dst[dofs] = src[so];"
        }
        // Narrowing keeps the low word (wrapping, as torch); widening extends the sign.
        (Kind::I64, Kind::I32) => "dst[dofs] = src[2u * so];",
        (Kind::I32, Kind::I64) => {
            "dst[2u * dofs] = src[so]; dst[2u * dofs + 1u] = select(0u, 0xffffffffu, bitcast<i32>(src[so]) < 0);"
        }
        (Kind::I32, Kind::F32) => "dst[dofs] = bitcast<u32>(f32(bitcast<i32>(src[so])));",
        (Kind::I32, Kind::Bool) => "dst[dofs] = select(0u, 1u, src[so] != 0u);",
        // Truncation toward zero, saturating, NaN to 0 (the CPU's Rust cast; tested by the bits,
        // which no compiler folds).
        (Kind::F32, Kind::I32) => {
            "let w = src[so]; let v = bitcast<f32>(w); var r = 0; \
             if ((w & 0x7fffffffu) > 0x7f800000u) { r = 0; } else if (v >= 2147483648.0) { r = 2147483647; } \
             else if (v < -2147483648.0) { r = bitcast<i32>(0x80000000u); } else { r = i32(v); } \
             dst[dofs] = bitcast<u32>(r);"
        }
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
