"""Hostile-input cases for ferrograd's public API, as plain data (see test_hostile_inputs.py).

A case is a dict ``{"id", "target", "args", "kwargs"}`` (plus optional ``"call"``, ``"random"``
and ``"expect"``) that is JSON-serialisable, so the parent can stream it to a worker process and
the worker (hostile_worker.py) can build it identically with ferrograd and with torch.

Argument specs: a Python scalar, string or None stands for itself; tagged dicts stand for the rest:

* ``{"T": name}`` a fresh tensor from ``TENSORS`` (or ``DERIVED``); ``{"V": name}`` the same
  tensor each time it appears in one case (for ``autograd.grad(loss, x)``);
* ``{"L": [...]}`` a list, ``{"U": [...]}`` a tuple, ``{"O": 1}`` an ``object()``;
* ``{"D": "float64"}`` a dtype, ``{"S": [start, stop, step]}`` a slice, ``{"E": 1}`` Ellipsis;
* ``{"F": name}`` a callable from ``hostile_worker.FUNCS``; ``{"A": name}`` a NumPy array.

Targets: ``fn:<path>`` (an attribute path of the module, e.g. ``nn.functional.linear``),
``meth:<name>`` (``args[0]`` is self), ``get:<attr>``, ``set:<attr>``, ``op:<name>`` (the
``operator`` module), ``iter`` and ``helper:<name>`` (a function of hostile_worker.HELPERS, for
modules, optimizers, data loading and save/load).

Generation is systematic: every callable has one valid base call; each variant replaces one
argument (or self) by one value of the shared hostile pool, appends a stray argument or passes an
unknown keyword.
"""

from __future__ import annotations

import fnmatch

# ---------------------------------------------------------------------------------------------
# Tensors: name -> (shape, dtype, fill, requires_grad). Fills are deterministic (hostile_worker).
# ---------------------------------------------------------------------------------------------

TENSORS = {
    "x": ((2, 3), "float32", "det", False),
    "y": ((2, 3), "float32", "pos", False),
    "xg": ((2, 3), "float32", "det", True),
    "v3": ((3,), "float32", "det", False),
    "v4": ((4,), "float32", "det", False),
    "s": ((), "float32", "det", False),
    "e": ((0, 3), "float32", "det", False),
    "z": ((0,), "float32", "det", False),
    "i": ((2, 3), "int64", "det", False),
    "b": ((2, 3), "bool", "det", False),
    "d": ((2, 3), "float64", "det", False),
    "n": ((2, 3), "float32", "nan", False),
    "w": ((4, 3), "float32", "det", False),
    "m34": ((3, 4), "float32", "det", False),
    "x3d": ((2, 3, 4), "float32", "det", False),
    "img": ((1, 2, 4, 4), "float32", "det", False),
    "ker": ((3, 2, 2, 2), "float32", "det", False),
    "idx": ((2,), "int64", "idx", False),
    "oob": ((2,), "int64", "oob", False),
    "p01": ((2, 3), "float32", "prob", False),
    "emb": ((5, 3), "float32", "det", False),
    "ones3": ((3,), "float32", "pos", False),
    "vg": ((3,), "float32", "det", True),
}

# Tensors made from others (the leaf ``xg`` is shared within the case, see ``{"V": ...}``).
DERIVED = {"loss": "(xg * xg).sum()", "nl": "xg * 2"}


def T(name):
    return {"T": name}


def V(name):
    return {"V": name}


def L(*items):
    return {"L": list(items)}


def U(*items):
    return {"U": list(items)}


def D(name):
    return {"D": name}


def F(name):
    return {"F": name}


OBJ = {"O": 1}

# The shared hostile pool: (label, spec).
POOL = [
    ("None", None),
    ("str", "abc"),
    ("object", OBJ),
    ("strlist", L("a", "b")),
    ("float", 1.5),
    ("zero", 0),
    ("neg1", -1),
    ("99", 99),
    ("-99", -99),
    ("2^62", 2**62),
    ("-2^62", -(2**62)),
    ("2^40", 2**40),
    ("true", True),
    ("nan", float("nan")),
    ("inf", float("inf")),
    ("intlist", L(1, 2)),
    ("negtuple", U(2, -2)),
    ("emptytuple", U()),
    ("dtype", D("float64")),
    ("T_int", T("i")),
    ("T_bool", T("b")),
    ("T_0d", T("s")),
    ("T_empty", T("e")),
    ("T_zero", T("z")),
    ("T_nan", T("n")),
    ("T_4x3", T("w")),
    ("T_vec3", T("v3")),
    ("T_f64", T("d")),
    ("T_grad", T("xg")),
    ("T_oob", T("oob")),
]

# Receivers tried for every Tensor method (self variants).
SELVES = ["x", "i", "b", "s", "e", "z", "n", "d", "xg", "x3d", "nl"]

