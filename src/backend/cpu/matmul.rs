//! Batched matrix multiply on the CPU through the `gemm` crate, which takes arbitrary row and
//! column strides (transposed and broadcast operands need no copy) and splits large products
//! over the pool.

use super::buffer::{try_alloc, Buf, CpuStorage, IntoCpuStorage};
use super::parallel::{self, SendPtr};
use crate::dtype::IntElem;
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

/// Below this many multiply-adds a matrix product is not worth waking the pool for.
const PARALLEL_FLOPS: usize = 1 << 18;

macro_rules! gemm_impl {
    ($name:ident, $t:ty) => {
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
            let pool = if m * n * k >= PARALLEL_FLOPS { parallel::pool() } else { None };
            let mut bi = 0usize;
            let shape = ba.shape.clone();
            for_each_offset(&shape, [&ba, &bb], |[oa, ob]| {
                let c = SendPtr(out[bi * m * n..(bi + 1) * m * n].as_mut_ptr());
                // SAFETY: offsets and strides come from layouts validated against the buffers
                // (pa.add(oa), pb.add(ob) stay inside them); `c` holds m*n elements written
                // with row stride n. gemm computes dst = alpha*dst + beta*lhs*rhs; with
                // read_dst = false alpha is unused.
                let (sa, sb) = unsafe { (SendPtr(pa.add(oa)), SendPtr(pb.add(ob))) };
                let run = |par| unsafe {
                    let (c, sa, sb) = (c, sa, sb);
                    gemm::gemm(
                        m, n, k, c.0, 1, n as isize, false, sa.0, csa, rsa, sb.0, csb, rsb, 0 as $t, 1 as $t,
                        false, false, false, par,
                    )
                };
                match &pool {
                    Some(p) => p.install(|| run(gemm::Parallelism::Rayon(p.current_num_threads()))),
                    None => run(gemm::Parallelism::None),
                }
                bi += 1;
            });
            Ok(out)
        }
    };
}
gemm_impl!(gemm_f32, f32);
gemm_impl!(gemm_f64, f64);

/// Integer matmul (wrapping, as torch's): a plain loop; the gemm crate is for floats.
fn gemm_int<T: IntElem>(a: &Buf<T>, la: &Layout, b: &Buf<T>, lb: &Layout) -> Result<Vec<T>> {
    let nd = la.ndim();
    let (m, k, n) = dims(la, lb);
    let (ba, bb) = batches(la, lb);
    let nbatch: usize = ba.shape.iter().product();
    let mut out = try_alloc(nbatch * m * n, T::zero())?;
    let (sa, sb) = (a.as_slice(), b.as_slice());
    let (rsa, csa, rsb, csb) =
        (la.strides[nd - 2], la.strides[nd - 1], lb.strides[nd - 2], lb.strides[nd - 1]);
    let mut bi = 0usize;
    let shape = ba.shape.clone();
    for_each_offset(&shape, [&ba, &bb], |[oa, ob]| {
        for i in 0..m {
            for j in 0..n {
                let mut acc = T::zero();
                for p in 0..k {
                    acc =
                        acc.wrapping_add(sa[oa + i * rsa + p * csa].wrapping_mul(sb[ob + p * rsb + j * csb]));
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
        (CpuStorage::F32(x), CpuStorage::F32(y)) => CpuStorage::F32(Buf::from_vec(gemm_f32(x, la, y, lb)?)),
        (CpuStorage::F64(x), CpuStorage::F64(y)) => CpuStorage::F64(Buf::from_vec(gemm_f64(x, la, y, lb)?)),
        (x, y) => {
            match crate::with_int_pair!(x, y, (p, q) => gemm_int(p, la, q, lb).map(IntoCpuStorage::into_storage))
            {
                Some(r) => r?,
                None => bail!(
                    DType,
                    "matmul: expected m1 and m2 to have the same dtype, but got: {} != {}",
                    x.dtype(),
                    y.dtype()
                ),
            }
        }
    })
}
