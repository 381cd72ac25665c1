//! `Tensor`: a cheap handle (`Arc`) to storage + layout + dtype + autograd metadata.

mod creation;
mod data;
mod external;
mod nested;
pub mod rng;

use crate::autograd::hooks::{add_removable, GradHook, HookList, PostAccumulateHook, Remover};
use crate::autograd::{self, Edge, Node};
use crate::backend::cpu::CpuStorage;
use crate::device::Device;
use crate::dtype::DType;
use crate::error::{bail, Result};
use crate::layout::Layout;
use crate::shape::Dims;
use crate::storage::{Storage, StorageData};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

pub use creation::Scalar;
pub use nested::{flatten, Datum, Nested, NestedData};

/// Autograd state of one tensor, shared with its AccumulateGrad node (for leaves) so gradients
/// reach `.grad` even if the Python object rebinds its data.
#[derive(Default)]
pub struct AutogradMeta {
    pub requires_grad: bool,
    pub grad_fn: Option<Arc<Node>>,
    pub grad: Option<Tensor>,
    pub grad_accumulator: Weak<Node>,
    pub retains_grad: bool,
    /// Leaf hooks: run on the gradient before it is accumulated into `.grad`.
    pub hooks: Option<Arc<HookList<dyn GradHook>>>,
    pub post_accumulate_hooks: Option<Arc<HookList<dyn PostAccumulateHook>>>,
    /// Forward-mode tangent and the dual level it belongs to.
    pub tangent: Option<(u64, Tensor)>,
}

pub struct TensorImpl {
    pub(crate) storage: Storage,
    pub(crate) layout: Layout,
    pub(crate) dtype: DType,
    pub(crate) meta: Arc<Mutex<AutogradMeta>>,
    /// For results of view ops: the tensor whose storage this views (the root, never a view
    /// itself). In-place autograd on a view rewrites the base's history (see ops::inplace).
    pub(crate) base: Option<Tensor>,
    /// A Python number turned into a 0-d tensor: it takes part in type promotion as a scalar.
    pub(crate) wrapped_number: bool,
    /// Bumped by every in-place write. Views and `detach()` share it with their source (so
    /// autograd sees writes through them); `.data` gets its own, as in torch.
    pub(crate) version: Arc<VersionCounter>,
    /// For a view made while recording: the shared version when its history was last set. An
    /// in-place write to the base (or to another view of it) changes the version, and the view's
    /// history is then rebuilt from the base's on next use, as torch regenerates a view's
    /// grad_fn; a stale history would give silently wrong gradients. `NOT_TRACKED` otherwise.
    pub(crate) view_version: AtomicU64,
    /// The Python object of this tensor while one is alive, so that every conversion to Python
    /// gives the same object (`x.grad is x.grad`). Non-owning: a strong reference would keep the
    /// object alive as long as the tensor, and the object already owns the tensor. Only the
    /// bindings touch it, under the GIL; the object clears it when it dies (bindings::identity).
    #[cfg(feature = "python")]
    pub(crate) py_object: std::sync::atomic::AtomicPtr<std::ffi::c_void>,
}

/// Shared by a tensor, its views and detach(): the count of in-place writes, and which op made
/// the last one (for errors that name it without a re-run).
#[derive(Default)]
pub struct VersionCounter {
    n: AtomicU64,
    last_write: Mutex<Option<(std::borrow::Cow<'static, str>, Option<crate::autograd::callsite::CallSite>)>>,
}

/// `view_version` of a tensor that is not a view made while recording.
const NOT_TRACKED: u64 = u64::MAX;

#[derive(Clone)]
pub struct Tensor(pub(crate) Arc<TensorImpl>);

impl std::fmt::Debug for Tensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tensor({}, {:?})", self.dtype(), self.shape())
    }
}

impl Tensor {
    pub(crate) fn from_parts(storage: Storage, layout: Layout, dtype: DType) -> Tensor {
        Tensor(Arc::new(TensorImpl {
            storage,
            layout,
            dtype,
            meta: Arc::new(Mutex::new(AutogradMeta::default())),
            base: None,
            wrapped_number: false,
            version: Arc::new(VersionCounter::default()),
            view_version: AtomicU64::new(NOT_TRACKED),
            #[cfg(feature = "python")]
            py_object: Default::default(),
        }))
    }

