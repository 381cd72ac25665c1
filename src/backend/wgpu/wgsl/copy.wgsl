// Copy family: dst (tensor 0, strided) = src (tensor 1, strided, broadcast), with a cast.
// Both buffers are raw words: float32 is one f32 word, bool one u32 (0 or 1), int64 two words
// (low, high; two's complement). Substituted: STORE, a statement in so (source offset) and
// dofs (destination offset) that reads src and writes dst.

@group(0) @binding(0) var<storage, read_write> dst: array<u32>;
@group(0) @binding(1) var<storage, read> prm: array<u32>;
@group(0) @binding(2) var<storage, read> src: array<u32>;

const TWO32: f32 = 4294967296.0;

// Exact in the i32 range; beyond it, within an ulp (hi and lo are rounded separately).
fn i64_to_f32(lo: u32, hi: u32) -> f32 {
    let l = bitcast<i32>(lo);
    if ((hi == 0u && l >= 0) || (hi == 0xffffffffu && l < 0)) {
        return f32(l);
    }
    return f32(bitcast<i32>(hi)) * TWO32 + f32(lo);
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = linear_id(gid);
    if (i >= prm[0]) {
        return;
    }
    let dofs = strided_offset(i, 0u);
    let so = strided_offset(i, 1u);
    {{STORE}}
}
