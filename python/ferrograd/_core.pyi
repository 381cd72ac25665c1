"""Type stub for ``ferrograd._core``, the PyO3 extension module that holds ferrograd's Rust engine.

Examples follow the package convention ``import ferrograd as torch``. This stub is checked
against the compiled module by ``tests/test_stubs.py`` (mypy's stubtest).
"""

import builtins
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, SupportsIndex, final, overload

import numpy as np
from numpy.typing import NDArray
from typing_extensions import Self, TypeAlias, disjoint_base

from ferrograd import return_types
from ferrograd._size import Size

__all__ = [
    "ArrayInterface",
    "Node",
    "OutOfMemoryError",
    "RemovableHandle",
    "SavedOutput",
    "Signature",
    "Tensor",
    "_activation_ops",
    "_backward",
    "_binary_ops",
    "_enter_dual_level",
    "_exit_dual_level",
    "_flag",
    "_function_apply",
    "_grad",
    "_legacy",
    "_live_nodes",
    "_make_dual",
    "_math_ops",
    "_pop_saved_tensors_hooks",
    "_push_saved_tensors_hooks",
    "_set_anomaly",
    "_set_grad_enabled",
    "_ternary_ops",
    "_unpack_dual",
    "_wgpu_device_name",
    "_wgpu_is_available",
    "_wgpu_shutdown",
    "_wgpu_synchronize",
    "add",
    "arange",
    "as_tensor",
    "bool",
    "cat",
    "device",
    "div",
    "dtype",
    "elu",
    "empty",
    "empty_like",
    "eye",
    "float32",
    "float64",
    "floor_divide",
    "from_numpy",
    "full",
    "full_like",
    "gelu",
    "get_num_threads",
    "int32",
    "int64",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "leaky_relu",
    "linspace",
    "manual_seed",
    "mul",
    "ones",
    "ones_like",
    "permute",
    "promote_types",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "remainder",
    "reshape",
    "result_type",
    "set_num_threads",
    "silu",
    "softplus",
    "stack",
    "sub",
    "tensor",
    "where",
    "zeros",
    "zeros_like",
]

# ---- stub-only aliases ---------------------------------------------------------------------------
# `bool` is shadowed in this module by the dtype constant, and inside `Tensor` the names `float`,
# `bool`, `dtype` and `device` are methods/properties; hence `builtins.*` and the `_DType` and
# `_Device` aliases below.

_DType: TypeAlias = dtype
_Device: TypeAlias = device

# A Python number as the bindings accept it (bool, int or float).
_Number: TypeAlias = builtins.float | int | builtins.bool
# The other side of an arithmetic or comparison op: a tensor or a Python number.
_Operand: TypeAlias = Tensor | builtins.float | int | builtins.bool
# `dtype=` arguments: a ferrograd dtype, or Python's float/int/bool (-> float64/int64/bool).
_DTypeLike: TypeAlias = dtype | type[builtins.float] | type[int] | type[builtins.bool]
# `device=` arguments: None (cpu), a device string such as "cpu", or a device.
_DeviceLike: TypeAlias = device | str | None
# A shape given as one sequence (a tuple, including `Size`, or a list).
_ShapeSeq: TypeAlias = tuple[int, ...] | list[int]
# Reduction dims: one int, or a tuple/list of ints.
_Dims: TypeAlias = int | tuple[int, ...] | list[int]
# Data that `tensor()` understands: nested lists/tuples of numbers, numbers, tensors, NumPy.
_TensorData: TypeAlias = (
    Tensor | builtins.float | int | builtins.bool | list[Any] | tuple[Any, ...] | NDArray[Any] | np.generic
)
# One item of `x[...]`; a list is read as an int or bool index tensor.
_IndexItem: TypeAlias = SupportsIndex | slice | builtins.ellipsis | Tensor | list[Any] | None
_Index: TypeAlias = _IndexItem | tuple[_IndexItem, ...]

# ---- dtype and device ----------------------------------------------------------------------------

@final
class dtype:
    """The element type of a tensor: one of ``float32``, ``float64``, ``int32``, ``int64``, ``bool``.

    Not constructible; use the module constants.

    >>> torch.zeros(2).dtype
    ferrograd.float32
    >>> torch.tensor([1, 2]).dtype == torch.int64
    True
    """

    @property
    def is_floating_point(self) -> builtins.bool:
        """True for ``float32`` and ``float64``.

        >>> torch.float64.is_floating_point
        True
        """

    @property
    def itemsize(self) -> int:
        """Size of one element in bytes.

        >>> torch.int64.itemsize
        8
        """

    def __eq__(self, other: object, /) -> builtins.bool: ...
    def __hash__(self) -> int: ...
    def __reduce__(self) -> tuple[str]: ...

float32: dtype
"""32-bit floating point, the default dtype of floating tensors."""
float64: dtype
"""64-bit floating point (``torch.double``)."""
int32: dtype
"""32-bit signed integer (``torch.int``)."""
int64: dtype
"""64-bit signed integer (``torch.long``), the dtype of integer tensors and indices."""
bool: dtype
"""Boolean, the dtype of comparison results and masks."""

@final
class device:
    """Where a tensor's storage lives. ferrograd has one device, ``"cpu"``.

    ``device(spec)`` accepts a device string (``"cpu"``) or another device; anything else is a
    ``RuntimeError``. A device compares equal to its string form.

    >>> torch.device("cpu")
    device(type='cpu')
    >>> torch.zeros(1).device == "cpu"
    True
    """

    def __new__(cls, spec: str | device) -> Self: ...
    @property
    def type(self) -> str:
        """The device type as a string.

        >>> torch.device("cpu").type
        'cpu'
        """

    @property
    def index(self) -> int | None:
        """The device index; always None (ferrograd has no device ordinals)."""

    def __eq__(self, other: object, /) -> builtins.bool: ...
    def __hash__(self) -> int: ...

# ---- autograd graph ------------------------------------------------------------------------------

@final
class Node:
    """A node of the autograd graph, as found in ``Tensor.grad_fn`` (``torch.autograd.graph.Node``).

    Not constructible from Python. Nodes compare equal when they are the same graph node.

    >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> y = (x * 2).sum()
    >>> y.grad_fn
    <SumBackward0 object at 0x...>
    """

    def name(self) -> str:
        """The node's name.

        >>> x = torch.tensor([1.0], requires_grad=True)
        >>> (x * 2).grad_fn.name()
        'MulBackward0'
        """

    @property
    def next_functions(self) -> tuple[tuple[Node | None, int], ...]:
        """``((next_node, input_nr), ...)``, one pair per input of this node.

        ``next_node`` is None where that input needs no gradient.

        >>> x = torch.tensor([1.0], requires_grad=True)
        >>> (x * 2).grad_fn.next_functions
        ((<AccumulateGrad object at 0x...>, 0), (None, 0))
        """

    def register_hook(
        self, hook: Callable[[tuple[Tensor | None, ...], tuple[Tensor | None, ...]], Any]
    ) -> RemovableHandle:
        """Registers ``hook(grad_inputs, grad_outputs)``, run after this node; a returned tuple
        replaces ``grad_inputs``."""

    def register_prehook(self, hook: Callable[[tuple[Tensor | None, ...]], Any]) -> RemovableHandle:
        """Registers ``hook(grad_outputs)``, run before this node; a returned tuple replaces them."""

    @property
    def output_shape(self) -> tuple[int, ...]:
        """Shape of the tensor this node differentiates (a ferrograd extension)."""

    @property
    def output_dtype(self) -> dtype:
        """Dtype of the tensor this node differentiates (a ferrograd extension)."""

    @property
    def saved_bytes(self) -> int:
        """Bytes this node holds for backward; 0 once a backward freed them (a ferrograd extension).

        For an ``autograd.Function``, the tensors its ``ctx.save_for_backward`` kept.

        >>> x = torch.ones(1000, requires_grad=True)
        >>> (x.exp()).grad_fn.saved_bytes
        4000
        """

    @property
    def variable(self) -> Tensor:
        """For an ``AccumulateGrad`` node: the leaf tensor it accumulates into (the very object).

        Other nodes raise ``AttributeError``, as does a node whose leaf no longer exists.

        >>> x = torch.tensor([1.0], requires_grad=True)
        >>> (x * 2).grad_fn.next_functions[0][0].variable is x
        True
        """

    def __eq__(self, other: object, /) -> builtins.bool: ...
    def __hash__(self) -> int: ...

# ---- NumPy interop -------------------------------------------------------------------------------

@final
class ArrayInterface:
    """Keeps a tensor's storage alive for as long as NumPy uses the memory.

    ``Tensor.numpy()`` hands one of these to ``numpy.asarray``; it is not constructible from Python.
    """

    @property
    def __array_interface__(self) -> dict[str, Any]:
        """The NumPy array interface (version 3) describing the tensor's memory."""

# ---- Tensor --------------------------------------------------------------------------------------

