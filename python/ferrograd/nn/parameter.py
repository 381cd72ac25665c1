"""``ferrograd.nn.Parameter``: a tensor that a :class:`~ferrograd.nn.Module` registers as a parameter.

The bindings' ``Tensor`` class can be subclassed (it is a PyO3 base class whose ``__init__`` binds
the new Python object to its tensor), so ``Parameter`` is a real ``Tensor`` subclass, as in torch:
``isinstance(p, Tensor)`` holds, it works in every op, it is a leaf, and the graph gives back the
very object (``grad_fn.next_functions[..][0].variable is p``). Its storage is the given tensor's
(no copy), as with ``torch.nn.Parameter(data)``. Results of ops on a parameter are plain tensors.
"""

from __future__ import annotations

from .._core import Tensor, empty

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A tensor that is a module parameter: ``Parameter(data=None, requires_grad=True)``.

    >>> import ferrograd as torch
    >>> p = torch.nn.Parameter(torch.zeros(2))
    >>> p
    Parameter containing:
    tensor([0., 0.], requires_grad=True)
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        # The legacy constructor makes a 0-element float32 tensor; __init__ swaps in ``data``.
        return super().__new__(cls, 0)

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        super().__init__()
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): data must be a Tensor, not {type(data).__name__}")
        if not isinstance(requires_grad, bool):
            raise TypeError(
                f"Parameter(): argument 'requires_grad' must be bool, not {type(requires_grad).__name__}"
            )
        self.data = data.detach()
        self.requires_grad_(requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, proto):
        return (
            _rebuild_parameter,
            (self.detach().cpu().numpy().copy(), str(self.device), self.requires_grad),
        )

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.detach().clone(), self.requires_grad)
        if self.grad is not None:
            result.grad = self.grad.detach().clone()
        memo[id(self)] = result
        return result


def _rebuild_parameter(array, device, requires_grad):
    from .._core import from_numpy

    return Parameter(from_numpy(array).to(device), requires_grad)
