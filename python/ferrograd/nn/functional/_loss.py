"""The losses, with torch's legacy size_average/reduce arguments and its argument checks."""

from __future__ import annotations

import warnings

from ... import _core
from ..._checks import check_floating, dtype_name
from ..._core import Tensor
from ..._signature import Signature, signature

# The losses' size_average, reduce and reduction are torch's Python arguments (``object``):
# torch checks them itself (a ValueError for an unknown reduction); the tensors and numbers are
# its native parser's.


def _reduction(size_average, reduce, reduction: str) -> str:
    if size_average is None and reduce is None:
        return reduction
    warnings.warn(
        "size_average and reduce args will be deprecated, please use reduction instead.",
        stacklevel=4,  # the caller of the loss (its parser -> the loss -> here)
    )
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        return "mean"
    if reduce:
        return "sum"
    return "none"


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _check_reduction(reduction: str) -> None:
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _warn_size(input: Tensor, target: Tensor) -> None:
    if tuple(input.shape) != tuple(target.shape):
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            stacklevel=4,
        )


def _float_diff(input: Tensor, target: Tensor, fn: str) -> Tensor:
    """``input - target`` in their promoted dtype, as torch's mse/smooth_l1/huber kernels compute
    it: a bool or integer operand is fine beside a float one, not on its own."""
    floats = [t.dtype for t in (input, target) if t.is_floating_point()]
    if not floats:
        raise NotImplementedError(f"\"{fn}\" not implemented for '{dtype_name(input.dtype)}'")
    dtype = _core.float64 if _core.float64 in floats else floats[0]
    return input.to(dtype) - target.to(dtype)


@signature(
    "mse_loss(Tensor input, Tensor target, object size_average=None, object reduce=None, "
    "object reduction='mean', object weight=None)"
)
def mse_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", weight=None) -> Tensor:
    """Mean squared error."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _warn_size(input, target)
    diff = _float_diff(input, target, "mse_loss")
    loss = diff * diff
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


@signature(
    "l1_loss(Tensor input, Tensor target, object size_average=None, object reduce=None, "
    "object reduction='mean', object weight=None)"
)
def l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", weight=None) -> Tensor:
    """Mean absolute error."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _warn_size(input, target)
    loss = (input - target).abs()
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


# the native smooth_l1_loss, which torch's Python one calls unless beta == 0
_SMOOTH_L1_LOSS = Signature("smooth_l1_loss(Tensor input, Tensor target, object reduction, float beta)")


@signature(
    "smooth_l1_loss(Tensor input, Tensor target, object size_average=None, object reduce=None, "
    "object reduction='mean', object beta=1.0)"
)
def smooth_l1_loss(
    input, target, size_average=None, reduce=None, reduction="mean", beta: float = 1.0
) -> Tensor:
    """Huber-like: ``0.5 d^2 / beta`` below ``beta``, ``|d| - 0.5 beta`` above."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    # torch's Python tests ``beta == 0.0`` (the l1 loss) before parsing beta as a float, so a tensor
    # with several values is ambiguous there
    if beta == 0.0:
        return l1_loss.__wrapped__(input, target, reduction=reduction)
    beta = _SMOOTH_L1_LOSS.parse((input, target, reduction, beta))[3]
    if not beta >= 0:  # (NaN too)
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta, got {beta}.")
    d = _float_diff(input, target, "smooth_l1_loss").abs()
    loss = _core.where(d < beta, d * d * (0.5 / beta), d - 0.5 * beta)
    return _reduce(loss, reduction)


@signature(
    "huber_loss(Tensor input, Tensor target, object reduction='mean', float delta=1.0, object weight=None)"
)
def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0, weight=None) -> Tensor:
    """``0.5 d^2`` below ``delta``, ``delta (|d| - 0.5 delta)`` above."""
    _check_reduction(reduction)
    if not delta > 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta, got {delta}.")
    # torch's kernel writes the loss in input's dtype: a float result cannot go to an integer input,
    # and a float64 target gives a float32 loss for a float32 input
    if not input.is_floating_point():
        raise RuntimeError(
            f"huber_loss: result type Float can't be cast to the desired output type {dtype_name(input.dtype)}"
        )
    d = _float_diff(input, target, "huber_loss").abs()
    loss = _core.where(d < delta, d * d * 0.5, (d - 0.5 * delta) * delta).to(input.dtype)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _class_last(input: Tensor, target: Tensor, fn: str):
    """(M, C) log-probabilities and (M,) targets from (N, C, d1...) / (N, d1...) or (C,) / () (or
    (C,) / (1,), which torch also takes as one unbatched sample). Shape errors in torch's order:
    the batch sizes (ValueError), then the target's rank and spatial sizes (RuntimeError)."""
    if input.dim() == 0:
        raise ValueError(f"{fn}: Expected 1 or more dimensions (got 0)")
    if input.dim() == 1:
        if target.dim() == 1 and target.shape[0] != 1:
            raise ValueError(
                f"For 1D input, 1D target must have size 1, but got target size: {target.shape[0]}"
            )
        if target.dim() > 1:
            raise RuntimeError(
                f"{fn}: 0D or 1D target tensor expected, multi-target not supported (got {target.dim()}D)"
            )
        return input.unsqueeze(0), target.reshape(1), ()
    n = input.shape[0]
    if target.dim() == 0 or target.shape[0] != n:
        raise ValueError(
            f"Expected input batch_size ({n}) to match target batch_size ({target.shape[0] if target.dim() else 0})."
        )
    if input.dim() == 2 and target.dim() != 1:
        raise RuntimeError(
            f"{fn}: 0D or 1D target tensor expected, multi-target not supported (got {target.dim()}D)"
        )
    if tuple(target.shape[1:]) != tuple(input.shape[2:]):
        raise RuntimeError(
            f"{fn}: expected target of size {[n] + list(input.shape[2:])}, got {list(target.shape)}"
        )
    c = input.shape[1]
    if input.dim() > 2:
        perm = (0,) + tuple(range(2, input.dim())) + (1,)
        input = input.permute(perm)
    return input.reshape(-1, c), target.reshape(-1), tuple(target.shape)