@disjoint_base
class Tensor:
    """A multi-dimensional array with reverse-mode automatic differentiation.

    Tensors are made with :func:`tensor`, :func:`zeros` and the other creation functions. The
    legacy constructor ``Tensor(data)`` / ``Tensor(*sizes)`` makes a float32 tensor, as
    ``torch.Tensor`` does.

    >>> x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([[2., 4.],
            [6., 8.]])
    """

    @overload
    def __new__(cls, data: list[Any] | tuple[Any, ...] | Tensor, /) -> Self:
        """Legacy constructor: float32 data from a list, tuple or tensor, or zeros of ``*sizes``.

        >>> torch.Tensor([1, 2])
        tensor([1., 2.])
        >>> torch.Tensor(2, 3).shape
        ferrograd.Size([2, 3])
        """

    @overload
    def __new__(cls, *sizes: builtins.int) -> Self: ...
    def __init__(self, *args: Any) -> None:
        """Makes the new object its tensor's Python object, so that ``grad_fn`` edges and hooks
        give back this very object (a subclass that overrides ``__init__`` should call it)."""

    # ---- attributes ----------------------------------------------------------------------------

    @property
    def shape(self) -> Size:
        """The size of each dimension, as a ``ferrograd.Size``.

        >>> torch.zeros(2, 3).shape
        ferrograd.Size([2, 3])
        """

    @overload
    def size(self, dim: None = None) -> Size:
        """``size()`` is the shape as a ``Size``; ``size(dim)`` is the size of one dimension.

        >>> x = torch.zeros(2, 3)
        >>> x.size()
        ferrograd.Size([2, 3])
        >>> x.size(-1)
        3
        """

    @overload
    def size(self, dim: builtins.int) -> builtins.int: ...
    @overload
    def stride(self, dim: None = None) -> tuple[builtins.int, ...]:
        """The strides in elements: a tuple, or the stride of one dimension with ``dim``.

        >>> torch.zeros(2, 3).stride()
        (3, 1)
        >>> torch.zeros(2, 3).t().stride(0)
        1
        """

    @overload
    def stride(self, dim: builtins.int) -> builtins.int: ...
    def dim(self) -> builtins.int:
        """The number of dimensions.

        >>> torch.zeros(2, 3).dim()
        2
        """

    def ndimension(self) -> builtins.int:
        """Alias for :meth:`dim`."""

    @property
    def ndim(self) -> builtins.int:
        """The number of dimensions (same as :meth:`dim`)."""

    def numel(self) -> builtins.int:
        """The total number of elements.

        >>> torch.zeros(2, 3).numel()
        6
        """

    def nelement(self) -> builtins.int:
        """Alias for :meth:`numel`."""

    def element_size(self) -> builtins.int:
        """Size of one element in bytes.

        >>> torch.zeros(1, dtype=torch.float64).element_size()
        8
        """

    def is_contiguous(self) -> builtins.bool:
        """True when the elements are laid out in row-major order without gaps.

        >>> x = torch.zeros(2, 3)
        >>> x.is_contiguous(), x.t().is_contiguous()
        (True, False)
        """

    def is_floating_point(self) -> builtins.bool:
        """True when the dtype is ``float32`` or ``float64``."""

    def data_ptr(self) -> builtins.int:
        """The address of the first element in host memory (RuntimeError on the GPU)."""

    @property
    def dtype(self) -> _DType:
        """The element type.

        >>> torch.tensor([1, 2]).dtype
        ferrograd.int64
        """

    @property
    def device(self) -> _Device:
        """The device the tensor lives on (always cpu)."""

    @property
    def is_cuda(self) -> builtins.bool:
        """Always False: ferrograd runs on the CPU."""

    @property
    def _version(self) -> builtins.int:
        """Counter bumped by every in-place modification (used to detect stale saved tensors)."""

    @property
    def data(self) -> Tensor:
        """The tensor detached from the graph; assigning a tensor swaps in its data.

        >>> x = torch.ones(2, requires_grad=True)
        >>> x.data = torch.zeros(2)
        >>> x
        tensor([0., 0.], requires_grad=True)
        """

    @data.setter
    def data(self, value: Tensor) -> None: ...
    @property
    def requires_grad(self) -> builtins.bool:
        """Whether gradients are recorded for this tensor; settable on leaf tensors.

        >>> x = torch.ones(2)
        >>> x.requires_grad = True
        >>> x.requires_grad
        True
        """

    @requires_grad.setter
    def requires_grad(self, value: builtins.bool) -> None: ...
    def requires_grad_(self, requires_grad: builtins.bool = True) -> Self:
        """Sets :attr:`requires_grad` in place and returns self.

        >>> torch.ones(2).requires_grad_()
        tensor([1., 1.], requires_grad=True)
        """

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by :meth:`backward`, or None; can be assigned or cleared.

        It is the same object each time: later backward calls add into it in place, as in torch
        (with ``create_graph=True`` they make a new tensor, which carries a graph).

        >>> x = torch.tensor(3.0, requires_grad=True)
        >>> (x * x).backward()
        >>> g = x.grad
        >>> g
        tensor(6.)
        >>> (x * x).backward()
        >>> x.grad is g, g
        (True, tensor(12.))
        """

    @grad.setter
    def grad(self, value: Tensor | None) -> None: ...
    @property
    def grad_fn(self) -> Node | None:
        """The graph node that produced this tensor; None for leaves.

        >>> x = torch.ones(2, requires_grad=True)
        >>> (x + 1).grad_fn
        <AddBackward0 object at 0x...>
        """

    @property
    def is_leaf(self) -> builtins.bool:
        """True for tensors not produced by a recorded operation (they get ``.grad``)."""

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Registers ``hook(grad)``, run when this tensor's gradient is computed; a returned
        tensor replaces the gradient.

        >>> x = torch.tensor([1.0], requires_grad=True)
        >>> h = x.register_hook(lambda g: g * 2)
        >>> (x * 3).sum().backward(); x.grad
        tensor([6.])
        """

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> RemovableHandle:
        """Registers ``hook(tensor)`` on a leaf, run after a backward updated its ``.grad``."""

    def retain_grad(self) -> None:
        """Makes this non-leaf tensor keep its ``.grad`` after :meth:`backward`.

        >>> x = torch.ones(2, requires_grad=True)
        >>> y = x * 2
        >>> y.retain_grad()
        >>> y.sum().backward()
        >>> y.grad
        tensor([1., 1.])
        """

    @property
    def retains_grad(self) -> builtins.bool:
        """True when :meth:`retain_grad` was called on this non-leaf tensor."""

    def detach(self) -> Tensor:
        """A new tensor sharing the data, detached from the graph (``requires_grad=False``).

        >>> x = torch.ones(2, requires_grad=True)
        >>> x.detach()
        tensor([1., 1.])
        """

    def detach_(self) -> Self:
        """Detaches this tensor from the graph in place and returns self."""

    def backward(
        self,
        gradient: Tensor | Sequence[Tensor | None] | None = None,
        retain_graph: builtins.bool | None = ...,
        create_graph: builtins.bool = ...,
        inputs: Tensor | Iterable[Tensor] | None = None,
    ) -> None:
        """Computes the gradient of this tensor w.r.t. the graph leaves, accumulating into ``.grad``.

        Args:
            gradient: the gradient w.r.t. this tensor; may be omitted for a one-element tensor.
            retain_graph: keep the graph for another backward (default: ``create_graph``).
            create_graph: record the backward pass, for higher-order derivatives.
            inputs: not supported (anything but None raises ``ValueError``).

        The engine runs with the GIL released.

        >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
        >>> (x ** 2).backward(torch.ones(2))
        >>> x.grad
        tensor([2., 4.])
        """

    # ---- values --------------------------------------------------------------------------------

    def item(self) -> builtins.float | builtins.int | builtins.bool:
        """The value of a one-element tensor as a Python number.

        >>> torch.tensor([2.5]).item()
        2.5
        """

    def tolist(self) -> Any:
        """The data as (nested) Python lists of numbers; a 0-d tensor gives a number.

        >>> torch.tensor([[1, 2], [3, 4]]).tolist()
        [[1, 2], [3, 4]]
        """

    def numpy(self) -> NDArray[Any]:
        """A NumPy array sharing this tensor's memory (writes show up on both sides).

        Raises ``RuntimeError`` for a tensor that requires grad; use ``detach().numpy()``.

        >>> torch.tensor([1.0, 2.0]).numpy()
        array([1., 2.], dtype=float32)
        """

    def __len__(self) -> builtins.int: ...
    def __iter__(self) -> Iterator[Tensor]: ...
    def __bool__(self) -> builtins.bool: ...
    def __float__(self) -> builtins.float: ...
    def __int__(self) -> builtins.int: ...
    def __index__(self) -> builtins.int: ...
    def __hash__(self) -> builtins.int: ...
    def __format__(self, spec: str) -> str:
        """A 0-d tensor formats as its number (``f"{t:.2f}"``); others as their repr."""

    # ---- operators -----------------------------------------------------------------------------

    def __add__(self, other: _Operand, /) -> Tensor: ...
    def __radd__(self, other: _Operand, /) -> Tensor: ...
    def __sub__(self, other: _Operand, /) -> Tensor: ...
    def __rsub__(self, other: _Operand, /) -> Tensor: ...
    def __mul__(self, other: _Operand, /) -> Tensor: ...
    def __rmul__(self, other: _Operand, /) -> Tensor: ...
    def __truediv__(self, other: _Operand, /) -> Tensor: ...
    def __rtruediv__(self, other: _Operand, /) -> Tensor: ...
    def __mod__(self, other: _Operand, /) -> Tensor:
        """``x % y``: :meth:`remainder` (Python's modulo; the result has the divisor's sign)."""

    def __rmod__(self, other: _Operand, /) -> Tensor: ...
    def __floordiv__(self, other: _Operand, /) -> Tensor:
        """``x // y``: :meth:`floor_divide` (the quotient rounded down; no derivative, as in torch)."""

    def __rfloordiv__(self, other: _Operand, /) -> Tensor: ...
    def __pow__(self, other: _Operand, mod: None = None, /) -> Tensor: ...
    def __rpow__(self, other: _Operand, mod: None = None, /) -> Tensor: ...
    def __matmul__(self, other: Tensor, /) -> Tensor: ...
    def __rmatmul__(self, other: Tensor, /) -> Tensor: ...
    def __neg__(self) -> Tensor: ...
    def __pos__(self) -> Tensor: ...
    def __abs__(self) -> Tensor: ...
    def __invert__(self) -> Tensor:
        """``~x``: :meth:`bitwise_not` (logical not on bool, ``-x - 1`` on int64); floats are a TypeError."""

    def bitwise_not(self) -> Tensor:
        """Bitwise not of an int64 or bool tensor (``~x``); not differentiable.

        >>> torch.tensor([0, 5, -1]).bitwise_not()
        tensor([-1, -6,  0])
        """

    def __and__(self, other: _Operand, /) -> Tensor:
        """``x & y``: :meth:`bitwise_and` (logical and on bools)."""

    def __or__(self, other: _Operand, /) -> Tensor:
        """``x | y``: :meth:`bitwise_or` (logical or on bools)."""

    def __xor__(self, other: _Operand, /) -> Tensor:
        """``x ^ y``: :meth:`bitwise_xor` (logical xor on bools)."""

    def __rand__(self, other: _Operand, /) -> Tensor:
        """``y & x``: as ``x & y``."""

    def __ror__(self, other: _Operand, /) -> Tensor:
        """``y | x``: as ``x | y``."""

    def __rxor__(self, other: _Operand, /) -> Tensor:
        """``y ^ x``: as ``x ^ y``."""

    def __lshift__(self, other: _Operand, /) -> Tensor:
        """``x << y``: :meth:`bitwise_left_shift`."""

    def __rshift__(self, other: _Operand, /) -> Tensor:
        """``x >> y``: :meth:`bitwise_right_shift`."""

    def __rlshift__(self, other: _Operand, /) -> Tensor:
        """``y << x``: ``y`` shifted by ``x``."""

    def __rrshift__(self, other: _Operand, /) -> Tensor:
        """``y >> x``: ``y`` shifted by ``x``."""

    def __iadd__(self, other: _Operand, /) -> Self: ...
    def __isub__(self, other: _Operand, /) -> Self: ...
    def __imul__(self, other: _Operand, /) -> Self: ...
    def __itruediv__(self, other: _Operand, /) -> Self: ...
    def __imod__(self, other: _Operand, /) -> Self: ...
    def __ifloordiv__(self, other: _Operand, /) -> Self: ...
    def __ipow__(self, other: _Operand, /) -> Self: ...  # type: ignore[misc]  # pyo3 passes no modulo
    def __eq__(self, other: _Operand, /) -> Tensor: ...  # type: ignore[override]
    def __ne__(self, other: _Operand, /) -> Tensor: ...  # type: ignore[override]
    def __lt__(self, other: _Operand, /) -> Tensor: ...
    def __le__(self, other: _Operand, /) -> Tensor: ...
    def __gt__(self, other: _Operand, /) -> Tensor: ...
    def __ge__(self, other: _Operand, /) -> Tensor: ...

    # ---- comparisons and logic -----------------------------------------------------------------

    # The compiled methods name their argument `o` (torch: `other`): pass it positionally.
    def eq(self, other: _Operand) -> Tensor:
        """Elementwise ``self == o`` as a bool tensor.

        >>> torch.tensor([1, 2, 3]).eq(2)
        tensor([False,  True, False])
        """

    def ne(self, other: _Operand) -> Tensor:
        """Elementwise ``self != o`` as a bool tensor."""

    def lt(self, other: _Operand) -> Tensor:
        """Elementwise ``self < o`` as a bool tensor."""

    def le(self, other: _Operand) -> Tensor:
        """Elementwise ``self <= o`` as a bool tensor."""

    def gt(self, other: _Operand) -> Tensor:
        """Elementwise ``self > o`` as a bool tensor.

        >>> torch.tensor([1, 2, 3]).gt(1)
        tensor([False,  True,  True])
        """

    def ge(self, other: _Operand) -> Tensor:
        """Elementwise ``self >= o`` as a bool tensor."""

    def logical_not(self) -> Tensor:
        """Elementwise logical not (zero is False) as a bool tensor.

        >>> torch.tensor([0.0, 2.0]).logical_not()
        tensor([ True, False])
        """

    # ---- arithmetic ----------------------------------------------------------------------------

    def add(self, other: _Operand, *, alpha: _Number = ...) -> Tensor:
        """``self + alpha * other``, broadcasting.

        >>> torch.tensor([1.0, 2.0]).add(torch.ones(2), alpha=10)
        tensor([11., 12.])
        """

    def sub(self, other: _Operand, *, alpha: _Number = ...) -> Tensor:
        """``self - alpha * other``, broadcasting."""

    def subtract(self, other: _Operand, *, alpha: _Number = ...) -> Tensor:
        """``self - alpha * other``, broadcasting (``sub``'s alias)."""

    def mul(self, other: _Operand) -> Tensor:
        """``self * other``, broadcasting."""

    def multiply(self, other: _Operand) -> Tensor:
        """``self * other``, broadcasting (``mul``'s alias)."""

    def true_divide(self, other: _Operand) -> Tensor:
        """``self / other``: true division (``div`` without a rounding mode)."""

    def div(self, other: _Operand, *, rounding_mode: builtins.str | None = None) -> Tensor:
        """``self / other``: true division (integer inputs give a float result), or rounded with
        ``rounding_mode="trunc"`` (toward zero) or ``"floor"`` (down), which keep integer dtypes
        and have zero gradients.

        >>> torch.tensor([1, 2]).div(2)
        tensor([0.5000, 1.0000])
        >>> torch.tensor([-7, 7]).div(2, rounding_mode="floor")
        tensor([-4,  3])
        """

    def divide(self, other: _Operand, *, rounding_mode: builtins.str | None = None) -> Tensor:
        """:meth:`div`."""

    def floor_divide(self, other: _Operand) -> Tensor:
        """``self // other``: ``div(other, rounding_mode="floor")`` without a derivative (a
        backward through it raises, as in torch)."""

    def pow(self, exponent: _Operand) -> Tensor:
        """``self ** exponent``, broadcasting.

        >>> torch.tensor([1.0, 2.0, 3.0]).pow(2)
        tensor([1., 4., 9.])
        """

    def remainder(self, other: _Operand) -> Tensor:
        """Python-style modulo, ``self % other``: the result has the sign of ``other``.

        Integer division by zero is a RuntimeError (torch's ZeroDivisionError); float gives nan.
        Gradients: ``grad`` for self, ``-grad * floor(self / other)`` for other.

        >>> torch.tensor([5, -5]).remainder(3)
        tensor([2, 1])
        """

    def fmod(self, other: _Operand) -> Tensor:
        """C-style modulo: the result has the sign of ``self``.

        >>> torch.tensor([5, -5]).fmod(3)
        tensor([ 2, -2])
        """

    def maximum(self, other: Tensor) -> Tensor:
        """Elementwise maximum of two tensors.

        >>> torch.tensor([1.0, 5.0]).maximum(torch.tensor([3.0, 2.0]))
        tensor([3., 5.])
        """

    def minimum(self, other: Tensor) -> Tensor:
        """Elementwise minimum of two tensors."""

    def matmul(self, other: Tensor) -> Tensor:
        """Matrix product with NumPy/torch broadcasting rules (1-d, 2-d and batched).

        >>> torch.ones(2, 3).matmul(torch.ones(3)).shape
        ferrograd.Size([2])
        """

    # torch names the argument `mat2`; the compiled method names it `other`.
    def mm(self, mat2: Tensor) -> Tensor:
        """Matrix product of two 2-d tensors.

        >>> torch.ones(2, 3).mm(torch.ones(3, 4)).shape
        ferrograd.Size([2, 4])
        """

    # ---- in-place ------------------------------------------------------------------------------

    def add_(self, other: _Operand, *, alpha: _Number = ...) -> Self:
        """In-place :meth:`add`; returns self.

        >>> x = torch.zeros(2)
        >>> x.add_(1)
        tensor([1., 1.])
        """

    def sub_(self, other: _Operand, *, alpha: _Number = ...) -> Self:
        """In-place :meth:`sub`; returns self."""

    def mul_(self, other: _Operand) -> Self:
        """In-place :meth:`mul`; returns self."""

    def div_(self, other: _Operand, *, rounding_mode: builtins.str | None = None) -> Self:
        """In-place :meth:`div`; returns self."""

    def floor_divide_(self, other: _Operand) -> Self:
        """In-place :meth:`floor_divide`; returns self."""

    def pow_(self, other: _Operand) -> Self:
        """In-place :meth:`pow`; returns self."""

    def remainder_(self, other: _Operand) -> Self:
        """In-place :meth:`remainder`; returns self."""

    def fmod_(self, other: _Operand) -> Self:
        """In-place :meth:`fmod`; returns self."""

    def clamp_(self, min: _Number | Tensor | None = None, max: _Number | Tensor | None = None) -> Self:
        """In-place :meth:`clamp`; returns self (a result type wider than self's is an error)."""

    def neg_(self) -> Self:
        """In-place :meth:`neg`; returns self."""

    def exp_(self) -> Self:
        """In-place :meth:`exp`; returns self."""

    def relu_(self) -> Self:
        """In-place :meth:`relu`; returns self."""

    def zero_(self) -> Self:
        """Fills self with zeros; returns self."""

    def fill_(self, value: _Operand) -> Self:
        """Fills self with ``value`` (a number or a 0-d tensor); returns self.

        >>> torch.zeros(3).fill_(7)
        tensor([7., 7., 7.])
        """

    def copy_(self, src: _Operand) -> Self:
        """Copies ``src`` (broadcast to self's shape, cast to self's dtype) into self; returns self."""

    # ---- unary math ----------------------------------------------------------------------------

    def neg(self) -> Tensor:
        """``-self``.

        >>> torch.tensor([1.0, -2.0]).neg()
        tensor([-1.,  2.])
        """

    def negative(self) -> Tensor:
        """Alias for :meth:`neg`."""

    def exp(self) -> Tensor:
        """Elementwise exponential.

        >>> torch.tensor([0.0, 1.0]).exp()
        tensor([1.0000, 2.7183])
        """

    def log(self) -> Tensor:
        """Elementwise natural logarithm."""

    def sqrt(self) -> Tensor:
        """Elementwise square root.

        >>> torch.tensor([4.0, 9.0]).sqrt()
        tensor([2., 3.])
        """

    # BEGIN GENERATED: the op table's methods (scripts/gen_stubs.py from src/ops/table.rs)
    def sin(self) -> Tensor:
        """The sine of each element."""

    def sin_(self) -> Self:
        """In-place :meth:`sin`."""

    def cos(self) -> Tensor:
        """The cosine of each element."""

    def cos_(self) -> Self:
        """In-place :meth:`cos`."""

    def erf(self) -> Tensor:
        """The error function of each element."""

    def erf_(self) -> Self:
        """In-place :meth:`erf`."""

    def log1p(self) -> Tensor:
        """The natural logarithm of `1 + x`, accurate for small `x`."""

    def log1p_(self) -> Self:
        """In-place :meth:`log1p`."""

    def expm1(self) -> Tensor:
        """`exp(x) - 1`, accurate for small `x`."""

    def expm1_(self) -> Self:
        """In-place :meth:`expm1`."""

    def log2(self) -> Tensor:
        """The base-2 logarithm."""

    def log2_(self) -> Self:
        """In-place :meth:`log2`."""

    def log10(self) -> Tensor:
        """The base-10 logarithm."""

    def log10_(self) -> Self:
        """In-place :meth:`log10`."""

    def exp2(self) -> Tensor:
        """`2 ** x`."""

    def exp2_(self) -> Self:
        """In-place :meth:`exp2`."""

    def rsqrt(self) -> Tensor:
        """`1 / sqrt(x)`."""

    def rsqrt_(self) -> Self:
        """In-place :meth:`rsqrt`."""

    def tan(self) -> Tensor:
        """The tangent."""

    def tan_(self) -> Self:
        """In-place :meth:`tan`."""

    def asin(self) -> Tensor:
        """The arcsine."""

    def asin_(self) -> Self:
        """In-place :meth:`asin`."""

    def arcsin(self) -> Tensor:
        """Alias for :meth:`asin`."""

    def arcsin_(self) -> Self:
        """Alias for :meth:`asin_`."""

    def acos(self) -> Tensor:
        """The arccosine."""

    def acos_(self) -> Self:
        """In-place :meth:`acos`."""

    def arccos(self) -> Tensor:
        """Alias for :meth:`acos`."""

    def arccos_(self) -> Self:
        """Alias for :meth:`acos_`."""

    def atan(self) -> Tensor:
        """The arctangent."""

    def atan_(self) -> Self:
        """In-place :meth:`atan`."""

    def arctan(self) -> Tensor:
        """Alias for :meth:`atan`."""

    def arctan_(self) -> Self:
        """Alias for :meth:`atan_`."""

    def sinh(self) -> Tensor:
        """The hyperbolic sine."""

    def sinh_(self) -> Self:
        """In-place :meth:`sinh`."""

    def cosh(self) -> Tensor:
        """The hyperbolic cosine."""

    def cosh_(self) -> Self:
        """In-place :meth:`cosh`."""

    def asinh(self) -> Tensor:
        """The inverse hyperbolic sine."""

    def asinh_(self) -> Self:
        """In-place :meth:`asinh`."""

    def arcsinh(self) -> Tensor:
        """Alias for :meth:`asinh`."""

    def arcsinh_(self) -> Self:
        """Alias for :meth:`asinh_`."""

    def acosh(self) -> Tensor:
        """The inverse hyperbolic cosine."""

    def acosh_(self) -> Self:
        """In-place :meth:`acosh`."""

    def arccosh(self) -> Tensor:
        """Alias for :meth:`acosh`."""

    def arccosh_(self) -> Self:
        """Alias for :meth:`acosh_`."""

    def atanh(self) -> Tensor:
        """The inverse hyperbolic tangent."""

    def atanh_(self) -> Self:
        """In-place :meth:`atanh`."""

    def arctanh(self) -> Tensor:
        """Alias for :meth:`atanh`."""

    def arctanh_(self) -> Self:
        """Alias for :meth:`atanh_`."""

    def floor(self) -> Tensor:
        """The largest integer not above `x` (the identity on integers)."""

    def floor_(self) -> Self:
        """In-place :meth:`floor`."""

    def ceil(self) -> Tensor:
        """The smallest integer not below `x` (the identity on integers)."""

    def ceil_(self) -> Self:
        """In-place :meth:`ceil`."""

    def trunc(self) -> Tensor:
        """`x` rounded toward zero (the identity on integers)."""

    def trunc_(self) -> Self:
        """In-place :meth:`trunc`."""

    def fix(self) -> Tensor:
        """Alias for :meth:`trunc`."""

    def fix_(self) -> Self:
        """Alias for :meth:`trunc_`."""

    def round(self, *, decimals: builtins.int | None = ...) -> Tensor:
        """`x` rounded to the nearest integer, halves to even, or to `decimals` decimal places."""

    def round_(self, *, decimals: builtins.int | None = ...) -> Self:
        """In-place :meth:`round`."""

    def frac(self) -> Tensor:
        """`x - trunc(x)`, the fractional part with the sign of `x` (floats only)."""

    def frac_(self) -> Self:
        """In-place :meth:`frac`."""

    def nan_to_num(
        self,
        nan: builtins.float | None = ...,
        posinf: builtins.float | None = ...,
        neginf: builtins.float | None = ...,
    ) -> Tensor:
        """NaN, `inf` and `-inf` replaced by `nan`, `posinf` and `neginf` (by default 0 and the dtype's extremes)."""

    def nan_to_num_(
        self,
        nan: builtins.float | None = ...,
        posinf: builtins.float | None = ...,
        neginf: builtins.float | None = ...,
    ) -> Self:
        """In-place :meth:`nan_to_num`."""

    def isnan(self) -> Tensor:
        """Whether each element is NaN."""

    def isinf(self) -> Tensor:
        """Whether each element is `inf` or `-inf`."""

    def isfinite(self) -> Tensor:
        """Whether each element is finite (neither NaN nor infinite)."""

    def isposinf(self) -> Tensor:
        """Whether each element is `inf`."""

    def isneginf(self) -> Tensor:
        """Whether each element is `-inf`."""

    def hypot(self, other: Tensor | float) -> Tensor:
        """`sqrt(input^2 + other^2)`, without overflow for large operands."""

    def hypot_(self, other: Tensor | float) -> Self:
        """In-place :meth:`hypot`."""

    def atan2(self, other: Tensor | float) -> Tensor:
        """The angle of the point `(other, input)`: `atan(input / other)` in the right quadrant."""

    def atan2_(self, other: Tensor | float) -> Self:
        """In-place :meth:`atan2`."""

    def arctan2(self, other: Tensor | float) -> Tensor:
        """Alias for :meth:`atan2`."""

    def arctan2_(self, other: Tensor | float) -> Self:
        """In-place :meth:`arctan2`."""

    def bitwise_and(self, other: Tensor | float) -> Tensor:
        """The bitwise AND of integers, the logical AND of bools."""

    def bitwise_and_(self, other: Tensor | float) -> Self:
        """In-place :meth:`bitwise_and`."""

    def bitwise_or(self, other: Tensor | float) -> Tensor:
        """The bitwise OR of integers, the logical OR of bools."""

    def bitwise_or_(self, other: Tensor | float) -> Self:
        """In-place :meth:`bitwise_or`."""

    def bitwise_xor(self, other: Tensor | float) -> Tensor:
        """The bitwise XOR of integers, the logical XOR of bools."""

    def bitwise_xor_(self, other: Tensor | float) -> Self:
        """In-place :meth:`bitwise_xor`."""

    def bitwise_left_shift(self, other: Tensor | float) -> Tensor:
        """`input << other` on integers; a shift outside 0..bits gives 0, as in torch."""

    def bitwise_left_shift_(self, other: Tensor | float) -> Self:
        """In-place :meth:`bitwise_left_shift`."""

    def bitwise_right_shift(self, other: Tensor | float) -> Tensor:
        """`input >> other` on integers (arithmetic; a shift outside 0..bits gives 0 or -1)."""

    def bitwise_right_shift_(self, other: Tensor | float) -> Self:
        """In-place :meth:`bitwise_right_shift`."""

    def copysign(self, other: Tensor | float) -> Tensor:
        """The magnitude of `input` with the sign of `other` (also for zeros and NaN)."""

    def copysign_(self, other: Tensor | float) -> Self:
        """In-place :meth:`copysign`."""

    def fmax(self, other: Tensor | float) -> Tensor:
        """The larger of the operands, the number where the other is NaN (C's fmax)."""

    def fmin(self, other: Tensor | float) -> Tensor:
        """The smaller of the operands, the number where the other is NaN (C's fmin)."""

    def xlogy(self, other: Tensor | float) -> Tensor:
        """`input * log(other)`, 0 where `input` is 0 (unless `other` is NaN)."""

    def xlogy_(self, other: Tensor | float) -> Self:
        """In-place :meth:`xlogy`."""

    def logaddexp(self, other: Tensor | float) -> Tensor:
        """`log(exp(input) + exp(other))`, without overflow."""

    def logical_and(self, other: Tensor | float) -> Tensor:
        """Whether both operands are nonzero (NaN counts as nonzero), as bools."""

    def logical_and_(self, other: Tensor | float) -> Self:
        """In-place :meth:`logical_and`."""

    def logical_or(self, other: Tensor | float) -> Tensor:
        """Whether either operand is nonzero (NaN counts as nonzero), as bools."""

    def logical_or_(self, other: Tensor | float) -> Self:
        """In-place :meth:`logical_or`."""

    def logical_xor(self, other: Tensor | float) -> Tensor:
        """Whether exactly one operand is nonzero (NaN counts as nonzero), as bools."""

    def logical_xor_(self, other: Tensor | float) -> Self:
        """In-place :meth:`logical_xor`."""

    def lerp(self, end: Tensor, weight: Tensor | builtins.float) -> Tensor:
        """`input + weight * (end - input)`, exact at both ends (torch's two-sided formula)."""

    def lerp_(self, end: Tensor, weight: Tensor | builtins.float) -> Self:
        """In-place :meth:`lerp`."""

    # END GENERATED

    def tanh(self) -> Tensor:
        """Elementwise hyperbolic tangent."""

    def sigmoid(self) -> Tensor:
        """Elementwise logistic sigmoid ``1 / (1 + exp(-x))``.

        >>> torch.tensor([0.0]).sigmoid()
        tensor([0.5000])
        """

    def relu(self) -> Tensor:
        """Elementwise ``max(x, 0)``.

        >>> torch.tensor([-1.0, 2.0]).relu()
        tensor([0., 2.])
        """

    def abs(self) -> Tensor:
        """Elementwise absolute value."""

    def sign(self) -> Tensor:
        """Elementwise sign: -1, 0 or 1.

        >>> torch.tensor([-3.0, 0.0, 2.0]).sign()
        tensor([-1.,  0.,  1.])
        """

    def square(self) -> Tensor:
        """Elementwise ``self * self``."""

    def reciprocal(self) -> Tensor:
        """Elementwise ``1 / self``."""

    def clamp(self, min: _Number | Tensor | None = None, max: _Number | Tensor | None = None) -> Tensor:
        """Clamps every element into ``[min, max]``; either bound may be omitted.

        The bounds are both numbers or both tensors (broadcast against self); the result has
        torch's promoted dtype (an int tensor clamped by a float is float), and a NaN bound gives NaN.

        >>> torch.tensor([-1.0, 0.5, 2.0]).clamp(0, 1)
        tensor([0.0000, 0.5000, 1.0000])
        """

    def clip(self, min: _Number | Tensor | None = None, max: _Number | Tensor | None = None) -> Tensor:
        """Alias for :meth:`clamp`."""

    def clamp_min(self, min: _Number | Tensor) -> Tensor:
        """``clamp(min=min)``."""

    def clamp_max(self, max: _Number | Tensor) -> Tensor:
        """``clamp(max=max)``."""

    # ---- reductions ----------------------------------------------------------------------------

    def sum(
        self, dim: _Dims | None = None, keepdim: builtins.bool = False, *, dtype: _DTypeLike | None = None
    ) -> Tensor:
        """Sum over ``dim`` (an int or a tuple of ints), or over all elements.

        ``dtype`` casts the input before reducing.

        >>> x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> x.sum()
        tensor(10.)
        >>> x.sum(dim=0)
        tensor([4., 6.])
        """

    def mean(
        self, dim: _Dims | None = None, keepdim: builtins.bool = False, *, dtype: _DTypeLike | None = None
    ) -> Tensor:
        """Mean over ``dim`` (an int or a tuple of ints), or over all elements.

        >>> torch.tensor([[1.0, 2.0], [3.0, 4.0]]).mean(1)
        tensor([1.5000, 3.5000])
        """

    def prod(
        self, dim: builtins.int = ..., keepdim: builtins.bool = False, *, dtype: _DTypeLike | None = None
    ) -> Tensor:
        """Product over one dimension ``dim``, or over all elements.

        >>> torch.tensor([1.0, 2.0, 3.0]).prod()
        tensor(6.)
        """

    def var(
        self,
        dim: _Dims | None = None,
        unbiased: builtins.bool | None = None,
        keepdim: builtins.bool = False,
        *,
        correction: _Number | None = None,
    ) -> Tensor:
        """Variance over ``dim``, or over all elements.

        ``correction`` (default 1, Bessel's correction) is subtracted from the element count;
        ``unbiased=False`` means ``correction=0``. ``var(False)`` is read as ``var(unbiased=False)``.

        >>> torch.tensor([1.0, 2.0, 3.0, 4.0]).var()
        tensor(1.6667)
        >>> torch.tensor([1.0, 2.0, 3.0, 4.0]).var(correction=0)
        tensor(1.2500)
        """

    def std(
        self,
        dim: _Dims | None = None,
        unbiased: builtins.bool | None = None,
        keepdim: builtins.bool = False,
        *,
        correction: _Number | None = None,
    ) -> Tensor:
        """Standard deviation over ``dim``, or over all elements; arguments as in :meth:`var`."""

    @overload
    def max(self) -> Tensor:
        """``max()``: the largest element. ``max(dim)``: a ``(values, indices)`` named tuple.
        ``max(other)``: the elementwise maximum with a tensor (see :meth:`maximum`; no ``keepdim``).

        >>> x = torch.tensor([[1.0, 5.0], [4.0, 2.0]])
        >>> x.max()
        tensor(5.)
        >>> x.max(dim=1)
        max(values=tensor([5., 4.]), indices=tensor([1, 0]))
        """

    @overload
    def max(self, dim: builtins.int, keepdim: builtins.bool = ...) -> return_types.max: ...
    @overload
    def max(self, dim: Tensor) -> Tensor: ...
    @overload
    def min(self) -> Tensor:
        """``min()``: the smallest element. ``min(dim)``: a ``(values, indices)`` named tuple.
        ``min(other)``: the elementwise minimum with a tensor (see :meth:`minimum`; no ``keepdim``).

        >>> x = torch.tensor([[1.0, 5.0], [4.0, 2.0]])
        >>> x.min()
        tensor(1.)
        >>> values, indices = x.min(dim=0)
        >>> indices
        tensor([0, 1])
        """

    @overload
    def min(self, dim: builtins.int, keepdim: builtins.bool = ...) -> return_types.min: ...
    @overload
    def min(self, dim: Tensor) -> Tensor: ...
    def amax(self, dim: _Dims | None = None, keepdim: builtins.bool = False) -> Tensor:
        """Maximum over ``dim`` (an int or a tuple of ints), or over all elements; values only.

        >>> torch.tensor([[1.0, 5.0], [4.0, 2.0]]).amax(0)
        tensor([4., 5.])
        """

    def amin(self, dim: _Dims | None = None, keepdim: builtins.bool = False) -> Tensor:
        """Minimum over ``dim`` (an int or a tuple of ints), or over all elements; values only."""

    def argmax(self, dim: builtins.int | None = None, keepdim: builtins.bool = False) -> Tensor:
        """Index of the largest element along ``dim`` (of the flattened tensor without ``dim``).

        >>> torch.tensor([[1.0, 5.0], [4.0, 2.0]]).argmax()
        tensor(1)
        """

    def argmin(self, dim: builtins.int | None = None, keepdim: builtins.bool = False) -> Tensor:
        """Index of the smallest element along ``dim`` (of the flattened tensor without ``dim``)."""

    def logsumexp(self, dim: _Dims, keepdim: builtins.bool = False) -> Tensor:
        """``log(sum(exp(self), dim))``, computed stably.

        >>> torch.tensor([0.0, 0.0]).logsumexp(0)
        tensor(0.6931)
        """

    def softmax(self, dim: builtins.int, dtype: _DTypeLike | None = None) -> Tensor:
        """Softmax along ``dim``; ``dtype`` casts the input first.

        >>> torch.tensor([0.0, 0.0]).softmax(0)
        tensor([0.5000, 0.5000])
        """

    def log_softmax(self, dim: builtins.int, dtype: _DTypeLike | None = None) -> Tensor:
        """Log of :meth:`softmax` along ``dim``, computed stably."""

    # ---- shape and views -----------------------------------------------------------------------

    @overload
    def view(self, *shape: builtins.int) -> Tensor:
        """A view with a new shape (``-1`` infers one size); the strides must allow it.

        >>> torch.arange(6).view(2, 3)
        tensor([[0, 1, 2],
                [3, 4, 5]])
        """

    @overload
    def view(self, shape: _ShapeSeq, /) -> Tensor: ...
    @overload
    def reshape(self, *shape: builtins.int) -> Tensor:
        """Like :meth:`view`, but copies when the data can't be viewed in the new shape.

        >>> torch.arange(6).reshape((3, -1)).shape
        ferrograd.Size([3, 2])
        """

    @overload
    def reshape(self, shape: _ShapeSeq, /) -> Tensor: ...
    def view_as(self, other: Tensor) -> Tensor:
        """``view(other.shape)``."""

    def reshape_as(self, other: Tensor) -> Tensor:
        """``reshape(other.shape)``."""

    # `end_dim` defaults to -1; the compiled signature renders that default as `...`.
    def flatten(self, start_dim: builtins.int = 0, end_dim: builtins.int = ...) -> Tensor:
        """Flattens dims ``start_dim`` to ``end_dim`` (default -1, the last) into one.

        >>> torch.zeros(2, 3, 4).flatten(1).shape
        ferrograd.Size([2, 12])
        """

    def transpose(self, dim0: builtins.int, dim1: builtins.int) -> Tensor:
        """A view with dims ``dim0`` and ``dim1`` swapped.

        >>> torch.zeros(2, 3).transpose(0, 1).shape
        ferrograd.Size([3, 2])
        """

    def swapaxes(self, axis0: builtins.int, axis1: builtins.int) -> Tensor:
        """Alias for :meth:`transpose`."""

    def t(self) -> Tensor:
        """Transpose of a tensor with at most 2 dims."""

    @property
    def T(self) -> Tensor:
        """All dims reversed (``permute(n-1, ..., 0)``)."""

    @property
    def mT(self) -> Tensor:
        """The last two dims swapped (a batch of transposed matrices); a 0-d tensor itself."""

    @overload
    def permute(self, *dims: builtins.int) -> Tensor:
        """A view with the dims reordered.

        >>> torch.zeros(2, 3, 4).permute(2, 0, 1).shape
        ferrograd.Size([4, 2, 3])
        """

    @overload
    def permute(self, dims: _ShapeSeq, /) -> Tensor: ...
    @overload
    def expand(self, *sizes: builtins.int) -> Tensor:
        """A view broadcasting size-1 dims to ``sizes`` (``-1`` keeps a size), without copying.

        >>> torch.tensor([[1], [2]]).expand(2, 3)
        tensor([[1, 1, 1],
                [2, 2, 2]])
        """

    @overload
    def expand(self, sizes: _ShapeSeq, /) -> Tensor: ...
    def expand_as(self, other: Tensor) -> Tensor:
        """``expand(other.shape)``."""

    def squeeze(self, dim: _Dims = ...) -> Tensor:
        """Removes size-1 dims: all of them, or those among ``dim`` (each named once).

        >>> torch.zeros(1, 2, 1).squeeze().shape
        ferrograd.Size([2])
        """

    def unsqueeze(self, dim: builtins.int) -> Tensor:
        """Inserts a size-1 dim at ``dim``.

        >>> torch.zeros(2).unsqueeze(0).shape
        ferrograd.Size([1, 2])
        """

    def contiguous(self, *, memory_format: object = None) -> Tensor:
        """A row-major copy, or self (the same object) when already contiguous.

        ``memory_format`` is accepted for compatibility and ignored.
        """

    def clone(self, *, memory_format: object = None) -> Tensor:
        """A copy with its own memory, recorded in the graph.

        ``memory_format`` is accepted for compatibility and ignored.
        """

    def select(self, dim: builtins.int, index: builtins.int) -> Tensor:
        """A view of the slice at ``index`` along ``dim``, which is removed (``x[:, index]``).

        >>> torch.tensor([[1, 2], [3, 4]]).select(1, 0)
        tensor([1, 3])
        """

    def narrow(self, dim: builtins.int, start: builtins.int | Tensor, length: builtins.int) -> Tensor:
        """A view of ``length`` elements from ``start`` (an int or a 0-d int tensor) along ``dim``.

        >>> torch.arange(5).narrow(0, 1, 3)
        tensor([1, 2, 3])
        """

    # ---- dtype and device ----------------------------------------------------------------------

    def float(self) -> Tensor:
        """Cast to ``float32``."""

    def double(self) -> Tensor:
        """Cast to ``float64``."""

    def long(self) -> Tensor:
        """Cast to ``int64``."""

    def int(self) -> Tensor:
        """Cast to ``int32`` (floats truncate toward zero, wider integers wrap)."""

    def bool(self) -> Tensor:
        """Cast to ``bool`` (non-zero is True)."""

    def cpu(self) -> Tensor:
        """This tensor on the CPU: itself if it is there, else a copy (differentiable)."""

    def type_as(self, other: Tensor) -> Tensor:
        """Cast to ``other.dtype``."""

    def to(
        self,
        *args: _DTypeLike | _DeviceLike | Tensor,
        dtype: _DTypeLike | None = None,
        device: _DeviceLike = None,
        non_blocking: builtins.bool = False,
        copy: builtins.bool = False,
    ) -> Tensor:
        """Converts to a dtype (and/or checks a device): ``to(dtype)``, ``to(device)``,
        ``to(device, dtype)``, ``to(other)`` (other's dtype) or ``to(dtype=..., device=...)``.

        Returns a tensor sharing this one's data when the dtype doesn't change, unless
        ``copy=True``. ``non_blocking`` is ignored; it and ``copy`` are keyword-only.

        >>> torch.tensor([1, 2]).to(torch.float64)
        tensor([1., 2.], dtype=ferrograd.float64)
        >>> torch.tensor([1, 2]).to("cpu", torch.float32)
        tensor([1., 2.])
        """

    # ---- creation from this tensor -------------------------------------------------------------

    @overload
    def new_zeros(
        self, *size: builtins.int, dtype: _DTypeLike | None = None, requires_grad: builtins.bool = False
    ) -> Tensor:
        """Zeros of ``size``, with this tensor's dtype unless ``dtype`` is given.

        >>> torch.tensor([1, 2]).new_zeros(3)
        tensor([0, 0, 0])
        """

    @overload
    def new_zeros(
        self, size: _ShapeSeq, /, *, dtype: _DTypeLike | None = None, requires_grad: builtins.bool = False
    ) -> Tensor: ...
    @overload
    def new_ones(
        self, *size: builtins.int, dtype: _DTypeLike | None = None, requires_grad: builtins.bool = False
    ) -> Tensor:
        """Ones of ``size``, with this tensor's dtype unless ``dtype`` is given."""

    @overload
    def new_ones(
        self, size: _ShapeSeq, /, *, dtype: _DTypeLike | None = None, requires_grad: builtins.bool = False
    ) -> Tensor: ...
    def new_tensor(
        self, data: _TensorData, *, dtype: _DTypeLike | None = None, requires_grad: builtins.bool = False
    ) -> Tensor:
        """A new tensor (a copy) of ``data``, with this tensor's dtype unless ``dtype`` is given.

        >>> torch.zeros(1, dtype=torch.float64).new_tensor([1, 2])
        tensor([1., 2.], dtype=ferrograd.float64)
        """

    # ---- indexing ------------------------------------------------------------------------------

    def __getitem__(self, index: _Index, /) -> Tensor:
        """``x[index]``: ints, slices (positive step), None, ``...``, and int or bool index tensors
        (or lists), alone or in a tuple.

        >>> x = torch.arange(6).view(2, 3)
        >>> x[1, ::2]
        tensor([3, 5])
        >>> x[x > 3]
        tensor([4, 5])
        """

    def __setitem__(self, index: _Index, value: _Operand | list[Any] | tuple[Any, ...], /) -> None:
        """``x[index] = value``: writes a tensor (broadcast) or a number into the indexed elements.

        >>> x = torch.zeros(3)
        >>> x[1:] = 5
        >>> x
        tensor([0., 5., 5.])
        """

    def where(self, condition: Tensor, other: _Operand) -> Tensor:
        """``self`` where ``condition`` holds, else ``other`` (see :func:`where`).

        >>> x = torch.tensor([1.0, -2.0])
        >>> x.where(x > 0, 0.0)
        tensor([1., 0.])
        """

    def masked_fill(self, mask: Tensor, value: _Operand) -> Tensor:
        """``value`` where ``mask`` is True, else ``self``.

        >>> x = torch.tensor([1.0, 2.0, 3.0])
        >>> x.masked_fill(x > 1, 0)
        tensor([1., 0., 0.])
        """

