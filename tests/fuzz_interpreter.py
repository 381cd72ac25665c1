"""The interpreter of the differential fuzzer's programs (see fuzz_programs.py): ``run_program``
runs one against either module (ferrograd or torch) and returns its ``Outcome``; ``_tag`` names
an instruction as KNOWN_BUGS knows it."""

from __future__ import annotations

import warnings

import numpy as np
import opinfo
from helpers import dtype_name, make_tensor, to_numpy


def _leaf_array(shape, dtype, seed, kind, jitter=None):
    rng = np.random.default_rng(seed)
    if dtype in ("int64", "int32", "bool"):  # kind: ("ints", values) picks from the values
        values = kind[1] if isinstance(kind, tuple) else (0, 1)
        return rng.choice(np.array(values, dtype=np.int64), size=shape).astype(dtype)
    if isinstance(kind, tuple):  # ("range", low, high): a registry entry's domain
        arr = rng.uniform(kind[1], kind[2], size=shape)
    elif kind == "int":  # small integers: ties for max/maximum/sort and exact zeros for abs/relu/sign
        arr = rng.integers(-2, 3, size=shape).astype(np.float64)
    elif kind == "pos":  # away from zero: log, sqrt, reciprocal, pow stay in their domain
        arr = rng.uniform(0.5, 2.0, size=shape)
    else:
        arr = rng.uniform(-2.0, 2.0, size=shape)
    arr = arr.astype(np.float32 if dtype == "float32" else np.float64)
    if jitter is not None:  # each value moved by up to one ulp (see _noise_floor)
        arr *= 1 + np.random.default_rng([seed, jitter]).uniform(-1, 1, size=shape) * np.finfo(arr.dtype).eps
    return arr


def _operand(vals, a):
    """An operand: an int is a value reference, a float a Python scalar."""
    return vals[a] if isinstance(a, int) else a


def _F(m):
    return m.nn.functional


UNARY = {
    "neg": lambda m, x: x.neg(),
    "pos": lambda m, x: +x,
    "exp": lambda m, x: m.exp(x),
    "log": lambda m, x: m.log(x),
    "sqrt": lambda m, x: x.sqrt(),
    "sin": lambda m, x: m.sin(x),
    "cos": lambda m, x: x.cos(),
    "tanh": lambda m, x: x.tanh(),
    "sigmoid": lambda m, x: m.sigmoid(x),
    "relu": lambda m, x: x.relu(),
    "abs": lambda m, x: abs(x),
    "sign": lambda m, x: x.sign(),
    "square": lambda m, x: x.square(),
    "reciprocal": lambda m, x: x.reciprocal(),
    "erf": lambda m, x: m.erf(x),
    "leaky_relu": lambda m, x: _F(m).leaky_relu(x, 0.1),
    "elu": lambda m, x: _F(m).elu(x),
    "silu": lambda m, x: _F(m).silu(x),
    "softplus": lambda m, x: _F(m).softplus(x),
    "gelu": lambda m, x: _F(m).gelu(x),
    "gelu_tanh": lambda m, x: _F(m).gelu(x, approximate="tanh"),
}

