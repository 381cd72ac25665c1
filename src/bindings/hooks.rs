//! Python callables as gradient hooks. A hook runs inside the engine (which runs without the
//! GIL) and takes the GIL just for itself. An exception it raises is kept and re-raised as is
//! when backward returns to Python.

use super::convert::type_name;
use super::tensor::PyTensor;
use crate::autograd::gc::Visit;
use crate::autograd::hooks::{replaced_grad, GradHook, NodeHook, PostAccumulateHook, Remover};
use crate::error::{Error, Result};
use crate::tensor::Tensor;
use parking_lot::Mutex;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use std::ops::ControlFlow;

/// The first Python exception raised by a hook during the current backward.
static PENDING: Mutex<Option<PyErr>> = Mutex::new(None);

/// Called where a crate error becomes a Python exception: a hook's own exception wins.
pub fn take_pending() -> Option<PyErr> {
    PENDING.lock().take()
}

pub(crate) fn keep(e: PyErr) -> Error {
    let msg = Python::attach(|py| e.value(py).repr().map(|r| r.to_string()).unwrap_or_default());
    let mut p = PENDING.lock();
    if p.is_none() {
        *p = Some(e);
    }
    Error::Autograd(format!("a Python hook raised {msg}"))
}

/// What a hook returned in place of the gradient `like`: None keeps it.
fn tensor_result(r: Bound<'_, PyAny>, like: &Tensor, what: &str) -> Result<Option<Tensor>> {
    if r.is_none() {
        return Ok(None);
    }
    match r.cast::<PyTensor>() {
        Ok(t) => replaced_grad(what, like, t.borrow().t.clone()).map(Some),
        Err(_) => Err(keep(PyTypeError::new_err(format!(
            "{what} must return None or a Tensor, got {}",
            type_name(&r)
        )))),
    }
}

/// Lets Ctrl-C stop a long backward: the engine asks between nodes, and a KeyboardInterrupt (or
/// whatever a signal handler raised) is re-raised when backward returns to Python. Python runs
/// signal handlers only on its main thread, so only a backward called from it asks, if the
/// module was imported there (imported elsewhere, every thread asks).
pub(crate) fn install_interrupt_check(py: Python<'_>) -> PyResult<()> {
    let threading = py.import("threading")?;
    let main = threading.call_method0("current_thread")?.is(&threading.call_method0("main_thread")?);
    crate::autograd::engine::set_interrupt_check(
        || Python::attach(|py| py.check_signals()).map_err(keep),
        main.then(|| std::thread::current().id()),
    );
    Ok(())
}

/// Reports a Rust-held Python reference to the collector's `visit` (see `autograd::gc`); the
/// first failing visit's error is kept to be returned from `__traverse__`.
pub(crate) fn gc_visitor<'a>(
    visit: &'a pyo3::gc::PyVisit<'_>,
    failed: &'a mut Option<pyo3::PyTraverseError>,
) -> impl FnMut(&dyn std::any::Any) -> ControlFlow<()> + 'a {
    move |obj| match obj.downcast_ref::<Py<PyAny>>().map(|p| visit.call(p)) {
        Some(Err(e)) => {
            *failed = Some(e);
            ControlFlow::Break(())
        }
        _ => ControlFlow::Continue(()),
    }
}

pub struct PyGradHook(pub Py<PyAny>);

impl GradHook for PyGradHook {
    fn visit_foreign(&self, visit: &mut Visit<'_>) -> ControlFlow<()> {
        visit(&self.0)
    }
    fn call(&self, grad: &Tensor) -> Result<Option<Tensor>> {
        Python::attach(|py| {
            let r = self.0.bind(py).call1((PyTensor::wrap(grad.clone()),)).map_err(keep)?;
            tensor_result(r, grad, "hook")
        })
    }
}

pub struct PyPostAccumulateHook(pub Py<PyAny>);

impl PostAccumulateHook for PyPostAccumulateHook {
    fn visit_foreign(&self, visit: &mut Visit<'_>) -> ControlFlow<()> {
        visit(&self.0)
    }
    fn call(&self, leaf: &Tensor) -> Result<()> {
        Python::attach(|py| {
            self.0.bind(py).call1((PyTensor::wrap(leaf.clone()),)).map_err(keep)?;
            Ok(())
        })
    }
}

/// grad_fn.register_prehook(fn(grad_outputs)) / register_hook(fn(grad_inputs, grad_outputs)).
pub struct PyNodeHook {
    pub pre: Option<Py<PyAny>>,
    pub post: Option<Py<PyAny>>,
}