# ---------------------------------------------------------------------------------------------
# Base calls: (name, args, kwargs). Tensor methods are also tried as ferrograd.<name>(self, ...)
# where ferrograd exports a function of that name.
# ---------------------------------------------------------------------------------------------

X, Y = T("x"), T("y")

METHODS = [
    # unary and conversions
    *[
        (n, [], {})
        for n in [
            "abs neg negative exp erf log sqrt sin cos tanh sigmoid relu sign square reciprocal logical_not",
            "t float double long bool cpu contiguous clone detach numel dim ndimension nelement",
            "element_size is_contiguous is_floating_point item tolist __len__ __bool__ __float__",
            "__int__ __index__ __neg__ __pos__ __abs__ __invert__ neg_ exp_ relu_ zero_ detach_",
            "retain_grad requires_grad_ __hash__",
        ]
        for n in n.split()
    ],
    # binary
    *[
        (n, [Y], {})
        for n in [
            "add",
            "sub",
            "mul",
            "div",
            "pow",
            "maximum",
            "minimum",
            "eq",
            "ne",
            "lt",
            "le",
            "gt",
            "ge",
            "add_",
            "sub_",
            "mul_",
            "div_",
            "remainder",
            "fmod",
            "floor_divide",
            "remainder_",
            "floor_divide_",
        ]
    ],
    ("div", [Y], {"rounding_mode": "floor"}),
    ("div_", [Y], {"rounding_mode": "trunc"}),
    ("logical_and", [T("b")], {}),
    ("logical_or", [T("b")], {}),
    ("add", [Y], {"alpha": 2}),
    ("sub_", [Y], {"alpha": 2}),
    ("pow_", [2.0], {}),
    ("matmul", [T("m34")], {}),
    ("mm", [T("m34")], {}),
    ("fill_", [1.0], {}),
    ("copy_", [Y], {}),
    ("clamp", [-1.0, 1.0], {}),
    ("clamp_", [-1.0, 1.0], {}),
    ("clip", [], {"min": -1.0}),
    ("clamp_min", [0.0], {}),
    ("clamp_max", [0.0], {}),
    # reductions
    *[
        (n, [1], {})
        for n in [
            "sum",
            "mean",
            "prod",
            "var",
            "std",
            "amax",
            "amin",
            "argmax",
            "argmin",
            "logsumexp",
            "softmax",
            "log_softmax",
        ]
    ],
    ("sum", [U(0, 1)], {"keepdim": True}),
    ("mean", [], {"dim": -1, "keepdim": True}),
    ("var", [1], {"correction": 0}),
    ("max", [1], {}),
    ("min", [0], {"keepdim": True}),
    ("max", [Y], {}),
    ("softmax", [1], {"dtype": D("float64")}),
    # shapes
    ("view", [3, 2], {}),
    (
        "view",
        [
            U(
                -1,
            )
        ],
        {},
    ),
    ("reshape", [3, 2], {}),
    ("reshape", [U(-1, 2)], {}),
    ("view_as", [T("e")], {}),
    ("reshape_as", [Y], {}),
    ("flatten", [0, 1], {}),
    ("transpose", [0, 1], {}),
    ("swapaxes", [0, -1], {}),
    ("permute", [1, 0], {}),
    ("permute", [U(1, 0)], {}),
    ("expand", [2, 2, 3], {}),
    ("expand_as", [T("x3d")], {}),
    ("squeeze", [0], {}),
    ("squeeze", [], {}),
    ("unsqueeze", [0], {}),
    ("select", [0, 1], {}),
    ("narrow", [1, 0, 2], {}),
    ("size", [1], {}),
    ("stride", [1], {}),
    # dtype and construction
    ("type_as", [T("d")], {}),
    ("to", [D("float64")], {}),
    ("to", [], {"dtype": D("int64")}),
    (
        "new_zeros",
        [
            U(
                2,
            )
        ],
        {},
    ),
    ("new_ones", [2, 3], {}),
    ("new_tensor", [L(1.0, 2.0)], {}),
    # selection
    ("where", [T("b"), 0.0], {}),
    ("masked_fill", [T("b"), 0.0], {}),
    ("__getitem__", [1], {}),
    ("__getitem__", [U(0, {"S": [None, None, 2]})], {}),
    ("__getitem__", [T("idx")], {}),
    ("__setitem__", [0, 5.0], {}),
    ("__setitem__", [T("b"), 0.0], {}),
    # autograd
    ("register_hook", [F("identity")], {}),
    ("requires_grad_", [False], {}),
]

# Methods tried only with a receiver that supports them (backward needs a graph).
GRAPH_METHODS = [
    ("backward", [], {}, "loss"),
    ("backward", [T("x")], {}, "nl"),
    ("backward", [], {"retain_graph": True, "inputs": L(V("xg"))}, "loss"),
]

