//! im2col and col2im on the CPU: one pass each; padding, stride and dilation become index
//! ranges (no padded copy of the input), and the inner loops are slice copies and adds when the
//! stride is 1.
//!
//! Both split their output into chunks of whole rows (im2col) or whole input planes (col2im)
//! fixed by the sizes, and each output element is written by one task, summed in one fixed order
//! (col2im gathers over the kernel offsets): 1 and N threads give the same bits.

use super::buffer::{try_alloc, Buf, CpuStorage};
use super::parallel::{self, SendPtr, ELEMENTWISE_GRAIN};
use crate::backend::ConvKernels;
use crate::dtype::Elem;
use crate::error::{bail, Result};
use crate::layout::Layout;
use crate::ops::conv::ConvGeom;

/// The output positions `o` in `0..out` whose input coordinate `o * s + k - p` falls inside
/// `0..size` (`k` is the kernel offset times the dilation, `p` the leading padding).
fn valid(out: usize, s: usize, k: usize, p: usize, size: usize) -> (usize, usize) {
    let lo = if p > k { (p - k).div_ceil(s) } else { 0 }.min(out);
    let hi = if p + size > k { (p + size - k).div_ceil(s) } else { 0 }.min(out);
    (lo, hi.max(lo))
}

fn im2col_of<T: Elem + Default>(x: &Buf<T>, l: &Layout, g: &ConvGeom) -> Result<Vec<T>> {
    let (rows, ncols, plane, kk) = (g.rows(), g.cols(), g.oh * g.ow, g.kh * g.kw);
    let mut out = try_alloc(rows * ncols, T::default())?;
    let (xs, st) = (x.as_slice(), &l.strides);
    let dst = SendPtr(out.as_mut_ptr());
    parallel::for_chunks(rows, (ELEMENTWISE_GRAIN / ncols.max(1)).max(1), |lo, hi| {
        for r in lo..hi {
            // SAFETY: row r of `out` (ncols elements) is written by this task alone.
            let row = unsafe { dst.slice(r * ncols, (r + 1) * ncols) };
            let (c, ki, kj) = (r / kk, r / g.kw % g.kh, r % g.kw);
            let (ylo, yhi) = valid(g.oh, g.sh, ki * g.dh, g.ph, g.h);
            let (xlo, xhi) = valid(g.ow, g.sw, kj * g.dw, g.pw, g.w);
            if xlo == xhi {
                continue;
            }
            let ix0 = xlo * g.sw + kj * g.dw - g.pw;
            for n in 0..g.n {
                for oy in ylo..yhi {
                    let iy = oy * g.sh + ki * g.dh - g.ph;
                    let src = l.offset + n * st[0] + c * st[1] + iy * st[2] + ix0 * st[3];
                    let d = &mut row[n * plane + oy * g.ow + xlo..n * plane + oy * g.ow + xhi];
                    let step = g.sw * st[3];
                    if step == 1 {
                        d.copy_from_slice(&xs[src..src + d.len()]);
                    } else {
                        for (k, v) in d.iter_mut().enumerate() {
                            *v = xs[src + k * step];
                        }
                    }
                }
            }
        }
    });
    Ok(out)
}

fn col2im_of<T>(cols: &[T], g: &ConvGeom) -> Result<Vec<T>>
where
    T: Elem + Default + std::ops::AddAssign,
{
    let (hw, planes, ncols, plane, kk) = (g.h * g.w, g.n * g.c, g.cols(), g.oh * g.ow, g.kh * g.kw);
    let mut out = try_alloc(planes * hw, T::default())?;
    let dst = SendPtr(out.as_mut_ptr());
    parallel::for_chunks(planes, (ELEMENTWISE_GRAIN / (hw * kk).max(1)).max(1), |lo, hi| {
        for p in lo..hi {
            // SAFETY: input plane p of `out` is written by this task alone.
            let d = unsafe { dst.slice(p * hw, (p + 1) * hw) };
            let (n, c) = (p / g.c, p % g.c);
            for ki in 0..g.kh {
                let (ylo, yhi) = valid(g.oh, g.sh, ki * g.dh, g.ph, g.h);
                for kj in 0..g.kw {
                    let (xlo, xhi) = valid(g.ow, g.sw, kj * g.dw, g.pw, g.w);
                    if xlo == xhi {
                        continue;
                    }
                    let ix0 = xlo * g.sw + kj * g.dw - g.pw;
                    let src = &cols[(c * kk + ki * g.kw + kj) * ncols + n * plane..][..plane];
                    for oy in ylo..yhi {
                        let at = (oy * g.sh + ki * g.dh - g.ph) * g.w + ix0;
                        let s = &src[oy * g.ow + xlo..oy * g.ow + xhi];
                        if g.sw == 1 {
                            for (a, &b) in d[at..at + s.len()].iter_mut().zip(s) {
                                *a += b;
                            }
                        } else {
                            for (k, &b) in s.iter().enumerate() {
                                d[at + k * g.sw] += b;
                            }
                        }
                    }
                }
            }
        }
    });
    Ok(out)
}

