//! The Python-facing surface as data: each method and function is a torch signature and a call
//! into the Rust API (`methods.rs`, `functions.rs`). Nothing here knows Python: the binding
//! layer (`bindings/api.rs`) matches Python arguments against the signatures, hands the rows
//! engine values (`Args`) and turns their `Out` into Python objects, so the rules of torch's
//! argument parser are written once, and another front end could reuse the rows.

pub mod attrs;
pub mod functions;
pub mod methods;
pub mod signature;
pub mod table;

use crate::autograd::node::Node;
use crate::device::Device;
use crate::dtype::DType;
use crate::error::Result;
use crate::tensor::{Scalar, Tensor};
use std::sync::Arc;

/// One parsed argument, converted to what the engine takes.
#[derive(Clone, Debug)]
pub enum Value {
    /// Not given and no default, or an explicit None where the type allows it.
    None,
    Tensor(Tensor),
    Int(i64),
    Float(f64),
    Scalar(Scalar),
    Bool(bool),
    Ints(Vec<i64>),
    DType(DType),
    Device(Device),
    Str(String),
    Tensors(Vec<Tensor>),
    /// A Generator or an `object` parameter: the binding layer keeps the Python object.
    Opaque,
}

/// The arguments of one call, in the order of the matched signature's parameters.
pub struct Args {
    /// Which of the row's signatures matched (torch's overloads), 0 for the first.
    pub overload: usize,
    pub vals: Vec<Value>,
    /// Whether each argument was given explicitly (as opposed to its default).
    pub given: Vec<bool>,
}

// The accessors trust the signature: a row asks for what its own signature declares, so a
// mismatch is a bug in the row, caught by the first test that calls it.
impl Args {
    pub fn t(&self, i: usize) -> &Tensor {
        self.opt_t(i).expect("a Tensor parameter")
    }
    pub fn opt_t(&self, i: usize) -> Option<&Tensor> {
        match self.vals.get(i) {
            Some(Value::Tensor(t)) => Some(t),
            _ => None,
        }
    }
    pub fn int(&self, i: usize) -> i64 {
        self.opt_int(i).expect("an int parameter")
    }
    pub fn opt_int(&self, i: usize) -> Option<i64> {
        match self.vals.get(i) {
            Some(&Value::Int(v)) => Some(v),
            _ => None,
        }
    }
    pub fn f64(&self, i: usize) -> f64 {
        self.opt_f64(i).expect("a float parameter")
    }
    pub fn opt_f64(&self, i: usize) -> Option<f64> {
        match self.vals.get(i) {
            Some(&Value::Float(v)) => Some(v),
            Some(&Value::Scalar(s)) => Some(s.to_f64()),
            Some(&Value::Int(v)) => Some(v as f64),
            _ => None,
        }
    }
    pub fn scalar(&self, i: usize) -> Scalar {
        self.opt_scalar(i).expect("a Scalar parameter")
    }
    pub fn opt_scalar(&self, i: usize) -> Option<Scalar> {
        match self.vals.get(i) {
            Some(&Value::Scalar(s)) => Some(s),
            Some(&Value::Float(v)) => Some(Scalar::Float(v)),
            Some(&Value::Int(v)) => Some(Scalar::Int(v)),
            Some(&Value::Bool(v)) => Some(Scalar::Bool(v)),
            _ => None,
        }
    }
    pub fn bool(&self, i: usize) -> bool {
        self.opt_bool(i).expect("a bool parameter")
    }
    pub fn opt_bool(&self, i: usize) -> Option<bool> {
        match self.vals.get(i) {
            Some(&Value::Bool(b)) => Some(b),
            _ => None,
        }
    }
    /// An int list; an absent optional one is empty (torch's "all dims" for reductions).
    pub fn ints(&self, i: usize) -> &[i64] {
        self.opt_ints(i).unwrap_or(&[])
    }
    pub fn opt_ints(&self, i: usize) -> Option<&[i64]> {
        match self.vals.get(i) {
            Some(Value::Ints(v)) => Some(v),
            _ => None,
        }
    }
    pub fn dtype(&self, i: usize) -> Option<DType> {
        match self.vals.get(i) {
            Some(&Value::DType(d)) => Some(d),
            _ => None,
        }
    }
    pub fn device(&self, i: usize) -> Option<Device> {
        match self.vals.get(i) {
            Some(&Value::Device(d)) => Some(d),
            _ => None,
        }
    }
    pub fn str(&self, i: usize) -> Option<&str> {
        match self.vals.get(i) {
            Some(Value::Str(s)) => Some(s),
            _ => None,
        }
    }
    pub fn tensors(&self, i: usize) -> &[Tensor] {
        match self.vals.get(i) {
            Some(Value::Tensors(v)) => v,
            _ => &[],
        }
    }
    pub fn given(&self, i: usize) -> bool {
        self.given.get(i).copied().unwrap_or(false)
    }
    /// The tensor `i` cast to `dtype` when one is given (the `dtype=` of reductions).
    pub fn cast(&self, i: usize, dtype: usize) -> Result<Tensor> {
        let t = self.t(i);
        match self.dtype(dtype) {
            Some(d) if d != t.dtype() => t.to_dtype(d),
            _ => Ok(t.clone()),
        }
    }
}

