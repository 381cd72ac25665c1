"""RMSprop (``torch.optim.RMSprop``)."""

from __future__ import annotations

from typing import Any

from .. import _core
from ..grad_mode import no_grad
from ._functional import addcdiv_, addcmul_, lerp_, new_step, step_to_tensor
from .optimizer import Optimizer, _check_lr

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """``torch.optim.RMSprop``, with torch's update::

        g = -grad if maximize else grad
        g = g + weight_decay * p                         (weight_decay != 0)
        v = alpha * v + (1 - alpha) * g * g
        avg = sqrt(v - gavg^2) with gavg = lerp(gavg, g, 1 - alpha)   (centered)
        avg = sqrt(v)                                    (otherwise)
        avg = avg + eps
        buf = momentum * buf + g / avg;  p = p - lr * buf   (momentum > 0)
        p = p - lr * g / avg                             (otherwise)

    State per parameter: ``step``, ``square_avg``, ``momentum_buffer`` (momentum > 0) and
    ``grad_avg`` (centered).
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("momentum", 0)
            group.setdefault("centered", False)
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)
            for p in group["params"]:
                step_to_tensor(self.state.get(p, {}))

    def step(self, closure: Any = None) -> Any:
        """Performs one optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._eval_closure(closure)
        with no_grad():
            for group in self.param_groups:
                lr = group["lr"]
                alpha = group["alpha"]
                eps = group["eps"]
                weight_decay = group["weight_decay"]
                momentum = group["momentum"]
                centered = group["centered"]
                maximize = group["maximize"]
                for p in group["params"]:
                    grad = p.grad
                    if grad is None:
                        continue
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = new_step()
                        state["square_avg"] = _core.zeros_like(p)
                        if momentum > 0:
                            state["momentum_buffer"] = _core.zeros_like(p)
                        if centered:
                            state["grad_avg"] = _core.zeros_like(p)
                    if maximize:
                        grad = -grad
                    state["step"].add_(1)
                    if weight_decay != 0:
                        grad = grad.add(p, alpha=weight_decay)
                    square_avg = state["square_avg"]
                    addcmul_(square_avg.mul_(alpha), grad, grad, value=1 - alpha)
                    if centered:
                        grad_avg = state["grad_avg"]
                        lerp_(grad_avg, grad, 1 - alpha)
                        avg = (square_avg - grad_avg * grad_avg).sqrt()
                    else:
                        avg = square_avg.sqrt()
                    avg = avg.add_(eps)
                    if momentum > 0:
                        buf = state["momentum_buffer"]
                        addcdiv_(buf.mul_(momentum), grad, avg)
                        p.add_(buf, alpha=-lr)
                    else:
                        addcdiv_(p, grad, avg, value=-lr)
        return loss