# Binary operators from the ``operator`` module: op(self, other) for every self and other.
OPERATORS = [
    "add",
    "sub",
    "mul",
    "truediv",
    "pow",
    "matmul",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "and_",
    "or_",
    "iadd",
    "isub",
    "imul",
    "itruediv",
]

# Properties read for every receiver, and setters given every pool value.
PROPERTIES = [
    "shape",
    "ndim",
    "dtype",
    "device",
    "grad",
    "grad_fn",
    "is_leaf",
    "data",
    "requires_grad",
    "T",
    "mT",
    "is_cuda",
]
SETTERS = [("requires_grad", True), ("grad", T("y")), ("data", T("y"))]

# Top-level functions.
FUNCS = [
    ("tensor", [L(1.0, 2.0)], {}),
    ("tensor", [L(L(1, 2), L(3, 4))], {"dtype": D("float32"), "requires_grad": True}),
    ("as_tensor", [L(1, 2)], {"dtype": D("float64")}),
    ("zeros", [2, 3], {}),
    ("ones", [U(2, 3)], {"dtype": D("int64")}),
    ("empty", [2], {}),
    (
        "full",
        [
            U(
                2,
            ),
            1.5,
        ],
        {},
    ),
    ("zeros_like", [X], {}),
    ("ones_like", [X], {"dtype": D("int64")}),
    ("empty_like", [X], {}),
    ("full_like", [X, 2.0], {}),
    ("rand", [2, 3], {}),
    (
        "randn",
        [
            U(
                2,
            )
        ],
        {},
    ),
    ("rand_like", [X], {}),
    ("randn_like", [X], {}),
    (
        "randint",
        [
            0,
            5,
            U(
                2,
            ),
        ],
        {},
    ),
    (
        "randint",
        [
            5,
            U(
                3,
            ),
        ],
        {},
    ),
    ("arange", [0, 5, 1], {}),
    ("arange", [5], {"dtype": D("float32")}),
    ("linspace", [0.0, 1.0, 5], {}),
    ("eye", [3], {}),
    ("eye", [2, 3], {}),
    ("from_numpy", [{"A": "f32"}], {}),
    ("cat", [L(X, Y), 0], {}),
    ("cat", [U(X, T("w"))], {"dim": 0}),
    ("stack", [L(X, Y), 1], {}),
    ("where", [T("b"), X, Y], {}),
    ("where", [T("b"), X, 0.0], {}),
    ("manual_seed", [0], {}),
    ("set_num_threads", [1], {}),
    ("is_tensor", [X], {}),
    ("is_grad_enabled", [], {}),
    ("set_grad_enabled", [True], {}),
    ("FloatTensor", [L(1.0, 2.0)], {}),
    ("LongTensor", [2, 3], {}),
    ("DoubleTensor", [L(1.0)], {}),
    ("BoolTensor", [L(True)], {}),
    ("Tensor", [2, 3], {}),
    ("Tensor", [L(1, 2)], {}),
    ("add", [X, Y], {"alpha": 2}),
    ("sub", [2.0, Y], {}),
    ("mul", [X, 2], {}),
    ("div", [X, Y], {}),
    ("pow", [X, 2.0], {}),
    ("pow", [2.0, X], {}),
    ("numel", [X], {}),
    ("clamp", [X], {"min": -1.0, "max": 1.0}),
]

# Tensor methods that ferrograd also exports as functions: tried as ferrograd.<name>(self, *args).
FUNCTION_FORMS = [
    "abs",
    "neg",
    "negative",
    "exp",
    "erf",
    "log",
    "sqrt",
    "sin",
    "cos",
    "tanh",
    "sigmoid",
    "relu",
    "sign",
    "square",
    "reciprocal",
    "fmod",
    "floor_divide",
    "clip",
    "maximum",
    "minimum",
    "sum",
    "mean",
    "prod",
    "var",
    "std",
    "max",
    "min",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "logsumexp",
    "softmax",
    "log_softmax",
    "matmul",
    "mm",
    "reshape",
    "flatten",
    "transpose",
    "swapaxes",
    "t",
    "permute",
    "squeeze",
    "unsqueeze",
    "clone",
    "select",
    "narrow",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "logical_not",
    "logical_and",
    "logical_or",
    "masked_fill",
    "detach",
]

