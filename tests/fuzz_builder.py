"""The differential fuzzer's program generator (see fuzz_programs.py): ``programs()``, the
Hypothesis strategy, builds a program one instruction at a time and runs each in torch right away,
so parameters are drawn from the real shapes of the values. It keeps out what fuzz_known.py lists."""

from __future__ import annotations

import math
import warnings

import numpy as np
import opinfo
from fuzz_interpreter import (
    COMPARISONS,
    DIM_OPS,
    IN_PLACE,
    IN_PLACE_UNARY,
    REDUCTIONS,
    REGISTRY,
    UNARY,
    _apply,
    _is_float,
    _is_in_place,
    _tag,
)
from fuzz_known import AVOID
from helpers import dtype_name
from hypothesis import strategies as st

SCALARS = [2.0, 0.5, -1.0, 0.0, 1.5, -0.25, 3.0]
EXPONENTS = [2.0, 3.0, 0.5, -1.0, 1.5, 0.0, -2.0]


def _constant_up_to_rounding(torch, t, d) -> bool:
    """Whether a reduction of ``t`` over ``d`` (None: all) sees input that is constant up to
    rounding: a standard deviation that is nonzero but within a few ulps of the values."""
    with torch.no_grad():
        dims = tuple(range(t.dim())) if d is None else (d,) if isinstance(d, int) else tuple(d)
        if t.numel() == 0 or math.prod(t.shape[k] for k in dims) <= 1:
            return False
        std = t.std(dim=dims)
        scale = t.abs().amax(dim=dims)
        eps = torch.finfo(t.dtype).eps
        return bool(((std > 0) & (std <= 64 * eps * scale)).any())