impl ConvKernels for CpuStorage {
    fn im2col(&self, l: &Layout, g: &ConvGeom) -> Result<CpuStorage> {
        Ok(match self {
            CpuStorage::F32(b) => CpuStorage::F32(Buf::from_vec(im2col_of(b, l, g)?)),
            CpuStorage::F64(b) => CpuStorage::F64(Buf::from_vec(im2col_of(b, l, g)?)),
            CpuStorage::I64(b) => CpuStorage::I64(Buf::from_vec(im2col_of(b, l, g)?)),
            CpuStorage::I32(b) => CpuStorage::I32(Buf::from_vec(im2col_of(b, l, g)?)),
            CpuStorage::Bool(_) => {
                bail!(NotImplemented, "conv2d: \"slow_conv2d_cpu\" not implemented for 'Bool'")
            }
        })
    }

    /// Only float gradients flow back through a convolution.
    fn col2im(&self, l: &Layout, g: &ConvGeom) -> Result<CpuStorage> {
        let n = g.rows() * g.cols();
        if !l.is_contiguous() || l.numel() != n {
            bail!(Backend, "col2im: expected a contiguous column matrix of {n} elements")
        }
        let at = |len: usize| l.offset..l.offset + len;
        Ok(match self {
            CpuStorage::F32(b) => CpuStorage::F32(Buf::from_vec(col2im_of(&b.as_slice()[at(n)], g)?)),
            CpuStorage::F64(b) => CpuStorage::F64(Buf::from_vec(col2im_of(&b.as_slice()[at(n)], g)?)),
            other => bail!(DType, "col2im: expected a float column matrix, got {}", other.dtype()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// im2col by its definition, one element at a time.
    fn naive(x: &[f64], g: &ConvGeom) -> Vec<f64> {
        let mut out = vec![0.0; g.rows() * g.cols()];
        for r in 0..g.rows() {
            let (c, ki, kj) = (r / (g.kh * g.kw), r / g.kw % g.kh, r % g.kw);
            for q in 0..g.cols() {
                let (n, oy, ox) = (q / (g.oh * g.ow), q / g.ow % g.oh, q % g.ow);
                let iy = (oy * g.sh + ki * g.dh) as i64 - g.ph as i64;
                let ix = (ox * g.sw + kj * g.dw) as i64 - g.pw as i64;
                if iy >= 0 && ix >= 0 && (iy as usize) < g.h && (ix as usize) < g.w {
                    out[r * g.cols() + q] = x[((n * g.c + c) * g.h + iy as usize) * g.w + ix as usize];
                }
            }
        }
        out
    }

    #[test]
    fn im2col_and_col2im_are_transposes() {
        let g = ConvGeom {
            n: 2,
            c: 3,
            h: 5,
            w: 6,
            kh: 3,
            kw: 2,
            sh: 2,
            sw: 1,
            dh: 1,
            dw: 2,
            ph: 2,
            pw: 1,
            oh: 4,
            ow: 5,
        };
        let x: Vec<f64> = (0..g.n * g.c * g.h * g.w).map(|i| (i as f64 * 0.37).sin()).collect();
        let l = Layout::contiguous(&[g.n, g.c, g.h, g.w]);
        let CpuStorage::F64(cols) = CpuStorage::F64(Buf::from_vec(x.clone())).im2col(&l, &g).unwrap() else {
            panic!("dtype")
        };
        assert_eq!(cols.as_slice(), naive(&x, &g).as_slice());
        // <im2col(x), y> == <x, col2im(y)> for any y
        let y: Vec<f64> = (0..g.rows() * g.cols()).map(|i| (i as f64 * 0.11).cos()).collect();
        let dx = col2im_of(&y, &g).unwrap();
        let lhs: f64 = cols.as_slice().iter().zip(&y).map(|(a, b)| a * b).sum();
        let rhs: f64 = x.iter().zip(&dx).map(|(a, b)| a * b).sum();
        assert!((lhs - rhs).abs() < 1e-9, "{lhs} vs {rhs}");
    }
}
