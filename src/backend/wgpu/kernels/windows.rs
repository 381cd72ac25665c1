//! Ops on tensors larger than one binding: the binding-sized windows of their buffers.

use crate::backend::wgpu::runtime::GpuBuffer;
use crate::error::Result;
use crate::layout::Layout;

/// One part of a tensor too large for one binding: word windows of the output and the inputs,
/// and the inputs' layouts relative to their windows (flat: contiguous or one scalar).
pub(super) struct Chunk {
    pub(super) windows: Vec<Option<(u64, u64)>>,
    pub(super) layouts: Vec<Layout>,
    /// The output's elements of this part, relative to its window.
    pub(super) out_layout: Layout,
}

/// The binding window of `words` words from word `first`, its start aligned down to `align`
/// words as bindings require, and where `first` falls in it.
pub(super) fn realign(first: usize, words: usize, align: usize) -> (Option<(u64, u64)>, usize) {
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
pub(super) fn split_windows(
    out: &GpuBuffer,
    out_offset: usize,
    count: usize,
    out_words: usize,
    bufs: &[&GpuBuffer],
    layouts: &[&Layout],
    words: &[usize],
) -> Result<Option<Vec<Chunk>>> {
    let ctx = crate::backend::wgpu::context::get()?;
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
