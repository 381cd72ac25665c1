//! Fused backward kernels of the CPU backend: a rule's whole gradient in one pass over its
//! operands, where the composite would allocate and walk an intermediate per op.

use super::buffer::{Buf, CpuStorage};
use super::kernels::map2;
use crate::backend::GradMask;
use crate::dtype::FloatElem;
use crate::error::{bail, Result};
use crate::layout::Layout;

/// `g` where `x` is outside `mask`'s zero set, else 0 (see `GradMask`), for float32 and float64.
pub(super) fn masked_grad(
    g: &CpuStorage,
    lg: &Layout,
    x: &CpuStorage,
    lx: &Layout,
    mask: GradMask,
) -> Result<CpuStorage> {
    Ok(match (g, x) {
        (CpuStorage::F32(g), CpuStorage::F32(x)) => {
            CpuStorage::F32(Buf::from_vec(masked(g, lg, x, lx, mask)?))
        }
        (CpuStorage::F64(g), CpuStorage::F64(x)) => {
            CpuStorage::F64(Buf::from_vec(masked(g, lg, x, lx, mask)?))
        }
        (g, x) => bail!(DType, "masked_grad: no kernel for {} and {} operands", g.dtype(), x.dtype()),
    })
}

/// `self`, or +0.0 where `zero`, without a branch: on random signs a branch mispredicts half
/// the time (relu's backward of 1M float32: 5.3 ms against 0.6 ms), and the mask vectorises.
trait ZeroIf: FloatElem {
    fn zero_if(self, zero: bool) -> Self;
}

impl ZeroIf for f32 {
    #[inline(always)]
    fn zero_if(self, zero: bool) -> f32 {
        f32::from_bits(self.to_bits() & (zero as u32).wrapping_sub(1))
    }
}

impl ZeroIf for f64 {
    #[inline(always)]
    fn zero_if(self, zero: bool) -> f64 {
        f64::from_bits(self.to_bits() & (zero as u64).wrapping_sub(1))
    }
}

fn masked<T: ZeroIf>(g: &Buf<T>, lg: &Layout, x: &Buf<T>, lx: &Layout, mask: GradMask) -> Result<Vec<T>> {
    // one closure per mask, so each loop is monomorphic
    match mask {
        GradMask::Threshold { t } => {
            let t = T::from_f64(t);
            map2(g, lg, x, lx, |g, x| g.zero_if(x <= t))
        }
        GradMask::Inside { lo, hi } => {
            let (lo, hi) = (T::from_f64(lo), T::from_f64(hi));
            map2(g, lg, x, lx, |g, x| g.zero_if(x <= lo || x >= hi))
        }
        GradMask::Shrink { lambd } => {
            let l = T::from_f64(lambd);
            map2(g, lg, x, lx, |g, x| g.zero_if(x >= -l && x <= l))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Layout;

    fn run<T: ZeroIf>(g: Vec<T>, lg: &Layout, x: Vec<T>, lx: &Layout, mask: GradMask) -> Vec<T> {
        masked(&Buf::from_vec(g), lg, &Buf::from_vec(x), lx, mask).unwrap()
    }

    #[test]
    fn threshold_mask_passes_nan_and_zeroes_signed_zeros() {
        let x = vec![f32::NAN, -1.0, -0.0, 0.0, 1e-30, f32::INFINITY, f32::NEG_INFINITY];
        let g = vec![2.0f32, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        let l = Layout::contiguous(&[7]);
        let out = run(g, &l, x, &l, GradMask::Threshold { t: 0.0 });
        assert_eq!(out, vec![2.0, 0.0, 0.0, 0.0, 6.0, 7.0, 0.0]);
        // the zeros are +0.0, as torch's threshold_backward writes them
        assert!(out[1].is_sign_positive() && out[2].is_sign_positive());
    }

    #[test]
    fn inside_and_shrink_pass_nan_in_float64() {
        let x = vec![f64::NAN, -1.0, -0.5, 0.0, 0.5, 1.0, 6.0, 7.0];
        let g = vec![1.0f64; 8];
        let l = Layout::contiguous(&[8]);
        let inside = run(g.clone(), &l, x.clone(), &l, GradMask::Inside { lo: 0.0, hi: 6.0 });
        assert_eq!(inside, vec![1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
        let shrink = run(g, &l, x, &l, GradMask::Shrink { lambd: 0.5 });
        assert_eq!(shrink, vec![1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
    }

    #[test]
    fn strided_and_broadcast_operands_walk_their_layouts() {
        // x is the transpose of a 2x3 buffer and g one value broadcast (every stride 0): the
        // kernel reads each through its layout, not as flat slices.
        let x = vec![-1.0f32, 2.0, -3.0, 4.0, -5.0, 6.0];
        let lx = Layout::contiguous(&[2, 3]).transpose(0, 1);
        let lg = Layout { shape: lx.shape.clone(), strides: [0, 0][..].into(), offset: 0 };
        let out = run(vec![9.0f32], &lg, x, &lx, GradMask::Threshold { t: 0.0 });
        // x read as [[-1, 4], [2, -5], [-3, 6]]
        assert_eq!(out, vec![0.0, 9.0, 9.0, 0.0, 0.0, 9.0]);
    }

    #[test]
    fn bounds_compare_in_the_element_type() {
        // 0.1 as f32 is above 0.1 as f64: x = 0.1f32 is at the threshold in float32 (zeroed),
        // as torch converts the threshold to the element type
        let l = Layout::contiguous(&[1]);
        let out = run(vec![1.0f32], &l, vec![0.1f32], &l, GradMask::Threshold { t: 0.1 });
        assert_eq!(out, vec![0.0]);
    }

    #[test]
    fn mixed_dtypes_are_refused() {
        let l = Layout::contiguous(&[1]);
        let g = CpuStorage::F32(Buf::from_vec(vec![1.0f32]));
        let x = CpuStorage::F64(Buf::from_vec(vec![1.0f64]));
        assert!(masked_grad(&g, &l, &x, &l, GradMask::Shrink { lambd: 0.5 }).is_err());
    }
}
