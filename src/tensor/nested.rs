//! Nested data to a tensor (`tensor([[1, 2], [3, 4]])`): torch's shape inference, dtype
//! inference, flattening and error messages, over any source of nested values. The bindings
//! implement `NestedData` for Python objects; everything else happens here.

use super::{Scalar, Tensor};
use crate::dtype::DType;
use crate::error::Error;

/// What one value of nested data is.
pub enum Datum {
    Number(Scalar),
    Tensor(Tensor),
    /// A list or tuple of this many items.
    Seq(usize),
    Str,
    /// Anything else (named by `NestedData::type_name` in errors).
    Other,
}

/// A source of nested data. Its own error type lets a source's failure (a Python exception)
/// pass through unchanged.
pub trait NestedData: Sized {
    type Error: From<Error>;
    fn datum(&self) -> Datum;
    /// Item `i` of a `Datum::Seq`.
    fn item(&self, i: usize) -> std::result::Result<Self, Self::Error>;
    fn type_name(&self) -> String;
}

/// Nested data flattened, with its shape and the dtype torch would infer.
pub struct Nested {
    pub shape: Vec<usize>,
    pub values: Vec<Scalar>,
    pub dtype: DType,
}

/// Flattens `data`. With `dtype_known` (`tensor(data, dtype=...)`, `x.new_tensor(data)`) an
/// element that is no number is torch's TypeError ("must be real number"), not its RuntimeError
/// for a dtype it cannot infer.
pub fn flatten<D: NestedData>(data: &D, dtype_known: bool) -> std::result::Result<Nested, D::Error> {
    let shape = infer_shape(data, dtype_known)?;
    let mut values = Vec::new();
    walk(data, 0, &shape, dtype_known, &mut values)?;
    let dtype = if values.iter().any(|v| matches!(v, Scalar::Float(_))) {
        DType::F32
    } else if values.iter().any(|v| matches!(v, Scalar::Int(_))) {
        DType::I64
    } else if values.is_empty() {
        DType::F32
    } else {
        DType::Bool
    };
    Ok(Nested { shape, values, dtype })
}

/// The shape comes from the first element at each depth; `walk` checks every other one.
fn infer_shape<D: NestedData>(data: &D, dtype_known: bool) -> std::result::Result<Vec<usize>, D::Error> {
    let mut shape = Vec::new();
    let mut probe = None;
    loop {
        let p = probe.as_ref().unwrap_or(data);
        match p.datum() {
            Datum::Tensor(t) => shape.extend_from_slice(t.shape()),
            Datum::Number(_) => {}
            Datum::Seq(n) => {
                shape.push(n);
                if n > 0 {
                    probe = Some(p.item(0)?);
                    continue;
                }
            }
            // torch's errors: a str inside a sequence is "too many dimensions" (a str is a
            // sequence to it), anything else a RuntimeError.
            Datum::Str if shape.is_empty() => {
                return Err(Error::Type("tensor(): invalid data type 'str'".into()).into())
            }
            Datum::Str => return Err(Error::Value(format!("too many dimensions '{}'", p.type_name())).into()),
            Datum::Other if dtype_known => {
                return Err(Error::Type(format!("must be real number, not {}", p.type_name())).into())
            }
            Datum::Other => {
                return Err(Error::DType(format!("Could not infer dtype of {}", p.type_name())).into())
            }
        }
        return Ok(shape);
    }
}

fn walk<D: NestedData>(
    data: &D,
    depth: usize,
    shape: &[usize],
    dtype_known: bool,
    out: &mut Vec<Scalar>,
) -> std::result::Result<(), D::Error> {
    match data.datum() {
        Datum::Tensor(t) => {
            if t.shape() != &shape[depth..] {
                return Err(Error::Value(format!(
                    "expected sequence of length {:?} at dim {depth} (got a tensor of shape {:?})",
                    &shape[depth..],
                    t.shape()
                ))
                .into());
            }
            out.extend(crate::api::attrs::scalars_of(&t)?);
        }
        Datum::Number(s) if depth == shape.len() => out.push(s),
        d if depth == shape.len() => return Err(not_a_number(&d, &data.type_name(), dtype_known).into()),
        Datum::Seq(n) if n != shape[depth] => {
            return Err(Error::Value(format!(
                "expected sequence of length {} at dim {depth} (got {n})",
                shape[depth]
            ))
            .into())
        }
        Datum::Seq(n) => {
            for i in 0..n {
                walk(&data.item(i)?, depth + 1, shape, dtype_known, out)?;
            }
        }
        _ => {
            return Err(Error::Type(format!(
                "not a sequence: expected a sequence of length {} at dim {depth}, got {}",
                shape[depth],
                data.type_name()
            ))
            .into())
        }
    }
    Ok(())
}

