//! `grad_fn` objects: a Python view of a graph node (name, next_functions).

use super::hooks::{PyNodeHook, RemovableHandle};
use crate::autograd::hooks::{add_removable, NodeHook};
use crate::autograd::Node;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use std::sync::Arc;

/// How many graph nodes exist in the process now (for leak tests).
#[pyfunction]
pub fn _live_nodes() -> usize {
    crate::autograd::node::live_nodes()
}

#[pyclass(name = "Node", module = "ferrograd.autograd.graph", frozen)]
pub struct PyNode {
    node: Arc<Node>,
}

impl PyNode {
    pub fn new(node: Arc<Node>) -> PyNode {
        PyNode { node }
    }

    fn add_hook(&self, h: PyNodeHook) -> RemovableHandle {
        RemovableHandle::new(add_removable(&self.node, |n| &n.node_hooks, Arc::new(h) as Arc<dyn NodeHook>))
    }
}

#[pymethods]
impl PyNode {
    /// As `Tensor.__traverse__`, for a node this object alone holds.
    fn __traverse__(&self, visit: pyo3::gc::PyVisit<'_>) -> Result<(), pyo3::PyTraverseError> {
        let mut failed = None;
        let _ = crate::autograd::gc::visit_owned_graph(
            &self.node,
            &mut super::hooks::gc_visitor(&visit, &mut failed),
        );
        failed.map_or(Ok(()), Err)
    }

    fn name(&self) -> &'static str {
        self.node.name
    }

    /// ((next_node, input_nr), ...) for each input; None where the input needs no gradient.
    #[getter]
    fn next_functions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let items = self.node.next.iter().map(|e| (e.as_ref().map(|e| PyNode::new(e.node.clone())), 0usize));
        PyTuple::new(py, items)
    }

    /// Registers `hook(grad_inputs, grad_outputs)`, run after this node computed its input
    /// gradients; a returned tuple replaces them.
    fn register_hook(&self, hook: Py<PyAny>) -> RemovableHandle {
        self.add_hook(PyNodeHook { pre: None, post: Some(hook) })
    }

    /// Registers `hook(grad_outputs)`, run before this node; a returned tuple replaces them.
    fn register_prehook(&self, hook: Py<PyAny>) -> RemovableHandle {
        self.add_hook(PyNodeHook { pre: Some(hook), post: None })
    }

    /// Shape of the tensor this node differentiates (ferrograd extension).
    #[getter]
    fn output_shape<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.node.shape.iter())
    }

    /// Dtype of the tensor this node differentiates (ferrograd extension).
    #[getter]
    fn output_dtype(&self, py: Python<'_>) -> Py<super::dtype::PyDType> {
        super::dtype::dtype_object(py, self.node.dtype)
    }

    /// Bytes this node holds for backward; 0 once freed by a backward (ferrograd extension).
    #[getter]
    fn saved_bytes(&self) -> usize {
        self.node.saved_bytes()
    }

    /// For an AccumulateGrad node: the leaf it accumulates into.
    #[getter]
    fn variable(&self) -> PyResult<super::identity::TensorObj> {
        self.node.variable().map(super::tensor::PyTensor::wrap).ok_or_else(|| {
            pyo3::exceptions::PyAttributeError::new_err(format!(
                "'{}' object has no attribute 'variable'",
                self.node.name
            ))
        })
    }

    fn __repr__(&self) -> String {
        let short = self.node.name.rsplit("::").next().unwrap_or(self.node.name);
        format!("<{short} object at {:#x}>", Arc::as_ptr(&self.node) as usize)
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<PyNode>().map(|o| Arc::ptr_eq(&o.get().node, &self.node)).unwrap_or(false)
    }

    fn __hash__(&self) -> isize {
        Arc::as_ptr(&self.node) as isize
    }
}
