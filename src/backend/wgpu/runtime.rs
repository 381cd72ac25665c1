//! Buffers, pipelines and the command stream of the wgpu backend.
//!
//! Dispatches are recorded into one open compute pass of one pending encoder and submitted in
//! batches; the host waits only when it reads a buffer back. Kernel parameters of a batch are
//! packed into one buffer, written just before the batch is submitted (queue order puts the
//! write after the previous batch's work). Uploads go through the same encoder (a staging
//! copy), so they stay ordered with the dispatches around them even when a pooled buffer is
//! reused. Freed buffers return to a pool by size class, as the CPU backend's allocator does.

use super::context::{self, Context};
use crate::error::{Error, Result};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use wgpu::util::DeviceExt;

/// Submit after this many dispatches even if nobody reads: keeps the GPU busy while the host
/// records more, and bounds what an encoder holds.
const BATCH: usize = 32;
/// ... or as soon as the batch holds this many workgroups: a big kernel should start now, not
/// wait behind the host recording the next ones.
const BATCH_WORKGROUPS: u64 = 1024;
/// Most bytes kept in the pool of free buffers.
const POOL_BYTES: u64 = 2 << 30;
/// The parameter buffer of one batch; a batch whose parameters would not fit is split.
const PARAM_BYTES: u64 = 1 << 18;
pub const WORKGROUP: u32 = 256;

struct Pending {
    encoder: Option<wgpu::CommandEncoder>,
    /// The compute pass dispatches go into; ended before any copy is recorded.
    pass: Option<wgpu::ComputePass<'static>>,
    dispatches: usize,
    /// Workgroups dispatched in this batch.
    workgroups: u64,
    /// This batch's kernel parameters, each at an offset aligned for binding.
    params: Vec<u32>,
}

struct Compiled {
    pipeline: wgpu::ComputePipeline,
    layout: wgpu::BindGroupLayout,
}

struct Runtime {
    pipelines: Mutex<HashMap<String, Arc<Compiled>>>,
    pool: Mutex<(HashMap<u64, Vec<wgpu::Buffer>>, u64)>,
    pending: Mutex<Pending>,
    params: OnceLock<wgpu::Buffer>,
}

fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| Runtime {
        pipelines: Mutex::new(HashMap::new()),
        pool: Mutex::new((HashMap::new(), 0)),
        pending: Mutex::new(Pending {
            encoder: None,
            pass: None,
            dispatches: 0,
            workgroups: 0,
            params: Vec::new(),
        }),
        params: OnceLock::new(),
    })
}

fn params_buffer(ctx: &Context) -> &'static wgpu::Buffer {
    runtime().params.get_or_init(|| {
        ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("ferrograd params"),
            size: PARAM_BYTES,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    })
}

/// Rounds a request up to a size class: powers of two split in eight steps, so at most 12.5%
/// is wasted and a freed buffer fits many later requests.
fn size_class(bytes: u64) -> u64 {
    let bytes = bytes.max(256);
    let top = 63 - bytes.leading_zeros();
    let step = (1u64 << top) / 8;
    if step == 0 {
        return bytes;
    }
    bytes.div_ceil(step) * step
}

/// A device buffer of whole u32 words, returned to the pool when dropped.
pub struct GpuBuffer {
    buf: Option<wgpu::Buffer>,
    class: u64,
    /// Words requested (the buffer may be larger: its size class).
    words: usize,
}

impl std::fmt::Debug for GpuBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GpuBuffer({} bytes)", self.class)
    }
}

impl GpuBuffer {
    pub fn raw(&self) -> &wgpu::Buffer {
        self.buf.as_ref().expect("live buffer")
    }

    /// Words this buffer was asked for.
    pub fn words(&self) -> usize {
        self.words
    }

