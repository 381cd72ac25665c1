// Reduction family: a tree reduction per workgroup over `reduced` elements of each of `rows`
// rows. The input layout was permuted so that the reduced dims come last: element (r, j) is
// at strided_offset(r * reduced + j). A long row is split over `splits` workgroups that write
// partial results; a second pass (PASS2, over the contiguous partials) finishes them.
// prm: [0] rows, [1] ndim, [2] unused, [3] reduced, [4] splits, [5] input offset, ...
// Substituted: OP (0 sum, 1 prod, 2 max, 3 min), ARG (argmax/argmin: track indices), PASS2,
// FINAL (write the result rather than partials). Outputs are words: a value's f32 bits, an
// (value bits, index) pair for arg partials, an int64 (index, 0) for final arg results.

@group(0) @binding(0) var<storage, read_write> out: array<u32>;
@group(0) @binding(1) var<storage, read> prm: array<u32>;
@group(0) @binding(2) var<storage, read> src: array<u32>;
// With a contiguous, 16-byte aligned input the same buffer is also read as vectors.
//V @group(0) @binding(3) var<storage, read> src4: array<vec4<u32>>;

const OP: u32 = {{OP}}u;
const ARG: bool = {{ARG}};
const PASS2: bool = {{PASS2}};
const FINAL: bool = {{FINAL}};
const WG: u32 = 256u;

var<workgroup> sv: array<f32, WG>;
var<workgroup> si: array<u32, WG>;

fn identity() -> f32 {
    if (OP == 0u) {
        return 0.0;
    }
    if (OP == 1u) {
        return 1.0;
    }
    if (OP == 2u) {
        return -f32_inf();
    }
    return f32_inf();
}

// Sum, product, or NaN-propagating max/min of two partial results (no indices).
fn combine(x: f32, y: f32) -> f32 {
    if (OP == 0u) {
        return x + y;
    }
    if (OP == 1u) {
        return x * y;
    }
    if (is_nan_f(x)) {
        return x;
    }
    if (is_nan_f(y)) {
        return y;
    }
    if (OP == 2u) {
        return max(x, y);
    }
    return min(x, y);
}

// Whether (v, vi) replaces (acc, ai) for max/min: NaN wins, then the extreme, then the
// smaller index on ties (torch returns the first occurrence).
fn better(v: f32, vi: u32, acc: f32, ai: u32) -> bool {
    if (is_nan_f(acc)) {
        return is_nan_f(v) && vi < ai;
    }
    if (is_nan_f(v)) {
        return true;
    }
    if (v == acc) {
        return vi < ai;
    }
    if (OP == 2u) {
        return v > acc;
    }
    return v < acc;
}

@compute @workgroup_size(256)
fn main(
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let rows = prm[0];
    let reduced = prm[3];
    let splits = prm[4];
    let g = wid.y * nwg.x + wid.x;
    let row = g / splits;
    let part = g % splits;
    let chunk = (reduced + splits - 1u) / splits;
    let start = min(part * chunk, reduced);
    let end = min(start + chunk, reduced);
    var acc = identity();
    var ai = 0xffffffffu;
    var j = start + lid.x;
    {{VEC4_LOOP}}
    if (!ARG && !PASS2 && row < rows) {
        // Eight independent loads in flight per thread: a single chain of dependent loads and
        // adds leaves most of the memory bandwidth idle.
        for (; j + 7u * WG < end; j = j + 8u * WG) {
            let base = row * reduced + j;
            var v: array<f32, 8>;
            v[0] = bitcast<f32>(src[strided_offset(base, 0u)]);
            v[1] = bitcast<f32>(src[strided_offset(base + WG, 0u)]);
            v[2] = bitcast<f32>(src[strided_offset(base + 2u * WG, 0u)]);
            v[3] = bitcast<f32>(src[strided_offset(base + 3u * WG, 0u)]);
            v[4] = bitcast<f32>(src[strided_offset(base + 4u * WG, 0u)]);
            v[5] = bitcast<f32>(src[strided_offset(base + 5u * WG, 0u)]);
            v[6] = bitcast<f32>(src[strided_offset(base + 6u * WG, 0u)]);
            v[7] = bitcast<f32>(src[strided_offset(base + 7u * WG, 0u)]);
            let s01 = combine(combine(v[0], v[1]), combine(v[2], v[3]));
            let s23 = combine(combine(v[4], v[5]), combine(v[6], v[7]));
            acc = combine(acc, combine(s01, s23));
        }
    }
    if (row < rows) {
        for (; j < end; j = j + WG) {
            var v: f32;
            var vi: u32;
            if (PASS2) {
                let k = row * reduced + j;
                if (ARG) {
                    v = bitcast<f32>(src[2u * k]);
                    vi = src[2u * k + 1u];
                } else {
                    v = bitcast<f32>(src[k]);
                }
            } else {
                v = bitcast<f32>(src[strided_offset(row * reduced + j, 0u)]);
                vi = j;
            }
            if (OP == 0u) {
                acc = acc + v;
            } else if (OP == 1u) {
                acc = acc * v;
            } else if (better(v, vi, acc, ai)) {
                acc = v;
                ai = vi;
            }
        }
    }
    sv[lid.x] = acc;
    si[lid.x] = ai;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s = s >> 1u) {
        if (lid.x < s) {
            let v = sv[lid.x + s];
            let vi = si[lid.x + s];
            if (OP == 0u) {
                sv[lid.x] = sv[lid.x] + v;
            } else if (OP == 1u) {
                sv[lid.x] = sv[lid.x] * v;
            } else if (better(v, vi, sv[lid.x], si[lid.x])) {
                sv[lid.x] = v;
                si[lid.x] = vi;
            }
        }
        workgroupBarrier();
    }
    if (lid.x == 0u && row < rows) {
        let o = row * splits + part;
        if (!ARG) {
            out[o] = bitcast<u32>(sv[0]);
        } else if (FINAL) {
            out[2u * o] = si[0];
            out[2u * o + 1u] = 0u;
        } else {
            out[2u * o] = bitcast<u32>(sv[0]);
            out[2u * o + 1u] = si[0];
        }
    }
}
