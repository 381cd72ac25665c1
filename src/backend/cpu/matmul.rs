//! Batched matrix multiply on the CPU through `matrixmultiply`, which takes arbitrary row and
//! column strides, so transposed and broadcast operands need no copy.

use super::buffer::{try_alloc, Buf, CpuStorage};
use crate::error::{bail, Result};
use crate::layout::{for_each_offset, Layout};

fn batches(la: &Layout, lb: &Layout) -> (Layout, Layout) {
    let nb = la.ndim() - 2;
    let strip = |l: &Layout| Layout {
        shape: l.shape[..nb].into(),
        strides: l.strides[..nb].into(),
        offset: l.offset,
    };
    (strip(la), strip(lb))
}

fn dims(la: &Layout, lb: &Layout) -> (usize, usize, usize) {
    let nd = la.ndim();
    (la.shape[nd - 2], la.shape[nd - 1], lb.shape[nd - 1])
}

macro_rules! gemm_impl {
    ($name:ident, $t:ty, $gemm:path) => {
        fn $name(a: &Buf<$t>, la: &Layout, b: &Buf<$t>, lb: &Layout) -> Result<Vec<$t>> {
            let nd = la.ndim();
            let (m, k, n) = dims(la, lb);
            let (ba, bb) = batches(la, lb);
            let nbatch: usize = ba.shape.iter().product();
            let mut out = try_alloc(nbatch * m * n, 0 as $t)?;
            if m == 0 || n == 0 {
                return Ok(out);
            }
            let (pa, pb) = (a.as_ptr(), b.as_ptr());
            let (rsa, csa) = (la.strides[nd - 2] as isize, la.strides[nd - 1] as isize);
            let (rsb, csb) = (lb.strides[nd - 2] as isize, lb.strides[nd - 1] as isize);
            let mut bi = 0usize;
            let shape = ba.shape.clone();
            for_each_offset(&shape, [&ba, &bb], |[oa, ob]| {
                let c = &mut out[bi * m * n..(bi + 1) * m * n];
                // SAFETY: offsets and strides come from layouts validated against the buffers.
                unsafe {
                    $gemm(
                        m,
                        k,
                        n,
                        1.0,
                        pa.add(oa),
                        rsa,
                        csa,
                        pb.add(ob),
                        rsb,
                        csb,
                        0.0,
                        c.as_mut_ptr(),
                        n as isize,
                        1,
                    );
                }
                bi += 1;
            });
            Ok(out)
        }
    };
}
gemm_impl!(gemm_f32, f32, matrixmultiply::sgemm);
gemm_impl!(gemm_f64, f64, matrixmultiply::dgemm);

fn gemm_i64(a: &Buf<i64>, la: &Layout, b: &Buf<i64>, lb: &Layout) -> Result<Vec<i64>> {
    let nd = la.ndim();
    let (m, k, n) = dims(la, lb);
    let (ba, bb) = batches(la, lb);
    let nbatch: usize = ba.shape.iter().product();
    let mut out = try_alloc(nbatch * m * n, 0i64)?;
    let (sa, sb) = (a.as_slice(), b.as_slice());
    let (rsa, csa, rsb, csb) = (
        la.strides[nd - 2],
        la.strides[nd - 1],
        lb.strides[nd - 2],
        lb.strides[nd - 1],
    );
    let mut bi = 0usize;
    let shape = ba.shape.clone();
    for_each_offset(&shape, [&ba, &bb], |[oa, ob]| {
        for i in 0..m {
            for j in 0..n {
                let mut acc = 0i64;
                for p in 0..k {
                    acc = acc.wrapping_add(
                        sa[oa + i * rsa + p * csa].wrapping_mul(sb[ob + p * rsb + j * csb]),
                    );
                }
                out[bi * m * n + i * n + j] = acc;
            }
        }
        bi += 1;
    });
    Ok(out)
}

pub fn matmul(a: &CpuStorage, la: &Layout, b: &CpuStorage, lb: &Layout) -> Result<CpuStorage> {
    Ok(match (a, b) {
        (CpuStorage::F32(x), CpuStorage::F32(y)) => {
            CpuStorage::F32(Buf::from_vec(gemm_f32(x, la, y, lb)?))
        }
        (CpuStorage::F64(x), CpuStorage::F64(y)) => {
            CpuStorage::F64(Buf::from_vec(gemm_f64(x, la, y, lb)?))
        }
        (CpuStorage::I64(x), CpuStorage::I64(y)) => {
            CpuStorage::I64(Buf::from_vec(gemm_i64(x, la, y, lb)?))
        }
        (x, y) => bail!(
            DType,
            "matmul: expected m1 and m2 to have the same dtype, but got: {} != {}",
            x.dtype(),
            y.dtype()
        ),
    })
}
