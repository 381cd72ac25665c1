//! Element types, the `Elem` trait that kernels are generic over, and torch's type promotion.

use std::fmt;

/// A dtype's kind, the first key of promotion: bool < integer < floating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    Bool,
    Int,
    Float,
}

/// One row per dtype: its variant, element type, torch's name, torch's scalar-type name (as its
/// "not implemented for 'Long'" messages spell it), NumPy's typestr and its category. Adding a
/// dtype starts here (docs/architecture.md, "How to add a dtype", lists the rest).
macro_rules! dtype_table {
    ($($V:ident: $t:ty, $name:literal, $scalar:literal, $np:literal, $cat:ident;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum DType {
            $($V,)*
        }

        impl DType {
            /// Every dtype, in table order (`index` is the position here).
            pub const ALL: &'static [DType] = &[$(DType::$V),*];

            pub fn name(self) -> &'static str {
                match self { $(DType::$V => $name,)* }
            }

            /// torch's name of the scalar type, as its "not implemented for 'Long'" messages spell it.
            pub fn torch_scalar_name(self) -> &'static str {
                match self { $(DType::$V => $scalar,)* }
            }

            /// NumPy's `__array_interface__` typestr of the native-order element.
            pub fn numpy_typestr(self) -> &'static str {
                match self { $(DType::$V => $np,)* }
            }

            pub fn category(self) -> Category {
                match self { $(DType::$V => Category::$cat,)* }
            }

            pub fn size_in_bytes(self) -> usize {
                match self { $(DType::$V => std::mem::size_of::<$t>(),)* }
            }
        }

        $(const _: () = assert!(<$t as Elem>::DTYPE as usize == DType::$V as usize);)*
    };
}

dtype_table! {
    Bool: bool, "bool", "Bool", "|b1", Bool;
    I32: i32, "int32", "Int", "<i4", Int;
    I64: i64, "int64", "Long", "<i8", Int;
    F32: f32, "float32", "Float", "<f4", Float;
    F64: f64, "float64", "Double", "<f8", Float;
}

