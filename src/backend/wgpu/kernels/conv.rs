//! im2col and col2im for float32 tensors (conv.wgsl), one thread per output element.

use super::u32_of;
use crate::backend::wgpu::runtime::{grid_1d, launch, GpuBuffer, Launch};
use crate::error::Result;
use crate::layout::Layout;
use crate::ops::conv::ConvGeom;

const CONV: &str = include_str!("../wgsl/conv.wgsl");

/// One conv.wgsl dispatch writing `count` elements of `out`; `strides` are the input's
/// (im2col) or none (col2im reads the contiguous column matrix).
fn conv_launch(mode: u32, src: &GpuBuffer, l: &Layout, g: &ConvGeom, count: usize) -> Result<GpuBuffer> {
    let out = GpuBuffer::new(count)?;
    if count == 0 {
        return Ok(out);
    }
    // The kernel's index arithmetic is 32-bit: every size, index and padded coordinate it forms.
    let reach = [(g.oh - 1) * g.sh + (g.kh - 1) * g.dh, (g.ow - 1) * g.sw + (g.kw - 1) * g.dw];
    let widest = [g.rows() * g.cols(), g.n * g.c * g.h * g.w, l.offset + l.numel(), g.h + g.ph, g.w + g.pw];
    for v in reach.into_iter().chain(widest) {
        u32_of(v, "convolution size")?;
    }
    let (groups, row) = grid_1d(count)?;
    let mut params = vec![count as u32, row];
    for v in [g.n, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.ph, g.pw, g.oh, g.ow, l.offset] {
        params.push(u32_of(v, "convolution size")?);
    }
    for i in 0..4 {
        params.push(if mode == 0 { u32_of(l.strides[i], "stride")? } else { 0 });
    }
    let key = format!("conv:{mode}");
    let source = || CONV.replace("{{MODE}}", &mode.to_string());
    launch(Launch {
        key,
        source: &source,
        out: &out,
        params: &params,
        inputs: &[src],
        groups,
        windows: &[],
    })?;
    Ok(out)
}

/// The (C*KH*KW, N*OH*OW) column matrix of the (N, C, H, W) input at `l`.
pub fn im2col(x: &GpuBuffer, l: &Layout, g: &ConvGeom) -> Result<GpuBuffer> {
    conv_launch(0, x, l, g, g.rows() * g.cols())
}

/// The (N, C, H, W) transpose of im2col from the contiguous column matrix at `l`.
pub fn col2im(cols: &GpuBuffer, l: &Layout, g: &ConvGeom) -> Result<GpuBuffer> {
    conv_launch(1, cols, l, g, g.n * g.c * g.h * g.w)
}
