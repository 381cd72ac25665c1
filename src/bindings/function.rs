//! autograd.Function: the Python class's backward becomes a node of the Rust graph. The
//! engine calls it (taking the GIL just for it) like any other rule.

use super::convert::tensor_arg;
use super::hooks::keep;
use super::tensor::PyTensor;
use crate::error::{Error, Result};
use crate::ops::custom::{attach, CustomBackward};
use crate::tensor::Tensor;
use parking_lot::Mutex;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use std::collections::HashSet;

/// Node names must be `'static`; each distinct Function name is leaked once.
fn intern(name: &str) -> &'static str {
    static NAMES: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    let mut g = NAMES.lock();
    let set = g.get_or_insert_with(HashSet::new);
    if let Some(s) = set.get(name) {
        return s;
    }
    let s: &'static str = Box::leak(name.to_string().into_boxed_str());
    set.insert(s);
    s
}

struct PyBackward {
    f: Py<PyAny>,
}

impl CustomBackward for PyBackward {
    fn visit_foreign(&self, visit: &mut crate::autograd::gc::Visit<'_>) -> std::ops::ControlFlow<()> {
        visit(&self.f)
    }
    fn backward(&self, grads: Vec<Tensor>) -> Result<Vec<Option<Tensor>>> {
        Python::attach(|py| {
            let args = PyTuple::new(py, grads.into_iter().map(PyTensor::wrap)).map_err(keep)?;
            let r = self.f.bind(py).call1(args).map_err(keep)?;
            let items: Vec<Bound<'_, PyAny>> =
                if r.is_instance_of::<PyTuple>() || r.is_instance_of::<PyList>() {
                    r.try_iter().map_err(keep)?.collect::<PyResult<_>>().map_err(keep)?
                } else {
                    vec![r]
                };
            items
                .iter()
                .map(|o| {
                    if o.is_none() {
                        Ok(None)
                    } else {
                        tensor_arg("backward", "grad", o).map(Some).map_err(|e| {
                            keep(e);
                            Error::Type("function backward must return Tensors or None".into())
                        })
                    }
                })
                .collect()
        })
    }
}

/// Attaches `backward` (called with the output gradients, returning one gradient per tensor
/// input) to `outputs`, the differentiable results of a Function's forward. `saved` are the
/// tensors of `ctx.save_for_backward`, which the node holds (through `backward`) until a backward
/// frees it: their bytes are its `saved_bytes`.
#[pyfunction]
#[pyo3(signature = (name, backward, inputs, outputs, saved=None))]
pub fn _function_apply(
    name: &str,
    backward: Py<PyAny>,
    inputs: &Bound<'_, PyAny>,
    outputs: &Bound<'_, PyAny>,
    saved: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<super::identity::TensorObj>> {
    let ins: Vec<Tensor> =
        inputs.try_iter()?.map(|o| tensor_arg("apply", "inputs", &o?)).collect::<PyResult<_>>()?;
    let outs: Vec<Tensor> =
        outputs.try_iter()?.map(|o| tensor_arg("apply", "outputs", &o?)).collect::<PyResult<_>>()?;
    let bytes = match saved {
        Some(s) if !s.is_none() => saved_bytes(s)?,
        _ => 0,
    };
    let got = attach(intern(name), &ins, outs, Box::new(PyBackward { f: backward }), bytes)?;
    Ok(got.into_iter().map(PyTensor::wrap).collect())
}

/// Bytes of the distinct tensors in `saved` (None and non-tensors count nothing).
fn saved_bytes(saved: &Bound<'_, PyAny>) -> PyResult<usize> {
    let mut seen: Vec<Tensor> = Vec::new();
    for o in saved.try_iter()? {
        if let Ok(t) = o?.cast::<PyTensor>() {
            let t = t.borrow().t.clone();
            if !seen.iter().any(|s| s.same_tensor(&t)) {
                seen.push(t);
            }
        }
    }
    Ok(seen.iter().map(|t| t.numel() * t.dtype().size_in_bytes()).sum())
}

/// A Function's saved output: kept as a plain alias plus a weak link to its node (a strong one
/// would close the cycle node -> backward -> ctx -> output -> node). Unpacked while recording
/// (create_graph), it has its history back, so double backward flows through it.
#[pyclass(module = "ferrograd._core", frozen)]
pub struct SavedOutput {
    alias: Tensor,
    node: Option<std::sync::Weak<crate::autograd::Node>>,
}

#[pymethods]
impl SavedOutput {
    #[new]
    fn new(t: &Bound<'_, PyAny>) -> PyResult<SavedOutput> {
        let t = tensor_arg("SavedOutput", "tensor", t)?;
        let node = t.grad_fn().map(|n| std::sync::Arc::downgrade(&n));
        Ok(SavedOutput { alias: t.detach(), node })
    }

    fn unpack(&self) -> super::identity::TensorObj {
        if crate::autograd::is_grad_enabled() {
            if let Some(n) = self.node.as_ref().and_then(|w| w.upgrade()) {
                return PyTensor::wrap(self.alias.alias_with_grad_fn(n));
            }
        }
        PyTensor::wrap(self.alias.clone())
    }

    #[getter]
    fn _version(&self) -> u64 {
        self.alias.version()
    }
}