# Binary ops taking a value or a scalar on the right; "r"-prefixed ones put the scalar on the left.
BINARY = {
    "add": lambda m, x, y: x + y,
    "sub": lambda m, x, y: x - y,
    "mul": lambda m, x, y: x * y,
    "div": lambda m, x, y: x / y,
    "pow": lambda m, x, y: x**y,
    "radd": lambda m, x, c: c + x,
    "rsub": lambda m, x, c: c - x,
    "rmul": lambda m, x, c: c * x,
    "rdiv": lambda m, x, c: c / x,
    "rpow": lambda m, x, c: c**x,
    "add_alpha": lambda m, x, y: m.add(x, y, alpha=0.5),
    "sub_alpha": lambda m, x, y: x.sub(y, alpha=2.0),
    "maximum": lambda m, x, y: m.maximum(x, y),
    "minimum": lambda m, x, y: x.minimum(y),
    "mod": lambda m, x, y: x % y,
    "fmod": lambda m, x, y: m.fmod(x, y),
    # rounded division: zero gradients (div), none at all (floor_divide: backward raises)
    "floordiv": lambda m, x, y: x // y,
    "div_floor": lambda m, x, y: m.div(x, y, rounding_mode="floor"),
    "div_trunc": lambda m, x, y: x.div(y, rounding_mode="trunc"),
    "rfloordiv": lambda m, x, c: c // x,
    "eq": lambda m, x, y: x == y,
    "ne": lambda m, x, y: x.ne(y),
    "lt": lambda m, x, y: x < y,
    "le": lambda m, x, y: m.le(x, y),
    "gt": lambda m, x, y: x > y,
    "ge": lambda m, x, y: x.ge(y),
    "logical_and": lambda m, x, y: x.logical_and(y),
    "logical_or": lambda m, x, y: m.logical_or(x, y),
    "and": lambda m, x, y: x & y,
    "or": lambda m, x, y: x | y,
    "matmul": lambda m, x, y: x @ y,
    "mm": lambda m, x, y: m.mm(x, y),
}
COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge")

REDUCTIONS = {
    "sum": lambda m, x, d, k: x.sum(d, keepdim=k) if d is not None else x.sum(),
    "mean": lambda m, x, d, k: m.mean(x, d, keepdim=k) if d is not None else x.mean(),
    "amax": lambda m, x, d, k: x.amax(d if d is not None else (), keepdim=k),
    "amin": lambda m, x, d, k: m.amin(x, d if d is not None else (), keepdim=k),
    "logsumexp": lambda m, x, d, k: x.logsumexp(d, keepdim=k),
    "var": lambda m, x, d, k: x.var(d, keepdim=k),
    "var0": lambda m, x, d, k: x.var(d, correction=0, keepdim=k),
    "std": lambda m, x, d, k: x.std(d, keepdim=k),
    "std0": lambda m, x, d, k: m.std(x, d, unbiased=False, keepdim=k),
}

# One int dim (or None for everything).
DIM_OPS = {
    "prod": lambda m, x, d, k: x.prod(d, keepdim=k) if d is not None else x.prod(),
    "max_dim": lambda m, x, d, k: tuple(x.max(d, keepdim=k)),
    "min_dim": lambda m, x, d, k: tuple(m.min(x, d, keepdim=k)),
    "argmax": lambda m, x, d, k: x.argmax(d, keepdim=k),
    "argmin": lambda m, x, d, k: x.argmin(d, keepdim=k),
    "softmax": lambda m, x, d, k: x.softmax(d),
    "log_softmax": lambda m, x, d, k: m.log_softmax(x, d),
}

IN_PLACE = {
    "add_": lambda m, x, y: x.add_(y),
    "sub_": lambda m, x, y: x.sub_(y, alpha=0.5),
    "mul_": lambda m, x, y: x.mul_(y),
    "div_": lambda m, x, y: x.div_(y),
    "pow_": lambda m, x, y: x.pow_(y),
    "copy_": lambda m, x, y: x.copy_(y),
    "iadd": lambda m, x, y: _iop(x, y, "__iadd__"),
    "isub": lambda m, x, y: _iop(x, y, "__isub__"),
    "imul": lambda m, x, y: _iop(x, y, "__imul__"),
    "idiv": lambda m, x, y: _iop(x, y, "__itruediv__"),
}
IN_PLACE_UNARY = {
    "neg_": lambda m, x: x.neg_(),
    "exp_": lambda m, x: x.exp_(),
    "relu_": lambda m, x: x.relu_(),
    "zero_": lambda m, x: x.zero_(),
    "clamp_": lambda m, x: x.clamp_(-0.5, 1.0),
    "fill_": lambda m, x: x.fill_(0.25),
}


