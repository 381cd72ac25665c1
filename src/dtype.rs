//! Element types, the `Elem` trait that kernels are generic over, and torch's type promotion.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    Bool,
    I64,
    F32,
    F64,
}

impl DType {
    /// Every dtype, in the order of `index`.
    pub const ALL: [DType; 4] = [DType::F32, DType::F64, DType::I64, DType::Bool];

    /// Position in `DType::ALL` (for tables with one entry per dtype).
    pub fn index(self) -> usize {
        match self {
            DType::F32 => 0,
            DType::F64 => 1,
            DType::I64 => 2,
            DType::Bool => 3,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::I64 => "int64",
            DType::F32 => "float32",
            DType::F64 => "float64",
        }
    }

    /// torch's name of the scalar type, as its "not implemented for 'Long'" messages spell it.
    pub fn torch_scalar_name(self) -> &'static str {
        match self {
            DType::Bool => "Bool",
            DType::I64 => "Long",
            DType::F32 => "Float",
            DType::F64 => "Double",
        }
    }

    /// NumPy's array-interface typestr, in native (little-endian) byte order.
    pub fn numpy_typestr(self) -> &'static str {
        match self {
            DType::Bool => "|b1",
            DType::I64 => "<i8",
            DType::F32 => "<f4",
            DType::F64 => "<f8",
        }
    }

    /// The dtype of a NumPy typestr ferrograd can share memory with: native byte order, one of
    /// its dtypes ("|" marks a type with no byte order).
    pub fn of_numpy_typestr(t: &str) -> Option<DType> {
        let native =
            |d: DType| t.get(1..) == d.numpy_typestr().get(1..) && (t.starts_with('<') || t.starts_with('|'));
        DType::ALL.into_iter().find(|&d| native(d))
    }

    pub fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F64)
    }

    pub fn size_in_bytes(self) -> usize {
        match self {
            DType::Bool => 1,
            DType::F32 => 4,
            DType::I64 | DType::F64 => 8,
        }
    }

    /// Category rank used by promotion: bool < integer < floating.
    fn category(self) -> u8 {
        match self {
            DType::Bool => 0,
            DType::I64 => 1,
            DType::F32 | DType::F64 => 2,
        }
    }

    /// Promotion of two tensor operands (torch.promote_types).
    pub fn promote(a: DType, b: DType) -> DType {
        use DType::*;
        match (a, b) {
            (F64, _) | (_, F64) => F64,
            (F32, _) | (_, F32) => F32,
            (I64, _) | (_, I64) => I64,
            _ => Bool,
        }
    }

    /// Promotion of a tensor with a Python scalar: the scalar only matters when it is of a higher
    /// category (an int tensor times 2.5 becomes the default float dtype, float32).
    pub fn promote_with_scalar(t: DType, scalar: DType) -> DType {
        if scalar.category() > t.category() {
            match scalar {
                DType::F32 | DType::F64 => DType::F32,
                other => other,
            }
        } else {
            t
        }
    }

    /// The float dtype an op like exp or mean computes in for this input (int -> float32).
    pub fn to_float(self) -> DType {
        if self.is_float() {
            self
        } else {
            DType::F32
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A type a CPU buffer can hold. Conversions go through f64/i64 the way torch casts.
pub trait Elem:
    Copy + Send + Sync + PartialEq + PartialOrd + fmt::Debug + crate::backend::cpu::pool::Pooled + 'static
{
    const DTYPE: DType;
    fn zero() -> Self;
    fn one() -> Self;
    fn to_f64(self) -> f64;
    fn from_f64(v: f64) -> Self;
    fn to_i64(self) -> i64;
    fn from_i64(v: i64) -> Self;
    fn to_bool(self) -> bool;
    fn from_bool(v: bool) -> Self;
}

macro_rules! impl_float_elem {
    ($t:ty, $d:expr) => {
        impl Elem for $t {
            const DTYPE: DType = $d;
            fn zero() -> Self {
                0.0
            }
            fn one() -> Self {
                1.0
            }
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            fn to_i64(self) -> i64 {
                self as i64
            }
            fn from_i64(v: i64) -> Self {
                v as $t
            }
            fn to_bool(self) -> bool {
                self != 0.0
            }
            fn from_bool(v: bool) -> Self {
                if v {
                    1.0
                } else {
                    0.0
                }
            }
        }
    };
}
impl_float_elem!(f32, DType::F32);
impl_float_elem!(f64, DType::F64);

impl Elem for i64 {
    const DTYPE: DType = DType::I64;
    fn zero() -> Self {
        0
    }
    fn one() -> Self {
        1
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn from_f64(v: f64) -> Self {
        v as i64
    }
    fn to_i64(self) -> i64 {
        self
    }
    fn from_i64(v: i64) -> Self {
        v
    }
    fn to_bool(self) -> bool {
        self != 0
    }
    fn from_bool(v: bool) -> Self {
        v as i64
    }
}

impl Elem for bool {
    const DTYPE: DType = DType::Bool;
    fn zero() -> Self {
        false
    }
    fn one() -> Self {
        true
    }
    fn to_f64(self) -> f64 {
        self as u8 as f64
    }
    fn from_f64(v: f64) -> Self {
        v != 0.0
    }
    fn to_i64(self) -> i64 {
        self as i64
    }
    fn from_i64(v: i64) -> Self {
        v != 0
    }
    fn to_bool(self) -> bool {
        self
    }
    fn from_bool(v: bool) -> Self {
        v
    }
}

/// Float element types: the math kernels are generic over these.
pub trait FloatElem: Elem + num_traits::Float + std::iter::Sum {
    /// The error function (num_traits has none).
    fn erf(self) -> Self;
    /// Rounds half-way cases to even, as torch.round does (num_traits rounds them away from 0).
    fn round_ties_even(self) -> Self;
}
impl FloatElem for f32 {
    fn erf(self) -> Self {
        libm::erff(self)
    }
    fn round_ties_even(self) -> Self {
        f32::round_ties_even(self)
    }
}
impl FloatElem for f64 {
    fn erf(self) -> Self {
        libm::erf(self)
    }
    fn round_ties_even(self) -> Self {
        f64::round_ties_even(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_cover_every_dtype() {
        for (i, d) in DType::ALL.into_iter().enumerate() {
            assert_eq!(d.index(), i);
            assert_eq!(DType::of_numpy_typestr(d.numpy_typestr()), Some(d));
        }
        assert_eq!(DType::of_numpy_typestr(">f8"), None, "big-endian data cannot be shared");
        assert_eq!(DType::of_numpy_typestr("<u2"), None);
        assert_eq!(DType::of_numpy_typestr(""), None);
    }

    #[test]
    fn promotion_follows_torch() {
        assert_eq!(DType::promote(DType::I64, DType::F32), DType::F32);
        assert_eq!(DType::promote(DType::F32, DType::F64), DType::F64);
        assert_eq!(DType::promote(DType::Bool, DType::I64), DType::I64);
        assert_eq!(DType::promote_with_scalar(DType::F32, DType::F64), DType::F32);
        assert_eq!(DType::promote_with_scalar(DType::I64, DType::F64), DType::F32);
        assert_eq!(DType::promote_with_scalar(DType::I64, DType::I64), DType::I64);
        assert_eq!(DType::promote_with_scalar(DType::Bool, DType::I64), DType::I64);
    }
}
