// Index family: gather (out[i] = src[offs[i]]) and scatter (dst[offs[i]] = src[i], or += for
// index_put_ with accumulate). Offsets are element offsets into the storage, computed on the
// host from the index tensors. WORDS (1 or 2) is the element size in words; MODE (substituted)
// picks the kernel: 0 gather, 1 scatter, 2 scatter-add of float32 (compare-and-swap loop, as
// WGSL has no float atomics; the order of repeated offsets is unspecified, as on CUDA).
// prm: [0] count, [1] unused, [2] threads per dispatch row.

@group(0) @binding(0) var<storage, read_write> dst: array<atomic<u32>>;
@group(0) @binding(1) var<storage, read> prm: array<u32>;
@group(0) @binding(2) var<storage, read> src: array<u32>;
@group(0) @binding(3) var<storage, read> offs: array<u32>;

const WORDS: u32 = {{WORDS}}u;
const MODE: u32 = {{MODE}}u;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.y * prm[2] + gid.x;
    if (i >= prm[0]) {
        return;
    }
    let o = offs[i] * WORDS;
    if (MODE == 0u) {
        for (var w = 0u; w < WORDS; w = w + 1u) {
            atomicStore(&dst[i * WORDS + w], src[o + w]);
        }
    } else if (MODE == 1u) {
        for (var w = 0u; w < WORDS; w = w + 1u) {
            atomicStore(&dst[o + w], src[i * WORDS + w]);
        }
    } else {
        let v = bitcast<f32>(src[i]);
        var old = atomicLoad(&dst[o]);
        loop {
            let r = atomicCompareExchangeWeak(&dst[o], old, bitcast<u32>(bitcast<f32>(old) + v));
            if (r.exchanged) {
                break;
            }
            old = r.old_value;
        }
    }
}