    /// The binding of `window` (word offset, words) of this buffer, or of all of it. A window
    /// must be aligned by the caller; a whole buffer must fit the adapter's binding limit
    /// (a pooled buffer may be larger than its tensor, so only the tensor's words count).
    fn binding(&self, window: Option<(u64, u64)>, max: u64) -> Result<wgpu::BindingResource<'_>> {
        let (offset, size) = match window {
            Some((off, len)) => (off * 4, len.max(1) * 4),
            None => (0, self.class.min(max / 4 * 4)),
        };
        if window.is_none() && (self.words as u64) * 4 > max || size > max {
            return Err(Error::Backend(format!(
                "wgpu: a tensor of {} bytes, read in a way this kernel cannot split, exceeds the largest \
                 buffer binding of {} ({max} bytes)",
                self.words * 4,
                context::get()?.describe()
            )));
        }
        Ok(wgpu::BindingResource::Buffer(wgpu::BufferBinding {
            buffer: self.raw(),
            offset,
            size: wgpu::BufferSize::new(size),
        }))
    }

    /// A buffer of at least `words` u32 words (contents unspecified).
    pub fn new(words: usize) -> Result<GpuBuffer> {
        let ctx = context::get()?;
        let bytes = (words.max(1) as u64).checked_mul(4).ok_or_else(too_big(words))?;
        let class = size_class(bytes);
        if class > ctx.limits.max_buffer_size {
            return Err(Error::Backend(format!(
                "wgpu: a buffer of {bytes} bytes exceeds the adapter's maximum buffer size ({} bytes, {})",
                ctx.limits.max_buffer_size,
                ctx.describe()
            )));
        }
        if let Some(buf) = {
            let mut pool = runtime().pool.lock();
            let b = pool.0.get_mut(&class).and_then(|v| v.pop());
            if b.is_some() {
                pool.1 -= class;
            }
            b
        } {
            return Ok(GpuBuffer { buf: Some(buf), class, words });
        }
        let buf = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: None,
            size: class,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        ctx.check()?;
        Ok(GpuBuffer { buf: Some(buf), class, words })
    }

    /// A buffer holding `words`, uploaded in stream order.
    pub fn from_words(words: &[u32]) -> Result<GpuBuffer> {
        let out = GpuBuffer::new(words.len())?;
        if !words.is_empty() {
            let ctx = context::get()?;
            let staging = ctx.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: None,
                contents: as_bytes(words),
                usage: wgpu::BufferUsages::COPY_SRC,
            });
            with_encoder(|enc| {
                enc.copy_buffer_to_buffer(&staging, 0, out.raw(), 0, (words.len() * 4) as u64)
            })?;
        }
        Ok(out)
    }

    /// Reads the first `words` words back (waits for everything recorded so far).
    pub fn read(&self, words: usize) -> Result<Vec<u32>> {
        if words == 0 {
            return Ok(Vec::new());
        }
        let ctx = context::get()?;
        let bytes = (words * 4) as u64;
        let staging = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: None,
            size: bytes,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        with_encoder(|enc| enc.copy_buffer_to_buffer(self.raw(), 0, &staging, 0, bytes))?;
        flush()?;
        let slice = staging.slice(..);
        let (tx, rx) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        ctx.device
            .poll(wgpu::PollType::Wait { submission_index: None, timeout: None })
            .map_err(|e| Error::Backend(format!("wgpu: waiting for the device failed: {e}")))?;
        ctx.check()?;
        rx.recv()
            .map_err(|_| Error::Backend("wgpu: the read-back was dropped".into()))?
            .map_err(|e| Error::Backend(format!("wgpu: reading a buffer back failed: {e}")))?;
        let view = slice
            .get_mapped_range()
            .map_err(|e| Error::Backend(format!("wgpu: reading a buffer back failed: {e}")))?;
        let mut out = crate::backend::cpu::try_vec(words)?;
        out.extend(view.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])));
        drop(view);
        staging.unmap();
        Ok(out)
    }
}

impl Drop for GpuBuffer {
    fn drop(&mut self) {
        let Some(buf) = self.buf.take() else { return };
        let mut pool = runtime().pool.lock();
        if pool.1 + self.class <= POOL_BYTES {
            pool.1 += self.class;
            pool.0.entry(self.class).or_default().push(buf);
        }
    }
}

fn too_big(words: usize) -> impl FnOnce() -> Error {
    move || Error::Backend(format!("wgpu: a buffer of {words} words is too large"))
}