    pub(crate) fn from_cpu(data: CpuStorage, shape: &[usize]) -> Tensor {
        Tensor::from_data(StorageData::Cpu(data), shape)
    }

    /// A contiguous tensor over a kernel's output.
    pub(crate) fn from_data(data: StorageData, shape: &[usize]) -> Tensor {
        use crate::backend::BackendStorage;
        let dtype = data.dtype();
        Tensor::from_parts(Storage::new(data), Layout::contiguous(shape), dtype)
    }

    /// A view: same storage, new layout, no history (the view op attaches its node).
    pub(crate) fn view_of(&self, layout: Layout) -> Tensor {
        let mut t = Tensor::from_parts(self.0.storage.clone(), layout, self.0.dtype);
        let imp = Arc::get_mut(&mut t.0).expect("fresh tensor");
        imp.base = Some(self.0.base.clone().unwrap_or_else(|| self.clone()));
        imp.version = self.0.version.clone();
        if autograd::is_grad_enabled() {
            *imp.view_version.get_mut() = self.version();
        }
        t
    }

    /// Rebuilds a view's history from its base's if an in-place write changed the base since the
    /// view's history was set (see `view_version`).
    #[inline]
    fn refresh_view(&self) {
        if self.0.base.is_some() {
            let seen = self.0.view_version.load(Ordering::Acquire);
            if seen != NOT_TRACKED && seen != self.version() {
                self.regenerate_view_history();
            }
        }
    }

    /// Notes that a view's history now matches the base's current version.
    pub(crate) fn mark_view_current(&self) {
        if self.0.base.is_some() && self.0.view_version.load(Ordering::Acquire) != NOT_TRACKED {
            self.0.view_version.store(self.version(), Ordering::Release);
        }
    }

    pub fn shape(&self) -> &[usize] {
        &self.0.layout.shape
    }
    pub fn dims(&self) -> Dims {
        self.0.layout.shape.clone()
    }
    pub fn strides(&self) -> &[usize] {
        &self.0.layout.strides
    }
    pub fn layout(&self) -> &Layout {
        &self.0.layout
    }
    pub fn ndim(&self) -> usize {
        self.0.layout.ndim()
    }
    pub fn numel(&self) -> usize {
        self.0.layout.numel()
    }
    pub fn dtype(&self) -> DType {
        self.0.dtype
    }
    pub fn device(&self) -> Device {
        self.0.storage.device()
    }
    pub fn storage(&self) -> &Storage {
        &self.0.storage
    }
    pub fn is_contiguous(&self) -> bool {
        self.0.layout.is_contiguous()
    }
    pub fn is_view(&self) -> bool {
        self.0.base.is_some()
    }
    pub fn base(&self) -> Option<&Tensor> {
        self.0.base.as_ref()
    }
    pub fn is_wrapped_number(&self) -> bool {
        self.0.wrapped_number
    }
    pub fn version(&self) -> u64 {
        self.0.version.n.load(Ordering::Acquire)
    }

    /// Marks an in-place write by `op`; the place is kept for version-mismatch errors.
    pub(crate) fn bump_version_by(&self, op: &str) {
        self.bump_version_at(op.to_string().into(), crate::autograd::callsite::capture());
    }

    /// Marks an in-place write by `op` at `place` (None: not made by the user's code, as the
    /// engine's gradient accumulation).
    pub(crate) fn bump_version_at(
        &self,
        op: std::borrow::Cow<'static, str>,
        place: Option<crate::autograd::callsite::CallSite>,
    ) {
        self.0.version.n.fetch_add(1, Ordering::AcqRel);
        *self.0.version.last_write.lock() = Some((op, place));
    }