@signature(
    "nll_loss(Tensor input, Tensor target, Tensor? weight=None, object size_average=None, "
    "int ignore_index=-100, object reduce=None, object reduction='mean')"
)
def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of class indices ``target`` under log-probabilities ``input``."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    logp, tgt, out_shape = _class_last(input, target, "nll_loss")
    if target.dtype != _core.int64:
        raise RuntimeError(f"nll_loss: expected target dtype to be Long, but got {dtype_name(target.dtype)}")
    check_floating(input, "nll_loss")
    c = logp.shape[1]
    if weight is not None and (weight.dim() != 1 or weight.shape[0] != c):
        raise RuntimeError(f"weight tensor should be defined either for all {c} classes or no classes")
    if weight is not None and weight.dtype != input.dtype:
        raise RuntimeError(
            f"nll_loss: expected scalar type {dtype_name(input.dtype)} but found {dtype_name(weight.dtype)} (weight)"
        )
    ignored = tgt == ignore_index
    bad = ((tgt < 0) | (tgt >= c)).logical_and(ignored.logical_not())
    if tgt.numel() and bool(bad.sum().item()):
        first = tgt[bad][0].item()
        raise IndexError(f"Target {first} is out of bounds.")
    safe = tgt.masked_fill(ignored, 0)
    picked = logp[_core.arange(logp.shape[0], device=logp.device), safe]
    keep = ignored.logical_not().to(logp.dtype)
    w = keep if weight is None else weight[safe] * keep
    loss = picked.neg() * w
    if reduction == "none":
        return loss.reshape(out_shape)
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / w.sum()


