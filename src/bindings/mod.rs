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
    for (name, d) in
        [("float32", DType::F32), ("float64", DType::F64), ("int64", DType::I64), ("bool", DType::Bool)]
    {
        m.add(name, dtype::dtype_object(m.py(), d))?;
    }
    m.add_function(wrap_pyfunction!(functions::tensor, m)?)?;
    m.add_function(wrap_pyfunction!(functions::as_tensor, m)?)?;
    m.add_function(wrap_pyfunction!(functions::from_numpy, m)?)?;
    m.add_function(wrap_pyfunction!(functions::_legacy, m)?)?;
    for f in [
        wrap_pyfunction!(functions::_flag, m)?,
        wrap_pyfunction!(functions::leaky_relu, m)?,
        wrap_pyfunction!(functions::silu, m)?,
        wrap_pyfunction!(functions::gelu, m)?,
        wrap_pyfunction!(functions::softplus, m)?,
        wrap_pyfunction!(functions::elu, m)?,
    ] {
        m.add_function(f)?;
    }
    m.add_function(wrap_pyfunction!(math::_math_ops, m)?)?;
    m.add_function(wrap_pyfunction!(math::_binary_ops, m)?)?;
    m.add_function(wrap_pyfunction!(math::_activation_ops, m)?)?;
    m.add_function(wrap_pyfunction!(math::_ternary_ops, m)?)?;
    math::add_activations(m)?;
    m.add_function(wrap_pyfunction!(functions::is_grad_enabled, m)?)?;
    m.add_function(wrap_pyfunction!(functions::_set_grad_enabled, m)?)?;
    m.add_function(wrap_pyfunction!(functions::manual_seed, m)?)?;
    m.add_function(wrap_pyfunction!(functions::set_num_threads, m)?)?;
    m.add_function(wrap_pyfunction!(functions::get_num_threads, m)?)?;
    m.add_function(wrap_pyfunction!(functions::_backward, m)?)?;
    m.add_function(wrap_pyfunction!(functions::_grad, m)?)?;
    m.add_function(wrap_pyfunction!(functions::_set_anomaly, m)?)?;
    m.add_function(wrap_pyfunction!(functions::_enter_dual_level, m)?)?;
    m.add_function(wrap_pyfunction!(functions::_exit_dual_level, m)?)?;
    m.add_function(wrap_pyfunction!(functions::_make_dual, m)?)?;
    m.add_function(wrap_pyfunction!(functions::_unpack_dual, m)?)?;
    m.add_function(wrap_pyfunction!(hooks::_push_saved_tensors_hooks, m)?)?;
    m.add_function(wrap_pyfunction!(hooks::_pop_saved_tensors_hooks, m)?)?;
    m.add_function(wrap_pyfunction!(functions::is_anomaly_enabled, m)?)?;
    crate::autograd::anomaly::set_tracer(functions::python_trace);
    crate::autograd::callsite::set_capture(callsite::capture);
    m.add_function(wrap_pyfunction!(function::_function_apply, m)?)?;
    m.add_function(wrap_pyfunction!(node::_live_nodes, m)?)?;
    m.add_function(wrap_pyfunction!(gpu::_wgpu_is_available, m)?)?;
    m.add_function(wrap_pyfunction!(gpu::_wgpu_device_name, m)?)?;
    m.add_function(wrap_pyfunction!(gpu::_wgpu_synchronize, m)?)?;
    m.add_function(wrap_pyfunction!(gpu::_wgpu_shutdown, m)?)?;
    api::install(m)?;
    m.add("OutOfMemoryError", errors::out_of_memory_type(m.py())?)?;
    Ok(())
}
