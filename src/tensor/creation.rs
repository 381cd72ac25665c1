//! Tensor constructors: from data, filled, ranges, identity, random.

use super::rng::with_rng;
use super::Tensor;
use crate::backend::cpu::{try_alloc, try_with_capacity, CpuStorage, IntoCpuStorage};
use crate::backend::BackendStorage;
use crate::device::Device;
use crate::dtype::{DType, Elem};
use crate::error::{bail, Result};
use crate::shape::checked_numel;
use std::sync::Arc;

/// A Python number, before it becomes a tensor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar {
    Bool(bool),
    Int(i64),
    Float(f64),
}

impl Scalar {
    pub fn dtype(self) -> DType {
        match self {
            Scalar::Bool(_) => DType::Bool,
            Scalar::Int(_) => DType::I64,
            Scalar::Float(_) => DType::F64,
        }
    }
    /// The dtype of a tensor made from this number: a float is the default dtype, float32.
    pub fn dtype_default(self) -> DType {
        match self {
            Scalar::Float(_) => DType::F32,
            s => s.dtype(),
        }
    }
    pub fn to_f64(self) -> f64 {
        match self {
            Scalar::Bool(b) => b as u8 as f64,
            Scalar::Int(i) => i as f64,
            Scalar::Float(f) => f,
        }
    }
    /// This number as an element of `T`, cast as torch casts (an int wraps into a narrower type).
    pub fn to_elem<T: Elem>(self) -> T {
        match self {
            Scalar::Bool(b) => T::from_bool(b),
            Scalar::Int(i) => T::from_i64(i),
            Scalar::Float(f) => T::from_f64(f),
        }
    }
}

fn storage_from_f64(values: impl Iterator<Item = f64>, n: usize, dtype: DType) -> Result<CpuStorage> {
    fn collect<T: IntoCpuStorage>(values: impl Iterator<Item = f64>, n: usize) -> Result<CpuStorage> {
        let mut v = try_with_capacity(n)?;
        v.extend(values.map(T::from_f64));
        Ok(T::into_storage(v))
    }
    crate::with_dtype!(dtype, T => collect::<T>(values, n))
}

impl Tensor {
    pub fn from_vec<T: IntoCpuStorage>(v: Vec<T>, shape: &[usize]) -> Result<Tensor> {
        if checked_numel("tensor", shape)? != v.len() {
            bail!(Shape, "tensor: {} values do not fill shape {}", v.len(), crate::error::fmt_shape(shape))
        }
        Ok(Tensor::from_cpu(T::into_storage(v), shape))
    }

    /// A 0-d tensor holding `s` in `dtype`.
    pub fn scalar(s: Scalar, dtype: DType) -> Tensor {
        let data = crate::with_dtype!(dtype, T => T::into_storage(vec![s.to_elem::<T>()]));
        Tensor::from_cpu(data, &[])
    }

    /// A Python number as an operand: it promotes like a scalar, not like a tensor.
    pub fn wrapped_scalar(s: Scalar) -> Tensor {
        let mut t = Tensor::scalar(s, s.dtype());
        Arc::get_mut(&mut t.0).expect("fresh tensor").wrapped_number = true;
        t
    }

    pub fn full(shape: &[usize], value: f64, dtype: DType, device: Device) -> Result<Tensor> {
        let n = checked_numel("full", shape)?;
        if !dtype.fits(value) {
            return Err(dtype.overflow(value));
        }
        if device != Device::Cpu {
            let data = crate::storage::StorageData::empty(device, dtype, n)?;
            data.fill(&crate::layout::Layout::contiguous(&[n]), value)?;
            return Ok(Tensor::from_data(data, shape));
        }
        let data = crate::with_dtype!(dtype, T => T::into_storage(try_alloc(n, T::from_f64(value))?));
        Ok(Tensor::from_cpu(data, shape))
    }

    pub fn zeros(shape: &[usize], dtype: DType) -> Result<Tensor> {
        Tensor::full(shape, 0.0, dtype, Device::Cpu)
    }

    pub fn ones(shape: &[usize], dtype: DType) -> Result<Tensor> {
        Tensor::full(shape, 1.0, dtype, Device::Cpu)
    }

    pub fn arange(start: f64, end: f64, step: f64, dtype: DType) -> Result<Tensor> {
        if step == 0.0 {
            bail!(Shape, "arange: step must be nonzero")
        }
        if !(start.is_finite() && end.is_finite()) {
            bail!(Shape, "arange: unsupported range: {start} -> {end}")
        }
        if (step > 0.0 && end < start) || (step < 0.0 && end > start) {
            bail!(Shape, "arange: upper bound and lower bound inconsistent with step sign")
        }
        let n = ((end - start) / step).ceil().max(0.0);
        if n > (isize::MAX as f64) {
            bail!(OutOfMemory, "arange: {n} elements cannot be allocated")
        }
        let n = n as usize;
        let data = if dtype.is_int() {
            let (s, st) = (start as i64, step as i64);
            let mut v = try_with_capacity(n)?;
            v.extend((0..n as i64).map(|i| s + i * st));
            let v = i64::into_storage(v);
            if dtype == DType::I64 {
                v
            } else {
                v.to_dtype(&crate::layout::Layout::contiguous(&[n]), dtype)?
            }
        } else {
            storage_from_f64((0..n).map(|i| start + i as f64 * step), n, dtype)?
        };
        Ok(Tensor::from_cpu(data, &[n]))
    }

