"""The calls of the hostile-input sweep (see hostile_cases.py for the case format): the tensors
and the shared hostile pool, and one valid base call for every callable of ferrograd's public API
(Tensor methods, operators, properties, functions, nn, optim, autograd, data, save/load)."""

from __future__ import annotations

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
