// Convolution family: im2col (MODE 0) and its transpose col2im (MODE 1), one thread per output
// element. im2col reads a strided (N, C, H, W) input into the contiguous (C*KH*KW, N*OH*OW)
// column matrix; col2im gathers, for each element of the contiguous (N, C, H, W) result, the
// column entries that read it (a gather: no two threads write one element, no atomics).
// Coordinates are in the padded input, unsigned: a position is inside when it is at least the
// leading padding and below it plus the size (the host checks that they fit in 32 bits).
// prm: [0] count, [1] threads per dispatch row, [2] N, [3] C, [4] H, [5] W, [6] KH, [7] KW,
// [8] SH, [9] SW, [10] DH, [11] DW, [12] PH, [13] PW, [14] OH, [15] OW, [16] input offset,
// [17..21] input strides (im2col) or 0.

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> prm: array<u32>;
@group(0) @binding(2) var<storage, read> src: array<f32>;

const MODE: u32 = {{MODE}}u;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.y * prm[1] + gid.x;
    if (i >= prm[0]) {
        return;
    }
    let C = prm[3];
    let H = prm[4];
    let W = prm[5];
    let KH = prm[6];
    let KW = prm[7];
    let SH = prm[8];
    let SW = prm[9];
    let DH = prm[10];
    let DW = prm[11];
    let PH = prm[12];
    let PW = prm[13];
    let OH = prm[14];
    let OW = prm[15];
    let ncols = prm[2] * OH * OW;
    if (MODE == 0u) {
        let r = i / ncols;
        let q = i % ncols;
        let c = r / (KH * KW);
        let ki = (r / KW) % KH;
        let kj = r % KW;
        let n = q / (OH * OW);
        let oy = (q / OW) % OH;
        let ox = q % OW;
        let py = oy * SH + ki * DH;
        let px = ox * SW + kj * DW;
        var v = 0.0;
        if (py >= PH && py - PH < H && px >= PW && px - PW < W) {
            v = src[prm[16] + n * prm[17] + c * prm[18] + (py - PH) * prm[19] + (px - PW) * prm[20]];
        }
        out[i] = v;
    } else {
        let ix = i % W;
        let iy = (i / W) % H;
        let c = (i / (W * H)) % C;
        let n = i / (W * H * C);
        let qy = iy + PH;
        let qx = ix + PW;
        var acc = 0.0;
        for (var ki = 0u; ki < KH; ki = ki + 1u) {
            let ky = ki * DH;
            if (qy < ky || (qy - ky) % SH != 0u || (qy - ky) / SH >= OH) {
                continue;
            }
            let oy = (qy - ky) / SH;
            for (var kj = 0u; kj < KW; kj = kj + 1u) {
                let kx = kj * DW;
                if (qx < kx || (qx - kx) % SW != 0u || (qx - kx) / SW >= OW) {
                    continue;
                }
                let ox = (qx - kx) / SW;
                let r = (c * KH + ki) * KW + kj;
                acc = acc + src[prm[16] + r * ncols + (n * OH + oy) * OW + ox];
            }
        }
        out[i] = acc;
    }
}