pub fn as_bytes(words: &[u32]) -> &[u8] {
    // SAFETY: u32 has no padding and any byte pattern is a valid u8.
    unsafe { std::slice::from_raw_parts(words.as_ptr().cast::<u8>(), std::mem::size_of_val(words)) }
}

/// Records a copy (or other non-dispatch command): the open compute pass ends first.
fn with_encoder<R>(f: impl FnOnce(&mut wgpu::CommandEncoder) -> R) -> Result<R> {
    let ctx = context::get()?;
    let mut p = runtime().pending.lock();
    p.pass = None;
    let enc = p.encoder.get_or_insert_with(|| {
        ctx.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("ferrograd") })
    });
    Ok(f(enc))
}

/// Copies `words` words from `src` at word `from` to `dst` at word `to`, in stream order.
pub fn copy_words(src: &GpuBuffer, from: usize, dst: &GpuBuffer, to: usize, words: usize) -> Result<()> {
    with_encoder(|enc| {
        enc.copy_buffer_to_buffer(
            src.raw(),
            (from * 4) as u64,
            dst.raw(),
            (to * 4) as u64,
            (words * 4) as u64,
        )
    })
}

/// Submits everything recorded so far.
pub fn flush() -> Result<()> {
    let ctx = context::get()?;
    let mut p = runtime().pending.lock();
    submit_locked(ctx, &mut p);
    drop(p);
    ctx.check()
}

fn submit_locked(ctx: &Context, p: &mut Pending) {
    p.pass = None;
    p.dispatches = 0;
    p.workgroups = 0;
    if !p.params.is_empty() {
        ctx.queue.write_buffer(params_buffer(ctx), 0, as_bytes(&p.params));
        p.params.clear();
    }
    if let Some(enc) = p.encoder.take() {
        ctx.queue.submit(Some(enc.finish()));
    }
}

/// At interpreter exit: waits for the work in flight, if a device was ever made. A process that
/// exits while a driver still runs its work can crash in the driver's own teardown (seen with
/// Mesa's lavapipe), so the last queued kernels must finish first.
pub fn shutdown() {
    if context::started().is_some() {
        let _ = synchronize();
    }
}

/// Waits until the device has finished all submitted work (ferrograd.wgpu.synchronize()).
pub fn synchronize() -> Result<()> {
    flush()?;
    let ctx = context::get()?;
    ctx.device
        .poll(wgpu::PollType::Wait { submission_index: None, timeout: None })
        .map_err(|e| Error::Backend(format!("wgpu: waiting for the device failed: {e}")))?;
    ctx.check()
}

/// The pipeline for a WGSL source, compiled once per distinct source.
fn pipeline(ctx: &Context, key: &str, source: impl FnOnce() -> String) -> Result<Arc<Compiled>> {
    if let Some(p) = runtime().pipelines.lock().get(key) {
        return Ok(p.clone());
    }
    let src = source();
    let module = ctx.device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(key),
        source: wgpu::ShaderSource::Wgsl(src.into()),
    });
    let pipeline = ctx.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(key),
        layout: None,
        module: &module,
        entry_point: Some("main"),
        compilation_options: Default::default(),
        cache: None,
    });
    let layout = pipeline.get_bind_group_layout(0);
    let p = Arc::new(Compiled { pipeline, layout });
    // A shader that fails validation is our bug, but it must surface as an error, not a crash.
    ctx.check().map_err(|e| Error::Backend(format!("{e} (compiling kernel {key})")))?;
    runtime().pipelines.lock().insert(key.to_string(), p.clone());
    Ok(p)
}

/// One kernel launch: binding 0 is the output (read-write), 1 the parameters, then inputs.
pub struct Launch<'a> {
    pub key: String,
    pub source: &'a dyn Fn() -> String,
    pub out: &'a GpuBuffer,
    pub params: &'a [u32],
    pub inputs: &'a [&'a GpuBuffer],
    pub groups: [u32; 3],
    /// Word windows of the output and the inputs, in that order (empty: whole buffers).
    pub windows: &'a [Option<(u64, u64)>],
}

