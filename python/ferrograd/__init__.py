"""ferrograd: automatic differentiation for Python with a Rust engine and PyTorch's API.

``import ferrograd as torch`` runs autograd code written for torch:

>>> import ferrograd as torch
>>> x = torch.tensor(2.0, requires_grad=True)
>>> (x ** 3).backward()
>>> x.grad
tensor(12.)
"""

from __future__ import annotations

import builtins

from . import _core
from ._core import (
    OutOfMemoryError,
    Tensor,
    arange,
    as_tensor,
    bool,
    cat,
    device,
    dtype,
    empty,
    empty_like,
    eye,
    float32,
    float64,
    from_numpy,
    full,
    full_like,
    get_num_threads,
    int32,
    int64,
    is_grad_enabled,
    linspace,
    ones,
    ones_like,
    promote_types,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    result_type,
    set_num_threads,
    stack,
    tensor,
    zeros,
    zeros_like,
)
from ._core import where as where
from ._size import Size
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)

float = float32
double = float64
long = int64
int = int32

# Function forms of Tensor methods: the method descriptors themselves, so `torch.exp(x)` costs
# what `x.exp()` costs (one call into Rust), and a non-tensor argument is a TypeError.
abs = Tensor.abs
neg = Tensor.neg
negative = Tensor.neg
exp = Tensor.exp
log = Tensor.log
sqrt = Tensor.sqrt
tanh = Tensor.tanh
sigmoid = Tensor.sigmoid
relu = Tensor.relu
sign = Tensor.sign
square = Tensor.square
reciprocal = Tensor.reciprocal
clamp = Tensor.clamp
clip = Tensor.clip
maximum = Tensor.maximum
minimum = Tensor.minimum
fmod = Tensor.fmod
bitwise_not = Tensor.bitwise_not
sum = Tensor.sum
mean = Tensor.mean
prod = Tensor.prod
var = Tensor.var
std = Tensor.std
max = Tensor.max
min = Tensor.min
amax = Tensor.amax
amin = Tensor.amin
argmax = Tensor.argmax
argmin = Tensor.argmin
logsumexp = Tensor.logsumexp
softmax = Tensor.softmax
log_softmax = Tensor.log_softmax
matmul = Tensor.matmul
mm = Tensor.mm
reshape = _core.reshape
flatten = Tensor.flatten
transpose = Tensor.transpose
swapaxes = Tensor.swapaxes
t = Tensor.t
permute = _core.permute
squeeze = Tensor.squeeze
unsqueeze = Tensor.unsqueeze
clone = Tensor.clone
select = Tensor.select
narrow = Tensor.narrow
eq = Tensor.eq
ne = Tensor.ne
lt = Tensor.lt
le = Tensor.le
gt = Tensor.gt
ge = Tensor.ge
logical_not = Tensor.logical_not
masked_fill = Tensor.masked_fill
detach = Tensor.detach
numel = Tensor.numel


# torch.add/sub/mul/div (and reshape/permute above) parse their arguments as torch's functions do
# (a number as input, one shape sequence): Rust functions of their own, not the methods.
add = _core.add
sub = _core.sub
subtract = sub
mul = _core.mul
multiply = mul
div = _core.div
divide = div
true_divide = div
remainder = _core.remainder
floor_divide = _core.floor_divide


def pow(input, exponent):
    """``input ** exponent``; either side may be a Python number (but not both)."""
    if isinstance(input, Tensor):
        return input.pow(exponent)
    if isinstance(exponent, Tensor):
        return input**exponent
    raise TypeError("pow(): at least one of 'input' and 'exponent' must be a Tensor")


def is_tensor(obj) -> builtins.bool:
    """True for ferrograd tensors."""
    return isinstance(obj, Tensor)


def _legacy_alias(name: str, dtype: dtype, t: Tensor) -> Tensor:
    """``FloatTensor(t)`` as torch: a view of ``t`` (same storage, ``requires_grad`` kept) when it
    is a CPU tensor of the constructor's dtype; no conversion otherwise."""
    if t.dtype != dtype or t.device.type != "cpu":
        raise TypeError(
            f"{name}(): expected a cpu tensor of dtype {dtype} (legacy constructors alias a tensor, "
            f"they do not convert it), got a {t.device.type} tensor of dtype {t.dtype}; "
            f"use .to({dtype}) to convert"
        )
    return t.view_as(t)


def _legacy(name: str, dtype: dtype, args: tuple) -> Tensor:
    """The legacy constructors: ``X(tensor)`` aliases, ``X(*sizes)`` is uninitialised memory and
    ``X(sequence)`` copies the data."""
    if len(args) == 1 and isinstance(args[0], Tensor):
        return _legacy_alias(name, dtype, args[0])
    if len(args) > 1:
        # torch picks the sizes overload by the first argument, a non-bool int; the sizes after it
        # are read as ints, bools included (`LongTensor(2, True)` is 2x1, `LongTensor(True, 2)` fails)
        args = (args[0], *(builtins.int(a) if isinstance(a, builtins.bool) else a for a in args[1:]))
    return _core._legacy(dtype, *args)


