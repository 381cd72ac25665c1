//! The Python `Tensor`: every method converts its arguments, calls the Rust API, and wraps the
//! result. No math lives here.

use super::convert::{dims_of, dtype_of, int_arg, operand, operand_or_err, shape_of, tensor_arg, type_name};
use super::convert::{number_arg, Arg, Int};
use super::dtype::{PyDType, PyDevice};
use super::identity::TensorObj;
use super::index::{parse_index, value_tensor};
use super::node::PyNode;
use crate::dtype::DType;
use crate::tensor::{Scalar, Tensor};
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use pyo3::IntoPyObjectExt;

#[pyclass(name = "Tensor", module = "ferrograd", subclass, weakref)]
pub struct PyTensor {
    pub t: Tensor,
}

impl PyTensor {
    /// `t` for Python: its live object if it has one, else a new one (see identity).
    pub fn wrap(t: Tensor) -> TensorObj {
        TensorObj { t }
    }

    /// The contents of a new object, not yet registered as `t`'s object.
    pub fn unregistered(t: Tensor) -> PyTensor {
        PyTensor { t }
    }
}

impl Drop for PyTensor {
    fn drop(&mut self) {
        super::identity::forget(self);
    }
}

pub(super) type R = PyResult<TensorObj>;

pub(super) fn ok(t: crate::Result<Tensor>) -> R {
    Ok(PyTensor::wrap(t?))
}

/// Binary dunder: NotImplemented for operands Python should try the other way round.
fn binop<'py>(
    py: Python<'py>,
    other: &Bound<'py, PyAny>,
    f: impl FnOnce(&Tensor) -> crate::Result<Tensor>,
) -> PyResult<Py<PyAny>> {
    match operand(other) {
        Some(o) => PyTensor::wrap(f(&o)?).into_py_any(py),
        None => Ok(py.NotImplemented()),
    }
}

/// `other * alpha` for add/sub. An explicit `alpha=None` is torch's TypeError, and a bool alpha
/// is only allowed when the result is bool.
pub(crate) fn alpha_scaled(op: &str, this: &Tensor, other: Tensor, alpha: &Arg<'_>) -> PyResult<Tensor> {
    match alpha {
        Arg::Absent => Ok(other),
        Arg::Given(a) => {
            let s = number_arg(op, "alpha", a)?;
            if matches!(s, Scalar::Bool(_)) && crate::ops::binary::result_type(this, &other) != DType::Bool {
                return Err(PyRuntimeError::new_err(format!(
                    "{op}: Boolean alpha only supported for Boolean results (got {} and {})",
                    this.dtype(),
                    other.dtype()
                )));
            }
            // A Python number times alpha is still a Python number for type promotion (and is
            // computed in Python's precision, not the default dtype's).
            if other.is_wrapped_number() {
                let prod = match (other.item()?, s) {
                    (Scalar::Bool(x), Scalar::Bool(y)) => Scalar::Bool(x && y),
                    // Ints and bools multiply as ints (a bool is 0 or 1).
                    (x, y) if !matches!(x, Scalar::Float(_)) && !matches!(y, Scalar::Float(_)) => {
                        let int = |v: Scalar| if let Scalar::Int(i) = v { i } else { v.to_f64() as i64 };
                        match int(x).checked_mul(int(y)) {
                            Some(p) => Scalar::Int(p),
                            None => Scalar::Float(x.to_f64() * y.to_f64()),
                        }
                    }
                    (x, y) => Scalar::Float(x.to_f64() * y.to_f64()),
                };
                return Ok(Tensor::wrapped_scalar(prod));
            }
            Ok(other.mul(&Tensor::wrapped_scalar(s))?)
        }
    }
}

fn tolist_rec<'py>(py: Python<'py>, vals: &[Scalar], shape: &[usize]) -> PyResult<Bound<'py, PyAny>> {
    if shape.is_empty() {
        return match vals[0] {
            Scalar::Float(f) => f.into_bound_py_any(py),
            Scalar::Int(i) => i.into_bound_py_any(py),
            Scalar::Bool(b) => b.into_bound_py_any(py),
        };
    }
    let step: usize = shape[1..].iter().product();
    let items: Vec<Bound<'py, PyAny>> = (0..shape[0])
        .map(|i| tolist_rec(py, &vals[i * step..(i + 1) * step], &shape[1..]))
        .collect::<PyResult<_>>()?;
    Ok(PyList::new(py, items)?.into_any())
}

pub fn scalars_of(t: &Tensor) -> crate::Result<Vec<Scalar>> {
    Ok(match t.dtype() {
        DType::F32 | DType::F64 => t.to_vec::<f64>()?.into_iter().map(Scalar::Float).collect(),
        DType::I64 => t.to_vec::<i64>()?.into_iter().map(Scalar::Int).collect(),
        DType::Bool => t.to_vec::<bool>()?.into_iter().map(Scalar::Bool).collect(),
    })
}

/// var/std arguments in both torch spellings: (dim, unbiased, keepdim) and correction=.
/// `correction` is a Number (a tensor is torch's TypeError), and the `var(unbiased)` spelling
/// takes no correction.
fn correction_of(
    op: &str,
    dim: Option<&Bound<'_, PyAny>>,
    unbiased: Option<bool>,
    correction: Option<&Bound<'_, PyAny>>,
) -> PyResult<(Option<Vec<i64>>, f64)> {
    let correction = match correction.filter(|c| !c.is_none()) {
        Some(c) => Some(number_arg(op, "correction", c)?.to_f64()),
        None => None,
    };
    let (dim, unbiased) = match dim {
        Some(d) if d.is_instance_of::<pyo3::types::PyBool>() => {
            if correction.is_some() {
                return Err(PyTypeError::new_err(format!(
                    "{op}(): the (unbiased: bool) form takes no correction= (got both)"
                )));
            }
            (None, Some(d.extract::<bool>()?))
        }
        d => (dims_of(op, d)?, unbiased),
    };
    let c = match (correction, unbiased) {
        (Some(c), _) => c,
        (None, Some(false)) => 0.0,
        _ => 1.0,
    };
    Ok((dim, c))
}

#[pymethods]
impl PyTensor {
    /// Reports the Python objects this tensor owns through Rust (its hooks, and the hooks and
    /// Function backwards of graph parts only it holds), so cycles through them are collected.
    fn __traverse__(&self, visit: pyo3::gc::PyVisit<'_>) -> Result<(), pyo3::PyTraverseError> {
        let mut failed = None;
        let _ = crate::autograd::gc::visit_owned_by_tensor(
            &self.t,
            &mut super::hooks::gc_visitor(&visit, &mut failed),
        );
        failed.map_or(Ok(()), Err)
    }

    /// `Tensor(data)` / `Tensor(*sizes)` as the legacy constructor does (float32). `Tensor(t)`
    /// is torch's `t.alias()`: a new view of `t` of any dtype, sharing its storage and history.
    #[new]
    #[pyo3(signature = (*args))]
    fn py_new(args: &Bound<'_, PyTuple>) -> PyResult<PyTensor> {
        if args.len() == 1 {
            if let Ok(t) = args.get_item(0)?.cast::<PyTensor>() {
                return Ok(PyTensor::unregistered(t.borrow().t.alias_view()));
            }
        }
        Ok(PyTensor::unregistered(super::functions::legacy_new(args, DType::F32)?.t))
    }

    /// Makes an object built by `Tensor(...)` or a subclass its tensor's object (pyo3 builds it
    /// after `__new__`, so this is the first place that sees it).
    #[pyo3(signature = (*_args, **_kwargs))]
    fn __init__(
        slf: &Bound<'_, Self>,
        _args: &Bound<'_, PyTuple>,
        _kwargs: Option<&Bound<'_, pyo3::types::PyDict>>,
    ) {
        super::identity::adopt(slf);
    }

    // ---- attributes ----------------------------------------------------------------------

