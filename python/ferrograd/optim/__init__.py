"""``ferrograd.optim``: optimizers and learning-rate schedulers (``torch.optim``).

>>> import ferrograd as torch
>>> w = torch.tensor([1.0, 2.0], requires_grad=True)
>>> opt = torch.optim.SGD([w], lr=0.1, momentum=0.9)
>>> (w * w).sum().backward()
>>> opt.step()
>>> opt.zero_grad()
>>> w
tensor([0.8000, 1.6000], requires_grad=True)

Updates follow torch's formulas (its single-tensor implementations) and run in place under
``no_grad``; state is keyed by the parameter objects and ``state_dict()`` has torch's layout.
"""

from __future__ import annotations

from . import lr_scheduler
from .adam import Adam
from .adamw import AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
