//! Batched matrix multiply on the CPU through the `gemm` crate, which takes arbitrary row and
//! column strides (transposed and broadcast operands need no copy) and splits large products
//! over the pool.

use super::buffer::{try_alloc, try_with_capacity, Buf, CpuStorage, IntoCpuStorage};
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
            let total = nbatch * m * n;
            if m == 0 || n == 0 || k == 0 {
                return try_alloc(total, 0 as $t); // an empty sum is 0; gemm would write nothing
            }
            // Not zero-filled: gemm writes every element (read_dst = false), and the fill was a
            // measurable memset in training steps.
            let mut out = try_with_capacity::<$t>(total)?;
            let (pa, pb) = (SendPtr(a.as_ptr()), SendPtr(b.as_ptr()));
            let (rsa, csa) = (la.strides[nd - 2] as isize, la.strides[nd - 1] as isize);
            let (rsb, csb) = (lb.strides[nd - 2] as isize, lb.strides[nd - 1] as isize);
            let mut offsets = Vec::with_capacity(nbatch);
            for_each_offset(&ba.shape, [&ba, &bb], |[oa, ob]| offsets.push((oa, ob)));
            let c0 = SendPtr(out.spare_capacity_mut().as_mut_ptr() as *mut $t);
            // SAFETY: offsets and strides come from layouts validated against the buffers
            // (pa.add(oa), pb.add(ob) stay inside them); batch `bi` writes only its own m*n
            // block of `out` with row stride n, so batches run concurrently without overlap.
            // gemm computes dst = alpha*dst + beta*lhs*rhs; with read_dst = false alpha is unused.
            let one = |bi: usize, par| unsafe {
                // whole-struct copies: a closure capturing `pa.0` alone would hold a bare pointer
                let (pa, pb, c) = (pa, pb, c0);
                let (oa, ob) = offsets[bi];
                gemm::gemm(
                    m,
                    n,
                    k,
                    c.0.add(bi * m * n),
                    1,
                    n as isize,
                    false,
                    pa.0.add(oa),
                    csa,
                    rsa,
                    pb.0.add(ob),
                    csb,
                    rsb,
                    0 as $t,
                    1 as $t,
                    false,
                    false,
                    false,
                    par,
                )
            };
            let flops = m * n * k;
            if flops >= PARALLEL_FLOPS {
                // Large products split inside gemm, one after another.
                let pool = parallel::pool();
                for bi in 0..nbatch {
                    match &pool {
                        Some(p) => p.install(|| one(bi, gemm::Parallelism::Rayon(p.current_num_threads()))),
                        None => one(bi, gemm::Parallelism::None),
                    }
                }
            } else {
                // Many small products (attention's per-head GEMMs): whole products per thread,
                // in chunks fixed by the sizes alone, so each product is computed exactly as
                // on one thread.
                let grain = PARALLEL_FLOPS.div_ceil(flops.max(1));
                parallel::for_chunks(nbatch, grain, |lo, hi| {
                    for bi in lo..hi {
                        one(bi, gemm::Parallelism::None);
                    }
                });
            }
            // SAFETY: every batch's gemm wrote all m*n elements of its block (k > 0).
            unsafe { out.set_len(total) };
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