impl DType {
    /// The position in `DType::ALL`.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn is_float(self) -> bool {
        self.category() == Category::Float
    }

    pub fn is_int(self) -> bool {
        self.category() == Category::Int
    }

    /// Whether the number `v`, truncated, is a value of this dtype (always, for bool and
    /// floats): torch refuses to make an integer tensor from a number outside its type.
    pub fn fits(self, v: f64) -> bool {
        if !self.is_int() {
            return true;
        }
        let half = 2f64.powi(8 * self.size_in_bytes() as i32 - 1);
        (-half..half).contains(&v.trunc())
    }

    /// `fits` for an integer, exactly.
    pub fn fits_int(self, v: i64) -> bool {
        if !self.is_int() {
            return true;
        }
        let half = 1i128 << (8 * self.size_in_bytes() - 1);
        (-half..half).contains(&i128::from(v))
    }

    /// torch's error for a number `fits` refuses.
    pub fn overflow(self, v: impl fmt::Display) -> crate::Error {
        crate::Error::Argument(format!("value cannot be converted to type {self} without overflow (got {v})"))
    }

    /// The dtype of `typestr` (`"<i4"`), one of ferrograd's.
    pub fn from_numpy_typestr(typestr: &str) -> Option<DType> {
        DType::ALL.iter().copied().find(|d| d.numpy_typestr() == typestr)
    }

    /// Promotion of two tensor operands (torch.promote_types): the higher category wins, and
    /// within one the wider type (every integer dtype is signed, so width orders them).
    pub fn promote(a: DType, b: DType) -> DType {
        match a.category().cmp(&b.category()) {
            std::cmp::Ordering::Greater => a,
            std::cmp::Ordering::Less => b,
            std::cmp::Ordering::Equal if b.size_in_bytes() > a.size_in_bytes() => b,
            std::cmp::Ordering::Equal => a,
        }
    }

    /// Promotion of a tensor with a Python scalar: the scalar only matters when it is of a higher
    /// category, and then gives that category's default dtype (an int32 tensor times 2.5 becomes
    /// float32, a bool tensor plus 2 int64).
    pub fn promote_with_scalar(t: DType, scalar: DType) -> DType {
        match scalar.category() {
            c if c <= t.category() => t,
            Category::Float => DType::F32,
            Category::Int => DType::I64,
            Category::Bool => DType::Bool,
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

/// Integer element types: the integer kernels are generic over these. Arithmetic wraps, as
/// torch's does; a shift count outside `0..BITS` is torch's special case, not Rust's overflow.
pub trait IntElem:
    Elem
    + Ord
    + Eq
    + std::ops::BitAnd<Output = Self>
    + std::ops::BitOr<Output = Self>
    + std::ops::BitXor<Output = Self>
    + std::ops::Not<Output = Self>
    + std::ops::Shl<u32, Output = Self>
    + std::ops::Shr<u32, Output = Self>
{
    const BITS: u32;
    fn wrapping_add(self, o: Self) -> Self;
    fn wrapping_sub(self, o: Self) -> Self;
    fn wrapping_mul(self, o: Self) -> Self;
    fn wrapping_div(self, o: Self) -> Self;
    fn wrapping_rem(self, o: Self) -> Self;
    fn wrapping_neg(self) -> Self;
    fn wrapping_abs(self) -> Self;
    fn wrapping_pow(self, e: u32) -> Self;
    fn signum(self) -> Self;
    /// `b` as a shift count, when it is one (`0 <= b < BITS`).
    fn shift(b: Self) -> Option<u32> {
        let b = b.to_i64();
        (0..i64::from(Self::BITS)).contains(&b).then_some(b as u32)
    }
}

/// `Elem` and `IntElem` for the integer types. Casts from floats truncate and saturate (NaN to
/// 0): torch's CPU result there is the instruction's undefined value (INT_MIN on x86), which
/// ferrograd does not copy; from wider integers they wrap, as torch's do.
macro_rules! impl_int_elem {
    ($($t:ty => $d:expr),*) => {$(
        impl Elem for $t {
            const DTYPE: DType = $d;
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
                v as $t
            }
            fn to_i64(self) -> i64 {
                self as i64
            }
            fn from_i64(v: i64) -> Self {
                v as $t
            }
            fn to_bool(self) -> bool {
                self != 0
            }
            fn from_bool(v: bool) -> Self {
                v as $t
            }
        }
        impl IntElem for $t {
            const BITS: u32 = <$t>::BITS;
            fn wrapping_add(self, o: Self) -> Self {
                <$t>::wrapping_add(self, o)
            }
            fn wrapping_sub(self, o: Self) -> Self {
                <$t>::wrapping_sub(self, o)
            }
            fn wrapping_mul(self, o: Self) -> Self {
                <$t>::wrapping_mul(self, o)
            }
            fn wrapping_div(self, o: Self) -> Self {
                <$t>::wrapping_div(self, o)
            }
            fn wrapping_rem(self, o: Self) -> Self {
                <$t>::wrapping_rem(self, o)
            }
            fn wrapping_neg(self) -> Self {
                <$t>::wrapping_neg(self)
            }
            fn wrapping_abs(self) -> Self {
                <$t>::wrapping_abs(self)
            }
            fn wrapping_pow(self, e: u32) -> Self {
                <$t>::wrapping_pow(self, e)
            }
            fn signum(self) -> Self {
                <$t>::signum(self)
            }
        }
    )*};
}
impl_int_elem!(i32 => DType::I32, i64 => DType::I64);

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
    fn promotion_follows_torch() {
        assert_eq!(DType::promote(DType::I64, DType::F32), DType::F32);
        assert_eq!(DType::promote(DType::F32, DType::F64), DType::F64);
        assert_eq!(DType::promote(DType::Bool, DType::I64), DType::I64);
        assert_eq!(DType::promote_with_scalar(DType::F32, DType::F64), DType::F32);
        assert_eq!(DType::promote_with_scalar(DType::I64, DType::F64), DType::F32);
        assert_eq!(DType::promote_with_scalar(DType::I64, DType::I64), DType::I64);
        assert_eq!(DType::promote_with_scalar(DType::Bool, DType::I64), DType::I64);
        assert_eq!(DType::promote(DType::I32, DType::I64), DType::I64);
        assert_eq!(DType::promote(DType::I32, DType::Bool), DType::I32);
        assert_eq!(DType::promote(DType::I32, DType::F32), DType::F32);
        assert_eq!(DType::promote_with_scalar(DType::I32, DType::I64), DType::I32);
        assert_eq!(DType::promote_with_scalar(DType::I32, DType::F64), DType::F32);
        assert_eq!(DType::promote_with_scalar(DType::Bool, DType::I32), DType::I64);
    }

    #[test]
    fn table_order_is_index() {
        for (i, d) in DType::ALL.iter().enumerate() {
            assert_eq!(d.index(), i);
            assert_eq!(DType::from_numpy_typestr(d.numpy_typestr()), Some(*d));
        }
        assert_eq!(DType::from_numpy_typestr(">f8"), None, "big-endian data cannot be shared");
        assert_eq!(DType::from_numpy_typestr("<u2"), None);
        assert_eq!(DType::from_numpy_typestr(""), None);
    }
}
