//! autograd.Function: the Python class's backward becomes a node of the Rust graph. The
//! engine calls it (taking the GIL just for it) like any other rule.

use super::convert::tensor_arg;
use super::hooks::keep;
use super::tensor::PyTensor;
use crate::error::{Error, Result};
use crate::ops::custom::{attach, CustomBackward};
use crate::tensor::Tensor;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

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
    let tensors = |o: &Bound<'_, PyAny>, what| -> PyResult<Vec<Tensor>> {
        o.try_iter()?.map(|o| tensor_arg("apply", what, &o?)).collect()
    };
    let ins = tensors(inputs, "inputs")?;
    let outs = tensors(outputs, "outputs")?;
    // None and non-tensors in `saved` keep nothing.
    let mut kept = Vec::new();
    if let Some(s) = saved.filter(|s| !s.is_none()) {
        for o in s.try_iter()? {
            if let Ok(t) = o?.cast::<PyTensor>() {
                kept.push(t.borrow().t.clone());
            }
        }
    }
    let got = attach(name, &ins, outs, Box::new(PyBackward { f: backward }), &kept)?;
    Ok(got.into_iter().map(PyTensor::wrap).collect())
}

/// A Function's saved output (see `crate::autograd::saved::SavedOutput`).
#[pyclass(module = "ferrograd._core", frozen)]
pub struct SavedOutput(crate::autograd::saved::SavedOutput);

#[pymethods]
impl SavedOutput {
    #[new]
    fn new(t: &Bound<'_, PyAny>) -> PyResult<SavedOutput> {
        Ok(SavedOutput(crate::autograd::saved::SavedOutput::new(&tensor_arg("SavedOutput", "tensor", t)?)))
    }

    fn unpack(&self) -> super::identity::TensorObj {
        PyTensor::wrap(self.0.unpack())
    }

    #[getter]
    fn _version(&self) -> u64 {
        self.0.version()
    }
}
