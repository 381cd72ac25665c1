//! The Python module `ferrograd._core`. This is the only module that uses pyo3.

mod api;
mod callsite;
mod convert;
mod dtype;
mod errors;
mod function;
mod functions;
mod gpu;
mod hooks;
mod identity;
mod index;
mod math;
mod node;
mod numpy;
pub(crate) mod tensor;

use pyo3::prelude::*;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    use crate::dtype::DType;
    hooks::install_interrupt_check(m.py())?;
    m.add_class::<tensor::PyTensor>()?;
    m.add_class::<dtype::PyDType>()?;
    m.add_class::<dtype::PyDevice>()?;
    m.add_class::<node::PyNode>()?;
    m.add_class::<numpy::ArrayInterface>()?;
    m.add_class::<hooks::RemovableHandle>()?;
    m.add_class::<function::SavedOutput>()?;
    for &d in DType::ALL {
        m.add(d.name(), dtype::dtype_object(m.py(), d))?;
    }
    for f in [
        wrap_pyfunction!(functions::tensor, m)?,
        wrap_pyfunction!(functions::as_tensor, m)?,
        wrap_pyfunction!(functions::from_numpy, m)?,
        wrap_pyfunction!(functions::_legacy, m)?,
        wrap_pyfunction!(functions::_flag, m)?,
        wrap_pyfunction!(math::_math_ops, m)?,
        wrap_pyfunction!(math::_binary_ops, m)?,
        wrap_pyfunction!(math::_activation_ops, m)?,
        wrap_pyfunction!(math::_ternary_ops, m)?,
        wrap_pyfunction!(functions::manual_seed, m)?,
        wrap_pyfunction!(functions::_backward, m)?,
        wrap_pyfunction!(functions::_grad, m)?,
        wrap_pyfunction!(functions::_unpack_dual, m)?,
        wrap_pyfunction!(hooks::_push_saved_tensors_hooks, m)?,
        wrap_pyfunction!(hooks::_pop_saved_tensors_hooks, m)?,
        wrap_pyfunction!(function::_function_apply, m)?,
        wrap_pyfunction!(node::_live_nodes, m)?,
        wrap_pyfunction!(gpu::_wgpu_is_available, m)?,
        wrap_pyfunction!(gpu::_wgpu_device_name, m)?,
        wrap_pyfunction!(gpu::_wgpu_synchronize, m)?,
        wrap_pyfunction!(gpu::_wgpu_shutdown, m)?,
    ] {
        m.add_function(f)?;
    }
    math::add_activations(m)?;
    math::add_binary_functions(m)?;
    crate::autograd::anomaly::set_tracer(functions::python_trace);
    crate::autograd::callsite::set_capture(callsite::capture);
    api::install(m)?;
    m.add("OutOfMemoryError", errors::out_of_memory_type(m.py())?)?;
    Ok(())
}
