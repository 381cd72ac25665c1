//! Row reductions (sum, max, argmax, ...): one or two passes, in parts when the input is larger
//! than one binding.

use super::windows::realign;
use super::{source, strided_params, u32_of};
use crate::backend::wgpu::runtime::{launch, GpuBuffer, Launch};
use crate::backend::ReduceOp;
use crate::error::{Error, Result};
use crate::layout::Layout;

const REDUCE: &str = include_str!("../wgsl/reduce.wgsl");

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
    let ctx = crate::backend::wgpu::context::get()?;
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
            crate::backend::wgpu::runtime::copy_words(&part, 0, &out, r0 * ow, n * ow)?;
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
            crate::backend::wgpu::runtime::copy_words(&part, 0, &partial, r * segs + g, 1)?;
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
            let ctx_max =
                crate::backend::wgpu::context::get()?.limits.max_compute_workgroups_per_dimension.max(1)
                    as usize;
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
