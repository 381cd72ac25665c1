//! Casts and strided copies between CPU buffers.

use super::buffer::{Buf, CpuStorage, IntoCpuStorage};
use super::kernels::map1;
use crate::dtype::{DType, Elem};
use crate::error::Result;
use crate::layout::{for_each_offset, Layout};

fn cast_vec<T: Elem, U: Elem>(b: &Buf<T>, l: &Layout) -> Result<Vec<U>> {
    // Through i64 for integer targets keeps large integers exact; floats go through f64.
    match U::DTYPE {
        DType::I64 => map1(b, l, |x| U::from_i64(x.to_i64())),
        DType::Bool => map1(b, l, |x| U::from_bool(x.to_bool())),
        _ => map1(b, l, |x| U::from_f64(x.to_f64())),
    }
}

pub fn cast_to<T: Elem>(b: &Buf<T>, l: &Layout, dtype: DType) -> Result<CpuStorage> {
    Ok(match dtype {
        DType::F32 => f32::into_storage(cast_vec(b, l)?),
        DType::F64 => f64::into_storage(cast_vec(b, l)?),
        DType::I64 => i64::into_storage(cast_vec(b, l)?),
        DType::Bool => bool::into_storage(cast_vec(b, l)?),
    })
}

pub fn copy_into(dst: &CpuStorage, dl: &Layout, src: &CpuStorage, sl: &Layout) -> Result<()> {
    fn go<T: Elem, S: Elem>(d: &Buf<T>, dl: &Layout, s: &Buf<S>, sl: &Layout) {
        // SAFETY: dst elements are written once each; src may alias dst only when the caller
        // copied it first (Tensor::copy_ does).
        let dst = unsafe { d.as_mut_slice() };
        let src = s.as_slice();
        let conv = |x: S| -> T {
            match T::DTYPE {
                DType::I64 => T::from_i64(x.to_i64()),
                DType::Bool => T::from_bool(x.to_bool()),
                _ => T::from_f64(x.to_f64()),
            }
        };
        let n = dl.numel();
        if n == 0 {
            return;
        }
        if dl.is_contiguous() && sl.is_contiguous() {
            // The common in-place case (x -= lr * g): one straight loop, a memcpy when
            // the dtypes match.
            let (d, s) = (&mut dst[dl.offset..dl.offset + n], &src[sl.offset..sl.offset + n]);
            for (o, &x) in d.iter_mut().zip(s) {
                *o = conv(x);
            }
            return;
        }
        for_each_offset(&dl.shape, [dl, sl], |[i, j]| dst[i] = conv(src[j]));
    }
    crate::with_buf!(dst, d => crate::with_buf!(src, s => go(d, dl, s, sl)));
    Ok(())
}