class _Builder:
    """Draws one program, running each instruction in torch to learn the shapes it produces."""

    def __init__(self, draw, torch, order2):
        self.draw, self.torch, self.order2 = draw, torch, order2
        self.ops, self.vals = [], []
        self.emitted = set()  # bug tags (see _tag) of the instructions so far
        self.dtype = draw(st.sampled_from(["float32", "float64"]))
        self.mixed = draw(st.integers(0, 9)) == 0  # some programs mix float32 and float64 leaves
        self.failed = False

    # -- helpers -------------------------------------------------------------------------------

    def known_bug(self, name, x=None):
        """Whether emitting op ``name`` (on value ``x``) would hit a bug listed in KNOWN_BUGS."""
        tags = [name, f"{name}@order2" if self.order2 else None]
        if x is not None and self.vals[x].dim() == 0:
            tags.append(f"{name}@0d")
        if x is not None and self.vals[x].numel() == 0:
            tags.append(f"{name}@empty")
        return any(tag in AVOID for tag in tags)

    def emit(self, ins):
        """Appends ``ins`` and runs it in torch; None when torch raised (the program ends there: the
        error is compared) or when ``ins`` would meet an ``op@inplace`` known bug."""
        tag = _tag(ins)
        if tag == "matmul" and max(self.vals[ins[1]].dim(), self.vals[ins[2]].dim()) >= 3:
            tag = "matmul_batched"
        if _is_in_place(tag) and any(f"{t}@inplace" in AVOID for t in self.emitted):
            return None
        if f"{tag}@inplace" in AVOID and any(_is_in_place(t) for t in self.emitted):
            return None
        self.emitted.add(tag)
        self.ops.append(ins)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = _apply(self.torch, self.vals, ins)
        except Exception:  # noqa: BLE001 - kept: ferrograd must raise the same way
            self.failed = True
            return None
        res = res if isinstance(res, tuple) else (res,)
        self.vals.extend(res)
        return len(self.vals) - 1

    def integers(self, lo, hi):
        return self.draw(st.integers(lo, hi))

    def coin(self, n=2):
        """True with probability 1/n."""
        return self.draw(st.integers(0, n - 1)) == 0

    def choice(self, seq):
        return self.draw(st.sampled_from(list(seq)))

    def dim_size(self):
        # mostly 1..4; 0 now and then for empty tensors
        i = self.integers(0, 24)
        return 0 if i == 24 else 1 + i % 4

    def shape(self, max_rank=4):
        return tuple(self.dim_size() for _ in range(self.integers(0, max_rank)))

    def leaf(self, shape=None):
        shape = self.shape() if shape is None else tuple(shape)
        dtype = self.choice(["float32", "float64"]) if self.mixed else self.dtype
        kind = self.choice(["uniform", "uniform", "int", "pos"])
        if kind == "int" and self.order2:
            # Small integers put values exactly on kinks and singular points (x ** 0 at 0, pow with a
            # negative base and an integer exponent): there second derivatives are NaN, 0 or absent
            # depending on how each library writes the formula. First-order programs keep them.
            kind = "uniform"
        requires_grad = not self.coin(5)
        return self.emit(("leaf", shape, dtype, self.integers(0, 2**16), requires_grad, kind))

    def pick(self, pred=lambda t: True):
        idx = [i for i, t in enumerate(self.vals) if pred(t)]
        return self.choice(idx) if idx else None

    def pick_float(self):
        return self.pick(_is_float)

    def pick_bool(self):
        return self.pick(lambda t: t.dtype == self.torch.bool)

    def dim(self, t, allow_none=False):
        if t.dim() == 0 or (allow_none and self.coin(4)):
            return None if allow_none else 0
        return self.integers(-t.dim(), t.dim() - 1)

    def dims(self, t):
        """None (all dims), or a tuple of distinct dims."""
        if t.dim() == 0 or self.coin(4):
            return None
        chosen = sorted({self.integers(0, t.dim() - 1) for _ in range(self.integers(1, t.dim()))})
        return tuple(d - t.dim() if self.coin(3) else d for d in chosen)

    def partner(self, shape, exact=False):
        """A value broadcastable with ``shape`` (to exactly ``shape`` when ``exact``): an
        existing one when there is one and the draw says so, else a new leaf."""

        def fits(t):
            try:
                b = np.broadcast_shapes(tuple(t.shape), shape)
            except ValueError:
                return False
            return _is_float(t) and (not exact or b == shape)

        if self.coin(2):
            i = self.pick(fits)
            if i is not None:
                return i
        new = list(shape[self.integers(0, len(shape)) :])  # drop leading dims
        for k in range(len(new)):
            if self.coin(3):
                new[k] = 1
            elif new[k] == 1 and not exact and self.coin(3):
                new[k] = self.integers(2, 3)  # the other side broadcasts
        return self.leaf(new)

    def shape_args(self, name, x, shape):
        """``(name, x, shape)``, where ``shape`` becomes ``*shape`` in the call, or None."""
        if not shape and self.known_bug("no_size_args"):
            return None
        return self.emit((name, x, tuple(shape)))

    # -- op families ---------------------------------------------------------------------------

    def gen_unary(self):
        x = self.pick_float()
        name = self.choice(UNARY)
        if name == "elu" and (self.vals[x] == 0).any() and self.known_bug("elu@zero"):
            return None
        if name == "sign" and self.torch.isnan(self.vals[x]).any():
            return None  # torch.sign(nan) is 0, a known torch bug (pytorch/pytorch#41245); numpy: nan
        if name == "elu" and self.torch.isnan(self.vals[x]).any():
            # torch's elu gradient at NaN depends on the element's position: g from its scalar
            # loop, NaN from its vectorised one (the first multiple of 8 float64 / 16 float32
            # elements); ferrograd gives g everywhere (tests/test_ops_unary.py checks the scalar
            # cases)
            return None
        return None if self.known_bug(name, x) else self.emit((name, x))

    def gen_binary(self):
        x = self.pick_float()
        name = self.choice(
            ["add", "sub", "mul", "div", "pow", "add_alpha", "sub_alpha", "maximum", "minimum", "mod", "fmod"]
            + ["floordiv", "div_floor", "div_trunc"]
            + ["radd", "rsub", "rmul", "rdiv", "rpow", "rfloordiv"]
        )
        if self.known_bug(name):
            return None
        if name.startswith("r"):
            return self.emit((name, x, self.choice(SCALARS)))
        if name not in ("maximum", "minimum") and self.coin(4) and not self.known_bug(name, x):
            return self.emit((name, x, self.choice(EXPONENTS if name == "pow" else SCALARS)))
        y = x if self.coin(6) else self.partner(tuple(self.vals[x].shape))
        if y is None:
            return None
        return self.emit((name, x, y) if self.coin(2) else (name, y, x))

    # -- registry ops (tests/opinfo.py) ---------------------------------------------------------

    def gen_registry(self):
        """One entry of the test registry, in one of its forms (function, method, alias, in-place
        where torch has it), on operands drawn for it (see reg_operand)."""
        kind, op = self.choice(REGISTRY)
        if self.known_bug(op.name):
            return None
        return getattr(self, f"reg_{kind}")(op)

    def reg_operand(self, op, domain=None, shape=None, exact=False, ints=(-3, -2, -1, 0, 1, 2, 3)):
        """An operand for registry entry ``op``: an existing value of a dtype the entry computes on
        (broadcastable with ``shape``; to exactly ``shape`` when ``exact``), or a new leaf of such
        a dtype, a float one drawn from the entry's ``domain`` (its low, high), an int64 one from
        ``ints``."""

        def fits(t):
            if dtype_name(t.dtype) not in op.dtypes:
                return False
            if shape is None:
                return True
            return _broadcastable_to(tuple(t.shape), shape) if exact else _broadcastable(t.shape, shape)

        if self.coin(2):
            i = self.pick(fits)
            if i is not None:
                return i
        if shape is None:
            new = self.shape()
        else:  # like partner(): drop leading dims, make some 1 (or broadcast the other way)
            new = list(shape[self.integers(0, len(shape)) :])
            for k in range(len(new)):
                if self.coin(3):
                    new[k] = 1
                elif new[k] == 1 and not exact and self.coin(3):
                    new[k] = self.integers(2, 3)
        floats = [d for d in op.dtypes if d in opinfo.FLOATS]
        dtype = self.choice(op.dtypes) if not floats or self.coin(4) else None
        if dtype in ("int64", "int32", "bool"):
            values = tuple(ints) if dtype != "bool" else (0, 1)
            return self.emit(("leaf", tuple(new), dtype, self.integers(0, 2**16), False, ("ints", values)))
        dtype = dtype or (self.choice(floats) if self.mixed else self.dtype)
        low, high = domain if domain is not None else (op.low, op.high)
        requires_grad = not self.coin(5)
        return self.emit(
            ("leaf", tuple(new), dtype, self.integers(0, 2**16), requires_grad, ("range", low, high))
        )

    def reg_in_place_target(self, op, shape=None):
        """A value to write into in place, as gen_in_place picks one (now and then a leaf that
        requires grad, which must raise as in torch), of a dtype ``op`` computes on."""

        def target(t):
            if dtype_name(t.dtype) not in op.dtypes or (shape is not None and tuple(t.shape) != shape):
                return False
            if t.requires_grad and not getattr(op, "torch_inplace_grad", True):
                return False  # torch cannot differentiate the in-place form (the entry says so)
            if t.requires_grad and self.known_bug(f"{op.name}_@requires_grad"):
                return False
            if t.dtype == self.torch.int64 and self.known_bug("inplace@int64"):
                return False
            touches_leaf = t.is_leaf and t.requires_grad or (t._base is not None and t._base.is_leaf)
            return not touches_leaf or self.coin(10)

        return self.pick(target)

    def reg_form(self, name, in_place, prefix="t"):
        """The instruction name for calling ``name``: the function (``prefix``), the method or,
        when ``in_place``, the in-place method."""
        form = self.choice(["fn", "method", "in_place"] if in_place else ["fn", "method"])
        return {"fn": f"{prefix}.{name}", "method": f"m.{name}", "in_place": f"m.{name}_"}[form]

    def reg_unary(self, op):
        name = self.reg_form(self.choice((op.name, *op.aliases)), in_place=not op.bool_out)
        x = self.reg_in_place_target(op) if name.endswith("_") else None
        if x is None:  # (no value to write into: the out-of-place form)
            name = name.rstrip("_")
            x = self.reg_operand(op)
        if x is None:
            return None
        kwargs = self.choice(op.kwargs)
        return self.reg_emit(op, (name, x, kwargs) if kwargs else (name, x))

    def reg_binary(self, op):
        name = self.reg_form(self.choice((op.name, *op.aliases)), in_place=op.inplace)
        ints = op.int_values
        x = self.reg_in_place_target(op) if name.endswith("_") else None
        if x is None:
            name = name.rstrip("_")
            x = self.reg_operand(op, (op.low, op.high), ints=ints)
        if x is None:
            return None
        s = tuple(self.vals[x].shape)
        if _is_float(self.vals[x]) and self.coin(4):
            y = self.choice(SCALARS)  # a Python number (where torch refuses one, the error is compared)
        else:
            y = self.reg_operand(
                op, (op.other_low, op.other_high), s, exact=name.endswith("_"), ints=op.int_other
            )
        return None if y is None else self.reg_emit(op, (name, x, y))

    def reg_ternary(self, op):
        name = self.reg_form(op.name, in_place=True)
        x = self.reg_in_place_target(op) if name.endswith("_") else None
        if x is None:
            name = name.rstrip("_")
            x = self.reg_operand(op)
        if x is None:
            return None
        s = tuple(self.vals[x].shape)
        exact = name.endswith("_")
        y = self.reg_operand(op, shape=s, exact=exact)
        if y is None:
            return None
        w = (
            self.choice(op.numbers)
            if self.coin(3)
            else self.reg_operand(op, (op.third_low, op.third_high), s, exact)
        )
        return None if w is None else self.reg_emit(op, (name, x, y, w))

    def reg_activation(self, op):
        if self.order2 and not op.torch_grad2:
            return None  # torch has no second derivative of it (the entry says so)
        # its forms as torch has them: F.<name>, F.<name>_, torch.<name>, torch.<name>_
        F = self.torch.nn.functional
        forms = [f"F.{op.name}"] + [
            f"{p}.{n}"
            for p, mod in (("F", F), ("t", self.torch))
            for n in (op.name, op.name + "_")
            if (p, n) != ("F", op.name) and hasattr(mod, n)
        ]
        name = self.choice(forms)
        x = self.reg_in_place_target(op) if name.endswith("_") else None
        if x is None:
            name = name.rstrip("_") if name.rstrip("_") in forms else f"F.{op.name}"
            x = self.reg_operand(op)
        if x is None:
            return None
        params = self.choice(op.params)
        return self.reg_emit(op, (name, x, params) if params else (name, x))

    def reg_emit(self, op, ins):
        """emit(ins), unless its operands meet a KNOWN_BUGS entry: "<name>@zero" (an exact zero
        in the first operand), "<name>@nan" (a NaN there), "bool_operand@backward" (a bool
        operand next to one that requires grad)."""
        tensors = [self.vals[a] for a in ins[1:] if isinstance(a, int)]
        x = tensors[0]
        with self.torch.no_grad():
            if x.numel() and self.known_bug(f"{op.name}@zero") and bool((x == 0).any()):
                return None
            if (
                x.numel()
                and self.known_bug(f"{op.name}@nan")
                and x.is_floating_point()
                and bool(x.isnan().any())
            ):
                return None
        if (
            any(t.dtype == self.torch.bool for t in tensors)
            and any(t.requires_grad for t in tensors)
            and self.known_bug("bool_operand@backward")
        ):
            return None
        return self.emit(ins)

    def gen_compare(self):
        x = self.pick_float()
        name = self.choice(COMPARISONS)
        y = self.choice(SCALARS) if self.coin(3) else self.partner(tuple(self.vals[x].shape))
        return None if y is None else self.emit((name, x, y))

    def gen_logical(self):
        a = self.pick_bool()
        if a is None:
            return self.gen_compare()
        if self.coin(3):
            return self.emit(("logical_not", a, self.coin(2)))
        shape = tuple(self.vals[a].shape)
        b = self.pick(lambda t: t.dtype == self.torch.bool and _broadcastable(t.shape, shape))
        return self.emit((self.choice(["logical_and", "logical_or", "and", "or"]), a, b))

    def gen_where(self):
        c = self.pick_bool()
        if c is None:
            c = self.gen_compare()
            if c is None:
                return None
        shape = tuple(self.vals[c].shape)
        a = self.choice(SCALARS) if self.coin(4) else self.partner(shape)
        if a is None:
            return None
        b = self.choice(SCALARS) if self.coin(4) else self.partner(shape)
        if isinstance(a, float) and isinstance(b, float) and self.known_bug("where@scalars"):
            b = self.partner(shape)
        if b is None:
            return None
        if self.coin(3):  # masked_fill: the mask must broadcast to the input's shape
            x = self.partner(shape, exact=False)
            if x is None or not _broadcastable_to(shape, tuple(self.vals[x].shape)):
                return self.emit(("where", c, a, b))
            return self.emit(("masked_fill", x, c, self.choice(SCALARS)))
        return self.emit(("where", c, a, b))

    def gen_clamp(self):
        x = self.pick_float()
        lo, hi = self.choice([(-0.5, 1.0), (None, 0.5), (0.0, None), (1.0, -1.0), (0.0, 0.0)])
        return self.emit(("clamp", x, lo, hi))

    def gen_reduce(self):
        x = self.pick_float()
        t = self.vals[x]
        if self.coin(2):
            name = self.choice(REDUCTIONS)
            d = self.dims(t)
            if name == "logsumexp" and d is None:
                d = tuple(range(t.dim()))
            if self.known_bug(name, x) or (
                name in ("amax", "amin") and d is None and self.known_bug("full_reduce", x)
            ):
                return None
            if name[:3] == "std" and self.known_bug("std@zero"):
                with self.torch.no_grad():
                    if (REDUCTIONS[name](self.torch, t, d, False) == 0).any():
                        return None
            if name[:3] in ("std", "var") and _constant_up_to_rounding(self.torch, t, d):
                # The gradient there is (x - mean) / std with both at rounding level: it depends on
                # the order the mean was summed in, so no two libraries agree (torch itself changes
                # with the vector width). Exactly constant input (std 0, gradient 0) is compared.
                return None
            reduced = math.prod(t.shape[k] for k in (range(t.dim()) if d is None else d))
            if self.order2 and name[:3] in ("var", "std") and reduced <= 1:
                # var/std of one element is 0/0 = NaN; there torch's second derivative is an artefact
                # of its formula (finite, or no graph at all), so it is not compared.
                return None
            return self.emit((name, x, d, self.coin(2)))
        name = self.choice(list(DIM_OPS) + ["max"])
        if name == "softmax" and self.known_bug("softmax", x):
            return None
        if name == "max":
            return None if self.known_bug("full_reduce", x) else self.emit(("max", x))
        allow_none = name in ("prod", "argmax", "argmin")
        d = self.dim(t, allow_none=allow_none)
        return self.emit((name, x, d, self.coin(2) and d is not None))

    def gen_matmul(self):
        x = self.pick(lambda t: _is_float(t) and t.dim() >= 1)
        if x is None:
            return None
        s = tuple(self.vals[x].shape)
        if self.coin(2) and len(s) == 2:
            name, other = "mm", (s[1], self.dim_size())
        else:
            name = "matmul"
            k = s[-1]
            rank = self.integers(1, 3)
            other = (k,) if rank == 1 else (*self.shape(rank - 2), k, self.dim_size())
            if rank >= 3 and self.coin(2):
                other = (*s[:-2][-1:], k, self.dim_size())  # batch dims that match x's
        y = self.pick(lambda t: _is_float(t) and tuple(t.shape) == other)
        if y is None or self.coin(2):
            y = self.leaf(other)
        if y is None:
            return None
        if self.vals[x].dtype != self.vals[y].dtype:
            if self.known_bug("matmul@mixed"):
                return None
            if (self.vals[x].numel() == 0 or self.vals[y].numel() == 0) and "matmul@mixed_empty" in AVOID:
                return None
        if name == "matmul" and self.coin(4):  # y on the left: x must be (..., k, n) the other way
            yt = self.vals[y]
            if yt.dim() >= 2 and s[0] == yt.shape[-1] and len(s) <= 2:
                x, y = y, x
        if "matmul@negative_zero" in AVOID and _has_negative_zero_dot(self.torch, self.vals[x], self.vals[y]):
            return None
        return self.emit((name, x, y))

    def gen_view(self):
        x = self.pick(lambda t: _is_float(t) or self.coin(4))
        t = self.vals[x]
        s, r = tuple(t.shape), t.dim()
        kind = self.choice(
            ["getitem", "transpose", "permute", "unsqueeze", "squeeze", "narrow", "select"]
            + ["expand", "reshape", "view", "flatten", "t", "mT", "contiguous", "clone", "detach"]
        )
        if kind == "getitem":
            idx = self.index(s)
            if _selects_nothing(s, idx) and "index@empty_list" in AVOID:
                return None
            return self.emit(("getitem", x, idx))
        if kind in ("transpose", "t", "mT") and r >= 2:
            if kind == "transpose":
                return self.emit(("transpose", x, self.dim(t), self.dim(t)))
            return self.emit((kind, x)) if kind == "mT" or r == 2 else None
        if kind == "permute" and r >= 1:
            perm = list(self.draw(st.permutations(range(r))))
            return self.shape_args("permute", x, perm)
        if kind == "unsqueeze":
            return self.emit(("unsqueeze", x, self.integers(-r - 1, r)))
        if kind == "squeeze":
            return self.emit(("squeeze", x, self.dim(t, allow_none=True)))
        if kind in ("narrow", "select") and r >= 1:
            d = self.dim(t)
            n = s[d]
            if n == 0:
                return None
            start = self.integers(0, n - 1)
            if kind == "select":
                return self.emit(("select", x, d, start - n if self.coin(3) else start))
            return self.emit(("narrow", x, d, start, self.integers(0, n - start)))
        if kind == "expand":
            new = [self.integers(2, 3) if k == 1 and self.coin(2) else (-1 if self.coin(3) else k) for k in s]
            lead = [self.integers(1, 3) for _ in range(self.integers(0, 1))]
            return self.shape_args("expand", x, lead + new)
        if kind == "reshape":
            return self.emit((kind, x, self.reshape_target(s)))
        if kind == "view":
            if t._base is None and not t.is_contiguous() and "view@strided_result" in AVOID:
                return None
            return self.shape_args(kind, x, self.reshape_target(s))
        if kind == "flatten":
            a, b = sorted([self.dim(t), self.dim(t)])
            if r and a % r > b % r and self.known_bug("flatten@reversed"):
                return None
            return self.emit(("flatten", x, a, b))
        if kind in ("contiguous", "clone", "detach"):
            return self.emit((kind, x))
        return None

    def index(self, s):
        """A basic or advanced index for shape ``s``."""
        items = []
        for n in s[: self.integers(0, len(s))]:
            k = self.integers(0, 5)
            if k == 0 and n > 0:
                items.append(self.integers(-n, n - 1))
            elif k == 1:
                items.append(None)
            elif k == 2 and n > 0:  # an int list (repeated indices accumulate in backward)
                items.append([self.integers(-n, n - 1) for _ in range(self.integers(1, 3))])
            else:
                start = self.integers(-n - 1, n) if self.coin(2) else None
                stop = self.integers(-n - 1, n + 1) if self.coin(2) else None
                items.append(slice(start, stop, self.integers(1, 3) if self.coin(2) else None))
        if len([i for i in items if isinstance(i, list)]) > 1:
            items = [slice(None) if isinstance(i, list) else i for i in items]  # keep to one list
        if self.coin(5):
            items.insert(self.integers(0, len(items)), Ellipsis)
        return tuple(items)

    def reshape_target(self, s):
        n = math.prod(s)
        if n == 0 or self.coin(3):
            return tuple(reversed(s)) if self.coin(2) else (-1,)
        factors = [f for f in range(1, n + 1) if n % f == 0]
        a = self.choice(factors)
        return (a, -1) if self.coin(2) else (n // a, 1, a)

    def gen_index_value(self):
        """x[..., idx] with an int tensor (from argmax/argmin) or a bool mask (from a comparison)."""
        i = self.pick(lambda t: t.dtype in (self.torch.int64, self.torch.bool))
        if i is None:
            return None
        it = self.vals[i]
        if it.dtype == self.torch.bool:
            ms = tuple(it.shape)

            def fits(t):
                return _is_float(t) and any(
                    tuple(t.shape[d : d + len(ms)]) == ms for d in range(t.dim() - len(ms) + 1)
                )

            x = self.pick(fits)
            if x is None or self.known_bug("index_value", i):
                return None
            xs = tuple(self.vals[x].shape)
            d = next(d for d in range(len(xs) - len(ms) + 1) if xs[d : d + len(ms)] == ms)
            return self.emit(("index_value", x, i, d))
        top = int(it.max()) + 1 if it.numel() else 0
        x = self.pick(lambda t: _is_float(t) and t.dim() >= 1 and any(n >= top for n in t.shape))
        if x is None:
            return None
        xs = tuple(self.vals[x].shape)
        d = self.choice([d for d, n in enumerate(xs) if n >= top])
        if (
            it.numel()
            and int(it.min()) < -xs[d]
            and self.vals[x].numel() == 0
            and "index@empty_list" in AVOID
        ):
            return None  # an out-of-range index (registry int64 values) selecting nothing
        return self.emit(("index_value", x, i, d))

    def gen_join(self):
        x = self.pick_float()
        s = tuple(self.vals[x].shape)
        n = self.integers(1, 3)
        if self.coin(2) or len(s) == 0:
            d = self.integers(-len(s) - 1, len(s))
            others = [self.pick(lambda t: _is_float(t) and tuple(t.shape) == s) for _ in range(n - 1)]
            return self.emit(("stack", [x, *others], d))
        d = self.integers(-len(s), len(s) - 1)
        parts = [x]
        for _ in range(n - 1):
            other = list(s)
            other[d] = self.integers(0, 3)
            j = self.pick(lambda t, o=tuple(other): _is_float(t) and tuple(t.shape) == o)
            parts.append(j if j is not None and self.coin(2) else self.leaf(other))
            if parts[-1] is None:
                return None
        return self.emit(("cat", parts, d))

    def gen_cast(self):
        x = self.pick(lambda t: True)
        return self.emit(("cast", x, self.choice(["float32", "float64"])))

    def gen_in_place(self):
        """An in-place op on an intermediate (now and then on a leaf or a view of one, which must
        raise as in torch); later uses see the new value, backward may find a saved tensor
        modified."""

        def target(t):
            if not _is_float(t):
                return False
            touches_leaf = t.is_leaf and t.requires_grad or (t._base is not None and t._base.is_leaf)
            return not touches_leaf or self.coin(10)

        x = self.pick(target)
        if x is None:
            return None
        base = self.vals[x]._base if self.vals[x]._base is not None else self.vals[x]
        viewed = any(v._base is base for i, v in enumerate(self.vals) if i != x)
        if viewed and self.known_bug("inplace@viewed_base"):
            return None
        s = tuple(self.vals[x].shape)
        k = self.integers(0, 2)
        if k == 0:
            name = self.choice(IN_PLACE_UNARY)
            return None if self.known_bug(name) else self.emit((name, x))
        if k == 1:
            name = self.choice(IN_PLACE)
            if self.known_bug(name):
                return None
            if name != "copy_" and self.coin(3):
                return self.emit((name, x, self.choice(EXPONENTS if name == "pow_" else SCALARS)))
            y = self.partner(s, exact=True)
            yt = self.vals[y] if y is not None else None
            if y is None or (
                name == "copy_" and yt.is_leaf and yt.requires_grad and self.known_bug("copy_@from_leaf")
            ):
                return None
            return self.emit((name, x, y))
        index = self.index(s)
        if _selects_nothing(s, index) and "index@empty_list" in AVOID:
            return None
        value = self.choice(SCALARS)
        if self.coin(2):
            try:
                target_shape = tuple(self.vals[x][index].shape)
            except Exception:  # noqa: BLE001 - an index torch rejects: write a scalar, compare the error
                target_shape = None
            if target_shape is not None:
                value = self.partner(target_shape, exact=True)
            advanced = any(isinstance(i, list) for i in index)
            if advanced and isinstance(value, int) and self.vals[value].dtype != self.vals[x].dtype:
                # torch's index_put requires equal dtypes (a torch restriction that basic-index
                # writes do not have); ferrograd casts, as it does for basic indices. Not compared.
                return None
            if (
                isinstance(value, int)
                and "setitem@overlap" in AVOID
                and self.vals[value].untyped_storage().data_ptr() == self.vals[x].untyped_storage().data_ptr()
            ):
                return None
        return self.emit(("setitem", x, index, value))


def _has_negative_zero_dot(torch, a, b) -> bool:
    """Whether ``a @ b`` has an entry all of whose products are -0.0 (see DIFFERENCES)."""
    if not (a.is_floating_point() and b.is_floating_point()) or a.numel() == 0 or b.numel() == 0:
        return False
    a2 = a.unsqueeze(0) if a.dim() == 1 else a
    b2 = b.unsqueeze(-1) if b.dim() == 1 else b
    try:
        prods = a2.detach().unsqueeze(-1) * b2.detach().unsqueeze(-3)  # (..., m, k, n)
    except RuntimeError:
        return False  # the shapes do not match: the error is compared
    return bool(((prods == 0) & torch.signbit(prods)).all(dim=-2).any())


def _selects_nothing(s, idx) -> bool:
    """Whether ``idx`` has an int list and, read as basic indexing with the lists taken whole,
    selects no element of a tensor of shape ``s`` (an out-of-range int or the like: False)."""
    if not any(isinstance(i, list) for i in idx):
        return False
    try:
        return np.empty(s)[tuple(slice(None) if isinstance(i, list) else i for i in idx)].size == 0
    except IndexError:
        return False


def _broadcastable(a, b):
    try:
        np.broadcast_shapes(tuple(a), tuple(b))
        return True
    except ValueError:
        return False


def _broadcastable_to(a, b):
    return _broadcastable(a, b) and np.broadcast_shapes(tuple(a), tuple(b)) == tuple(b)


FAMILIES = [
    ("unary", 4),
    ("binary", 5),
    ("reduce", 3),
    ("view", 4),
    ("in_place", 2),
    ("where", 1),
    ("compare", 1),
    ("logical", 1),
    ("clamp", 1),
    ("matmul", 2),
    ("join", 1),
    ("index_value", 1),
    ("cast", 1),
    ("registry", 4),
]
_FAMILY_CHOICES = [name for name, weight in FAMILIES for _ in range(weight)]


@st.composite
def programs(draw, max_ops=10):
    import torch

    order2 = draw(st.integers(0, 3)) == 0
    b = _Builder(draw, torch, order2)
    for _ in range(draw(st.integers(1, 3))):
        b.leaf()
    for _ in range(draw(st.integers(1, max_ops))):
        if b.failed:
            break
        family = draw(st.sampled_from(_FAMILY_CHOICES))
        getattr(b, f"gen_{family}")()
    return {"order2": order2, "ops": b.ops}
