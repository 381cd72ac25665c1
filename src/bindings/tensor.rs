//! The Python `Tensor`: its object, and the methods Python's protocols or Python values shape
//! (construction, setters, hooks, backward, conversions, indexing). The attributes, operators
//! and the methods with torch signatures are rows (`api/attrs.rs`, `api/methods.rs`,
//! `api/table.rs`), generated into this class by `bindings/api.rs`. No math lives here.

use super::convert::{dtype_of, tensor_arg, type_name, Arg};
use super::identity::TensorObj;
use super::index::{parse_index, value_tensor};
use crate::api::attrs::{self, scalars_of};
use crate::dtype::DType;
use crate::tensor::{Scalar, Tensor};
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyList, PyTuple};
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

    // ---- attributes ------------------------------------------------------------------------

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

    #[setter]
    fn set_requires_grad(slf: PyRef<'_, Self>, v: &Bound<'_, PyAny>) -> PyResult<()> {
        // torch's setter takes a bool only, and says so with a RuntimeError
        let v = v.cast::<PyBool>().map_err(|_| PyRuntimeError::new_err("requires_grad must be a bool"))?;
        attrs::set_requires_grad(&slf.t, v.is_true())?;
        super::identity::adopt_ref(&slf);
        Ok(())
    }
    #[setter]
    fn set_grad(&self, g: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let g = g.filter(|o| !o.is_none()).map(|o| tensor_arg("grad", "grad", o)).transpose()?;
        Ok(self.t.set_grad(g)?)
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

    /// `ferrograd.autograd.backward(self, ...)`, as torch's Tensor.backward is: one home for
    /// the rules of its arguments. An explicit `create_graph=None` is torch's TypeError there, so
    /// "not given" is told apart from None.
    #[pyo3(signature = (gradient=None, retain_graph=Arg::Absent, create_graph=Arg::Absent, inputs=None))]
    fn backward(
        slf: &Bound<'_, Self>,
        gradient: Option<&Bound<'_, PyAny>>,
        retain_graph: Arg<'_>,
        create_graph: Arg<'_>,
        inputs: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let py = slf.py();
        let given = |a: Arg<'_>, absent: Py<PyAny>| match a {
            Arg::Absent => absent,
            Arg::Given(o) => o.unbind(),
        };
        let (retain, create) = (given(retain_graph, py.None()), given(create_graph, false.into_py_any(py)?));
        let backward = py.import("ferrograd.autograd")?.getattr("backward")?;
        backward.call1((slf, gradient, retain, create, inputs))?;
        Ok(())
    }

    // ---- values ----------------------------------------------------------------------------

    fn tolist<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        nested_list(py, &scalars_of(&self.t)?, self.t.shape())
    }

    fn numpy<'py>(slf: PyRef<'py, Self>, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        super::numpy::to_numpy(py, &slf)
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let py = slf.py();
        py.import("ferrograd._tensor_str")?.call_method1("tensor_repr", (slf,))?.extract()
    }

    fn __len__(&self) -> PyResult<usize> {
        Ok(attrs::len(&self.t, "len() of")?)
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let items: Vec<TensorObj> = attrs::rows(&self.t)?.into_iter().map(PyTensor::wrap).collect();
        PyList::new(py, items)?.try_iter().map(|i| i.into_any())
    }

    fn __bool__(&self) -> PyResult<bool> {
        Ok(attrs::truth(&self.t)?)
    }
    fn __float__(&self) -> PyResult<f64> {
        Ok(attrs::one_element(&self.t)?.to_f64())
    }
    fn __int__(&self) -> PyResult<i64> {
        Ok(attrs::to_int(&self.t)?)
    }
    fn __index__(&self) -> PyResult<i64> {
        Ok(attrs::to_index(&self.t)?)
    }
    fn __hash__(slf: &Bound<'_, Self>) -> isize {
        slf.as_ptr() as isize
    }

    // ---- creation from this tensor (the attributes and operators are rows: api/attrs.rs) ----

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
        Ok(PyTensor::wrap(spec.get(&self.t)?))
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
        Ok(attrs::index_put(&self.t, &spec, &v)?)
    }

    /// Formats a 0-d tensor as its number (`f"{t:.3f}"`), anything else as its repr.
    fn __format__(slf: &Bound<'_, Self>, spec: &str) -> PyResult<String> {
        let py = slf.py();
        if slf.try_borrow()?.t.ndim() == 0 {
            let v = slf.call_method0("item")?;
            return v.call_method1("__format__", (spec,))?.extract();
        }
        let r: String = PyTensor::__repr__(slf)?;
        py.get_type::<pyo3::types::PyString>().call1((r,))?.call_method1("__format__", (spec,))?.extract()
    }
}

/// Nested lists of the values (`tolist()`); a shape with a zero gives empty lists down to it.
fn nested_list<'py>(py: Python<'py>, vals: &[Scalar], shape: &[usize]) -> PyResult<Bound<'py, PyAny>> {
    let Some((&n, rest)) = shape.split_first() else {
        let v =
            vals.first().ok_or_else(|| PyRuntimeError::new_err("tolist: a 0-d tensor without its value"))?;
        return super::api::out_to_py(py, crate::api::Out::Scalar(*v), None).map(|v| v.into_bound(py));
    };
    let step: usize = rest.iter().product();
    let items: Vec<Bound<'py, PyAny>> =
        (0..n).map(|i| nested_list(py, &vals[i * step..(i + 1) * step], rest)).collect::<PyResult<_>>()?;
    Ok(PyList::new(py, items)?.into_any())
}
