// Fill family: every element of dst (tensor 0, strided) gets the value words prm[3] (and
// prm[4], the high word of an int64). WORDS (substituted) is 1 or 2.

@group(0) @binding(0) var<storage, read_write> dst: array<u32>;
@group(0) @binding(1) var<storage, read> prm: array<u32>;

const WORDS: u32 = {{WORDS}}u;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = linear_id(gid);
    if (i >= prm[0]) {
        return;
    }
    let o = strided_offset(i, 0u) * WORDS;
    dst[o] = prm[3];
    if (WORDS == 2u) {
        dst[o + 1u] = prm[4];
    }
}