fn opt_tuple<'py>(py: Python<'py>, ts: &[Option<Tensor>]) -> PyResult<Bound<'py, PyTuple>> {
    PyTuple::new(py, ts.iter().map(|t| t.clone().map(PyTensor::wrap)))
}

impl NodeHook for PyNodeHook {
    fn visit_foreign(&self, visit: &mut Visit<'_>) -> ControlFlow<()> {
        for f in self.pre.iter().chain(&self.post) {
            visit(f)?;
        }
        ControlFlow::Continue(())
    }
    fn pre(&self, grad_output: &Tensor) -> Result<Option<Tensor>> {
        let Some(f) = &self.pre else { return Ok(None) };
        Python::attach(|py| {
            let args = opt_tuple(py, &[Some(grad_output.clone())]).map_err(keep)?;
            let r = f.bind(py).call1((args,)).map_err(keep)?;
            if r.is_none() {
                return Ok(None);
            }
            let first = r.get_item(0).map_err(keep)?;
            tensor_result(first, grad_output, "prehook")
        })
    }

    fn post(
        &self,
        grad_inputs: &[Option<Tensor>],
        grad_output: &Tensor,
    ) -> Result<Option<Vec<Option<Tensor>>>> {
        let Some(f) = &self.post else { return Ok(None) };
        Python::attach(|py| {
            let gi = opt_tuple(py, grad_inputs).map_err(keep)?;
            let go = opt_tuple(py, &[Some(grad_output.clone())]).map_err(keep)?;
            let r = f.bind(py).call1((gi, go)).map_err(keep)?;
            if r.is_none() {
                return Ok(None);
            }
            let mut out = Vec::with_capacity(grad_inputs.len());
            for (i, old) in grad_inputs.iter().enumerate() {
                let item = r.get_item(i).map_err(keep)?;
                out.push(match old {
                    Some(o) => tensor_result(item, o, "hook")?,
                    None => None,
                });
            }
            Ok(Some(out))
        })
    }
}

/// What `register_hook` returns: `handle.remove()` unregisters the hook.
#[pyclass(module = "ferrograd.utils.hooks", name = "RemovableHandle")]
pub struct RemovableHandle {
    remover: Option<Remover>,
}

impl RemovableHandle {
    pub fn new(remover: Remover) -> Self {
        RemovableHandle { remover: Some(remover) }
    }
}

#[pymethods]
impl RemovableHandle {
    fn remove(&mut self) {
        if let Some(r) = self.remover.take() {
            r();
        }
    }
    fn __enter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }
    fn __exit__(
        &mut self,
        _a: Option<&Bound<'_, PyAny>>,
        _b: Option<&Bound<'_, PyAny>>,
        _c: Option<&Bound<'_, PyAny>>,
    ) {
        self.remove();
    }
}

/// What a Python pack hook returned, with the unpack hook that turns it back into a tensor.
struct PyPacked {
    obj: Py<PyAny>,
    unpack: Py<PyAny>,
}

impl crate::autograd::saved::PackedValue for PyPacked {
    fn unpack(&self) -> Result<Tensor> {
        Python::attach(|py| {
            let r = self.unpack.bind(py).call1((self.obj.clone_ref(py),)).map_err(keep)?;
            match r.cast::<PyTensor>() {
                Ok(t) => Ok(t.borrow().t.clone()),
                Err(_) => Err(keep(PyTypeError::new_err(
                    "the unpack hook of saved_tensors_hooks must return a Tensor",
                ))),
            }
        })
    }
}

/// Enters a `saved_tensors_hooks(pack, unpack)` context on this thread.
#[pyfunction]
pub fn _push_saved_tensors_hooks(pack: Py<PyAny>, unpack: Py<PyAny>) {
    let unpack = std::sync::Arc::new(unpack);
    crate::autograd::saved::push_pack_hook(std::sync::Arc::new(move |t: &Tensor| {
        Python::attach(|py| {
            let obj = pack.bind(py).call1((PyTensor::wrap(t.clone()),)).map_err(keep)?;
            Ok(Box::new(PyPacked { obj: obj.unbind(), unpack: unpack.clone_ref(py) })
                as Box<dyn crate::autograd::saved::PackedValue>)
        })
    }));
}

#[pyfunction]
pub fn _pop_saved_tensors_hooks() {
    crate::autograd::saved::pop_pack_hook();
}