@signature(
    "cross_entropy(Tensor input, Tensor target, Tensor? weight=None, object size_average=None, "
    "int ignore_index=-100, object reduce=None, object reduction='mean', float label_smoothing=0.0)"
)
def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """``nll_loss(log_softmax(input, 1), target)`` for class indices, or the soft-label form for a
    ``target`` of ``input``'s shape (class probabilities); ``label_smoothing`` mixes in the uniform
    distribution (torch applies it only when positive, so a negative or NaN one is no smoothing)."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    smoothing = label_smoothing > 0.0
    if smoothing and label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if tuple(input.shape) == tuple(target.shape):
        if not target.is_floating_point():
            raise RuntimeError(
                "cross_entropy: Expected floating point type for target with class probabilities, "
                f"got {dtype_name(target.dtype)}"
            )
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing if smoothing else 0.0)
    check_floating(input, "log_softmax")
    class_dim = 0 if input.dim() == 1 else 1
    logp = input.log_softmax(class_dim)
    nll = nll_loss.__wrapped__(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if not smoothing:
        return nll
    c = input.shape[class_dim]
    wshape = [1] * input.dim()
    wshape[class_dim] = c
    # (an unbatched input's (1,) target is one sample, as in nll_loss)
    ignore_mask = (target.reshape(()) if input.dim() == 1 else target) == ignore_index
    if weight is not None:
        smooth = (logp * weight.reshape(wshape)).sum(class_dim).neg()
    else:
        smooth = logp.sum(class_dim).neg()
    smooth = smooth.masked_fill(ignore_mask, 0.0)
    if reduction == "mean":
        if weight is not None:
            safe = target.reshape(ignore_mask.shape).masked_fill(ignore_mask, 0)
            denom = (weight[safe] * ignore_mask.logical_not().to(weight.dtype)).sum()
        else:
            denom = ignore_mask.logical_not().sum().to(smooth.dtype)
        ret = smooth.sum() / denom
    elif reduction == "sum":
        ret = smooth.sum()
    else:
        ret = smooth
    return nll * (1 - label_smoothing) + ret * (label_smoothing / c)


def _cross_entropy_probs(
    input: Tensor, target: Tensor, weight, reduction: str, label_smoothing: float
) -> Tensor:
    """cross_entropy with class probabilities ``target`` (of ``input``'s shape)."""
    check_floating(input, "log_softmax")
    class_dim = 0 if input.dim() == 1 else 1
    logp = input.log_softmax(class_dim)
    c = input.shape[class_dim]
    wshape = [1] * input.dim()
    wshape[class_dim] = c
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / c
    prod = logp * target
    if weight is not None:
        if weight.dim() != 1 or weight.shape[0] != c:
            raise RuntimeError(
                f"cross_entropy: weight tensor should be defined either for all {c} classes or no classes "
                f"but got weight tensor of shape: {list(weight.shape)}"
            )
        prod = prod * weight.reshape(wshape)
    loss = prod.sum(class_dim).neg()
    if reduction == "mean":
        return loss.sum() / (input.numel() // c) if input.dim() > 1 else loss.sum()
    return _reduce(loss, reduction)


def _check_not_differentiable(t: Tensor | None, name: str, fn: str) -> None:
    """torch's binary cross-entropies have no gradient for their weights: a weight that requires
    grad is refused (while grad mode is on) rather than silently left without one."""
    if t is not None and t.requires_grad and _core.is_grad_enabled():
        raise RuntimeError(
            f"The function '{fn}' is not differentiable with respect to argument '{name}'. "
            "This input cannot have requires_grad True."
        )


@signature(
    "binary_cross_entropy(Tensor input, Tensor target, Tensor? weight=None, object size_average=None, "
    "object reduce=None, object reduction='mean')"
)
def binary_cross_entropy(
    input: Tensor, target: Tensor, weight=None, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    """``-(t log x + (1 - t) log(1 - x))`` with the logs clamped at -100, as torch does."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}) is "
            "deprecated. Please ensure they have the same size."
        )
    _check_not_differentiable(weight, "weight", "binary_cross_entropy")
    if target.dtype != input.dtype:
        raise RuntimeError(
            f"binary_cross_entropy: Found dtype {dtype_name(target.dtype)} (target) but expected "
            f"{dtype_name(input.dtype)} (input's)"
        )
    # (written so that NaN is out of range too, as in torch)
    for name, t in (("input", input), ("target", target)):
        if t.numel() and bool(((t >= 0) & (t <= 1)).logical_not().sum().item()):
            raise RuntimeError(f"binary_cross_entropy: all elements of {name} should be between 0 and 1")
    loss = (target * input.log().clamp(min=-100) + (1 - target) * (1 - input).log().clamp(min=-100)).neg()
    if weight is not None:
        loss = (loss * weight).to(input.dtype)  # (torch's kernel writes the input's dtype)
    return _reduce(loss, reduction)


@signature(
    "binary_cross_entropy_with_logits(Tensor input, Tensor target, Tensor? weight=None, "
    "object size_average=None, object reduce=None, object reduction='mean', Tensor? pos_weight=None)"
)
def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight=None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    pos_weight=None,
) -> Tensor:
    """``binary_cross_entropy(sigmoid(input), target)`` computed stably; ``pos_weight`` weights positives."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    _check_not_differentiable(weight, "weight", "binary_cross_entropy_with_logits")
    _check_not_differentiable(pos_weight, "pos_weight", "binary_cross_entropy_with_logits")
    check_floating(input, "binary_cross_entropy_with_logits")
    # torch computes the loss in place in ``1 - target``: a float target's dtype is the result's,
    # and an integer or bool target cannot hold it
    if not target.is_floating_point():
        raise RuntimeError(
            "binary_cross_entropy_with_logits: result type Float can't be cast to the desired output type "
            f"{dtype_name(target.dtype)} (target's)"
        )
    softplus_neg = ((input.abs().neg()).exp() + 1).log() + input.neg().clamp(min=0)  # log(1 + exp(-x))
    if pos_weight is not None:
        log_weight = (pos_weight - 1) * target + 1
        loss = (1 - target) * input + log_weight * softplus_neg
    else:
        loss = (1 - target) * input + softplus_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss.to(target.dtype), reduction)
