"""The test registry of the op table's ops (src/ops/table.rs), in the spirit of torch's OpInfo:
one entry per op drives every check in tests/test_opinfo.py (parity with torch in both float
dtypes and on wgpu, non-contiguous inputs, method / function / in-place / alias forms, special
values, int64 and bool inputs, node names, float64 gradcheck and gradgradcheck against finite
differences, forward mode). Adding an op to the table means adding its entry here.

The same entries feed the differential fuzzer (tests/fuzz_programs.py draws every entry, its
operands from the entry's domain and dtypes, its parameters from the entry's sets) and the
hostile-input sweep (tests/hostile_cases.py generates the hostile variants of every entry's
forms), so a new entry gets those too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Values every op meets in the special-values check (forward only: torch's own gradients at
# singular points are checked where the entry asks for it).
# The operand dtypes an entry may state in ``dtypes``.
FLOATS = ("float32", "float64")
INTS = ("int64", "int32")
ALL_DTYPES = (*FLOATS, *INTS, "bool")

SPECIAL = (0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -3.5, 1e-30, -1e-30, 100.0, -100.0, np.inf, -np.inf, np.nan)


@dataclass(frozen=True)
class OpInfo:
    name: str
    # the interval random inputs are drawn from (inside the op's domain, away from its poles)
    low: float = -2.0
    high: float = 2.0
    aliases: tuple[str, ...] = ()
    # the gradient is zero almost everywhere (rounding): gradcheck then checks only that
    zero_grad: bool = False
    # extra inputs for the special-values check
    special: tuple[float, ...] = field(default=())
    # torch cannot differentiate the in-place form (its derivatives.yaml: not_implemented for
    # asinh_, acosh_, atanh_); ferrograd records the out-of-place rule, checked against torch's
    # out-of-place gradient
    torch_inplace_grad: bool = True
    # tolerances for float32 parity where the op is ill-conditioned (None: helpers' defaults)
    rtol: float | None = None
    atol: float | None = None
    # keyword sets every form is called with ({}: none; the row's parameters otherwise)
    kwargs: tuple[dict, ...] = ({},)
    # further keyword sets for the special-values and int64/bool checks only (forward)
    special_kwargs: tuple[dict, ...] = ()
    # calls torch refuses: positional argument tuples and keyword sets
    bad_args: tuple[tuple, ...] = ()
    bad_kwargs: tuple[dict, ...] = ()
    # a predicate (bool output, never differentiable, no in-place form): no gradient checks
    bool_out: bool = False
    # the input dtypes torch computes the op on (the rest it refuses; checked against torch in
    # test_opinfo.py); the fuzzer and the hostile sweep feed it these
    dtypes: tuple[str, ...] = ALL_DTYPES


def predicate(name: str) -> OpInfo:
    return OpInfo(name, -3.0, 3.0, bool_out=True, special=(3.4e38, -3.4e38, 1e308, -1e308))


UNARY = [
    OpInfo("sin", -3.0, 3.0),
    OpInfo("cos", -3.0, 3.0),
    OpInfo("erf", -3.0, 3.0),
    OpInfo("log1p", -0.9, 3.0, special=(-0.999, -1.5, 1e-8)),
    OpInfo("expm1", -2.0, 2.0, special=(1e-8, -1e-8, 80.0)),
    OpInfo("log2", 0.1, 3.0, special=(1024.0, 2**-20)),
    OpInfo("log10", 0.1, 3.0, special=(1000.0, 1e-5)),
    OpInfo("exp2", -2.0, 2.0, special=(10.0, -10.0, 127.5)),
    OpInfo("rsqrt", 0.2, 3.0, special=(1e-6, 4.0)),
    OpInfo("tan", -1.2, 1.2, special=(1.5, -1.5)),
    OpInfo("asin", -0.9, 0.9, aliases=("arcsin",), special=(0.99, -0.99, 1e-8)),
    OpInfo("acos", -0.9, 0.9, aliases=("arccos",), special=(0.99, -0.99, 1e-8)),
    OpInfo("atan", -3.0, 3.0, aliases=("arctan",), special=(1e8, -1e8)),
    OpInfo("sinh", -2.0, 2.0, special=(1e-3, -1e-3, 1e-8, 20.0, -20.0)),
    OpInfo("cosh", -2.0, 2.0, special=(1e-3, 20.0, -20.0)),
    OpInfo(
        "asinh",
        -3.0,
        3.0,
        aliases=("arcsinh",),
        special=(1e-3, -1e-3, 1e20, -1e20, -30.0),
        torch_inplace_grad=False,
    ),
    OpInfo("acosh", 1.1, 3.0, aliases=("arccosh",), special=(1.0001, 1e20, 30.0), torch_inplace_grad=False),
    OpInfo(
        "atanh",
        -0.9,
        0.9,
        aliases=("arctanh",),
        special=(1e-3, -1e-3, 0.999, -0.999),
        torch_inplace_grad=False,
    ),
    OpInfo("floor", -3.0, 3.0, zero_grad=True, dtypes=(*FLOATS, *INTS), special=(2.5, -2.5, 1e10 + 0.5)),
    OpInfo("ceil", -3.0, 3.0, zero_grad=True, dtypes=(*FLOATS, *INTS), special=(2.5, -2.5, -0.25)),
    OpInfo(
        "trunc",
        -3.0,
        3.0,
        aliases=("fix",),
        zero_grad=True,
        dtypes=(*FLOATS, *INTS),
        special=(2.5, -2.5, -0.25),
    ),
    OpInfo(
        "round",
        -3.0,
        3.0,
        zero_grad=True,
        dtypes=(*FLOATS, *INTS),
        special=(2.5, -2.5, 3.5, -0.25, 0.49999997, 1.25, 0.125, 1234.5678, 15.0, 25.0, 1e30),
        kwargs=({}, {"decimals": 0}, {"decimals": 1}, {"decimals": 2}, {"decimals": -1}),
        # 10^40 overflows float32 (NaN results, as torch's) but not float64
        special_kwargs=({"decimals": 40}, {"decimals": -40}, {"decimals": 400}),
        bad_args=((2,),),
        bad_kwargs=({"decimals": 1.5}, {"decimals": "a"}),
    ),
    OpInfo("frac", -3.0, 3.0, dtypes=FLOATS, special=(2.5, -2.5, -0.25, 1e10 + 0.5)),
    OpInfo(
        "nan_to_num",
        -3.0,
        3.0,
        special=(3.4e38, -3.4e38, 1e308, -1e308),
        kwargs=(
            {},
            {"nan": 1.5},
            {"nan": 1.0, "posinf": 2.0, "neginf": -2.0},
            {"posinf": 1e300, "neginf": -7},
            {"nan": True, "neginf": 0.25},
        ),
        bad_args=(("a",), (0.0, 1.0, 2.0, 3.0)),
        bad_kwargs=({"posinf": "a"}, {"neginf": [1.0]}),
    ),
    predicate("isnan"),
    predicate("isinf"),
    predicate("isfinite"),
    predicate("isposinf"),
    predicate("isneginf"),
]

BY_NAME = {op.name: op for op in UNARY}


@dataclass(frozen=True)
class BinaryInfo:
    """A binary row of the table (`binary_ops!`): random operands are drawn from [low, high) and
    [other_low, other_high)."""

    name: str
    low: float = -2.0
    high: float = 2.0
    other_low: float = -2.0
    other_high: float = 2.0
    aliases: tuple[str, ...] = ()
    # torch has the in-place form (x.name_(y))
    inplace: bool = True
    # torch differentiates it (float rows)
    grad: bool = True
    # a logical row: any operand dtypes, bool out (checked on float operands too, not
    # differentiated)
    bool_out: bool = False
    # int64 operands drawn for integer rows (the first operand; the second is `int_other`)
    int_values: tuple[int, ...] = (-7, -3, -1, 0, 1, 2, 5, 1 << 40, -(1 << 62))
    int_other: tuple[int, ...] = (-2, -1, 0, 1, 3, 63, 64, 100, 7)
    # the same for int32 operands (its extremes, and shifts around its width)
    int32_values: tuple[int, ...] = (-7, -3, -1, 0, 1, 2, 5, 1 << 30, -(1 << 31))
    int32_other: tuple[int, ...] = (-2, -1, 0, 1, 3, 31, 32, 100, 7)
    # the operand dtypes torch computes the row on (both operands of one dtype; checked against
    # torch in test_opinfo_binary.py); the fuzzer and the hostile sweep feed it these
    dtypes: tuple[str, ...] = ALL_DTYPES
    rtol: float | None = None
    atol: float | None = None


BINARY = [
    BinaryInfo("hypot", dtypes=FLOATS),
    BinaryInfo("atan2", aliases=("arctan2",)),
    BinaryInfo("bitwise_and", grad=False, dtypes=(*INTS, "bool")),
    BinaryInfo("bitwise_or", grad=False, dtypes=(*INTS, "bool")),
    BinaryInfo("bitwise_xor", grad=False, dtypes=(*INTS, "bool")),
    BinaryInfo("bitwise_left_shift", grad=False, dtypes=INTS),
    BinaryInfo("bitwise_right_shift", grad=False, dtypes=INTS),
    BinaryInfo("copysign"),
    BinaryInfo("fmax", inplace=False),
    BinaryInfo("fmin", inplace=False),
    BinaryInfo("xlogy", other_low=0.1, other_high=3.0),
    BinaryInfo("logaddexp", inplace=False, dtypes=FLOATS),
    BinaryInfo("logical_and", grad=False, bool_out=True),
    BinaryInfo("logical_or", grad=False, bool_out=True),
    BinaryInfo("logical_xor", grad=False, bool_out=True),
]

BINARY_BY_NAME = {op.name: op for op in BINARY}


@dataclass(frozen=True)
class ActInfo:
    """An activation row of the table (`activation_ops!`): `F.<name>` and its `nn` module."""

    name: str
    module: str
    # parameter sets to call it with (positional, after the input); () is the defaults
    params: tuple[tuple[float, ...], ...] = ((),)
    low: float = -3.0
    high: float = 3.0
    # parameter sets torch refuses
    bad_params: tuple[tuple[float, ...], ...] = ()
    special: tuple[float, ...] = ()
    # the input dtypes torch computes it on (checked against torch in test_opinfo_activation.py)
    dtypes: tuple[str, ...] = FLOATS
    # torch differentiates its gradient (False: its derivatives.yaml has no double backward, so
    # torch raises at a second derivative; ferrograd's is checked by gradgradcheck alone, and the
    # fuzzer keeps the op out of second-order programs)
    torch_grad2: bool = True


ACTIVATIONS = [
    ActInfo("celu", "CELU", params=((), (0.5,), (2.0,)), bad_params=((0.0,),)),
    ActInfo(
        "hardtanh",
        "Hardtanh",
        params=((), (-0.5, 0.5), (0.0, 6.0)),
        bad_params=((1.0, -1.0),),
        dtypes=(*FLOATS, *INTS),
    ),
    ActInfo("relu6", "ReLU6", low=-2.0, high=8.0, special=(6.0, 5.9, 6.1), dtypes=(*FLOATS, *INTS)),
    ActInfo(
        "hardsigmoid", "Hardsigmoid", low=-4.0, high=4.0, special=(3.0, -3.0, 2.9, -2.9), torch_grad2=False
    ),
    ActInfo("hardswish", "Hardswish", low=-4.0, high=4.0, special=(3.0, -3.0, 2.9, -2.9)),
    ActInfo("mish", "Mish", special=(30.0, -30.0, 100.0)),
    ActInfo("selu", "SELU", special=(30.0, -30.0)),
    ActInfo("logsigmoid", "LogSigmoid", special=(30.0, -30.0, 100.0, -100.0)),
    ActInfo("hardshrink", "Hardshrink", params=((), (1.0,), (0.1,)), special=(0.5, -0.5)),
    ActInfo(
        "softshrink", "Softshrink", params=((), (1.0,), (0.1,)), bad_params=((-0.5,),), special=(0.5, -0.5)
    ),
    ActInfo(
        "threshold",
        "Threshold",
        params=((0.1, 20.0), (-1.0, -5.0), (0.0, 0.0)),
        special=(0.1,),
        dtypes=(*FLOATS, *INTS),
    ),
]


@dataclass(frozen=True)
class TernaryInfo:
    """A ternary row of the table (`ternary_ops!`): `name(input, second, third)`, the third a
    tensor or a Python number; random operands from [low, high), the third from
    [third_low, third_high)."""

    name: str
    low: float = -2.0
    high: float = 2.0
    third_low: float = -0.5
    third_high: float = 1.5
    numbers: tuple[float, ...] = (0.0, 0.25, 0.5, 1.0, -1.0, 2.0)
    # the operand dtypes torch computes it on (all three of one dtype; checked against torch in
    # test_opinfo_ternary.py)
    dtypes: tuple[str, ...] = FLOATS


TERNARY = [
    TernaryInfo("lerp"),
]


def entries() -> list[tuple[str, object]]:
    """Every entry of the registry with its kind ("unary", "binary", "ternary", "activation"), in a
    fixed order: what the fuzzer draws from and the hostile sweep generates cases for."""
    return [
        *[("unary", op) for op in UNARY],
        *[("binary", op) for op in BINARY],
        *[("ternary", op) for op in TERNARY],
        *[("activation", op) for op in ACTIVATIONS],
    ]


def torch_accepts(m, kind: str, op, dtype: str) -> bool:
    """Whether module ``m`` computes entry ``op`` (of ``kind``) on operands of ``dtype`` (the
    check behind every entry's ``dtypes``)."""
    t = m.tensor([1.5, -2.0, 0.0]).to(getattr(m, dtype))
    call = {
        "unary": lambda: getattr(m, op.name)(t),
        "binary": lambda: getattr(m, op.name)(t, t),
        "ternary": lambda: getattr(m, op.name)(t, t, t),
        "activation": lambda: getattr(m.nn.functional, op.name)(t, *op.params[0]),
    }[kind]
    try:
        call()
    except (RuntimeError, TypeError, NotImplementedError):
        return False
    return True
