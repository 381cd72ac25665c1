//! Batched matmul of strided operands: a register-tiled kernel whose unrolled WGSL is generated
//! here for each tile size.

use super::u32_of;
use crate::backend::wgpu::runtime::{launch, GpuBuffer, Launch};
use crate::error::Result;
use crate::layout::Layout;

const MATMUL: &str = include_str!("../wgsl/matmul.wgsl");

/// Batched matmul of strided operands: `la` is [batch..., m, k], `lb` [batch..., k, n].
pub fn matmul(a: &GpuBuffer, la: &Layout, b: &GpuBuffer, lb: &Layout) -> Result<GpuBuffer> {
    let nd = la.ndim();
    let (m, k, n) = (la.shape[nd - 2], la.shape[nd - 1], lb.shape[nd - 1]);
    let batch_dims = &la.shape[..nd - 2];
    let batch: usize = batch_dims.iter().product();
    let count = batch * m * n;
    let out = GpuBuffer::new(count)?;
    if count == 0 {
        return Ok(out);
    }
    u32_of(count, "output size")?;
    let mut params = vec![
        u32_of(m, "rows")?,
        u32_of(n, "columns")?,
        u32_of(k, "inner size")?,
        u32_of(la.strides[nd - 2], "stride")?,
        u32_of(la.strides[nd - 1], "stride")?,
        u32_of(lb.strides[nd - 2], "stride")?,
        u32_of(lb.strides[nd - 1], "stride")?,
        u32_of(la.offset, "offset")?,
        u32_of(lb.offset, "offset")?,
        0,
        batch_dims.len() as u32,
    ];
    for &s in batch_dims {
        params.push(u32_of(s, "batch size")?);
    }
    for l in [la, lb] {
        for &s in &l.strides[..nd - 2] {
            params.push(u32_of(s, "stride")?);
        }
    }
    // 128 x 128 tiles reuse each load more; 64 x 64 ones when the big tiles would leave the GPU
    // with too few workgroups (a 1024 x 1024 product is 64 big tiles).
    let big = batch * m.div_ceil(128) * n.div_ceil(128) >= 256;
    let tile = Tile { halves: if big { 2 } else { 1 } };
    let key = format!("matmul:{}", tile.bm());
    let src = || {
        MATMUL
            .replace("{{BM}}", &tile.bm().to_string())
            .replace("{{BK}}", &MATMUL_BK.to_string())
            .replace("{{ACC}}", &(4 * tile.halves * tile.halves).to_string())
            .replace("{{GLOAD}}", &matmul_gload(tile))
            .replace("{{SSTORE}}", &matmul_sstore(tile))
            .replace("{{FMA}}", &matmul_fma(tile))
            .replace("{{STORE}}", &matmul_store(tile))
    };
    let max_z =
        crate::backend::wgpu::context::get()?.limits.max_compute_workgroups_per_dimension.max(1) as usize;
    let gx = u32_of(n.div_ceil(tile.bm()), "workgroups")?;
    let gy = u32_of(m.div_ceil(tile.bm()), "workgroups")?;
    let mut b0 = 0;
    while b0 < batch {
        let nz = (batch - b0).min(max_z);
        params[9] = b0 as u32;
        launch(Launch {
            key: key.clone(),
            source: &src,
            out: &out,
            params: &params,
            inputs: &[a, b],
            groups: [gx, gy, nz as u32],
            windows: &[],
        })?;
        b0 += nz;
    }
    Ok(out)
}

/// K step of the matmul kernel: 16 halves the barriers per multiply-add against 8.
const MATMUL_BK: usize = 16;

/// A matmul tile: `halves` 64-row (and 64-column) halves, so 64 x 64 or 128 x 128.
#[derive(Clone, Copy)]
struct Tile {
    halves: usize,
}