NN_F = [
    ("linear", [X, T("w"), T("v4")], {}),
    ("linear", [T("v3"), T("w")], {}),
    ("relu", [X], {}),
    ("leaky_relu", [X, 0.1], {}),
    ("elu", [X], {"alpha": 1.0}),
    ("silu", [X], {}),
    ("softplus", [X], {"beta": 2.0, "threshold": 10.0}),
    ("sigmoid", [X], {}),
    ("tanh", [X], {}),
    ("gelu", [X], {"approximate": "tanh"}),
    ("gelu", [X], {}),
    ("softmax", [X, 1], {}),
    ("log_softmax", [X], {"dim": 0}),
    ("dropout", [X, 0.5], {"training": False}),
    ("dropout", [X], {"p": 1.0}),
    ("embedding", [T("idx"), T("emb")], {}),
    ("embedding", [T("idx"), T("emb")], {"padding_idx": 1}),
    (
        "layer_norm",
        [
            X,
            U(
                3,
            ),
        ],
        {},
    ),
    ("layer_norm", [X, L(3), T("ones3"), T("v3")], {"eps": 1e-3}),
    ("batch_norm", [X, T("v3"), T("ones3")], {}),
    ("batch_norm", [X, None, None], {"training": True}),
    ("pad", [X, U(1, 1)], {}),
    ("pad", [X, U(1, -1, 0, 1)], {"value": 2.0}),
    ("conv2d", [T("img"), T("ker")], {}),
    ("conv2d", [T("img"), T("ker"), T("v3")], {"stride": 2, "padding": 1}),
    ("unfold", [T("img"), 2], {}),
    ("normalize", [X], {"dim": 1}),
    ("max_pool2d", [T("img"), 2], {}),
    ("avg_pool2d", [T("img"), 2], {"stride": 1}),
    ("adaptive_avg_pool2d", [T("img"), 2], {}),
    ("mse_loss", [X, Y], {}),
    ("l1_loss", [X, Y], {"reduction": "sum"}),
    ("smooth_l1_loss", [X, Y], {"beta": 0.5}),
    ("huber_loss", [X, Y], {"delta": 2.0}),
    ("nll_loss", [X, T("idx")], {}),
    ("cross_entropy", [X, T("idx")], {}),
    ("cross_entropy", [X, T("p01")], {"label_smoothing": 0.1}),
    ("binary_cross_entropy", [T("p01"), T("p01")], {}),
    ("binary_cross_entropy_with_logits", [X, T("p01")], {}),
    ("one_hot", [T("idx"), 3], {}),
]

NN_INIT = [
    ("uniform_", [X], {}),
    ("normal_", [X, 0.0, 2.0], {}),
    ("constant_", [X, 0.5], {}),
    ("ones_", [X], {}),
    ("zeros_", [X], {}),
    ("eye_", [X], {}),
    ("xavier_uniform_", [X], {}),
    ("xavier_normal_", [X], {"gain": 2.0}),
    ("kaiming_uniform_", [X], {}),
    ("kaiming_normal_", [X], {"mode": "fan_out"}),
    ("calculate_gain", ["relu"], {}),
    ("calculate_gain", ["leaky_relu", 0.2], {}),
]
RANDOM_INIT = {
    "uniform_",
    "normal_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
}

# nn modules: (class, ctor args, ctor kwargs, forward args).
MODULES = [
    ("Linear", [3, 4], {}, [X]),
    ("Linear", [3, 4], {"bias": False}, [T("v3")]),
    ("Conv2d", [2, 3, 2], {}, [T("img")]),
    ("Conv2d", [2, 3], {"kernel_size": 3, "stride": 2, "padding": 1, "bias": False}, [T("img")]),
    ("MaxPool2d", [2], {}, [T("img")]),
    ("AvgPool2d", [2], {"stride": 1}, [T("img")]),
    ("AdaptiveAvgPool2d", [U(2, 2)], {}, [T("img")]),
    ("Embedding", [5, 3], {}, [T("idx")]),
    ("Embedding", [5, 3], {"padding_idx": 0}, [T("idx")]),
    ("LayerNorm", [3], {}, [X]),
    ("LayerNorm", [U(2, 3)], {"elementwise_affine": False}, [X]),
    ("BatchNorm1d", [3], {}, [X]),
    ("BatchNorm2d", [2], {"momentum": 0.5}, [T("img")]),
    ("Dropout", [0.5], {}, [X]),
    ("Flatten", [], {}, [T("x3d")]),
    ("Identity", [], {}, [X]),
    ("ReLU", [], {}, [X]),
    ("LeakyReLU", [0.2], {}, [X]),
    ("ELU", [], {"alpha": 0.5}, [X]),
    ("GELU", [], {}, [X]),
    ("SiLU", [], {}, [X]),
    ("Softplus", [], {"beta": 2.0}, [X]),
    ("Sigmoid", [], {}, [X]),
    ("Tanh", [], {}, [X]),
    ("Softmax", [], {"dim": 1}, [X]),
    ("LogSoftmax", [1], {}, [X]),
    ("MSELoss", [], {}, [X, Y]),
    ("L1Loss", [], {"reduction": "sum"}, [X, Y]),
    ("SmoothL1Loss", [], {}, [X, Y]),
    ("HuberLoss", [], {}, [X, Y]),
    ("NLLLoss", [], {}, [X, T("idx")]),
    ("CrossEntropyLoss", [], {"label_smoothing": 0.1}, [X, T("idx")]),
    ("BCELoss", [], {}, [T("p01"), T("p01")]),
    ("BCEWithLogitsLoss", [], {}, [X, T("p01")]),
]
RANDOM_MODULES = {"Dropout"}

