// Shared by the families that read strided tensors (prepended to their source).
//
// prm layout: [0] element count, [1] ndim, [2] threads per dispatch row (2-D dispatches past
// 65535 workgroups), [3] [4] [5] op parameters, [6..9] element offsets of tensors 0..2,
// [9..9+ndim] shape, then ndim strides for each tensor in turn.
// CONTIG (substituted) says every tensor is contiguous in the same shape: offset + index.

const HDR: u32 = 9u;
const CONTIG: bool = {{CONTIG}};

fn strided_offset(i: u32, k: u32) -> u32 {
    if (CONTIG) {
        return prm[6u + k] + i;
    }
    let nd = prm[1];
    let sb = HDR + nd * (k + 1u);
    var rem = i;
    var off = prm[6u + k];
    for (var d = nd; d > 0u; d = d - 1u) {
        let s = prm[HDR + d - 1u];
        off = off + (rem % s) * prm[sb + d - 1u];
        rem = rem / s;
    }
    return off;
}

fn linear_id(gid: vec3<u32>) -> u32 {
    return gid.y * prm[2] + gid.x;
}

fn f32_inf() -> f32 {
    return bitcast<f32>(0x7f800000u);
}

fn f32_nan() -> f32 {
    return bitcast<f32>(0x7fc00000u);
}

// NaN by its bits: shader compilers may assume floats are never NaN and fold `x != x` away.
fn is_nan_f(x: f32) -> bool {
    return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

// The infinity and finiteness tests by the bits, as is_nan_f (a compiler may assume finite
// floats and fold `x == inf`).
fn is_posinf_f(x: f32) -> bool {
    return bitcast<u32>(x) == 0x7f800000u;
}

fn is_neginf_f(x: f32) -> bool {
    return bitcast<u32>(x) == 0xff800000u;
}

fn is_finite_f(x: f32) -> bool {
    return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}