impl Tile {
    fn bm(self) -> usize {
        64 * self.halves
    }
    /// Elements of A and of B each thread loads per K step.
    fn per_thread(self) -> (usize, usize) {
        (MATMUL_BK * self.bm() / 256, MATMUL_BK * self.bm() / 256)
    }
}

/// Global loads of one tile into the thread's registers ra, rb (bounds-checked).
fn matmul_gload(t: Tile) -> String {
    let (na, nb) = t.per_thread();
    let mut s = String::new();
    for c in 0..na {
        s.push_str(&format!(
            "{{ let gk = k0 + la_k + {c}u; ra[{c}] = 0.0; if (gm < M && gk < K) {{ ra[{c}] = a[a_row + gk * sak]; }} }}\n"
        ));
    }
    s.push_str("{ let gkb = k0 + lb_k;\n");
    for c in 0..nb {
        s.push_str(&format!(
            "  {{ let gn = col0 + lb_n + {c}u; rb[{c}] = 0.0; if (gkb < K && gn < N) {{ rb[{c}] = b[bo + gkb * sbk + gn * sbn]; }} }}\n"
        ));
    }
    s.push_str("}\n");
    s
}

/// The registers of one tile into workgroup memory.
fn matmul_sstore(t: Tile) -> String {
    let (na, nb) = t.per_thread();
    let row = t.bm() / 4;
    let mut s = String::new();
    for c in 0..na {
        s.push_str(&format!("As[(la_k + {c}u) * {row}u + la_m / 4u][la_m % 4u] = ra[{c}];\n"));
    }
    for q in 0..nb / 4 {
        let (i0, i1, i2, i3) = (4 * q, 4 * q + 1, 4 * q + 2, 4 * q + 3);
        s.push_str(&format!(
            "Bs[lb_k * {row}u + lb_n / 4u + {q}u] = vec4<f32>(rb[{i0}], rb[{i1}], rb[{i2}], rb[{i3}]);\n"
        ));
    }
    s
}

/// The unrolled inner product of one K step: for each k of the tile, one vec4 of A and one of
/// B per half (4 rows, 4 columns), and a vec4 fused multiply-add per row and column half.
fn matmul_fma(t: Tile) -> String {
    let h = t.halves;
    let row = t.bm() / 4;
    let mut s = String::new();
    for k in 0..MATMUL_BK {
        s.push_str("{ ");
        for q in 0..h {
            s.push_str(&format!(
                "let a{q} = As[{k}u * {row}u + {}u + ty]; let b{q} = Bs[{k}u * {row}u + {}u + tx]; ",
                16 * q,
                16 * q
            ));
        }
        s.push('\n');
        for i in 0..4 * h {
            let comp = ["x", "y", "z", "w"][i % 4];
            for j in 0..h {
                let acc = i * h + j;
                s.push_str(&format!(
                    "        acc[{acc}] = fma(vec4<f32>(a{}.{comp}), b{j}, acc[{acc}]);\n",
                    i / 4
                ));
            }
        }
        s.push_str("        }\n");
    }
    s
}

/// The unrolled store of a thread's block (bounds-checked at the edges of out).
fn matmul_store(t: Tile) -> String {
    let h = t.halves;
    let mut s = String::new();
    for i in 0..4 * h {
        s.push_str(&format!("{{ let r = row0 + {}u + ty * 4u + {}u; if (r < M) {{\n", 64 * (i / 4), i % 4));
        for j in 0..h {
            let q = i * h + j;
            s.push_str(&format!(
                "        {{ let c0 = col0 + {}u + tx * 4u; let o = base + r * N + c0; let v = acc[{q}];\n",
                j * 64
            ));
            for (c, comp) in ["x", "y", "z", "w"].iter().enumerate() {
                s.push_str(&format!("        if (c0 + {c}u < N) {{ out[o + {c}u] = v.{comp}; }}\n"));
            }
            s.push_str("        }\n");
        }
        s.push_str("    } }\n");
    }
    s
}