    /// The last in-place write ("op at file:line"), if any.
    pub fn last_write(&self) -> Option<String> {
        let (op, place) = self.0.version.last_write.lock().clone()?;
        let place = place.and_then(|p| p.describe()).map(|p| format!(" at {p}")).unwrap_or_default();
        Some(format!("{op}{place}"))
    }
    pub fn same_tensor(&self, other: &Tensor) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    // ---- autograd attributes -------------------------------------------------------------

    pub fn requires_grad(&self) -> bool {
        self.refresh_view();
        let m = self.0.meta.lock();
        m.requires_grad || m.grad_fn.is_some()
    }

    pub fn grad_fn(&self) -> Option<Arc<Node>> {
        self.refresh_view();
        self.0.meta.lock().grad_fn.clone()
    }

    pub fn is_leaf(&self) -> bool {
        self.refresh_view();
        self.0.meta.lock().grad_fn.is_none()
    }

    pub fn grad(&self) -> Option<Tensor> {
        self.0.meta.lock().grad.clone()
    }

    pub fn set_grad(&self, g: Option<Tensor>) -> Result<()> {
        if let Some(g) = &g {
            if g.shape() != self.shape() {
                bail!(
                    Shape,
                    "assigned grad has data of a different size: {} vs the tensor's {}",
                    crate::error::fmt_shape(g.shape()),
                    crate::error::fmt_shape(self.shape())
                )
            }
            if g.dtype() != self.dtype() {
                bail!(
                    DType,
                    "assigned grad has data of a different type: {} vs the tensor's {}",
                    g.dtype(),
                    self.dtype()
                )
            }
        }
        self.0.meta.lock().grad = g;
        Ok(())
    }

    pub fn set_requires_grad(&self, requires_grad: bool) -> Result<()> {
        let mut m = self.0.meta.lock();
        if m.grad_fn.is_some() {
            if !requires_grad {
                bail!(
                    Autograd,
                    "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
                )
            }
            return Ok(());
        }
        if requires_grad && !self.0.dtype.is_float() {
            bail!(
                Autograd,
                "only Tensors of floating point dtype can require gradients (got {})",
                self.0.dtype
            )
        }
        m.requires_grad = requires_grad;
        Ok(())
    }

    pub fn retain_grad(&self) -> Result<()> {
        let mut m = self.0.meta.lock();
        match &m.grad_fn {
            None if !m.requires_grad => {
                bail!(Autograd, "can't retain_grad on Tensor that has requires_grad=False")
            }
            None => Ok(()),
            Some(node) => {
                if !m.retains_grad {
                    node.retained.lock().push(Arc::downgrade(&self.0.meta));
                    m.retains_grad = true;
                }
                Ok(())
            }
        }
    }

    /// Tensor.register_hook: on a non-leaf the hook goes on its grad_fn (it sees the gradient
    /// flowing into that node); on a leaf it runs before accumulation. Returns a remover.
    pub fn register_hook(&self, hook: Arc<dyn GradHook>) -> Result<Remover> {
        let mut m = self.0.meta.lock();
        if let Some(node) = &m.grad_fn {
            return Ok(add_removable(node, |n| &n.tensor_hooks, hook));
        }
        if !m.requires_grad {
            bail!(Autograd, "cannot register a hook on a tensor that doesn't require gradient")
        }
        Ok(add_removable(m.hooks.get_or_insert_with(Default::default), |l| l, hook))
    }

    pub fn register_post_accumulate_grad_hook(&self, hook: Arc<dyn PostAccumulateHook>) -> Result<Remover> {
        let mut m = self.0.meta.lock();
        if m.grad_fn.is_some() {
            bail!(Autograd, "post accumulate grad hooks cannot be registered on non-leaf tensors")
        }
        if !m.requires_grad {
            bail!(Autograd, "cannot register a hook on a tensor that doesn't require gradient")
        }
        Ok(add_removable(m.post_accumulate_hooks.get_or_insert_with(Default::default), |l| l, hook))
    }

    /// This tensor's tangent at dual level `level` (forward mode).
    pub fn tangent(&self, level: u64) -> Option<Tensor> {
        match &self.0.meta.lock().tangent {
            Some((l, t)) if *l == level => Some(t.clone()),
            _ => None,
        }
    }