def _iop(x, y, name):
    out = getattr(x, name)(y)
    assert out is x, f"{name} returned a new object"
    return out


def _apply_registry(m, vals, name, a):
    """A registry instruction (see the module docstring): ``t.``, ``m.`` or ``F.`` and the name
    called, with its operands, keyword arguments (a dict) and parameters (a tuple)."""
    where, _, fn = name.partition(".")
    args, kwargs = [], {}
    for x in a:
        if isinstance(x, dict):
            kwargs.update(x)
        elif isinstance(x, tuple):
            args.extend(x)
        else:
            args.append(_operand(vals, x))
    if where == "m":
        return getattr(args[0], fn)(*args[1:], **kwargs)
    return getattr(m if where == "t" else _F(m), fn)(*args, **kwargs)


def _is_in_place(tag) -> bool:
    """Whether an instruction tag (see _tag) writes into its input."""
    return tag in IN_PLACE_TAGS or (tag.endswith("_") and tag[:-1] in REGISTRY_NAMES)


def _setitem(x, index, value):
    x[index] = value
    return x


def _apply(m, vals, ins):
    """Runs one instruction; returns its result (a tensor or a tuple of tensors)."""
    name, *a = ins
    if name == "leaf":
        shape, dtype, seed, requires_grad, kind, *jitter = a
        arr = _leaf_array(shape, dtype, seed, kind, *jitter)
        return make_tensor(m, arr, getattr(m, dtype), requires_grad)
    if "." in name:
        return _apply_registry(m, vals, name, a)
    if name in UNARY:
        return UNARY[name](m, vals[a[0]])
    if name in BINARY:
        return BINARY[name](m, vals[a[0]], _operand(vals, a[1]))
    if name in REDUCTIONS or name in DIM_OPS:
        fn = REDUCTIONS.get(name) or DIM_OPS[name]
        return fn(m, vals[a[0]], a[1], a[2])
    if name in IN_PLACE:
        return IN_PLACE[name](m, vals[a[0]], _operand(vals, a[1]))
    if name in IN_PLACE_UNARY:
        return IN_PLACE_UNARY[name](m, vals[a[0]])
    x = vals[a[0]]
    if name == "max":
        return x.max()
    if name == "clamp":
        return x.clamp(a[1], a[2])
    if name == "where":
        return m.where(x, _operand(vals, a[1]), _operand(vals, a[2]))
    if name == "masked_fill":
        return x.masked_fill(vals[a[1]], a[2])
    if name == "logical_not":
        return ~x if a[1] else x.logical_not()
    if name == "reshape":
        return x.reshape(a[1])
    if name == "view":
        return x.view(*a[1])
    if name == "flatten":
        return x.flatten(a[1], a[2])
    if name == "transpose":
        return x.transpose(a[1], a[2])
    if name == "t":
        return x.t()
    if name == "mT":
        return x.mT
    if name == "permute":
        return x.permute(*a[1])
    if name == "expand":
        return x.expand(*a[1])
    if name == "unsqueeze":
        return x.unsqueeze(a[1])
    if name == "squeeze":
        return x.squeeze() if a[1] is None else x.squeeze(a[1])
    if name == "narrow":
        return x.narrow(a[1], a[2], a[3])
    if name == "select":
        return x.select(a[1], a[2])
    if name == "getitem":
        return x[a[1]]
    if name == "index_value":  # x[:, ..., idx] with an int or bool index tensor at dim a[2]
        return x[(slice(None),) * a[2] + (vals[a[1]],)]
    if name == "setitem":
        return _setitem(x, a[1], _operand(vals, a[2]))
    if name == "contiguous":
        return x.contiguous()
    if name == "clone":
        return x.clone()
    if name == "detach":
        return x.detach()
    if name == "cast":
        return x.to(getattr(m, a[1]))
    if name == "cat":
        return m.cat([vals[i] for i in a[0]], a[1])
    if name == "stack":
        return m.stack([vals[i] for i in a[0]], a[1])
    raise ValueError(f"unknown instruction {ins!r}")