/// torch's error for an element that is not a number: with the dtype given, or for a nested
/// sequence, a TypeError ("must be real number"); else the error of its dtype inference (a str
/// is an invalid data type, anything else a dtype it cannot infer).
fn not_a_number(d: &Datum, ty: &str, dtype_known: bool) -> Error {
    match d {
        _ if dtype_known => Error::Type(format!("must be real number, not {ty}")),
        Datum::Seq(_) => Error::Type(format!("must be real number, not {ty}")),
        Datum::Str => Error::Type(format!("new(): invalid data type '{ty}'")),
        _ => Error::DType(format!("Could not infer dtype of {ty}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Result;

    /// Nested data as a test writes it.
    enum Lit {
        N(Scalar),
        T(Tensor),
        L(Vec<Lit>),
        S,
        O,
    }
    use Lit::*;

    impl NestedData for &Lit {
        type Error = Error;
        fn datum(&self) -> Datum {
            match self {
                N(s) => Datum::Number(*s),
                T(t) => Datum::Tensor(t.clone()),
                L(v) => Datum::Seq(v.len()),
                S => Datum::Str,
                O => Datum::Other,
            }
        }
        fn item(&self, i: usize) -> Result<Self> {
            match self {
                L(v) => Ok(&v[i]),
                _ => unreachable!("only sequences have items"),
            }
        }
        fn type_name(&self) -> String {
            match self {
                N(_) => "int",
                T(_) => "Tensor",
                L(_) => "list",
                S => "str",
                O => "object",
            }
            .into()
        }
    }

    fn i(v: i64) -> Lit {
        N(Scalar::Int(v))
    }
    fn f(v: f64) -> Lit {
        N(Scalar::Float(v))
    }

    #[test]
    fn shape_and_dtype_are_inferred() {
        let n = flatten(&&L(vec![L(vec![i(1), i(2)]), L(vec![i(3), f(4.5)])]), false).unwrap();
        assert_eq!(n.shape, vec![2, 2]);
        assert_eq!(n.dtype, DType::F32);
        assert_eq!(n.values.len(), 4);
        let b = flatten(&&L(vec![N(Scalar::Bool(true))]), false).unwrap();
        assert_eq!((b.shape, b.dtype), (vec![1], DType::Bool));
        let e = flatten(&&L(vec![L(vec![]), L(vec![])]), false).unwrap();
        assert_eq!((e.shape, e.dtype), (vec![2, 0], DType::F32));
        assert_eq!(flatten(&&i(7), false).unwrap().shape, Vec::<usize>::new());
    }

    #[test]
    fn tensors_inside_lists_are_flattened() {
        let t = Tensor::from_vec(vec![1i64, 2], &[2]).unwrap();
        let n = flatten(&&L(vec![T(t.clone()), T(t)]), false).unwrap();
        assert_eq!(n.shape, vec![2, 2]);
        assert_eq!(n.dtype, DType::I64);
        let t3 = Tensor::from_vec(vec![1i64, 2, 3], &[3]).unwrap();
        let two = Tensor::from_vec(vec![1i64, 2], &[2]).unwrap();
        let err = flatten(&&L(vec![T(two), T(t3)]), false).err().unwrap();
        assert!(matches!(err, Error::Value(m) if m.contains("got a tensor of shape [3]")));
    }

    #[test]
    fn ragged_and_foreign_data_give_torchs_errors() {
        let ragged = flatten(&&L(vec![L(vec![i(1), i(2)]), L(vec![i(3)])]), false).err().unwrap();
        assert_eq!(ragged, Error::Value("expected sequence of length 2 at dim 1 (got 1)".into()));
        let deep = flatten(&&L(vec![i(1), L(vec![i(2)])]), false).err().unwrap();
        assert_eq!(deep, Error::Type("must be real number, not list".into()));
        let shallow = flatten(&&L(vec![L(vec![i(1)]), i(2)]), false).err().unwrap();
        assert!(matches!(shallow, Error::Type(m) if m.starts_with("not a sequence")));
        assert!(matches!(flatten(&&S, false).err().unwrap(), Error::Type(_)));
        assert!(matches!(flatten(&&L(vec![S]), false).err().unwrap(), Error::Value(_)));
        assert_eq!(
            flatten(&&L(vec![i(1), S]), false).err().unwrap(),
            Error::Type("new(): invalid data type 'str'".into())
        );
        assert_eq!(
            flatten(&&L(vec![i(1), O]), false).err().unwrap(),
            Error::DType("Could not infer dtype of object".into())
        );
        assert_eq!(
            flatten(&&L(vec![i(1), O]), true).err().unwrap(),
            Error::Type("must be real number, not object".into())
        );
        assert!(matches!(flatten(&&O, true).err().unwrap(), Error::Type(_)));
    }

    #[test]
    fn from_scalars_casts_as_torch() {
        let v = [Scalar::Float(2.7), Scalar::Bool(true), Scalar::Int(-3)];
        assert_eq!(
            Tensor::from_scalars(&v, &[3], DType::I64).unwrap().to_vec::<i64>().unwrap(),
            vec![2, 1, -3]
        );
        let b = Tensor::from_scalars(&v, &[3], DType::Bool).unwrap();
        assert_eq!(b.to_vec::<bool>().unwrap(), vec![true, true, true]);
        let x = Tensor::from_scalars(&v, &[3], DType::F64).unwrap();
        assert_eq!(x.to_vec::<f64>().unwrap(), vec![2.7, 1.0, -3.0]);
        // Large integers go through i64, not f64, so they stay exact.
        let big = [Scalar::Int(i64::MAX)];
        assert_eq!(
            Tensor::from_scalars(&big, &[1], DType::I64).unwrap().to_vec::<i64>().unwrap(),
            vec![i64::MAX]
        );
        let i = Tensor::from_scalars(&v, &[3], DType::I32).unwrap();
        assert_eq!(i.to_vec::<i32>().unwrap(), vec![2, 1, -3]);
    }
}