    pub fn set_tangent(&self, level: u64, t: Tensor) {
        self.0.meta.lock().tangent = Some((level, t));
    }

    pub fn retains_grad(&self) -> bool {
        self.0.meta.lock().retains_grad
    }

    /// detach_(): this very tensor leaves the graph, a leaf that does not require grad (every
    /// handle to it, `.grad` slots included, sees the change).
    pub fn detach_in_place(&self) {
        let mut m = self.0.meta.lock();
        m.grad_fn = None;
        m.requires_grad = false;
    }

    /// A new tensor sharing storage (and the version counter), with no history.
    pub fn detach(&self) -> Tensor {
        let mut t = self.data_alias();
        Arc::get_mut(&mut t.0).expect("fresh tensor").version = self.0.version.clone();
        t
    }

    /// `.data`: shares storage but neither history nor version counter, so writes through it
    /// go unnoticed by autograd, as in torch.
    pub fn data_alias(&self) -> Tensor {
        Tensor::from_parts(self.0.storage.clone(), self.0.layout.clone(), self.0.dtype)
    }

    /// `t.data = v`: this tensor's autograd identity over v's data (torch's set_data).
    pub fn with_data_of(&self, v: &Tensor) -> Result<Tensor> {
        if self.requires_grad() && !v.dtype().is_float() {
            bail!(Autograd, "data set to a tensor of dtype {} on a tensor that requires grad", v.dtype())
        }
        Ok(Tensor(Arc::new(TensorImpl {
            storage: v.0.storage.clone(),
            layout: v.0.layout.clone(),
            dtype: v.0.dtype,
            meta: self.0.meta.clone(),
            base: v.0.base.clone(),
            wrapped_number: false,
            version: self.0.version.clone(),
            view_version: AtomicU64::new(NOT_TRACKED),
            #[cfg(feature = "python")]
            py_object: Default::default(),
        })))
    }

    /// The same data with `node` as its history (a saved output being unpacked for create_graph).
    pub(crate) fn alias_with_grad_fn(&self, node: Arc<Node>) -> Tensor {
        let t = self.detach();
        t.0.meta.lock().grad_fn = Some(node);
        t
    }

    /// Same history, private copy of the data: what an in-place op computes from, so the old
    /// values its rule saves are not the ones it is about to overwrite.
    pub(crate) fn copy_keeping_history(&self) -> Result<Tensor> {
        let copy = {
            let _g = autograd::GradModeGuard::new(false);
            self.contiguous_copy()?
        };
        let (grad_fn, tangent) = {
            let m = self.0.meta.lock();
            (m.grad_fn.clone(), m.tangent.clone())
        };
        let mut m = copy.0.meta.lock();
        m.grad_fn = grad_fn;
        m.tangent = tangent;
        drop(m);
        Ok(copy)
    }

    pub(crate) fn set_grad_fn(&self, node: Option<Arc<Node>>) {
        self.0.meta.lock().grad_fn = node;
    }

    /// The edge a consumer of this tensor records: its grad_fn, or its leaf accumulator.
    pub(crate) fn grad_edge(&self) -> Option<Edge> {
        self.refresh_view();
        let mut m = self.0.meta.lock();
        let node = if let Some(f) = &m.grad_fn {
            f.clone()
        } else if m.requires_grad {
            match m.grad_accumulator.upgrade() {
                Some(acc) => acc,
                None => {
                    let acc = Node::new_accumulate(Arc::downgrade(&self.0.meta), Arc::downgrade(&self.0));
                    m.grad_accumulator = Arc::downgrade(&acc);
                    acc
                }
            }
        } else {
            return None;
        };
        Some(Edge { node, shape: self.dims(), dtype: self.dtype(), device: self.device() })
    }

    /// Runs backward from this tensor (see autograd::engine).
    pub fn backward(&self, gradient: Option<Tensor>, retain_graph: bool, create_graph: bool) -> Result<()> {
        autograd::backward(std::slice::from_ref(self), &[gradient], retain_graph, create_graph)
    }
}