    #[getter]
    fn shape<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        super::functions::size_obj(py, self.t.shape())
    }

    #[pyo3(signature = (dim=None))]
    fn size<'py>(&self, py: Python<'py>, dim: Option<Int>) -> PyResult<Bound<'py, PyAny>> {
        match dim {
            None => self.shape(py),
            Some(Int(d)) => {
                let d = crate::shape::normalize_dim("size", d, self.t.ndim())?;
                if self.t.ndim() == 0 {
                    return Err(pyo3::exceptions::PyIndexError::new_err(
                        "size(): dimension specified as 0 but tensor has no dimensions",
                    ));
                }
                self.t.shape()[d].into_bound_py_any(py)
            }
        }
    }

    #[pyo3(signature = (dim=None))]
    fn stride<'py>(&self, py: Python<'py>, dim: Option<Int>) -> PyResult<Bound<'py, PyAny>> {
        match dim {
            None => Ok(PyTuple::new(py, self.t.strides())?.into_any()),
            Some(Int(d)) => {
                let d = crate::shape::normalize_dim("stride", d, self.t.ndim())?;
                match self.t.strides().get(d) {
                    Some(s) => s.into_bound_py_any(py),
                    None => Err(pyo3::exceptions::PyIndexError::new_err(
                        "stride(): dimension specified as 0 but tensor has no dimensions",
                    )),
                }
            }
        }
    }

    fn dim(&self) -> usize {
        self.t.ndim()
    }
    fn ndimension(&self) -> usize {
        self.t.ndim()
    }
    #[getter]
    fn ndim(&self) -> usize {
        self.t.ndim()
    }
    fn numel(&self) -> usize {
        self.t.numel()
    }
    fn nelement(&self) -> usize {
        self.t.numel()
    }
    fn element_size(&self) -> usize {
        self.t.dtype().size_in_bytes()
    }
    fn is_contiguous(&self) -> bool {
        self.t.is_contiguous()
    }
    fn is_floating_point(&self) -> bool {
        self.t.dtype().is_float()
    }
    fn data_ptr(&self) -> PyResult<usize> {
        self.t.data_ptr().ok_or_else(|| {
            pyo3::exceptions::PyRuntimeError::new_err(format!(
                "data_ptr: the tensor is on {}, whose memory has no host address; use .cpu() first",
                self.t.device()
            ))
        })
    }
    /// The module's own dtype object, so `x.dtype is ferrograd.float32` holds.
    #[getter]
    fn dtype(&self, py: Python<'_>) -> Py<PyDType> {
        super::dtype::dtype_object(py, self.t.dtype())
    }
    #[getter]
    fn device(&self) -> PyDevice {
        PyDevice { d: self.t.device() }
    }
    #[getter]
    fn is_cuda(&self) -> bool {
        false
    }
    #[getter]
    fn _version(&self) -> u64 {
        self.t.version()
    }

    #[getter]
    fn data(&self) -> TensorObj {
        PyTensor::wrap(self.t.data_alias())
    }
    #[setter]
    fn set_data(mut slf: PyRefMut<'_, Self>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        if value.as_ptr() == slf.as_ptr() {
            return Ok(()); // `x.data = x`: already its own data (and borrowed mutably here)
        }
        let v = tensor_arg("data", "data", value)?;
        let t = slf.t.with_data_of(&v)?;
        super::identity::retarget(&mut slf, t);
        Ok(())
    }

    #[getter]
    fn requires_grad(&self) -> bool {
        self.t.requires_grad()
    }
    #[setter]
    fn set_requires_grad(slf: PyRef<'_, Self>, v: &Bound<'_, PyAny>) -> PyResult<()> {
        // torch's setter takes a bool only, and says so with a RuntimeError
        let Ok(v) = v.cast::<pyo3::types::PyBool>().map(|b| b.is_true()) else {
            return Err(PyRuntimeError::new_err("requires_grad must be a bool"));
        };
        // torch's setter refuses any change on a non-leaf, even to True (requires_grad_(True)
        // is the spelling that accepts one).
        if !slf.t.is_leaf() {
            return Err(PyRuntimeError::new_err(
                "you can only change requires_grad flags of leaf variables (this tensor has a grad_fn).",
            ));
        }
        super::identity::adopt_ref(&slf);
        Ok(slf.t.set_requires_grad(v)?)
    }
    #[pyo3(signature = (requires_grad=true))]
    fn requires_grad_(slf: PyRef<'_, Self>, requires_grad: bool) -> PyResult<PyRef<'_, Self>> {
        super::identity::adopt_ref(&slf);
        slf.t.set_requires_grad(requires_grad)?;
        Ok(slf)
    }

    #[getter]
    fn grad(&self) -> Option<TensorObj> {
        self.t.grad().map(PyTensor::wrap)
    }
    #[setter]
    fn set_grad(&self, g: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let g = match g {
            None => None,
            Some(o) if o.is_none() => None,
            Some(o) => Some(tensor_arg("grad", "grad", o)?),
        };
        Ok(self.t.set_grad(g)?)
    }

    #[getter]
    fn grad_fn(&self) -> Option<PyNode> {
        self.t.grad_fn().map(PyNode::new)
    }
    #[getter]
    fn is_leaf(&self) -> bool {
        self.t.is_leaf()
    }
    /// Registers `hook(grad) -> Tensor | None`, run when the gradient for this tensor is
    /// computed; a returned tensor replaces the gradient.
    fn register_hook(&self, hook: Py<PyAny>) -> PyResult<super::hooks::RemovableHandle> {
        let r = self.t.register_hook(std::sync::Arc::new(super::hooks::PyGradHook(hook)))?;
        Ok(super::hooks::RemovableHandle::new(r))
    }

    /// Registers `hook(tensor)`, run after a backward accumulated into this leaf's `.grad`.
    fn register_post_accumulate_grad_hook(
        slf: PyRef<'_, Self>,
        hook: Py<PyAny>,
    ) -> PyResult<super::hooks::RemovableHandle> {
        // The hook is called with this tensor: it must be this object.
        super::identity::adopt_ref(&slf);
        let r = slf.t.register_post_accumulate_grad_hook(std::sync::Arc::new(
            super::hooks::PyPostAccumulateHook(hook),
        ))?;
        Ok(super::hooks::RemovableHandle::new(r))
    }

    fn retain_grad(&self) -> PyResult<()> {
        Ok(self.t.retain_grad()?)
    }
    #[getter]
    fn retains_grad(&self) -> bool {
        self.t.retains_grad()
    }
    fn detach(&self) -> TensorObj {
        PyTensor::wrap(self.t.detach())
    }
    fn detach_(slf: PyRefMut<'_, Self>) -> PyRefMut<'_, Self> {
        slf.t.detach_in_place();
        slf
    }

    #[pyo3(signature = (gradient=None, retain_graph=Arg::Absent, create_graph=Arg::Absent, inputs=None))]
    fn backward(
        &self,
        py: Python<'_>,
        gradient: Option<&Bound<'_, PyAny>>,
        retain_graph: Arg<'_>,
        create_graph: Arg<'_>,
        inputs: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let retain_graph = backward_flag(&retain_graph, "retain_graph", true)?;
        let create_graph = backward_flag(&create_graph, "create_graph", false)?.unwrap_or(false);
        let g = backward_gradient(gradient)?;
        let t = self.t.clone();
        let retain = retain_graph.unwrap_or(create_graph);
        if let Some(i) = inputs.filter(|i| !i.is_none()) {
            let ins = backward_inputs(i)?;
            return super::functions::backward_into(py, vec![t], vec![g], ins, retain, create_graph);
        }
        // The whole backward runs without the GIL: other Python threads keep going.
        py.detach(move || t.backward(g, retain, create_graph))?;
        Ok(())
    }

    // ---- values ----------------------------------------------------------------------------

    fn item<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.t.item()? {
            Scalar::Float(f) => f.into_bound_py_any(py),
            Scalar::Int(i) => i.into_bound_py_any(py),
            Scalar::Bool(b) => b.into_bound_py_any(py),
        }
    }

    fn tolist<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let vals = scalars_of(&self.t)?;
        if vals.is_empty() && self.t.ndim() == 0 {
            return Err(PyRuntimeError::new_err("tolist: empty 0-d tensor"));
        }
        if vals.is_empty() {
            // Shapes with a zero: nested empty lists down to the zero dim.
            return empty_nested(py, self.t.shape());
        }
        tolist_rec(py, &vals, self.t.shape())
    }

    fn numpy<'py>(slf: PyRef<'py, Self>, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        super::numpy::to_numpy(py, &slf)
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let py = slf.py();
        py.import("ferrograd._tensor_str")?.call_method1("tensor_repr", (slf,))?.extract()
    }

    fn __len__(&self) -> PyResult<usize> {
        if self.t.ndim() == 0 {
            return Err(PyTypeError::new_err("len() of a 0-d tensor"));
        }
        Ok(self.t.shape()[0])
    }

    fn __iter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let t = slf.borrow().t.clone();
        if t.ndim() == 0 {
            return Err(PyTypeError::new_err("iteration over a 0-d tensor"));
        }
        let items: Vec<TensorObj> = (0..t.shape()[0] as i64)
            .map(|i| t.select(0, i).map(PyTensor::wrap))
            .collect::<crate::Result<_>>()?;
        PyList::new(slf.py(), items)?.try_iter().map(|i| i.into_any())
    }

    fn __bool__(&self) -> PyResult<bool> {
        if self.t.numel() != 1 {
            return Err(PyRuntimeError::new_err(format!(
                "Boolean value of Tensor with more than one value is ambiguous (shape {})",
                crate::error::fmt_shape(self.t.shape())
            )));
        }
        Ok(self.t.item_f64()? != 0.0)
    }
    fn __float__(&self) -> PyResult<f64> {
        self.require_one_element()?;
        Ok(self.t.item_f64()?)
    }
    fn __int__(&self) -> PyResult<i64> {
        self.require_one_element()?;
        Ok(match self.t.item()? {
            Scalar::Float(f) => f as i64,
            Scalar::Int(i) => i,
            Scalar::Bool(b) => b as i64,
        })
    }
    fn __index__(&self) -> PyResult<i64> {
        if self.t.dtype().is_float() || self.t.numel() != 1 {
            return Err(PyTypeError::new_err(
                "only integer tensors of a single element can be converted to an index",
            ));
        }
        self.__int__()
    }
    fn __hash__(slf: &Bound<'_, Self>) -> isize {
        slf.as_ptr() as isize
    }

    // ---- arithmetic operators ----------------------------------------------------------------

    fn __add__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        binop(py, o, |o| self.t.add(o))
    }
    fn __radd__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        binop(py, o, |o| o.add(&self.t))
    }
    fn __sub__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        binop(py, o, |o| self.t.sub(o))
    }
    fn __rsub__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        binop(py, o, |o| o.sub(&self.t))
    }
    fn __mul__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        binop(py, o, |o| self.t.mul(o))
    }
    fn __rmul__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        binop(py, o, |o| o.mul(&self.t))
    }
    fn __truediv__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        binop(py, o, |o| self.t.div(o))
    }
    fn __rtruediv__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        // number / x is x.reciprocal() * number in torch: the same graph and saved tensors
        binop(py, o, |o| if o.is_wrapped_number() { self.t.reciprocal()?.mul(o) } else { o.div(&self.t) })
    }
    fn __mod__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        binop(py, o, |o| self.t.remainder(o))
    }
    fn __rmod__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        binop(py, o, |o| o.remainder(&self.t))
    }
    fn __floordiv__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        binop(py, o, |o| self.t.floor_divide(o))
    }
    fn __rfloordiv__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        binop(py, o, |o| o.floor_divide(&self.t))
    }
    fn __pow__<'py>(
        &self,
        py: Python<'py>,
        o: &Bound<'py, PyAny>,
        modulo: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        if modulo.is_some_and(|m| !m.is_none()) {
            return Err(PyTypeError::new_err("pow() with a modulo is not supported for tensors"));
        }
        binop(py, o, |o| self.t.pow(o))
    }
    fn __rpow__<'py>(
        &self,
        py: Python<'py>,
        o: &Bound<'py, PyAny>,
        modulo: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        if modulo.is_some_and(|m| !m.is_none()) {
            return Err(PyTypeError::new_err("pow() with a modulo is not supported for tensors"));
        }
        binop(py, o, |o| o.pow(&self.t))
    }
    fn __matmul__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        match o.cast::<PyTensor>() {
            Ok(t) => PyTensor::wrap(self.t.matmul(&t.borrow().t)?).into_py_any(py),
            Err(_) => Ok(py.NotImplemented()),
        }
    }
    fn __rmatmul__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        match o.cast::<PyTensor>() {
            Ok(t) => PyTensor::wrap(t.borrow().t.matmul(&self.t)?).into_py_any(py),
            Err(_) => Ok(py.NotImplemented()),
        }
    }
    fn __neg__(&self) -> R {
        ok(self.t.neg())
    }
    fn __pos__(&self) -> R {
        if self.t.dtype() == DType::Bool {
            return Err(pyo3::exceptions::PyNotImplementedError::new_err(
                "The `+` operator, on a bool tensor is not supported.",
            ));
        }
        Ok(PyTensor::wrap(self.t.clone()))
    }
    fn __abs__(&self) -> R {
        ok(self.t.abs())
    }
    fn __invert__(&self) -> R {
        if self.t.dtype().is_float() {
            return Err(PyTypeError::new_err(
                "~ (operator.invert) is only implemented on integer and Boolean-type tensors",
            ));
        }
        ok(crate::ops::unary::bitwise_not(&self.t))
    }
    fn bitwise_not(&self) -> R {
        ok(crate::ops::unary::bitwise_not(&self.t))
    }
    fn __and__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        self.number_binop(py, o, Tensor::bitwise_and)
    }
    fn __or__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        self.number_binop(py, o, Tensor::bitwise_or)
    }
    fn __xor__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        self.number_binop(py, o, Tensor::bitwise_xor)
    }
    // (and, or and xor are symmetric: `True & x` is `x & True`)
    fn __rand__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        self.number_binop(py, o, Tensor::bitwise_and)
    }
    fn __ror__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        self.number_binop(py, o, Tensor::bitwise_or)
    }
    fn __rxor__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        self.number_binop(py, o, Tensor::bitwise_xor)
    }
    fn __lshift__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        self.number_binop(py, o, Tensor::bitwise_left_shift)
    }
    fn __rshift__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        self.number_binop(py, o, Tensor::bitwise_right_shift)
    }
    // (shifts are not symmetric: `2 << x` shifts the number)
    fn __rlshift__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        self.number_binop(py, o, |x, n| n.bitwise_left_shift(x))
    }
    fn __rrshift__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        self.number_binop(py, o, |x, n| n.bitwise_right_shift(x))
    }

    fn __iadd__(slf: PyRef<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<()> {
        slf.inplace_binary("add_", operand_or_err("add_", o)?, Tensor::add)
    }
    fn __isub__(slf: PyRef<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<()> {
        slf.inplace_binary("sub_", operand_or_err("sub_", o)?, Tensor::sub)
    }
    fn __imul__(slf: PyRef<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<()> {
        slf.inplace_binary("mul_", operand_or_err("mul_", o)?, Tensor::mul)
    }
    fn __ipow__(
        slf: PyRef<'_, Self>,
        o: &Bound<'_, PyAny>,
        _modulo: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        slf.inplace_binary("pow_", operand_or_err("pow_", o)?, Tensor::pow)
    }
    fn __itruediv__(slf: PyRef<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<()> {
        slf.inplace_binary("div_", operand_or_err("div_", o)?, Tensor::div)
    }
    fn __imod__(slf: PyRef<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<()> {
        slf.inplace_binary("remainder_", operand_or_err("remainder_", o)?, Tensor::remainder)
    }
    fn __ifloordiv__(slf: PyRef<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<()> {
        slf.inplace_binary("floor_divide_", operand_or_err("floor_divide_", o)?, Tensor::floor_divide)
    }

    // ---- comparisons ---------------------------------------------------------------------------

    fn __eq__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        binop(py, o, |o| self.t.eq(o))
    }
    fn __ne__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        binop(py, o, |o| self.t.ne(o))
    }
    fn __lt__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        binop(py, o, |o| self.t.lt(o))
    }
    fn __le__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        binop(py, o, |o| self.t.le(o))
    }
    fn __gt__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        binop(py, o, |o| self.t.gt(o))
    }
    fn __ge__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        binop(py, o, |o| self.t.ge(o))
    }
    fn eq(&self, other: &Bound<'_, PyAny>) -> R {
        ok(self.t.eq(&operand_or_err("eq", other)?))
    }
    fn ne(&self, other: &Bound<'_, PyAny>) -> R {
        ok(self.t.ne(&operand_or_err("ne", other)?))
    }
    fn lt(&self, other: &Bound<'_, PyAny>) -> R {
        ok(self.t.lt(&operand_or_err("lt", other)?))
    }
    fn le(&self, other: &Bound<'_, PyAny>) -> R {
        ok(self.t.le(&operand_or_err("le", other)?))
    }
    fn gt(&self, other: &Bound<'_, PyAny>) -> R {
        ok(self.t.gt(&operand_or_err("gt", other)?))
    }
    fn ge(&self, other: &Bound<'_, PyAny>) -> R {
        ok(self.t.ge(&operand_or_err("ge", other)?))
    }
    fn logical_not(&self) -> R {
        ok(self.t.logical_not())
    }
    // `other` must be a tensor here, as in torch (the operators take numbers)

    // ---- named arithmetic ----------------------------------------------------------------------

    #[pyo3(signature = (other, *, alpha=Arg::Absent))]
    fn add(&self, other: &Bound<'_, PyAny>, alpha: Arg<'_>) -> R {
        ok(self.t.add(&alpha_scaled("add", &self.t, operand_or_err("add", other)?, &alpha)?))
    }
    #[pyo3(signature = (other, *, alpha=Arg::Absent))]
    fn sub(&self, other: &Bound<'_, PyAny>, alpha: Arg<'_>) -> R {
        ok(self.t.sub(&alpha_scaled("sub", &self.t, operand_or_err("sub", other)?, &alpha)?))
    }
    fn mul(&self, other: &Bound<'_, PyAny>) -> R {
        ok(self.t.mul(&operand_or_err("mul", other)?))
    }
    #[pyo3(signature = (other, *, rounding_mode=None))]
    fn div(&self, other: &Bound<'_, PyAny>, rounding_mode: Option<&Bound<'_, PyAny>>) -> R {
        let f = super::convert::div_mode("div", rounding_mode)?;
        ok(f(&self.t, &operand_or_err("div", other)?))
    }
    #[pyo3(signature = (other, *, rounding_mode=None))]
    fn divide(&self, other: &Bound<'_, PyAny>, rounding_mode: Option<&Bound<'_, PyAny>>) -> R {
        let f = super::convert::div_mode("divide", rounding_mode)?;
        ok(f(&self.t, &operand_or_err("divide", other)?))
    }
    fn floor_divide(&self, other: &Bound<'_, PyAny>) -> R {
        ok(self.t.floor_divide(&operand_or_err("floor_divide", other)?))
    }
    fn pow(&self, exponent: &Bound<'_, PyAny>) -> R {
        ok(self.t.pow(&operand_or_err("pow", exponent)?))
    }
    fn remainder(&self, other: &Bound<'_, PyAny>) -> R {
        ok(self.t.remainder(&operand_or_err("remainder", other)?))
    }
    fn fmod(&self, other: &Bound<'_, PyAny>) -> R {
        ok(self.t.fmod(&operand_or_err("fmod", other)?))
    }
    fn maximum(&self, other: &Bound<'_, PyAny>) -> R {
        ok(self.t.maximum(&tensor_arg("maximum", "other", other)?))
    }
    fn minimum(&self, other: &Bound<'_, PyAny>) -> R {
        ok(self.t.minimum(&tensor_arg("minimum", "other", other)?))
    }
    fn matmul(&self, other: &Bound<'_, PyAny>) -> R {
        ok(self.t.matmul(&tensor_arg("matmul", "other", other)?))
    }
    fn mm(&self, mat2: &Bound<'_, PyAny>) -> R {
        let o = tensor_arg("mm", "mat2", mat2)?;
        if self.t.ndim() != 2 || o.ndim() != 2 {
            return Err(PyRuntimeError::new_err(
                "mm: both arguments must be 2-D (use matmul for other shapes)",
            ));
        }
        ok(self.t.matmul(&o))
    }

    #[pyo3(signature = (other, *, alpha=Arg::Absent))]
    fn add_<'a>(slf: PyRef<'a, Self>, other: &Bound<'_, PyAny>, alpha: Arg<'_>) -> PyResult<PyRef<'a, Self>> {
        let o = alpha_scaled("add_", &slf.t, operand_or_err("add_", other)?, &alpha)?;
        slf.inplace_binary("add_", o, Tensor::add)?;
        Ok(slf)
    }
    #[pyo3(signature = (other, *, alpha=Arg::Absent))]
    fn sub_<'a>(slf: PyRef<'a, Self>, other: &Bound<'_, PyAny>, alpha: Arg<'_>) -> PyResult<PyRef<'a, Self>> {
        let o = operand_or_err("sub_", other)?;
        // sub's bool check runs on the operand before alpha turns it into a number.
        if o.dtype() == DType::Bool || slf.t.dtype() == DType::Bool {
            return Err(PyRuntimeError::new_err(format!(
                "sub_: Subtraction, the `-` operator, with a bool tensor is not supported ({} - {}). If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.",
                slf.t.dtype(),
                o.dtype()
            )));
        }
        let o = alpha_scaled("sub_", &slf.t, o, &alpha)?;
        slf.inplace_binary("sub_", o, Tensor::sub)?;
        Ok(slf)
    }
    fn mul_<'a>(slf: PyRef<'a, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyRef<'a, Self>> {
        slf.inplace_binary("mul_", operand_or_err("mul_", other)?, Tensor::mul)?;
        Ok(slf)
    }
    #[pyo3(signature = (other, *, rounding_mode=None))]
    fn div_<'a>(
        slf: PyRef<'a, Self>,
        other: &Bound<'_, PyAny>,
        rounding_mode: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyRef<'a, Self>> {
        let f = super::convert::div_mode("div_", rounding_mode)?;
        slf.inplace_binary("div_", operand_or_err("div_", other)?, f)?;
        Ok(slf)
    }
    fn floor_divide_<'a>(slf: PyRef<'a, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyRef<'a, Self>> {
        slf.inplace_binary("floor_divide_", operand_or_err("floor_divide_", other)?, Tensor::floor_divide)?;
        Ok(slf)
    }
    fn remainder_<'a>(slf: PyRef<'a, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyRef<'a, Self>> {
        slf.inplace_binary("remainder_", operand_or_err("remainder_", other)?, Tensor::remainder)?;
        Ok(slf)
    }
    fn fmod_<'a>(slf: PyRef<'a, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyRef<'a, Self>> {
        slf.inplace_binary("fmod_", operand_or_err("fmod_", other)?, Tensor::fmod)?;
        Ok(slf)
    }
    fn pow_<'a>(slf: PyRef<'a, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyRef<'a, Self>> {
        slf.inplace_binary("pow_", operand_or_err("pow_", other)?, Tensor::pow)?;
        Ok(slf)
    }
    #[pyo3(signature = (min=None, max=None))]
    fn clamp_<'a>(
        slf: PyRef<'a, Self>,
        min: Option<&Bound<'_, PyAny>>,
        max: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyRef<'a, Self>> {
        let (mut lo, mut hi) = (ClampBound::of("clamp_", "min", min)?, ClampBound::of("clamp_", "max", max)?);
        check_clamp_kinds("clamp_", &mut lo, &mut hi)?;
        let others: Vec<&Tensor> = [&lo, &hi].into_iter().filter_map(ClampBound::tensor).collect();
        slf.t.apply_inplace("clamp_", &others, |s| clamp_impl(s, &lo, &hi))?;
        Ok(slf)
    }
    fn neg_(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        slf.t.apply_inplace("neg_", &[], |s| s.neg())?;
        Ok(slf)
    }
    fn exp_(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        slf.t.apply_inplace("exp_", &[], |s| s.exp())?;
        Ok(slf)
    }
    fn relu_(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        slf.t.apply_inplace("relu_", &[], |s| s.relu())?;
        Ok(slf)
    }
    fn zero_(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        slf.t.zero_()?;
        Ok(slf)
    }
    fn fill_<'a>(slf: PyRef<'a, Self>, value: &Bound<'_, PyAny>) -> PyResult<PyRef<'a, Self>> {
        let v = value_scalar("fill_", value)?;
        slf.t.fill_(v)?;
        Ok(slf)
    }
    /// `copy_(src)`: a tensor, or (as torch's parser wraps one) a Python number.
    fn copy_<'a>(slf: PyRef<'a, Self>, src: &Bound<'_, PyAny>) -> PyResult<PyRef<'a, Self>> {
        if let Some(v) = super::convert::scalar_of(src) {
            slf.t.copy_(&Tensor::wrapped_scalar(v))?;
            return Ok(slf);
        }
        let s = tensor_arg("copy_", "src", src)?;
        slf.t.copy_(&s)?;
        Ok(slf)
    }

    // ---- unary math ----------------------------------------------------------------------------

    fn neg(&self) -> R {
        ok(self.t.neg())
    }
    fn negative(&self) -> R {
        ok(self.t.neg())
    }
    fn exp(&self) -> R {
        ok(self.t.exp())
    }
    fn log(&self) -> R {
        ok(self.t.log())
    }
    fn sqrt(&self) -> R {
        ok(self.t.sqrt())
    }
    fn tanh(&self) -> R {
        ok(self.t.tanh())
    }
    fn sigmoid(&self) -> R {
        ok(self.t.sigmoid())
    }
    fn relu(&self) -> R {
        ok(self.t.relu())
    }
    fn abs(&self) -> R {
        ok(self.t.abs())
    }
    fn sign(&self) -> R {
        ok(self.t.sign())
    }
    /// torch computes square as pow(x, 2): a bool input gives int64, not bool.
    fn square(&self) -> R {
        let x = if self.t.dtype() == DType::Bool { self.t.to_dtype(DType::I64)? } else { self.t.clone() };
        ok(x.mul(&x))
    }
    fn reciprocal(&self) -> R {
        ok(self.t.reciprocal())
    }
    #[pyo3(signature = (min=None, max=None))]
    fn clamp(&self, min: Option<&Bound<'_, PyAny>>, max: Option<&Bound<'_, PyAny>>) -> R {
        clamp_op("clamp", &self.t, min, max)
    }
    #[pyo3(signature = (min=None, max=None))]
    fn clip(&self, min: Option<&Bound<'_, PyAny>>, max: Option<&Bound<'_, PyAny>>) -> R {
        clamp_op("clip", &self.t, min, max)
    }
    fn clamp_min(&self, min: &Bound<'_, PyAny>) -> R {
        clamp_op("clamp_min", &self.t, Some(not_none("clamp_min", "min", min)?), None)
    }
    fn clamp_max(&self, max: &Bound<'_, PyAny>) -> R {
        clamp_op("clamp_max", &self.t, None, Some(not_none("clamp_max", "max", max)?))
    }

    // ---- reductions ----------------------------------------------------------------------------

    #[pyo3(signature = (dim=None, keepdim=false, *, dtype=None))]
    fn sum(&self, dim: Option<&Bound<'_, PyAny>>, keepdim: bool, dtype: Option<&Bound<'_, PyAny>>) -> R {
        let d = dims_of("sum", dim)?.unwrap_or_default();
        let src = match dtype_of(dtype)? {
            Some(dt) => self.t.to_dtype(dt)?,
            None => self.t.clone(),
        };
        ok(src.sum(&d, keepdim))
    }
    #[pyo3(signature = (dim=None, keepdim=false, *, dtype=None))]
    fn mean(&self, dim: Option<&Bound<'_, PyAny>>, keepdim: bool, dtype: Option<&Bound<'_, PyAny>>) -> R {
        let d = dims_of("mean", dim)?.unwrap_or_default();
        let src = match dtype_of(dtype)? {
            Some(dt) => self.t.to_dtype(dt)?,
            None => self.t.clone(),
        };
        ok(src.mean(&d, keepdim))
    }
    #[pyo3(signature = (dim=Arg::Absent, keepdim=false, *, dtype=None))]
    fn prod(&self, dim: Arg<'_>, keepdim: bool, dtype: Option<&Bound<'_, PyAny>>) -> R {
        // One int dim (prod reduces one dim at a time); an explicit None is torch's TypeError.
        let d = match dim.not_none("prod", "dim")? {
            Some(o) => vec![int_arg("prod", "dim", o)?],
            None => Vec::new(),
        };
        let src = match dtype_of(dtype)? {
            Some(dt) => self.t.to_dtype(dt)?,
            None => self.t.clone(),
        };
        ok(src.prod(&d, keepdim))
    }
    #[pyo3(signature = (dim=None, unbiased=None, keepdim=false, *, correction=None))]
    fn var(
        &self,
        dim: Option<&Bound<'_, PyAny>>,
        unbiased: Option<bool>,
        keepdim: bool,
        correction: Option<&Bound<'_, PyAny>>,
    ) -> R {
        let (d, c) = correction_of("var", dim, unbiased, correction)?;
        ok(self.t.var(&d.unwrap_or_default(), c, keepdim))
    }
    #[pyo3(signature = (dim=None, unbiased=None, keepdim=false, *, correction=None))]
    fn std(
        &self,
        dim: Option<&Bound<'_, PyAny>>,
        unbiased: Option<bool>,
        keepdim: bool,
        correction: Option<&Bound<'_, PyAny>>,
    ) -> R {
        let (d, c) = correction_of("std", dim, unbiased, correction)?;
        ok(self.t.std(&d.unwrap_or_default(), c, keepdim))
    }
    #[pyo3(signature = (dim=Arg::Absent, keepdim=Arg::Absent))]
    fn max<'py>(&self, py: Python<'py>, dim: Arg<'py>, keepdim: Arg<'py>) -> PyResult<Py<PyAny>> {
        self.extreme(py, "max", dim, keepdim, true)
    }
    #[pyo3(signature = (dim=Arg::Absent, keepdim=Arg::Absent))]
    fn min<'py>(&self, py: Python<'py>, dim: Arg<'py>, keepdim: Arg<'py>) -> PyResult<Py<PyAny>> {
        self.extreme(py, "min", dim, keepdim, false)
    }
    #[pyo3(signature = (dim=None, keepdim=false))]
    fn amax(&self, dim: Option<&Bound<'_, PyAny>>, keepdim: bool) -> R {
        ok(self.t.amax(&dims_of("amax", dim)?.unwrap_or_default(), keepdim))
    }
    #[pyo3(signature = (dim=None, keepdim=false))]
    fn amin(&self, dim: Option<&Bound<'_, PyAny>>, keepdim: bool) -> R {
        ok(self.t.amin(&dims_of("amin", dim)?.unwrap_or_default(), keepdim))
    }
    #[pyo3(signature = (dim=None, keepdim=false))]
    fn argmax(&self, dim: Option<Int>, keepdim: bool) -> R {
        ok(self.t.argmax(dim.map(|d| d.0), keepdim))
    }
    #[pyo3(signature = (dim=None, keepdim=false))]
    fn argmin(&self, dim: Option<Int>, keepdim: bool) -> R {
        ok(self.t.argmin(dim.map(|d| d.0), keepdim))
    }
    #[pyo3(signature = (dim, keepdim=false))]
    fn logsumexp(&self, dim: &Bound<'_, PyAny>, keepdim: bool) -> R {
        if dim.is_none() {
            return Err(PyTypeError::new_err(
                "logsumexp(): argument 'dim' must be tuple of ints, not NoneType",
            ));
        }
        ok(self.t.logsumexp(&dims_of("logsumexp", Some(dim))?.unwrap_or_default(), keepdim))
    }
    #[pyo3(signature = (dim, dtype=None))]
    fn softmax(&self, dim: Int, dtype: Option<&Bound<'_, PyAny>>) -> R {
        let Int(dim) = dim;
        let src = match dtype_of(dtype)? {
            Some(dt) => self.t.to_dtype(dt)?,
            None => self.t.clone(),
        };
        ok(src.softmax(dim))
    }
    #[pyo3(signature = (dim, dtype=None))]
    fn log_softmax(&self, dim: Int, dtype: Option<&Bound<'_, PyAny>>) -> R {
        let Int(dim) = dim;
        let src = match dtype_of(dtype)? {
            Some(dt) => self.t.to_dtype(dt)?,
            None => self.t.clone(),
        };
        ok(src.log_softmax(dim))
    }

    // ---- shape and views -------------------------------------------------------------------------

    #[pyo3(signature = (*shape))]
    fn view(&self, shape: &Bound<'_, PyTuple>) -> R {
        // torch's view(dtype) reinterprets the bytes; ferrograd has no such view.
        if shape.len() == 1 && shape.get_item(0)?.is_instance_of::<PyDType>() {
            return Err(pyo3::exceptions::PyNotImplementedError::new_err(format!(
                "view(dtype): reinterpreting a {} tensor's memory as another dtype is not supported; use .to(dtype) to convert values",
                self.t.dtype()
            )));
        }
        ok(self.t.view(&shape_of("view", shape)?))
    }
    #[pyo3(signature = (*shape))]
    fn reshape(&self, shape: &Bound<'_, PyTuple>) -> R {
        ok(self.t.reshape(&shape_of("reshape", shape)?))
    }
    fn view_as(&self, other: &Bound<'_, PyAny>) -> R {
        let o = tensor_arg("view_as", "other", other)?;
        ok(self.t.view(&o.shape().iter().map(|&d| d as i64).collect::<Vec<_>>()))
    }
    fn reshape_as(&self, other: &Bound<'_, PyAny>) -> R {
        let o = tensor_arg("reshape_as", "other", other)?;
        ok(self.t.reshape_to(o.shape()))
    }
    #[pyo3(signature = (start_dim=Int(0), end_dim=Int(-1)), text_signature = "($self, start_dim=0, end_dim=-1)")]
    fn flatten(&self, start_dim: Int, end_dim: Int) -> R {
        ok(self.t.flatten(start_dim.0, end_dim.0))
    }
    fn transpose(&self, dim0: Int, dim1: Int) -> R {
        ok(self.t.transpose(dim0.0, dim1.0))
    }
    fn swapaxes(&self, axis0: Int, axis1: Int) -> R {
        ok(self.t.transpose(axis0.0, axis1.0))
    }
    fn t(&self) -> R {
        ok(self.t.t())
    }
    #[getter(T)]
    fn big_t(&self) -> R {
        let n = self.t.ndim() as i64;
        let perm: Vec<i64> = (0..n).rev().collect();
        ok(self.t.permute(&perm))
    }
    /// torch: the identity on a 0-d tensor (deprecated there), an error on a 1-d one.
    #[getter(mT)]
    fn m_t(&self) -> R {
        match self.t.ndim() {
            0 => Ok(PyTensor::wrap(self.t.alias_view())),
            1 => Err(PyRuntimeError::new_err(
                "tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.",
            )),
            _ => ok(self.t.transpose(-2, -1)),
        }
    }
    #[pyo3(signature = (*dims))]
    fn permute(&self, dims: &Bound<'_, PyTuple>) -> R {
        ok(self.t.permute(&shape_of("permute", dims)?))
    }
    #[pyo3(signature = (*sizes))]
    fn expand(&self, sizes: &Bound<'_, PyTuple>) -> R {
        ok(self.t.expand(&shape_of("expand", sizes)?))
    }
    fn expand_as(&self, other: &Bound<'_, PyAny>) -> R {
        ok(self.t.expand_to(tensor_arg("expand_as", "other", other)?.shape()))
    }
    #[pyo3(signature = (dim=Arg::Absent))]
    fn squeeze(&self, dim: Arg<'_>) -> R {
        let d = dims_of("squeeze", dim.not_none("squeeze", "dim")?)?;
        ok(self.t.squeeze(d.as_deref()))
    }
    fn unsqueeze(&self, dim: Int) -> R {
        ok(self.t.unsqueeze(dim.0))
    }
    /// Returns self when already contiguous (the same Python object, as torch does).
    #[pyo3(signature = (*, memory_format=None))]
    fn contiguous<'py>(
        slf: &Bound<'py, Self>,
        memory_format: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let _ = memory_format;
        let t = slf.borrow().t.clone();
        if t.is_contiguous() {
            return Ok(slf.clone().into_any());
        }
        Ok(PyTensor::wrap(t.contiguous()?).into_pyobject(slf.py())?.into_any())
    }
    #[pyo3(signature = (*, memory_format=None))]
    fn clone(&self, memory_format: Option<&Bound<'_, PyAny>>) -> R {
        let _ = memory_format;
        ok(self.t.clone_tensor())
    }
    fn select(&self, dim: Int, index: Int) -> R {
        ok(self.t.select(dim.0, index.0))
    }
    /// `start` may also be a 0-d integer tensor (torch's RuntimeError for any other tensor).
    fn narrow(&self, dim: Int, start: &Bound<'_, PyAny>, length: Int) -> R {
        let start = if start.is_instance_of::<PyTensor>() {
            super::convert::strict_int(start)
                .ok_or_else(|| PyRuntimeError::new_err("narrow(): start must be an 0-dim integral Tensor."))?
        } else {
            int_arg("narrow", "start", start)?
        };
        ok(self.t.narrow(dim.0, start, length.0))
    }

    // ---- dtype and device -------------------------------------------------------------------------

    fn float<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        cast_or_self(slf, DType::F32)
    }
    fn double<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        cast_or_self(slf, DType::F64)
    }
    fn long<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        cast_or_self(slf, DType::I64)
    }
    fn bool<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        cast_or_self(slf, DType::Bool)
    }
    fn cpu(&self) -> R {
        ok(self.t.to_device(crate::Device::Cpu))
    }
    fn type_as(&self, other: &Bound<'_, PyAny>) -> R {
        ok(self.t.to_dtype(tensor_arg("type_as", "other", other)?.dtype()))
    }
    /// `.to(dtype)`, `.to(device)`, `.to(other)`, and the keyword forms.
    #[pyo3(signature = (*args, dtype=None, device=None, non_blocking=false, copy=false))]
    fn to(
        &self,
        args: &Bound<'_, PyTuple>,
        dtype: Option<&Bound<'_, PyAny>>,
        device: Option<&Bound<'_, PyAny>>,
        non_blocking: bool,
        copy: bool,
    ) -> R {
        let _ = non_blocking;
        let mut target = dtype_of(dtype)?;
        let mut dev = match device {
            Some(d) if !d.is_none() => Some(super::dtype::device_of(Some(d))?),
            _ => None,
        };
        // torch's spellings: to(device, dtype), to(dtype), to(tensor). A device after a dtype
        // or a tensor is its TypeError, not a device to parse.
        let mut dtype_seen = false;
        for a in args.iter() {
            if let Ok(Some(dt)) = dtype_of(Some(&a)) {
                target = Some(dt);
                dtype_seen = true;
            } else if let Ok(t) = a.cast::<PyTensor>() {
                target = Some(t.borrow().t.dtype());
                dev = Some(t.borrow().t.device());
                dtype_seen = true;
            } else if dtype_seen {
                return Err(PyTypeError::new_err(format!(
                    "to() received an invalid combination of arguments: a {} after the dtype (expected to(device, dtype), to(dtype) or to(tensor))",
                    type_name(&a)
                )));
            } else {
                dev = Some(super::dtype::device_of(Some(&a))?);
            }
        }
        let dev = dev.unwrap_or(self.t.device());
        // float64 exists only on the CPU: cast to it after a move there, to anything else before
        // moving (so `.to("wgpu", float32)` of a float64 tensor casts on the host).
        let cast_first = target != Some(crate::DType::F64);
        let mut out = self.t.clone();
        if cast_first {
            if let Some(dt) = target.filter(|&d| d != out.dtype()) {
                out = out.to_dtype(dt)?;
            }
        }
        out = out.to_device(dev)?;
        if let Some(dt) = target.filter(|&d| d != out.dtype()) {
            out = out.to_dtype(dt)?;
        }
        if copy && out.same_tensor(&self.t) {
            out = out.clone_tensor()?;
        }
        Ok(PyTensor::wrap(out))
    }

    // ---- creation from this tensor ----------------------------------------------------------------

    #[pyo3(signature = (*size, dtype=None, requires_grad=false))]
    fn new_zeros(
        &self,
        size: &Bound<'_, PyTuple>,
        dtype: Option<&Bound<'_, PyAny>>,
        requires_grad: bool,
    ) -> R {
        self.new_full_impl(size, 0.0, dtype, requires_grad)
    }
    #[pyo3(signature = (*size, dtype=None, requires_grad=false))]
    fn new_ones(
        &self,
        size: &Bound<'_, PyTuple>,
        dtype: Option<&Bound<'_, PyAny>>,
        requires_grad: bool,
    ) -> R {
        self.new_full_impl(size, 1.0, dtype, requires_grad)
    }
    #[pyo3(signature = (data, *, dtype=None, requires_grad=false))]
    fn new_tensor(
        &self,
        data: &Bound<'_, PyAny>,
        dtype: Option<&Bound<'_, PyAny>>,
        requires_grad: bool,
    ) -> R {
        let dt = dtype_of(dtype)?.unwrap_or(self.t.dtype());
        super::functions::tensor_impl(data, Some(dt), requires_grad)
    }

    // ---- indexing ----------------------------------------------------------------------------------

    fn __getitem__(&self, index: &Bound<'_, PyAny>) -> R {
        let spec = parse_index(&self.t, index)?;
        ok(spec.get(&self.t))
    }

    fn __setitem__(&self, index: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        // torch assigns tensors and numbers only (a list or tuple is its TypeError).
        if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
            return Err(PyTypeError::new_err(format!(
                "can't assign a {} to a Tensor (wrap it with torch.tensor first)",
                type_name(value)
            )));
        }
        let spec = parse_index(&self.t, index)?;
        let v = value_tensor(value, self.t.dtype())?;
        // Advanced indexing writes through index_put, which in torch takes a dimensioned value
        // of the destination's dtype only (a 0-d one is cast, as is any value for basic indexing).
        if !spec.adv.is_empty() && v.ndim() > 0 && v.dtype() != self.t.dtype() {
            return Err(PyRuntimeError::new_err(format!(
                "Index put requires the source and destination dtypes match, got {} for the destination and {} for the source.",
                self.t.dtype(),
                v.dtype()
            )));
        }
        Ok(self.t.index_put_(&spec, &v)?)
    }

    /// `x.where(condition, y)`: x where condition holds, else y.
    #[pyo3(name = "where")]
    fn where_(&self, condition: &Bound<'_, PyAny>, other: &Bound<'_, PyAny>) -> R {
        let c = tensor_arg("where", "condition", condition)?;
        ok(Tensor::where_(&c, &self.t, &operand_or_err("where", other)?))
    }

    /// Formats a 0-d tensor as its number (`f"{t:.3f}"`), anything else as its repr.
    fn __format__(slf: &Bound<'_, Self>, spec: &str) -> PyResult<String> {
        let py = slf.py();
        let t = slf.borrow().t.clone();
        if t.ndim() == 0 {
            let v = slf.call_method0("item")?;
            return v.call_method1("__format__", (spec,))?.extract();
        }
        let r: String = PyTensor::__repr__(slf)?;
        py.get_type::<pyo3::types::PyString>().call1((r,))?.call_method1("__format__", (spec,))?.extract()
    }

    /// `value` is a Number or a 0-d tensor (which may carry grad), as in torch.
    fn masked_fill(&self, mask: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> R {
        let m = tensor_arg("masked_fill", "mask", mask)?;
        let v = match value.cast::<PyTensor>() {
            Ok(t) => {
                let t = t.borrow().t.clone();
                if t.ndim() != 0 {
                    return Err(PyRuntimeError::new_err(format!(
                        "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with {} dimension(s).",
                        t.ndim()
                    )));
                }
                t
            }
            Err(_) => Tensor::scalar(number_arg("masked_fill", "value", value)?, self.t.dtype()),
        };
        ok(Tensor::where_(&m, &v.to_dtype(self.t.dtype())?, &self.t))
    }
}