# ---- creation functions --------------------------------------------------------------------------

def tensor(
    data: _TensorData,
    *,
    dtype: _DTypeLike | None = None,
    device: _DeviceLike = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """Constructs a tensor by copying ``data`` (nested lists/tuples of numbers, a number, a tensor or
    a NumPy array/scalar).

    The dtype is inferred unless given: float32 if any element is a float, else int64 if any is an
    int, else bool; NumPy data keeps its dtype.

    >>> torch.tensor([[1, 2], [3, 4]])
    tensor([[1, 2],
            [3, 4]])
    >>> torch.tensor(2.0, requires_grad=True)
    tensor(2., requires_grad=True)
    """

def as_tensor(data: _TensorData, dtype: _DTypeLike | None = None, device: _DeviceLike = None) -> Tensor:
    """Like :func:`tensor`, but a tensor of the requested dtype is returned without a copy.

    >>> x = torch.tensor([1.0])
    >>> torch.as_tensor(x).data_ptr() == x.data_ptr()
    True
    """

@overload
def zeros(
    *size: int,
    dtype: _DTypeLike | None = None,
    device: _DeviceLike = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """A tensor of zeros; ``size`` is given as ints or as one tuple/list. Default dtype float32.

    >>> torch.zeros(2, 3)
    tensor([[0., 0., 0.],
            [0., 0., 0.]])
    """

@overload
def zeros(
    size: _ShapeSeq,
    /,
    *,
    dtype: _DTypeLike | None = None,
    device: _DeviceLike = None,
    requires_grad: builtins.bool = False,
) -> Tensor: ...
@overload
def ones(
    *size: int,
    dtype: _DTypeLike | None = None,
    device: _DeviceLike = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """A tensor of ones; ``size`` is given as ints or as one tuple/list. Default dtype float32.

    >>> torch.ones((2,), dtype=torch.int64)
    tensor([1, 1])
    """

@overload
def ones(
    size: _ShapeSeq,
    /,
    *,
    dtype: _DTypeLike | None = None,
    device: _DeviceLike = None,
    requires_grad: builtins.bool = False,
) -> Tensor: ...
@overload
def empty(
    *size: int,
    dtype: _DTypeLike | None = None,
    device: _DeviceLike = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """A new tensor of ``size``; unlike torch's, its memory is zero-filled."""

@overload
def empty(
    size: _ShapeSeq,
    /,
    *,
    dtype: _DTypeLike | None = None,
    device: _DeviceLike = None,
    requires_grad: builtins.bool = False,
) -> Tensor: ...
def full(
    size: _ShapeSeq,
    fill_value: _Number,
    *,
    dtype: _DTypeLike | None = None,
    device: _DeviceLike = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``; the dtype follows the value's type unless given.

    >>> torch.full((2,), 7)
    tensor([7, 7])
    """

def zeros_like(
    input: Tensor,
    *,
    dtype: _DTypeLike | None = None,
    device: _DeviceLike = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """Zeros with ``input``'s shape and (unless given) dtype.

    >>> torch.zeros_like(torch.tensor([1, 2]))
    tensor([0, 0])
    """

def ones_like(
    input: Tensor,
    *,
    dtype: _DTypeLike | None = None,
    device: _DeviceLike = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """Ones with ``input``'s shape and (unless given) dtype."""

def empty_like(
    input: Tensor,
    *,
    dtype: _DTypeLike | None = None,
    device: _DeviceLike = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """A new tensor with ``input``'s shape and (unless given) dtype; zero-filled."""

def full_like(
    input: Tensor,
    fill_value: _Number | Tensor,
    *,
    dtype: _DTypeLike | None = None,
    device: _DeviceLike = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """``fill_value`` with ``input``'s shape and (unless given) dtype.

    >>> torch.full_like(torch.zeros(2), 3)
    tensor([3., 3.])
    """

def rand_like(
    input: Tensor,
    *,
    dtype: _DTypeLike | None = None,
    device: _DeviceLike = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """Uniform samples in ``[0, 1)`` with ``input``'s shape and (unless given) dtype."""

def randn_like(
    input: Tensor,
    *,
    dtype: _DTypeLike | None = None,
    device: _DeviceLike = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """Standard normal samples with ``input``'s shape and (unless given) dtype."""

@overload
def rand(
    *size: int,
    generator: object = None,
    dtype: _DTypeLike | None = None,
    device: _DeviceLike = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """Uniform samples in ``[0, 1)`` of ``size`` (ints or one tuple/list). Default dtype float32.

    ``generator`` is accepted for compatibility and ignored; seed with :func:`manual_seed`.

    >>> torch.rand(2, 3).shape
    ferrograd.Size([2, 3])
    """

@overload
def rand(
    size: _ShapeSeq,
    /,
    *,
    generator: object = None,
    dtype: _DTypeLike | None = None,
    device: _DeviceLike = None,
    requires_grad: builtins.bool = False,
) -> Tensor: ...
@overload
def randn(
    *size: int,
    generator: object = None,
    dtype: _DTypeLike | None = None,
    device: _DeviceLike = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """Standard normal samples of ``size`` (ints or one tuple/list). Default dtype float32.

    ``generator`` is accepted for compatibility and ignored; seed with :func:`manual_seed`.
    """

@overload
def randn(
    size: _ShapeSeq,
    /,
    *,
    generator: object = None,
    dtype: _DTypeLike | None = None,
    device: _DeviceLike = None,
    requires_grad: builtins.bool = False,
) -> Tensor: ...
@overload
def randint(
    high: int,
    size: int | _ShapeSeq,
    /,
    *,
    dtype: _DTypeLike | None = None,
    device: _DeviceLike = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """Random integers in ``[low, high)`` (``low`` defaults to 0) of ``size``. Default dtype int64.

    >>> torch.randint(0, 10, (2, 3)).shape
    ferrograd.Size([2, 3])
    """

@overload
def randint(
    low: int,
    high: int,
    size: int | _ShapeSeq,
    /,
    *,
    dtype: _DTypeLike | None = None,
    device: _DeviceLike = None,
    requires_grad: builtins.bool = False,
) -> Tensor: ...
def arange(
    start: _Number,
    end: _Number = ...,
    step: _Number = ...,
    *,
    dtype: _DTypeLike | None = None,
    device: _DeviceLike = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """``arange(end)`` or ``arange(start, end, step=1)``: values from ``start`` (default 0) up to
    but excluding ``end``, every ``step``.

    The dtype is int64 when all arguments are ints, else float32, unless given.

    >>> torch.arange(4)
    tensor([0, 1, 2, 3])
    >>> torch.arange(0, 1, 0.25)
    tensor([0.0000, 0.2500, 0.5000, 0.7500])
    """

def linspace(
    start: builtins.float | Tensor,
    end: builtins.float | Tensor,
    steps: int,
    *,
    dtype: _DTypeLike | None = None,
    device: _DeviceLike = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive. Default dtype float32.

    >>> torch.linspace(0, 1, 5)
    tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """

def eye(
    n: int,
    m: int = ...,
    *,
    dtype: _DTypeLike | None = None,
    device: _DeviceLike = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """An ``n`` x ``m`` (default ``n`` x ``n``) matrix with ones on the diagonal.

    >>> torch.eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    """

def from_numpy(arr: NDArray[Any]) -> Tensor:
    """A tensor sharing ``arr``'s memory (float32, float64, int64 or bool arrays).

    >>> import numpy as np
    >>> a = np.zeros(2)
    >>> t = torch.from_numpy(a)
    >>> a[0] = 5
    >>> t
    tensor([5., 0.], dtype=ferrograd.float64)
    """

def _math_ops() -> list[tuple[str, str, list[tuple[str, str]], str]]: ...
def _binary_ops() -> list[tuple[str, str | None, list[tuple[str, str | None]], str]]: ...
def _activation_ops() -> list[tuple[str, list[tuple[str, float | None]], str, list[str], str]]: ...
def _ternary_ops() -> list[tuple[str, str | None, list[str], str]]: ...
def _live_nodes() -> int:
    """How many autograd graph nodes exist in the process now (for leak tests)."""

def _legacy(dtype: _DTypeLike, /, *args: Any) -> Tensor:
    """The legacy typed constructors: ``_legacy(dtype, data)`` or ``_legacy(dtype, *sizes)``.

    Backs ``FloatTensor``, ``DoubleTensor``, ``LongTensor`` and ``BoolTensor``.
    """

# ---- joining and selection -----------------------------------------------------------------------

def cat(tensors: list[Tensor] | tuple[Tensor, ...], dim: int = 0) -> Tensor:
    """Concatenates tensors along an existing dim.

    >>> x = torch.ones(2, 3)
    >>> torch.cat([x, x]).shape
    ferrograd.Size([4, 3])
    """

def stack(tensors: list[Tensor] | tuple[Tensor, ...], dim: int = 0) -> Tensor:
    """Stacks same-shaped tensors along a new dim.

    >>> x = torch.ones(2, 3)
    >>> torch.stack([x, x], dim=1).shape
    ferrograd.Size([2, 2, 3])
    """

def reshape(input: Tensor, shape: _ShapeSeq) -> Tensor:
    """``input.reshape(shape)``; the shape is one sequence (``torch.reshape(x, (3, 2))``)."""

def permute(input: Tensor, dims: _ShapeSeq) -> Tensor:
    """``input.permute(dims)``; the dims are one sequence (``torch.permute(x, (1, 0))``)."""

def add(input: _Operand, other: _Operand, *, alpha: _Number = ..., out: None = None) -> Tensor:
    """``input + alpha * other``; ``input`` may be a number (two numbers give a 0-d tensor)."""

def sub(input: _Operand, other: _Operand, *, alpha: _Number = ..., out: None = None) -> Tensor:
    """``input - alpha * other``; ``input`` may be a number (two numbers give a 0-d tensor)."""

def mul(input: _Operand, other: _Operand, *, out: None = None) -> Tensor:
    """``input * other``; ``input`` may be a number (two numbers give a 0-d tensor)."""

def div(
    input: _Operand, other: _Operand, *, rounding_mode: builtins.str | None = None, out: None = None
) -> Tensor:
    """``input / other`` (true division, or rounded: see :meth:`Tensor.div`); ``input`` may be a
    number."""

def remainder(input: _Operand, other: _Operand, *, out: None = None) -> Tensor:
    """``input % other`` (Python's modulo); either side may be a number, not both."""

def floor_divide(input: _Operand, other: _Operand, *, out: None = None) -> Tensor:
    """``input // other`` (see :meth:`Tensor.floor_divide`); either side may be a number."""

def leaky_relu(input: Tensor, negative_slope: _Number | None = None) -> Tensor:
    """``input`` where positive, else ``negative_slope * input`` (default 0.01), as one op
    (LeakyReluBackward0), so its gradient and second derivatives are torch's."""

def silu(input: Tensor) -> Tensor:
    """``input * sigmoid(input)``, computed as ``input / (1 + exp(-input))``, as one op
    (SiluBackward0), so its gradient and second derivatives are torch's."""

def gelu(input: Tensor, approximate: builtins.str = "none") -> Tensor:
    """``input * Phi(input)``, exact (``approximate="none"``, through erf) or with torch's tanh
    approximation, as one op (GeluBackward0), so its gradient and second derivatives are
    torch's."""

def softplus(input: Tensor, beta: builtins.float = 1.0, threshold: builtins.float = 20.0) -> Tensor:
    """``log1p(exp(beta * input)) / beta``, ``input`` where ``beta * input > threshold``, as one op
    (SoftplusBackward0), so its gradient and second derivatives are torch's."""

def elu(input: Tensor, alpha: _Number | None = None) -> Tensor:
    """``input`` where positive, else ``alpha * expm1(input)`` (default alpha 1.0), as one op
    (EluBackward0), so its gradient and second derivatives are torch's."""

def _flag(value: object, name: str, fn: str) -> builtins.bool:
    """torch's rule for a bool argument: a bool, or an int / ``__index__`` in [0, 255]
    (OverflowError outside), else TypeError naming ``fn`` and ``name``."""

def where(condition: Tensor, input: _Operand, other: _Operand) -> Tensor:
    """``input`` where ``condition`` holds, else ``other``; broadcasting; either may be a number.

    >>> x = torch.tensor([1.0, -2.0, 3.0])
    >>> torch.where(x > 0, x, 0.0)
    tensor([1., 0., 3.])
    """

def result_type(tensor: _Operand, other: _Operand) -> dtype:
    """The dtype an arithmetic op on ``tensor`` and ``other`` computes in (torch's promotion:
    dimensioned tensors outrank 0-d tensors, which outrank numbers, within a category).

    >>> torch.result_type(torch.tensor([1, 2], dtype=torch.int32), 5)
    ferrograd.int32
    """

def promote_types(type1: _DTypeLike, type2: _DTypeLike) -> dtype:
    """The smallest dtype both ``type1`` and ``type2`` convert to without losing their kind.

    >>> torch.promote_types(torch.int32, torch.float32)
    ferrograd.float32
    """

# ---- grad mode, seeding, backward ----------------------------------------------------------------

def is_grad_enabled() -> builtins.bool:
    """True unless gradient recording is off in this thread (``no_grad``).

    >>> torch.is_grad_enabled()
    True
    """

def _set_grad_enabled(mode: builtins.bool) -> None:
    """Turns gradient recording on or off for the current thread (backs ``set_grad_enabled``)."""

def manual_seed(seed: int) -> None:
    """Seeds the random number generator used by ``rand``, ``randn`` and ``randint``.

    >>> torch.manual_seed(0)
    >>> a = torch.rand(2)
    >>> torch.manual_seed(0)
    >>> torch.rand(2).tolist() == a.tolist()
    True
    """

def _backward(
    tensors: Sequence[Tensor],
    grad_tensors: Sequence[Tensor | None] | None = None,
    retain_graph: builtins.bool | None = None,
    create_graph: builtins.bool = False,
    inputs: Sequence[Tensor] | None = None,
) -> None:
    """Backward from several roots at once (backs ``ferrograd.autograd.backward``); GIL released."""

def set_num_threads(n: int) -> None:
    """Sets the number of threads large kernels and the backward engine may use.

    Results do not depend on it: work is split at boundaries fixed by the problem size.

    >>> import ferrograd as torch
    >>> torch.set_num_threads(1)
    """

def get_num_threads() -> int:
    """The number of threads large kernels and the backward engine may use."""

def _grad(
    outputs: Sequence[Tensor],
    inputs: Sequence[Tensor],
    grad_outputs: Sequence[Tensor | None] | None = None,
    retain_graph: builtins.bool | None = None,
    create_graph: builtins.bool = False,
    allow_unused: builtins.bool = False,
) -> tuple[Tensor | None, ...]:
    """Engine entry point of ``autograd.grad`` (see ferrograd.autograd.grad)."""

@final
class RemovableHandle:
    """What ``register_hook`` returns; ``remove()`` unregisters the hook (also usable with ``with``)."""

    def remove(self) -> None:
        """Unregisters the hook; a second call does nothing."""

    def __enter__(self) -> Self: ...
    def __exit__(self, a: object, b: object, c: object, /) -> None: ...

def _function_apply(
    name: str,
    backward: Callable[..., Any],
    inputs: Iterable[Tensor],
    outputs: Iterable[Tensor],
    saved: Iterable[Tensor | None] | None = None,
) -> list[Tensor]:
    """Attaches a Function's backward to its differentiable outputs (see autograd.Function);
    the node reports the bytes of the distinct ``saved`` tensors as its ``saved_bytes``."""

class OutOfMemoryError(RuntimeError, MemoryError):
    """An allocation ferrograd cannot make: a RuntimeError (as torch's) and a MemoryError."""

@final
class Signature:
    """torch's argument parser for functions written in Python: ``Signature("f(Tensor input,
    int[2] stride=1, *, bool inplace=False)")``, and several signatures for overloads."""

    def __new__(cls, *specs: str) -> Self: ...
    def parse(self, args: tuple[Any, ...], kwargs: dict[str, Any] | None = None) -> tuple[Any, ...]:
        """The arguments in the signature's order, converted (an int from a 0-d tensor is an int,
        ``int[2]`` from one int a pair), or torch's TypeError; ``(overload, values)`` when the
        parser has several signatures."""

@final
class SavedOutput:
    """A Function's saved output, held without a reference cycle; ``unpack()`` restores its history
    while recording (create_graph)."""

    def __new__(cls, t: Tensor) -> Self: ...
    def unpack(self) -> Tensor:
        """The saved tensor (with its grad_fn when grad mode is on and the graph is alive)."""

    @property
    def _version(self) -> int:
        """The version counter of the saved tensor's storage."""

def _set_anomaly(mode: builtins.bool, check_nan: builtins.bool = True) -> None:
    """Engine switch behind ``autograd.set_detect_anomaly``."""

def is_anomaly_enabled() -> builtins.bool:
    """Whether anomaly detection is on (see ``autograd.detect_anomaly``)."""

def _push_saved_tensors_hooks(pack: Callable[[Tensor], Any], unpack: Callable[[Any], Tensor]) -> None:
    """Engine side of ``autograd.graph.saved_tensors_hooks.__enter__``."""

def _pop_saved_tensors_hooks() -> None:
    """Engine side of ``autograd.graph.saved_tensors_hooks.__exit__``."""

def _enter_dual_level() -> int:
    """Engine side of ``forward_ad.enter_dual_level``."""

def _exit_dual_level() -> None:
    """Engine side of ``forward_ad.exit_dual_level``."""

def _make_dual(primal: Tensor, tangent: Tensor) -> Tensor:
    """Engine side of ``forward_ad.make_dual``."""

def _unpack_dual(t: Tensor) -> tuple[Tensor, Tensor | None]:
    """Engine side of ``forward_ad.unpack_dual``."""

def _wgpu_is_available() -> builtins.bool:
    """Whether the wgpu backend can create a device."""

def _wgpu_device_name() -> str:
    """The adapter in use; RuntimeError saying why when there is none."""

def _wgpu_synchronize() -> None:
    """Waits for all queued GPU work."""

def _wgpu_shutdown() -> None:
    """At exit: waits for GPU work in flight, if the GPU was used."""

# BEGIN GENERATED: the op table's functions (activation and binary rows) (scripts/gen_stubs.py from src/ops/table.rs)
__all__ += [
    "atan2",
    "bitwise_and",
    "bitwise_left_shift",
    "bitwise_or",
    "bitwise_right_shift",
    "bitwise_xor",
    "celu",
    "copysign",
    "fmax",
    "fmin",
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "hypot",
    "logaddexp",
    "logical_and",
    "logical_or",
    "logical_xor",
    "logsigmoid",
    "mish",
    "relu6",
    "selu",
    "softshrink",
    "threshold",
    "xlogy",
]

def hypot(input: Tensor | builtins.float, other: Tensor | builtins.float) -> Tensor:
    """`sqrt(input^2 + other^2)`, without overflow for large operands."""

def atan2(input: Tensor | builtins.float, other: Tensor | builtins.float) -> Tensor:
    """The angle of the point `(other, input)`: `atan(input / other)` in the right quadrant."""

def bitwise_and(input: Tensor | builtins.float, other: Tensor | builtins.float) -> Tensor:
    """The bitwise AND of integers, the logical AND of bools."""

def bitwise_or(input: Tensor | builtins.float, other: Tensor | builtins.float) -> Tensor:
    """The bitwise OR of integers, the logical OR of bools."""

def bitwise_xor(input: Tensor | builtins.float, other: Tensor | builtins.float) -> Tensor:
    """The bitwise XOR of integers, the logical XOR of bools."""

def bitwise_left_shift(input: Tensor | builtins.float, other: Tensor | builtins.float) -> Tensor:
    """`input << other` on integers; a shift outside 0..bits gives 0, as in torch."""

def bitwise_right_shift(input: Tensor | builtins.float, other: Tensor | builtins.float) -> Tensor:
    """`input >> other` on integers (arithmetic; a shift outside 0..bits gives 0 or -1)."""

def copysign(input: Tensor | builtins.float, other: Tensor | builtins.float) -> Tensor:
    """The magnitude of `input` with the sign of `other` (also for zeros and NaN)."""

def fmax(input: Tensor | builtins.float, other: Tensor | builtins.float) -> Tensor:
    """The larger of the operands, the number where the other is NaN (C's fmax)."""

def fmin(input: Tensor | builtins.float, other: Tensor | builtins.float) -> Tensor:
    """The smaller of the operands, the number where the other is NaN (C's fmin)."""

def xlogy(input: Tensor | builtins.float, other: Tensor | builtins.float) -> Tensor:
    """`input * log(other)`, 0 where `input` is 0 (unless `other` is NaN)."""

def logaddexp(input: Tensor | builtins.float, other: Tensor | builtins.float) -> Tensor:
    """`log(exp(input) + exp(other))`, without overflow."""

def logical_and(input: Tensor | builtins.float, other: Tensor | builtins.float) -> Tensor:
    """Whether both operands are nonzero (NaN counts as nonzero), as bools."""

def logical_or(input: Tensor | builtins.float, other: Tensor | builtins.float) -> Tensor:
    """Whether either operand is nonzero (NaN counts as nonzero), as bools."""

def logical_xor(input: Tensor | builtins.float, other: Tensor | builtins.float) -> Tensor:
    """Whether exactly one operand is nonzero (NaN counts as nonzero), as bools."""

def celu(input: Tensor, alpha: builtins.float = ..., inplace: builtins.bool = False) -> Tensor:
    """`max(0, x) + min(0, alpha * (exp(x / alpha) - 1))`."""

def hardtanh(
    input: Tensor,
    min_val: builtins.float = ...,
    max_val: builtins.float = ...,
    inplace: builtins.bool = False,
) -> Tensor:
    """`x` clamped to `[min_val, max_val]` (NaN stays NaN)."""

def relu6(input: Tensor, inplace: builtins.bool = False) -> Tensor:
    """`min(max(x, 0), 6)` (NaN stays NaN)."""

def hardsigmoid(input: Tensor, inplace: builtins.bool = False) -> Tensor:
    """`relu6(x + 3) / 6`."""

def hardswish(input: Tensor, inplace: builtins.bool = False) -> Tensor:
    """`x * relu6(x + 3) / 6`."""

def mish(input: Tensor, inplace: builtins.bool = False) -> Tensor:
    """`x * tanh(softplus(x))`."""

def selu(input: Tensor, inplace: builtins.bool = False) -> Tensor:
    """`scale * (x > 0 ? x : alpha * (exp(x) - 1))` with torch's constants."""

def logsigmoid(input: Tensor, inplace: builtins.bool = False) -> Tensor:
    """`log(sigmoid(x))`, without overflow."""

def hardshrink(input: Tensor, lambd: builtins.float = ..., inplace: builtins.bool = False) -> Tensor:
    """`x` where `|x| > lambd`, else 0."""

def softshrink(input: Tensor, lambd: builtins.float = ..., inplace: builtins.bool = False) -> Tensor:
    """`x` moved toward 0 by `lambd`, 0 inside `[-lambd, lambd]`."""

def threshold(
    input: Tensor,
    threshold: builtins.float,
    value: builtins.float,
    inplace: builtins.bool = False,
) -> Tensor:
    """`x` where above `threshold`, else `value`."""

# END GENERATED
