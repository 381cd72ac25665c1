"""``ferrograd.nn``: modules, layers, losses and initialisers with ``torch.nn``'s API.

Written in Python on top of ferrograd's differentiable tensor ops (no dedicated kernels), so every
layer works forward and backward, to any order, on the CPU and on the wgpu device.

* ``Parameter`` is a real ``Tensor`` subclass (see ``nn/parameter.py``).
* ``Module`` with parameters, buffers, submodules, ``state_dict`` / ``load_state_dict``, ``to``,
  ``train`` / ``eval``, hooks; ``Sequential``, ``ModuleList``, ``ModuleDict``, ``ParameterList``.
* Layers: ``Linear``, ``Conv2d`` (im2col), ``MaxPool2d``, ``AvgPool2d``, ``AdaptiveAvgPool2d``,
  ``Embedding``, ``LayerNorm``, ``BatchNorm1d`` / ``2d``, ``Dropout``, ``Flatten``, activations.
* Losses: ``MSELoss``, ``L1Loss``, ``SmoothL1Loss``, ``HuberLoss``, ``NLLLoss``,
  ``CrossEntropyLoss``, ``BCELoss``, ``BCEWithLogitsLoss``; ``nn.functional``, ``nn.init``,
  ``nn.utils.clip_grad_norm_``.
"""

from . import functional, init, utils
from .modules import (
    ELU,
    GELU,
    AdaptiveAvgPool2d,
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    BCELoss,
    BCEWithLogitsLoss,
    Conv2d,
    CrossEntropyLoss,
    Dropout,
    Embedding,
    Flatten,
    HuberLoss,
    Identity,
    L1Loss,
    LayerNorm,
    LeakyReLU,
    Linear,
    LogSoftmax,
    MaxPool2d,
    Module,
    ModuleDict,
    ModuleList,
    MSELoss,
    NLLLoss,
    ParameterList,
    ReLU,
    Sequential,
    Sigmoid,
    SiLU,
    SmoothL1Loss,
    Softmax,
    Softplus,
    Tanh,
)
from .parameter import Parameter

__all__ = [
    "ELU",
    "GELU",
    "AdaptiveAvgPool2d",
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv2d",
    "CrossEntropyLoss",
    "Dropout",
    "Embedding",
    "Flatten",
    "HuberLoss",
    "Identity",
    "L1Loss",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "MaxPool2d",
    "Module",
    "ModuleDict",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "ParameterList",
    "ReLU",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "SmoothL1Loss",
    "Softmax",
    "Softplus",
    "Tanh",
    "functional",
    "init",
    "utils",
]

# the op table's activation modules (nn/modules/activation.py)
from . import modules as _modules

for _name in _modules.__all__:
    if _name not in __all__:
        globals()[_name] = getattr(_modules, _name)
        __all__.append(_name)
del _name