impl PyTensor {
    /// `x op= o` and `x.op_(o)`: one path for every in-place binary op.
    fn inplace_binary(
        &self,
        op: &str,
        o: Tensor,
        f: fn(&Tensor, &Tensor) -> crate::Result<Tensor>,
    ) -> PyResult<()> {
        Ok(self.t.apply_inplace(op, &[&o], |s| f(s, &o))?)
    }

    /// `&` and `|` are bitwise in torch; ferrograd has them for bool tensors only.
    /// float(x), int(x): torch's ValueError for more than one element (`item()` is a RuntimeError).
    fn require_one_element(&self) -> PyResult<()> {
        if self.t.numel() != 1 {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "only one element tensors can be converted to Python scalars (shape {})",
                crate::error::fmt_shape(self.t.shape())
            )));
        }
        Ok(())
    }

    /// `x & o`, `x | o`: logical on bool operands (ferrograd has no integer bitwise kernels).
    /// An operator taking a tensor or a Python number; anything else is Python's NotImplemented.
    fn number_binop<'py>(
        &self,
        py: Python<'py>,
        o: &Bound<'py, PyAny>,
        f: fn(&Tensor, &Tensor) -> crate::Result<Tensor>,
    ) -> PyResult<Py<PyAny>> {
        match operand(o) {
            Some(o) => PyTensor::wrap(f(&self.t, &o)?).into_py_any(py),
            None => Ok(py.NotImplemented()),
        }
    }

    /// max/min in torch's three spellings: `()`, `(other: Tensor)` and `(dim: int, keepdim)`.
    /// Anything else (`dim=None`, `dim=True`, a tensor with keepdim) is its TypeError.
    fn extreme<'py>(
        &self,
        py: Python<'py>,
        op: &str,
        dim: Arg<'py>,
        keepdim: Arg<'py>,
        max: bool,
    ) -> PyResult<Py<PyAny>> {
        // keepdim is a strict bool here (an int is torch's TypeError).
        let keep = match &keepdim {
            Arg::Absent => false,
            Arg::Given(k) => k.cast::<pyo3::types::PyBool>().map(|b| b.is_true()).map_err(|_| {
                PyTypeError::new_err(format!("{op}(): argument 'keepdim' must be bool, not {}", type_name(k)))
            })?,
        };
        match dim.not_none(op, "dim")? {
            None if keepdim.is_given() => {
                Err(PyTypeError::new_err(format!("{op}(): keepdim= needs a dim (missing argument 'dim')")))
            }
            None => PyTensor::wrap(if max { self.t.max_all()? } else { self.t.min_all()? }).into_py_any(py),
            Some(d) => {
                if let Ok(o) = d.cast::<PyTensor>() {
                    if !keepdim.is_given() {
                        let o = o.borrow().t.clone();
                        let r = if max { self.t.maximum(&o)? } else { self.t.minimum(&o)? };
                        return PyTensor::wrap(r).into_py_any(py);
                    }
                }
                let keepdim = keep;
                let d = int_arg(op, "dim", d)?;
                let (v, i) = if max { self.t.max_dim(d, keepdim)? } else { self.t.min_dim(d, keepdim)? };
                let ty = py.import("ferrograd.return_types")?.getattr(if max { "max" } else { "min" })?;
                Ok(ty.call1((PyTensor::wrap(v), PyTensor::wrap(i)))?.unbind())
            }
        }
    }

    fn new_full_impl(
        &self,
        size: &Bound<'_, PyTuple>,
        v: f64,
        dtype: Option<&Bound<'_, PyAny>>,
        requires_grad: bool,
    ) -> R {
        let shape = super::convert::sizes_of("new_full", size)?;
        let dt = dtype_of(dtype)?.unwrap_or(self.t.dtype());
        let t = Tensor::full(&shape, v, dt, self.t.device())?;
        t.set_requires_grad(requires_grad)?;
        Ok(PyTensor::wrap(t))
    }
}