    pub fn linspace(start: f64, end: f64, steps: usize, dtype: DType) -> Result<Tensor> {
        // torch fills the first half from the start and the second half from the end, so both
        // endpoints are exact.
        let step = if steps > 1 { (end - start) / (steps - 1) as f64 } else { 0.0 };
        let half = steps / 2;
        let vals = (0..steps).map(move |i| {
            if i < half || steps == 1 {
                start + step * i as f64
            } else {
                end - step * (steps - 1 - i) as f64
            }
        });
        Ok(Tensor::from_cpu(storage_from_f64(vals, steps, dtype)?, &[steps]))
    }

    pub fn eye(n: usize, m: usize, dtype: DType) -> Result<Tensor> {
        let total = checked_numel("eye", &[n, m])?;
        let vals = (0..total).map(move |i| if i / m.max(1) == i % m.max(1) { 1.0 } else { 0.0 });
        Ok(Tensor::from_cpu(storage_from_f64(vals, total, dtype)?, &[n, m]))
    }

    pub fn rand(shape: &[usize], dtype: DType) -> Result<Tensor> {
        if !dtype.is_float() {
            bail!(DType, "rand: \"check_uniform_bounds\" not implemented for '{dtype}'")
        }
        let n = checked_numel("rand", shape)?;
        let mut v = try_with_capacity::<f64>(n)?;
        with_rng(|r| v.extend((0..n).map(|_| r.uniform())));
        Ok(Tensor::from_cpu(storage_from_f64(v.into_iter(), n, dtype)?, shape))
    }

    pub fn randn(shape: &[usize], dtype: DType) -> Result<Tensor> {
        if !dtype.is_float() {
            bail!(DType, "randn: \"normal_kernel_cpu\" not implemented for '{dtype}'")
        }
        let n = checked_numel("randn", shape)?;
        let mut v = try_with_capacity::<f64>(n + 1)?;
        with_rng(|r| {
            while v.len() < n {
                let (a, b) = r.normal_pair();
                v.push(a);
                v.push(b);
            }
        });
        v.truncate(n);
        Ok(Tensor::from_cpu(storage_from_f64(v.into_iter(), n, dtype)?, shape))
    }

    pub fn randint(low: i64, high: i64, shape: &[usize], dtype: DType) -> Result<Tensor> {
        if high <= low {
            bail!(
                Shape,
                "randint: random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
            )
        }
        let n = checked_numel("randint", shape)?;
        let span = (high as i128 - low as i128) as u64;
        let mut v = try_with_capacity::<i64>(n)?;
        with_rng(|r| v.extend((0..n).map(|_| low.wrapping_add(r.below(span) as i64))));
        let t = Tensor::from_cpu(i64::into_storage(v), shape);
        if dtype == DType::I64 {
            Ok(t)
        } else {
            t.to_dtype(dtype)
        }
    }

    /// Builds a tensor of `dtype` from numbers (Python data): each cast as torch casts, a number
    /// outside an integer dtype refused as torch does.
    pub fn from_scalars(values: &[Scalar], shape: &[usize], dtype: DType) -> Result<Tensor> {
        if checked_numel("tensor", shape)? != values.len() {
            bail!(
                Shape,
                "tensor: {} values do not fill shape {}",
                values.len(),
                crate::error::fmt_shape(shape)
            )
        }
        let bad = values.iter().find(|s| match **s {
            Scalar::Int(i) => !dtype.fits_int(i),
            Scalar::Float(f) => !dtype.fits(f),
            Scalar::Bool(_) => false,
        });
        if let Some(s) = bad {
            return Err(dtype.overflow(s.to_f64()));
        }
        fn collect<T: IntoCpuStorage>(values: &[Scalar]) -> Result<CpuStorage> {
            let mut v = try_with_capacity(values.len())?;
            v.extend(values.iter().map(|s| s.to_elem::<T>()));
            Ok(T::into_storage(v))
        }
        Ok(Tensor::from_cpu(crate::with_dtype!(dtype, T => collect::<T>(values))?, shape))
    }

    /// Builds a tensor from f64 values (used by the bindings for nested float lists).
    pub fn from_f64s(values: &[f64], shape: &[usize], dtype: DType) -> Result<Tensor> {
        Ok(Tensor::from_cpu(storage_from_f64(values.iter().copied(), values.len(), dtype)?, shape))
    }

    pub fn from_i64s(values: Vec<i64>, shape: &[usize], dtype: DType) -> Result<Tensor> {
        let t = Tensor::from_vec(values, shape)?;
        if dtype == DType::I64 {
            Ok(t)
        } else {
            t.to_dtype(dtype)
        }
    }
}