/// Workgroups for `threads` threads of a 1-D kernel, folded into 2-D past the per-dimension
/// limit; returns the groups and the threads per row the kernel needs to linearise its id.
pub fn grid_1d(threads: usize) -> Result<([u32; 3], u32)> {
    let ctx = context::get()?;
    let max = ctx.limits.max_compute_workgroups_per_dimension.max(1) as usize;
    let groups = threads.div_ceil(WORKGROUP as usize).max(1);
    let x = groups.min(max);
    let y = groups.div_ceil(x);
    if y > max {
        return Err(Error::Backend(format!(
            "wgpu: {threads} elements exceed the dispatch limits of {}",
            ctx.describe()
        )));
    }
    Ok(([x as u32, y as u32, 1], x as u32 * WORKGROUP))
}

pub fn launch(l: Launch<'_>) -> Result<()> {
    let ctx = context::get()?;
    let p = pipeline(ctx, &l.key, l.source)?;
    // A buffer cannot be read and written by one dispatch (an in-place op on a view of itself):
    // such an input is read from a copy, which also gives copy semantics to overlapping views.
    let mut copies = Vec::new();
    for b in l.inputs {
        if std::ptr::eq(*b, l.out) {
            let words = (b.class / 4) as usize;
            let tmp = GpuBuffer::new(words)?;
            with_encoder(|enc| enc.copy_buffer_to_buffer(b.raw(), 0, tmp.raw(), 0, b.class.min(tmp.class)))?;
            copies.push(tmp);
        }
    }
    let mut copied = copies.iter();
    let inputs: Vec<&GpuBuffer> = l
        .inputs
        .iter()
        .map(|&b| if std::ptr::eq(b, l.out) { copied.next().expect("one copy each") } else { b })
        .collect();
    let params: &[u32] = if l.params.is_empty() { &[0] } else { l.params };
    let bytes = (params.len() * 4) as u64;
    let align = (ctx.limits.min_storage_buffer_offset_alignment.max(4) / 4) as usize;
    if bytes > PARAM_BYTES {
        return Err(Error::Backend(format!(
            "wgpu: {bytes} bytes of kernel parameters (a tensor of very many dims)"
        )));
    }
    let max_binding = ctx.limits.max_storage_buffer_binding_size;
    let pbuf = params_buffer(ctx);
    let mut pend = runtime().pending.lock();
    let mut at = pend.params.len().div_ceil(align) * align;
    if (at * 4) as u64 + bytes > PARAM_BYTES || pend.dispatches >= BATCH {
        submit_locked(ctx, &mut pend);
        at = 0;
    }
    pend.params.resize(at, 0);
    pend.params.extend_from_slice(params);
    let window = |i: usize| l.windows.get(i).copied().flatten();
    let mut entries = vec![
        wgpu::BindGroupEntry { binding: 0, resource: l.out.binding(window(0), max_binding)? },
        wgpu::BindGroupEntry {
            binding: 1,
            resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                buffer: pbuf,
                offset: (at * 4) as u64,
                size: wgpu::BufferSize::new(bytes),
            }),
        },
    ];
    for (i, b) in inputs.iter().enumerate() {
        entries.push(wgpu::BindGroupEntry {
            binding: 2 + i as u32,
            resource: b.binding(window(i + 1), max_binding)?,
        });
    }
    let bind = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: None,
        layout: &p.layout,
        entries: &entries,
    });
    let pend = &mut *pend;
    if pend.pass.is_none() {
        let enc = pend.encoder.get_or_insert_with(|| {
            ctx.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("ferrograd") })
        });
        pend.pass = Some(
            enc.begin_compute_pass(&wgpu::ComputePassDescriptor { label: None, timestamp_writes: None })
                .forget_lifetime(),
        );
    }
    let pass = pend.pass.as_mut().expect("opened above");
    pass.set_pipeline(&p.pipeline);
    pass.set_bind_group(0, &bind, &[]);
    pass.dispatch_workgroups(l.groups[0], l.groups[1], l.groups[2]);
    pend.dispatches += 1;
    pend.workgroups += l.groups.iter().map(|&g| g as u64).product::<u64>();
    if pend.workgroups >= BATCH_WORKGROUPS {
        submit_locked(ctx, pend);
    }
    Ok(())
}