# Optimizers: (class, kwargs) with params [vg]; the helper sets a gradient and takes one step.
OPTIMS = [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("Adam", {"lr": 0.01, "betas": U(0.9, 0.99), "eps": 1e-8, "weight_decay": 0.0}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": True}),
]
SCHEDULERS = [
    ("StepLR", {"step_size": 2, "gamma": 0.5}),
    ("CosineAnnealingLR", {"T_max": 4}),
]

# Autograd entry points: (path, args, kwargs).
AUTOGRAD = [
    ("autograd.grad", [T("loss"), V("xg")], {}),
    ("autograd.grad", [L(T("loss")), L(V("xg"))], {"create_graph": True}),
    ("autograd.grad", [T("nl"), V("xg"), T("x")], {}),
    ("autograd.backward", [T("loss")], {}),
    ("autograd.backward", [L(T("nl"))], {"grad_tensors": L(T("x"))}),
    ("autograd.functional.jacobian", [F("double"), X], {}),
    ("autograd.functional.jacobian", [F("double"), U(X, Y)], {"vectorize": False}),
    ("autograd.functional.hessian", [F("sumsq"), X], {}),
    ("autograd.functional.vjp", [F("double"), X, Y], {}),
    ("autograd.functional.jvp", [F("double"), X, Y], {}),
    ("autograd.functional.hvp", [F("sumsq"), X, Y], {}),
    ("autograd.functional.vhp", [F("sumsq"), X, Y], {}),
    ("autograd.gradcheck", [F("double"), U(T("d"))], {"raise_exception": False}),
]

DATA = [
    ("dataset", [L(X, Y)], {}),
    ("loader", [L(X, Y)], {"batch_size": 1}),
    ("loader", [L(X)], {"batch_size": 2, "shuffle": True, "drop_last": True}),
    ("random_split", [L(X), L(1, 1)], {}),
    ("default_collate", [L(X, Y)], {}),
    ("batch_sampler", [5, 2, False], {}),
    ("random_sampler", [L(X)], {"num_samples": 3}),
    ("subset", [L(X), L(1, 0)], {}),
]
RANDOM_DATA = {"loader", "random_split", "random_sampler"}

SAVE_LOAD = [
    ("save_load", [X], {}),
    ("save_load", [{"L": []}], {}),
    ("load_path", ["/nonexistent/dir/file.pt"], {}),
]

# ---------------------------------------------------------------------------------------------
# Documented differences and narrow exclusions: case-id glob -> (expect, why). ``expect`` is the
# exception type name ferrograd must raise instead of torch's ("ok" for a result), or None to skip.
# ---------------------------------------------------------------------------------------------

DOCUMENTED: dict[str, tuple[str | None, str]] = {
    # ferrograd saves safetensors, which hold tensors and dicts of tensors only; torch pickles
    # anything, so torch's result says nothing about what ferrograd should do with other objects.
    "helper:save_load|*": (None, "safetensors holds tensors only; torch.save pickles anything"),
    "helper:load_path|*": (None, "torch.load and ferrograd.load read different formats"),
    # set_num_threads/manual_seed/set_grad_enabled are process state, not tensor ops; a value torch
    # accepts there (e.g. 2**40 threads) is clamped differently and is not worth mirroring.
    "fn:set_num_threads|*": (None, "process state; torch's limits depend on its thread pool build"),
    # torch.Tensor.__hash__ is id-based for every receiver: no hostile variant applies.
    "meth:__hash__|*": (None, "identity hash"),
    # torch's DataLoader does not validate hostile values of batch_size etc. eagerly in the
    # same places; compared as-is, except for the random shuffles compared by shape only.
    #
    # Deliberate differences: torch's outcome there is an accident of its implementation, or a
    # silently wrong value, and ferrograd's is the answer a user wants. Each is checked to give
    # ferrograd's outcome (a result: "ok"; or the exception type named).
    # jacobian/hessian of an input with no elements: torch fails in ``stack([])``; the empty
    # Jacobian (shape out + in) is the right answer.
    "fn:autograd.functional.jacobian|arg1=T_empty*": ("ok", "torch fails in stack([]) on no elements"),
    "fn:autograd.functional.jacobian|arg1=T_zero*": ("ok", "torch fails in stack([]) on no elements"),
    "fn:autograd.functional.hessian|arg1=T_empty*": ("ok", "torch fails in stack([]) on no elements"),
    "fn:autograd.functional.hessian|arg1=T_zero*": ("ok", "torch fails in stack([]) on no elements"),
    # a batch_size of 2**40 with drop_last over 3 samples: no batch, which ferrograd returns;
    # torch fails only because it preallocates a list of batch_size entries.
    "helper:loader|batch_size=2^*#2": ("ok", "torch preallocates a batch_size-long list"),
    # SGD(lr=nan): torch accepts it and turns every parameter into NaN at the first step; its own
    # Adam refuses NaN, and so does every ferrograd optimizer.
    "helper:optim.SGD|lr=nan*": ("ValueError", "a NaN learning rate poisons every parameter"),
    # logsumexp(x, ()) reduces over every dim, as sum(x, ()) does in both; torch's logsumexp
    # alone fails there with a broadcasting error of its own making.
    "fn:logsumexp|arg1=emptytuple": ("ok", "torch's logsumexp fails where its sum reduces all dims"),
    "meth:logsumexp|arg0=emptytuple": ("ok", "torch's logsumexp fails where its sum reduces all dims"),
    # sign(NaN) is NaN in ferrograd (as in NumPy); torch returns 0, which hides the NaN.
    "fn:sign|arg0=T_nan": ("ok", "sign(NaN) is NaN, not 0"),
    # gelu(+inf) is +inf; torch 2.15's vectorised gelu gives NaN there (its one-element path, and
    # ferrograd, give inf). The NaN tensor holds +inf.
    "fn:nn.functional.gelu|arg0=T_nan*": ("ok", "gelu(inf) is inf; torch's vectorised kernel gives NaN"),
    "helper:module.GELU|fwd0=T_nan*": ("ok", "gelu(inf) is inf; torch's vectorised kernel gives NaN"),
    "meth:sign|self=n": ("ok", "sign(NaN) is NaN, not 0"),
    # NaN/inf to int64 is undefined in C; torch gives whatever the CPU's conversion gives
    # (INT64_MIN on x86); ferrograd saturates (inf -> max, -inf -> min, NaN -> 0) on every backend.
    "meth:long|self=n": ("ok", "NaN/inf to int64 saturates instead of the CPU's undefined value"),
    "meth:to|self=n#2": ("ok", "NaN/inf to int64 saturates instead of the CPU's undefined value"),
    # x.to(1.5) / x.to(True): torch's parser wraps the number into a tensor and converts to its
    # dtype (float64, bool); a number is not a dtype, device or tensor, so a TypeError.
    "meth:to|arg0=float": ("TypeError", "a number is not a dtype or device"),
    "meth:to|arg0=inf": ("TypeError", "a number is not a dtype or device"),
    "meth:to|arg0=nan": ("TypeError", "a number is not a dtype or device"),
    "meth:to|arg0=true": ("TypeError", "a number is not a dtype or device"),
    # x["abc"]: torch treats the string as a sequence of three indices (IndexError: too many
    # indices) while x["a"] is a TypeError there too; a string is not an index.
    "meth:__getitem__|arg0=str": ("TypeError", "a string is not an index"),
    "meth:__getitem__|arg0=str#*": ("TypeError", "a string is not an index"),
    "meth:__setitem__|arg0=str": ("TypeError", "a string is not an index"),
    "meth:__setitem__|arg0=str#*": ("TypeError", "a string is not an index"),
}


def documented(case_id: str):
    for pattern, entry in DOCUMENTED.items():
        if fnmatch.fnmatchcase(case_id, pattern):
            return entry
    return None


# ---------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------


def _variants(args, kwargs):
    """(label, args, kwargs): the base call, each argument replaced by each pool value, a stray
    positional argument, and an unknown keyword."""
    yield "base", args, kwargs
    for pos in range(len(args)):
        for label, value in POOL:
            new = list(args)
            new[pos] = value
            yield f"arg{pos}={label}", new, kwargs
    for key in kwargs:
        for label, value in POOL:
            yield f"{key}={label}", args, {**kwargs, key: value}
    yield "stray", [*args, "stray"], kwargs
    yield "badkw", args, {**kwargs, "bogus_kw": 1}


def _case(cases, target, label, args, kwargs, **extra):
    cid = f"{target}|{label}"
    n = 2
    while cid in cases:
        cid = f"{target}|{label}#{n}"
        n += 1
    cases[cid] = {"id": cid, "target": target, "args": args, "kwargs": kwargs, **extra}


def _method_cases(cases):
    for name, args, kwargs in METHODS:
        for self_name in SELVES:
            _case(cases, f"meth:{name}", f"self={self_name}", [T(self_name), *args], kwargs)
        for label, a, kw in _variants(args, kwargs):
            _case(cases, f"meth:{name}", label, [X, *a], kw)
        if name in FUNCTION_FORMS:
            for label, a, kw in _variants([X, *args], kwargs):
                _case(cases, f"fn:{name}", label, a, kw)
    for name, args, kwargs, self_name in GRAPH_METHODS:
        for label, a, kw in _variants(args, kwargs):
            _case(cases, f"meth:{name}", label, [T(self_name), *a], kw)
    for name in OPERATORS:
        for self_name in SELVES:
            _case(cases, f"op:{name}", f"self={self_name}", [T(self_name), Y], {})
        for label, value in POOL:
            _case(cases, f"op:{name}", f"other={label}", [X, value], {})
            _case(cases, f"op:{name}", f"reflected={label}", [value, X], {})
    for prop in PROPERTIES:
        for self_name in SELVES:
            _case(cases, f"get:{prop}", f"self={self_name}", [T(self_name)], {})
    for prop, good in SETTERS:
        for self_name in SELVES:
            _case(cases, f"set:{prop}", f"self={self_name}", [T(self_name), good], {})
        for label, value in POOL:
            _case(cases, f"set:{prop}", f"value={label}", [X, value], {})
    for self_name in SELVES:
        _case(cases, "iter", f"self={self_name}", [T(self_name)], {})


def _function_cases(cases):
    # random values, or (legacy constructors from sizes) torch's uninitialised memory
    random = {"rand", "randn", "rand_like", "randn_like", "randint", "empty", "empty_like", "Tensor"}
    random |= {"FloatTensor", "DoubleTensor", "LongTensor", "BoolTensor"}
    for name, args, kwargs in FUNCS:
        for label, a, kw in _variants(args, kwargs):
            _case(cases, f"fn:{name}", label, a, kw, random=name in random)
    for name, args, kwargs in NN_F:
        rnd = name == "dropout"
        for label, a, kw in _variants(args, kwargs):
            _case(cases, f"fn:nn.functional.{name}", label, a, kw, random=rnd)
    for name, args, kwargs in NN_INIT:
        for label, a, kw in _variants(args, kwargs):
            _case(cases, f"fn:nn.init.{name}", label, a, kw, random=name in RANDOM_INIT)
    for name, args, kwargs in AUTOGRAD:
        for label, a, kw in _variants(args, kwargs):
            _case(cases, f"fn:{name}", label, a, kw)


def _helper_cases(cases):
    for cls, args, kwargs, fwd in MODULES:
        rnd = cls in RANDOM_MODULES
        for label, a, kw in _variants(args, kwargs):
            _case(cases, f"helper:module.{cls}", f"ctor.{label}", a, kw, call=fwd, random=rnd)
        for pos in range(len(fwd)):
            for label, value in POOL:
                call = list(fwd)
                call[pos] = value
                _case(cases, f"helper:module.{cls}", f"fwd{pos}={label}", args, kwargs, call=call, random=rnd)
    for cls, kwargs in OPTIMS:
        for label, a, kw in _variants([L(T("vg"))], kwargs):
            _case(cases, f"helper:optim.{cls}", label, a, kw, harness_mutates=True)
        for label, value in POOL:
            if value is None or isinstance(value, dict) and "T" in value:
                _case(
                    cases,
                    f"helper:optim.{cls}",
                    f"grad={label}",
                    [L(T("vg"))],
                    kwargs,
                    call=[value],
                    harness_mutates=True,
                )
    for cls, kwargs in SCHEDULERS:
        for label, a, kw in _variants([], kwargs):
            _case(cases, f"helper:sched.{cls}", label, a, kw)
    for name, args, kwargs in DATA + SAVE_LOAD:
        for label, a, kw in _variants(args, kwargs):
            _case(cases, f"helper:{name}", label, a, kw, random=name in RANDOM_DATA)


# Operands of a registry entry's base call, by the first dtype the entry computes on.
_REGISTRY_SELF = {"float32": "x", "float64": "d", "int64": "i", "bool": "b"}
_REGISTRY_OTHER = {"float32": "y", "float64": "d", "int64": "i", "bool": "b"}


def _registry_cases(cases):
    """The hostile variants of every entry of the test registry (tests/opinfo.py), in each of its
    forms: ``x.name(...)`` (every receiver, every argument and keyword replaced by each pool
    value, a stray argument, an unknown keyword), ``ferrograd.name(x, ...)``, the in-place method,
    each alias, the entry's own refused arguments, and for an activation ``F.name``,
    ``torch.name``, the in-place forms as torch has them and its ``nn`` module. A callable the
    hand-written lists above already cover keeps their cases."""
    import opinfo
    import torch  # which forms exist: torch's (tests/test_opinfo_activation.py checks ferrograd's)

    covered = {c["target"] for c in cases.values()}

    def add(target, args, kwargs, selves=(), first=None):
        if target in covered:
            return
        for self_name in selves:
            _case(cases, target, f"self={self_name}", [T(self_name), *args], kwargs)
        for label, a, kw in _variants(args, kwargs):
            _case(cases, target, label, a if first is None else [first, *a], kw)

    for kind, op in opinfo.entries():
        self_t = T(_REGISTRY_SELF[op.dtypes[0]])
        other_t = T(_REGISTRY_OTHER[op.dtypes[0]])
        if kind == "activation":
            params = list(op.params[-1])
            add(f"fn:nn.functional.{op.name}", [self_t, *params], {})
            for where, mod in (("nn.functional.", torch.nn.functional), ("", torch)):
                for name in (op.name, op.name + "_"):
                    if (where, name) != ("nn.functional.", op.name) and hasattr(mod, name):
                        add(f"fn:{where}{name}", [self_t, *params], {})
            for k, bad in enumerate(op.bad_params):
                _case(cases, f"fn:nn.functional.{op.name}", f"refused{k}", [self_t, *bad], {})
            target = f"helper:module.{op.module}"
            if target not in covered:
                for label, a, kw in _variants(params, {}):
                    _case(cases, target, f"ctor.{label}", a, kw, call=[self_t])
                for label, value in POOL:
                    _case(cases, target, f"fwd0={label}", params, {}, call=[value])
            continue
        if kind == "unary":
            args, kwargs = [], dict(op.kwargs[-1])
            in_place = not op.bool_out
        elif kind == "binary":
            args, kwargs, in_place = [other_t], {}, op.inplace
        else:
            args, kwargs, in_place = [other_t, op.numbers[2]], {}, True
        for name in (op.name, *getattr(op, "aliases", ())):
            for form in (name, name + "_") if in_place else (name,):
                add(f"meth:{form}", args, kwargs, selves=SELVES, first=self_t)
            add(f"fn:{name}", [self_t, *args], kwargs)
        for k, bad in enumerate(getattr(op, "bad_args", ())):
            _case(cases, f"meth:{op.name}", f"refused{k}", [self_t, *bad], {})
        for k, bad in enumerate(getattr(op, "bad_kwargs", ())):
            _case(cases, f"meth:{op.name}", f"refusedkw{k}", [self_t], bad)


def generate() -> list[dict]:
    """Every case, in a fixed order (the registry's last, so that adding an entry leaves the
    other cases, and the every-STRIDE-th sample of them, as they were)."""
    cases: dict[str, dict] = {}
    _method_cases(cases)
    _function_cases(cases)
    _helper_cases(cases)
    _registry_cases(cases)
    return list(cases.values())


# ---------------------------------------------------------------------------------------------
# Verdicts
# ---------------------------------------------------------------------------------------------


def _same_exception(fg: dict, th: dict) -> bool:
    """ferrograd's exception matches torch's builtin base (a RuntimeError is fine for any
    RuntimeError subclass of torch's; an allocation failure may be MemoryError or RuntimeError)."""
    want = th["bases"][0]
    if want in fg["bases"]:
        return True
    if "RuntimeError" in th["bases"] and "RuntimeError" in fg["bases"]:
        return True
    oom = {"MemoryError", "RuntimeError"}
    if th.get("oom", False) and want in oom and bool(oom & set(fg["bases"])):
        return True
    # torch's Python wrappers (the losses, normalize) call ``target.size()`` before any type check,
    # so a non-tensor argument gives an accidental AttributeError there; a TypeError is right.
    return want == "AttributeError" and "has no attribute" in th["msg"] and "TypeError" in fg["bases"]


def verdict(case: dict, rec: dict) -> tuple[str, str]:
    """("pass" | "crash" | "changed" | "mismatch" | "skip", reason) for one case and its worker
    record. A crash (the process died or hung, or a Rust panic reached Python) and a failed call
    that changed its inputs break promises of their own; a mismatch is a call whose outcome
    (exception type, or raising at all) differs from torch's."""
    if rec.get("crash"):
        return "crash", rec["crash"]
    fg, th = rec["fg"], rec["th"]
    doc = documented(case["id"])
    if fg.get("panic"):
        return "crash", f"Rust panic: {fg['msg']}"
    # (the optimizer helper itself sets .grad before step, so a failed step "changed" it)
    if rec.get("fg_changed") and "exc" in fg and not case.get("harness_mutates"):
        return "changed", f"ferrograd raised {fg['exc']} but changed its inputs: {rec['fg_changed']}"
    if doc is not None:
        expect, _why = doc
        if expect is None:
            return "skip", _why
        got = fg.get("exc", "ok")
        if expect == got or expect in fg.get("bases", []):
            return "pass", ""
        return "mismatch", f"expected {expect} (documented), ferrograd gave {got}: {fg.get('msg', '')}"
    if "exc" in th and "exc" in fg:
        if _same_exception(fg, th):
            return "pass", ""
        return "mismatch", (
            f"ferrograd raised {fg['exc']}: {fg['msg']}; torch raised {th['exc']}: {th['msg']}"
        )
    if "exc" in th:
        return "mismatch", f"ferrograd returned {fg['summary']}; torch raised {th['exc']}: {th['msg']}"
    if "exc" in fg:
        return "mismatch", f"ferrograd raised {fg['exc']}: {fg['msg']}; torch returned {th['summary']}"
    if rec.get("result_diff"):
        return "mismatch", f"results differ: {rec['result_diff']}"
    if bool(rec.get("fg_changed")) != bool(rec.get("th_changed")):
        return "changed", f"inputs changed: ferrograd {rec.get('fg_changed')}, torch {rec.get('th_changed')}"
    return "pass", ""