def FloatTensor(*args):
    """Legacy constructor: ``FloatTensor([1.0, 2.0])`` or ``FloatTensor(2, 3)`` (float32)."""
    return _legacy("FloatTensor", float32, args)


def DoubleTensor(*args):
    """Legacy constructor for float64 tensors."""
    return _legacy("DoubleTensor", float64, args)


def LongTensor(*args):
    """Legacy constructor for int64 tensors."""
    return _legacy("LongTensor", int64, args)


def IntTensor(*args):
    """Legacy constructor for int32 tensors."""
    return _legacy("IntTensor", int32, args)


def BoolTensor(*args):
    """Legacy constructor for bool tensors."""
    return _legacy("BoolTensor", bool, args)


from . import autograd, nn, optim, utils, wgpu
from .serialization import load, save
from .utils._random import Generator, default_generator, initial_seed, manual_seed, seed

__version__ = "0.1.0"

__all__ = [
    "BoolTensor",
    "DoubleTensor",
    "FloatTensor",
    "Generator",
    "IntTensor",
    "LongTensor",
    "OutOfMemoryError",
    "Size",
    "Tensor",
    "abs",
    "add",
    "amax",
    "amin",
    "arange",
    "argmax",
    "argmin",
    "as_tensor",
    "autograd",
    "bitwise_not",
    "bool",
    "cat",
    "clamp",
    "clip",
    "clone",
    "default_generator",
    "detach",
    "device",
    "div",
    "divide",
    "double",
    "dtype",
    "empty",
    "empty_like",
    "enable_grad",
    "eq",
    "exp",
    "eye",
    "flatten",
    "float",
    "float32",
    "float64",
    "floor_divide",
    "fmod",
    "from_numpy",
    "full",
    "full_like",
    "ge",
    "get_num_threads",
    "gt",
    "inference_mode",
    "initial_seed",
    "int",
    "int32",
    "int64",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "is_tensor",
    "le",
    "linspace",
    "load",
    "log",
    "log_softmax",
    "logical_not",
    "logsumexp",
    "long",
    "lt",
    "manual_seed",
    "masked_fill",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mm",
    "mul",
    "multiply",
    "narrow",
    "ne",
    "neg",
    "negative",
    "nn",
    "no_grad",
    "numel",
    "ones",
    "ones_like",
    "optim",
    "permute",
    "pow",
    "prod",
    "promote_types",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "reciprocal",
    "relu",
    "remainder",
    "reshape",
    "result_type",
    "save",
    "seed",
    "select",
    "set_grad_enabled",
    "set_num_threads",
    "sigmoid",
    "sign",
    "softmax",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "std",
    "sub",
    "subtract",
    "sum",
    "swapaxes",
    "t",
    "tanh",
    "tensor",
    "transpose",
    "true_divide",
    "unsqueeze",
    "utils",
    "var",
    "wgpu",
    "where",
    "zeros",
    "zeros_like",
]

# The op table's rows (src/ops/table.rs): each function form is the method itself, as above
# (torch also has the unary rows' in-place forms as functions: torch.sin_, torch.nan_to_num_).
for _name, _inplace, _aliases, _sig, _params, _doc in _core._math_ops():
    for _n in (_name, _inplace, *(_n for _alias in _aliases for _n in _alias)):
        if _n is not None:
            globals()[_n] = getattr(Tensor, _n)
            __all__.append(_n)
# A binary row's function form is its own function (it also takes a number as `input` where
# torch does: `torch.xlogy(2.0, y)`); the aliases are the methods.
for _name, _inplace, _aliases, _doc in _core._binary_ops():
    globals()[_name] = getattr(_core, _name)
    __all__.append(_name)
    for _n in (_a for _a, _ in _aliases):
        globals()[_n] = getattr(Tensor, _n)
        __all__.append(_n)
del _name, _inplace, _aliases, _sig, _params, _doc, _n

for _row in _core._ternary_ops():
    globals()[_row[0]] = getattr(Tensor, _row[0])
    __all__.append(_row[0])

# The activation rows with torch's function form (torch.celu, torch.celu_).
for _name, _params, _module, _forms, _doc in _core._activation_ops():
    if "function" in _forms:
        globals()[_name] = getattr(_core, _name)
        __all__.append(_name)
        if "underscore" in _forms:
            globals()[_name + "_"] = getattr(nn.functional, _name + "_")
            __all__.append(_name + "_")
del _name, _params, _module, _forms, _doc