def _np(t) -> np.ndarray:
    """``to_numpy``, plus torch's ZeroTensor (what double backward of e.g. relu gives)."""
    if getattr(t, "_is_zerotensor", lambda: False)():
        return np.zeros(tuple(t.shape), dtype=to_numpy(t.new_zeros(())).dtype)
    return to_numpy(t)


def _is_float(t) -> bool:
    return dtype_name(t.dtype) in ("float32", "float64")


def _weights(vals):
    """Fixed weights per float value requiring grad: the loss is sum((v * w).sum())."""
    out = []
    for i, v in enumerate(vals):
        if _is_float(v) and v.requires_grad:
            w = np.random.default_rng(1000 + i).standard_normal(size=tuple(v.shape))
            out.append((i, w))
    return out


def _weighted_sum(m, pairs):
    loss = None
    for t, w in pairs:
        term = (t * make_tensor(m, w, t.dtype)).sum()
        loss = term if loss is None else loss + term
    return loss


class Outcome:
    """What running a program produced: values, leaf gradients, second derivatives, or an error
    (``error = (step, exception)``, step being an instruction index, "backward" or "grad2")."""

    def __init__(self):
        self.vals, self.leaves, self.grads, self.grads2 = [], [], None, None
        self.error = None


def run_program(m, prog) -> Outcome:
    out = Outcome()
    vals = out.vals
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for step, ins in enumerate(prog["ops"]):
            try:
                res = _apply(m, vals, ins)
            except Exception as e:  # noqa: BLE001 - any error is compared with torch's
                out.error = (step, e)
                return out
            vals.extend(res if isinstance(res, tuple) else (res,))
            if ins[0] == "leaf" and ins[4]:
                out.leaves.append(vals[-1])
        _backward(m, prog, out)
    return out


def _backward(m, prog, out):
    pairs = [(out.vals[i], w) for i, w in _weights(out.vals)]
    loss = _weighted_sum(m, pairs)
    if loss is None:
        return
    step = "backward"
    try:
        if not prog.get("order2"):
            loss.backward()
            out.grads = [leaf.grad for leaf in out.leaves]
            return
        grads = m.autograd.grad(loss, out.leaves, create_graph=True, allow_unused=True)
        out.grads = list(grads)
        step = "grad2"
        rng = np.random.default_rng(7)
        pairs2 = [(g, rng.standard_normal(size=tuple(g.shape))) for g in grads if g is not None]
        loss2 = _weighted_sum(m, [(g, w) for g, w in pairs2 if g.requires_grad])
        if loss2 is not None:
            out.grads2 = list(m.autograd.grad(loss2, out.leaves, allow_unused=True))
    except Exception as e:  # noqa: BLE001
        out.error = (step, e)


IN_PLACE_TAGS = {*IN_PLACE, *IN_PLACE_UNARY, "setitem"}

# Every entry of the test registry, with its kind (reg_<kind> draws it), and its names and
# aliases -> its name.
REGISTRY = opinfo.entries()
REGISTRY_NAMES = {n: op.name for _, op in REGISTRY for n in (op.name, *getattr(op, "aliases", ()))}


def _tag(ins):
    """The name KNOWN_BUGS knows an instruction by: its op, "pow_tensor" for tensor ** tensor; a
    registry instruction by its entry's name (an alias resolved), "_" appended for the in-place
    form (``("m.arcsin_", 0)`` is "asin_")."""
    if "." in ins[0]:
        fn = ins[0].partition(".")[2]
        base = fn.rstrip("_")
        return REGISTRY_NAMES.get(base, base) + fn[len(base) :]
    if ins[0] == "pow" and isinstance(ins[2], int):
        return "pow_tensor"
    return ins[0]