/// A dtype conversion that returns the tensor itself when nothing changes, as torch does.
fn cast_or_self<'py>(slf: &Bound<'py, PyTensor>, dtype: DType) -> PyResult<Bound<'py, PyAny>> {
    let t = slf.borrow().t.clone();
    if t.dtype() == dtype {
        return Ok(slf.clone().into_any());
    }
    Ok(PyTensor::wrap(t.to_dtype(dtype)?).into_pyobject(slf.py())?.into_any())
}

fn empty_nested<'py>(py: Python<'py>, shape: &[usize]) -> PyResult<Bound<'py, PyAny>> {
    if shape.is_empty() || shape[0] == 0 {
        return Ok(PyList::empty(py).into_any());
    }
    let items: Vec<Bound<'py, PyAny>> =
        (0..shape[0]).map(|_| empty_nested(py, &shape[1..])).collect::<PyResult<_>>()?;
    Ok(PyList::new(py, items)?.into_any())
}

/// A clamp bound as torch's two clamp signatures take it: a Number or a tensor.
enum ClampBound {
    None,
    Num(Scalar),
    Tensor(Tensor),
}

impl ClampBound {
    fn of(op: &str, name: &str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<ClampBound> {
        let Some(obj) = obj.filter(|o| !o.is_none()) else { return Ok(ClampBound::None) };
        if obj.is_instance_of::<PyTensor>() {
            return Ok(ClampBound::Tensor(tensor_arg(op, name, obj)?));
        }
        match super::convert::scalar_of(obj) {
            Some(s) => Ok(ClampBound::Num(s)),
            None => Err(PyTypeError::new_err(format!(
                "{op}(): argument '{name}' must be Number or Tensor, not {}",
                type_name(obj)
            ))),
        }
    }

    fn tensor(&self) -> Option<&Tensor> {
        match self {
            ClampBound::Tensor(t) => Some(t),
            _ => None,
        }
    }

    /// The bound as an operand of maximum/minimum (a Number as a wrapped scalar).
    fn operand(&self) -> Option<Tensor> {
        match self {
            ClampBound::None => None,
            ClampBound::Num(s) => Some(Tensor::wrapped_scalar(*s)),
            ClampBound::Tensor(t) => Some(t.clone()),
        }
    }
}

/// A required argument that may not be None (torch's TypeError).
fn not_none<'a, 'py>(op: &str, name: &str, obj: &'a Bound<'py, PyAny>) -> PyResult<&'a Bound<'py, PyAny>> {
    if obj.is_none() {
        return Err(PyTypeError::new_err(format!(
            "{op}(): argument '{name}' must be Number or Tensor, not NoneType"
        )));
    }
    Ok(obj)
}

/// torch has clamp(Number?, Number?) and clamp(Tensor?, Tensor?): mixing them is its TypeError,
/// except that its parser takes a 0-d tensor without grad as a Number.
fn check_clamp_kinds(op: &str, lo: &mut ClampBound, hi: &mut ClampBound) -> PyResult<()> {
    let as_num = |b: &mut ClampBound| -> PyResult<bool> {
        if let ClampBound::Tensor(t) = b {
            if t.ndim() != 0 || t.requires_grad() {
                return Ok(false);
            }
            *b = ClampBound::Num(t.item()?);
        }
        Ok(true)
    };
    let mixed = |lo: &ClampBound, hi: &ClampBound| {
        matches!(
            (lo, hi),
            (ClampBound::Num(_), ClampBound::Tensor(_)) | (ClampBound::Tensor(_), ClampBound::Num(_))
        )
    };
    if mixed(lo, hi) && !(as_num(lo)? && as_num(hi)?) {
        return Err(PyTypeError::new_err(format!(
            "{op}(): min and max must both be Numbers or both be Tensors, not a mix of the two"
        )));
    }
    Ok(())
}

/// clamp with torch's result type (an int tensor clamped by float bounds is float) and NaN
/// bounds propagating. Number bounds use the clamp kernel (and its gradient); tensor bounds,
/// or a NaN, go through maximum/minimum, which broadcast and propagate NaN.
fn clamp_impl(t: &Tensor, lo: &ClampBound, hi: &ClampBound) -> crate::Result<Tensor> {
    let num = |b: &ClampBound| match b {
        ClampBound::Num(s) => Some(*s),
        _ => None,
    };
    let (nlo, nhi) = (num(lo), num(hi));
    let any_tensor = lo.tensor().is_some() || hi.tensor().is_some();
    let any_nan = [nlo, nhi].iter().flatten().any(|s| s.to_f64().is_nan());
    if matches!((lo, hi), (ClampBound::None, ClampBound::None)) || (!any_tensor && !any_nan) {
        let mut dt = t.dtype();
        for s in [nlo, nhi].into_iter().flatten() {
            dt = crate::ops::binary::result_type(
                &Tensor::scalar(Scalar::Int(0), dt),
                &Tensor::wrapped_scalar(s),
            );
        }
        let x = if dt == t.dtype() { t.clone() } else { t.to_dtype(dt)? };
        return x.clamp(nlo.map(|s| s.to_f64()), nhi.map(|s| s.to_f64()));
    }
    let mut r = t.clone();
    if let Some(l) = lo.operand() {
        r = r.maximum(&l)?;
    }
    if let Some(h) = hi.operand() {
        r = r.minimum(&h)?;
    }
    Ok(r)
}

fn clamp_op(op: &str, t: &Tensor, min: Option<&Bound<'_, PyAny>>, max: Option<&Bound<'_, PyAny>>) -> R {
    let (mut lo, mut hi) = (ClampBound::of(op, "min", min)?, ClampBound::of(op, "max", max)?);
    check_clamp_kinds(op, &mut lo, &mut hi)?;
    ok(clamp_impl(t, &lo, &hi))
}

/// A fill value: a Number, or a 0-d tensor's value (torch's RuntimeError for other tensors).
fn value_scalar(op: &str, value: &Bound<'_, PyAny>) -> PyResult<Scalar> {
    if let Ok(t) = value.cast::<PyTensor>() {
        let t = t.borrow().t.clone();
        if t.ndim() != 0 {
            return Err(PyRuntimeError::new_err(format!(
                "{op} only supports 0-dimension value tensor but got tensor with {} dimensions.",
                t.ndim()
            )));
        }
        return Ok(t.item()?);
    }
    number_arg(op, "value", value)
}

/// `retain_graph=` / `create_graph=` of `backward()`, read by `flag_of`. torch's Tensor.backward
/// passes `retain_graph=None` on as "default" but hands `create_graph` to the engine as given,
/// so an explicit `create_graph=None` is its TypeError.
fn backward_flag(o: &Arg<'_>, name: &str, none_is_default: bool) -> PyResult<Option<bool>> {
    match o {
        Arg::Absent => Ok(None),
        Arg::Given(o) if o.is_none() && none_is_default => Ok(None),
        Arg::Given(o) => super::convert::flag_of("backward", name, o).map(Some),
    }
}

/// `gradient=` of `backward()`. torch hands it to autograd.backward as grad_tensors, so a
/// sequence is one gradient (a tensor or None) per tensor, and this call has one tensor.
fn backward_gradient(o: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Tensor>> {
    let Some(o) = o.filter(|o| !o.is_none()) else { return Ok(None) };
    if !(o.is_instance_of::<PyTuple>() || o.is_instance_of::<PyList>()) {
        return Ok(Some(tensor_arg("backward", "gradient", o)?));
    }
    let items: Vec<Bound<'_, PyAny>> = o.try_iter()?.collect::<PyResult<_>>()?;
    if let Some(bad) = items.iter().find(|g| !g.is_none() && !g.is_instance_of::<PyTensor>()) {
        return Err(PyTypeError::new_err(format!(
            "backward(): gradients can be either Tensors or None, but got {}",
            type_name(bad)
        )));
    }
    match items.as_slice() {
        [g] if g.is_none() => Ok(None),
        [g] => Ok(Some(tensor_arg("backward", "gradient", g)?)),
        _ => Err(PyRuntimeError::new_err(format!("backward(): got 1 tensors and {} gradients", items.len()))),
    }
}

/// `inputs=` of `backward()`: a tensor or a non-empty iterable of tensors. torch checks the
/// items in its engine (RuntimeError); a non-iterable is Python's TypeError.
fn backward_inputs(i: &Bound<'_, PyAny>) -> PyResult<Vec<Tensor>> {
    if i.cast::<PyTensor>().is_ok() {
        return Ok(vec![tensor_arg("backward", "inputs", i)?]);
    }
    let ins: Vec<Tensor> = i
        .try_iter()?
        .map(|o| {
            let o = o?;
            if o.cast::<PyTensor>().is_err() {
                return Err(PyRuntimeError::new_err(format!(
                    "backward(): all inputs have to be Tensors, but got {}",
                    type_name(&o)
                )));
            }
            tensor_arg("backward", "inputs", &o)
        })
        .collect::<PyResult<_>>()?;
    if ins.is_empty() {
        return Err(PyRuntimeError::new_err("`inputs` argument to `backward()` cannot be empty."));
    }
    Ok(ins)
}