/// A row parameter read by its Rust type (the op table's parameterised rows).
pub trait ArgValue {
    fn take(a: &Args, i: usize) -> Self;
}

impl ArgValue for Option<i64> {
    fn take(a: &Args, i: usize) -> Self {
        a.opt_int(i)
    }
}

impl ArgValue for Option<f64> {
    fn take(a: &Args, i: usize) -> Self {
        a.opt_f64(i)
    }
}

/// What a row returns, for the binding layer to turn into Python objects.
pub enum Out {
    Tensor(Tensor),
    /// The receiving Python object itself (in-place methods, no-op conversions), made its
    /// tensor's object if it was not (`requires_grad_()` of a subclass instance: its hooks hand
    /// it back later).
    Same,
    /// A named tuple of `ferrograd.return_types` (`max(dim)` gives `(values, indices)`).
    Named(&'static str, Vec<Tensor>),
    Tensors(Vec<Tensor>),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A `ferrograd.Size`.
    Size(Vec<usize>),
    Ints(Vec<i64>),
    Scalar(Scalar),
    /// One of the `ferrograd.dtype` objects.
    DType(DType),
    Device(Device),
    Str(String),
    /// A graph node (`grad_fn`).
    Node(Arc<Node>),
    /// A tuple of results (`(primal, tangent)`).
    Tuple(Vec<Out>),
    None,
}

impl From<Tensor> for Out {
    fn from(t: Tensor) -> Out {
        Out::Tensor(t)
    }
}

/// A parsed argument handed back as it was converted (`_core.Signature.parse`); the values the
/// front end keeps as its own objects (tensor lists, opaque ones) are not converted back.
impl From<Value> for Out {
    fn from(v: Value) -> Out {
        match v {
            Value::Tensor(t) => Out::Tensor(t),
            Value::Int(i) => Out::Int(i),
            Value::Float(f) => Out::Float(f),
            Value::Scalar(s) => Out::Scalar(s),
            Value::Bool(b) => Out::Bool(b),
            Value::Ints(v) => Out::Ints(v),
            Value::DType(d) => Out::DType(d),
            Value::Device(d) => Out::Device(d),
            Value::Str(s) => Out::Str(s),
            Value::Tensors(v) => Out::Tensors(v),
            Value::None | Value::Opaque => Out::None,
        }
    }
}

impl From<Option<Tensor>> for Out {
    fn from(t: Option<Tensor>) -> Out {
        t.map_or(Out::None, Out::Tensor)
    }
}

macro_rules! out_from {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {
        $(impl From<$t> for Out {
            fn from($v: $t) -> Out {
                $e
            }
        })*
    };
}
out_from! {
    bool => |b| Out::Bool(b),
    i64 => |i| Out::Int(i),
    usize => |i| Out::Int(i as i64),
    f64 => |f| Out::Float(f),
    crate::DType => |d| Out::DType(d),
    () => |_u| Out::None,
}

/// An infallible row's value, as the `Result` every row returns.
pub fn ok<T>(v: T) -> Result<T> {
    Ok(v)
}
