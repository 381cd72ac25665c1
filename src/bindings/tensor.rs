//! The Python `Tensor`: every method converts its arguments, calls the Rust API, and wraps the
//! result. No math lives here.

use super::convert::Arg;
use super::convert::{dtype_of, operand, operand_or_err, tensor_arg, type_name};
use super::dtype::{PyDType, PyDevice};
use super::identity::TensorObj;
use super::index::{parse_index, value_tensor};
use super::node::PyNode;
use crate::dtype::{Category, DType};
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
    Ok(match t.dtype().category() {
        Category::Float => t.to_vec::<f64>()?.into_iter().map(Scalar::Float).collect(),
        Category::Int => t.to_vec::<i64>()?.into_iter().map(Scalar::Int).collect(),
        Category::Bool => t.to_vec::<bool>()?.into_iter().map(Scalar::Bool).collect(),
    })
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

    #[getter]
    fn ndim(&self) -> usize {
        self.t.ndim()
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

    #[getter]
    fn retains_grad(&self) -> bool {
        self.t.retains_grad()
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

    fn __rtruediv__<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        // number / x is x.reciprocal() * number in torch: the same graph and saved tensors
        binop(py, o, |o| if o.is_wrapped_number() { self.t.reciprocal()?.mul(o) } else { o.div(&self.t) })
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

    fn __ipow__(
        slf: PyRef<'_, Self>,
        o: &Bound<'_, PyAny>,
        _modulo: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        slf.inplace_binary("pow_", operand_or_err("pow_", o)?, Tensor::pow)
    }

    // `other` must be a tensor here, as in torch (the operators take numbers)

    // ---- named arithmetic ----------------------------------------------------------------------

    // ---- unary math ----------------------------------------------------------------------------

    // ---- reductions ----------------------------------------------------------------------------

    // ---- shape and views -------------------------------------------------------------------------

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

    // ---- dtype and device -------------------------------------------------------------------------

    // ---- creation from this tensor ----------------------------------------------------------------

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
}

fn empty_nested<'py>(py: Python<'py>, shape: &[usize]) -> PyResult<Bound<'py, PyAny>> {
    if shape.is_empty() || shape[0] == 0 {
        return Ok(PyList::empty(py).into_any());
    }
    let items: Vec<Bound<'py, PyAny>> =
        (0..shape[0]).map(|_| empty_nested(py, &shape[1..])).collect::<PyResult<_>>()?;
    Ok(PyList::new(py, items)?.into_any())
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

/// The binary operators: `x op o` for a tensor or a Python number `o`; anything else is Python's
/// NotImplemented (so the other operand gets its turn). `&`, `|` and `^` are symmetric (`True &
/// x` is `x & True`); the shifts are not (`2 << x` shifts the number).
macro_rules! binary_operators {
    ($($name:ident => |$x:ident, $o:ident| $e:expr;)*) => {
        #[pymethods]
        impl PyTensor {
            $(fn $name<'py>(&self, py: Python<'py>, o: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
                let $x = &self.t;
                binop(py, o, |$o| $e)
            })*
        }
    };
}

binary_operators! {
    __add__ => |x, o| x.add(o);
    __radd__ => |x, o| o.add(x);
    __sub__ => |x, o| x.sub(o);
    __rsub__ => |x, o| o.sub(x);
    __mul__ => |x, o| x.mul(o);
    __rmul__ => |x, o| o.mul(x);
    __truediv__ => |x, o| x.div(o);
    __mod__ => |x, o| x.remainder(o);
    __rmod__ => |x, o| o.remainder(x);
    __floordiv__ => |x, o| x.floor_divide(o);
    __rfloordiv__ => |x, o| o.floor_divide(x);
    __and__ => |x, o| Tensor::bitwise_and(x, o);
    __or__ => |x, o| Tensor::bitwise_or(x, o);
    __xor__ => |x, o| Tensor::bitwise_xor(x, o);
    __rand__ => |x, o| Tensor::bitwise_and(x, o);
    __ror__ => |x, o| Tensor::bitwise_or(x, o);
    __rxor__ => |x, o| Tensor::bitwise_xor(x, o);
    __lshift__ => |x, o| Tensor::bitwise_left_shift(x, o);
    __rshift__ => |x, o| Tensor::bitwise_right_shift(x, o);
    __rlshift__ => |x, o| o.bitwise_left_shift(x);
    __rrshift__ => |x, o| o.bitwise_right_shift(x);
    __eq__ => |x, o| x.eq(o);
    __ne__ => |x, o| x.ne(o);
    __lt__ => |x, o| x.lt(o);
    __le__ => |x, o| x.le(o);
    __gt__ => |x, o| x.gt(o);
    __ge__ => |x, o| x.ge(o);
}

/// `x op= o`: the in-place op, with a TypeError naming it for an operand of another type.
macro_rules! inplace_operators {
    ($($name:ident => $op:literal, $f:path;)*) => {
        #[pymethods]
        impl PyTensor {
            $(fn $name(slf: PyRef<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<()> {
                slf.inplace_binary($op, operand_or_err($op, o)?, $f)
            })*
        }
    };
}

inplace_operators! {
    __iadd__ => "add_", Tensor::add;
    __isub__ => "sub_", Tensor::sub;
    __imul__ => "mul_", Tensor::mul;
    __itruediv__ => "div_", Tensor::div;
    __imod__ => "remainder_", Tensor::remainder;
    __ifloordiv__ => "floor_divide_", Tensor::floor_divide;
}
