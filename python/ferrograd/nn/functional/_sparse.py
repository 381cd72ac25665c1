"""Index lookups: embedding (with max_norm's renormalisation) and one_hot."""

from __future__ import annotations

import math

import numpy as np

from ... import _core
from ..._core import Tensor
from ..._signature import Signature, signature
from ...grad_mode import no_grad

# torch's native embedding and embedding_renorm_ parse these after its Python check of
# padding_idx's range (the tensors are parsed first, by the decorator)
_EMBEDDING_SCALARS = Signature(
    "embedding(object weight, object indices, int padding_idx=-1, bool scale_grad_by_freq=False, "
    "bool sparse=False)"
)
_EMBEDDING_RENORM_SCALARS = Signature(
    "embedding_renorm_(object self, object indices, float max_norm, float norm_type)"
)


@signature(
    "embedding(Tensor input, Tensor weight, object padding_idx=None, object max_norm=None, "
    "object norm_type=2.0, object scale_grad_by_freq=False, object sparse=False)"
)
def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Rows of ``weight`` at the (int64) indices ``input``; ``padding_idx``'s row gets no gradient."""
    # torch's order: the range of padding_idx (asserted in Python, before its type is parsed),
    # the arguments, then the weight's rank and the indices' dtype (all before max_norm
    # renormalises weight in place, where torch parses max_norm and norm_type first)
    if padding_idx is not None:
        n = weight.shape[0]
        if padding_idx > 0 and not padding_idx < n or padding_idx < 0 and not padding_idx >= -n:
            raise AssertionError(f"Padding_idx must be within num_embeddings ({n}), got {padding_idx}")
        if padding_idx < 0:
            padding_idx = n + padding_idx
    if max_norm is not None:
        *_, max_norm, norm_type = _EMBEDDING_RENORM_SCALARS.parse((weight, input, max_norm, norm_type))
    _, _, padding_idx, scale_grad_by_freq, sparse = _EMBEDDING_SCALARS.parse(
        (weight, input, -1 if padding_idx is None else padding_idx, scale_grad_by_freq, sparse)
    )
    if padding_idx < 0:  # (torch's -1: none)
        padding_idx = None
    if weight.dim() != 2:
        raise RuntimeError(f"embedding: 'weight' must be 2-D, got shape {list(weight.shape)}")
    if input.dtype != _core.int64:
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
            f"but got {input.dtype} instead (while checking arguments for embedding)"
        )
    if weight.shape[0] == 0 and input.numel():
        raise RuntimeError(
            "embedding: index_select(): self indexing axis dim should be positive (weight has 0 rows)"
        )
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse are not supported")
    if max_norm is not None:
        _embedding_renorm_(weight, input, max_norm, norm_type)
    out = weight[input]
    if padding_idx is not None and weight.requires_grad:
        mask = (input == padding_idx).unsqueeze(-1)
        out = _core.where(mask, out.detach(), out)
    return out


def _embedding_renorm_(weight: Tensor, input: Tensor, max_norm: float, norm_type: float) -> None:
    """Rescales, in place and without recording, the rows of ``weight`` that ``input`` uses whose
    ``norm_type`` norm exceeds ``max_norm`` (torch's ``embedding_renorm_``)."""
    rows = np.unique(input.detach().cpu().numpy().reshape(-1))
    if rows.size == 0:
        return
    with no_grad():
        idx = _core.from_numpy(rows.astype(np.int64)).to(weight.device)
        sel = weight[idx]
        if norm_type == math.inf:
            norms = sel.abs().amax(1, keepdim=True)
        elif norm_type == 0:
            norms = (sel != 0).sum(1, keepdim=True).to(sel.dtype)  # the count of nonzeros
        else:
            norms = (sel.abs() ** norm_type).sum(1, keepdim=True) ** (1.0 / norm_type)
        scale = _core.where(norms > max_norm, (norms + 1e-7).reciprocal() * max_norm, 1.0)
        weight[idx] = sel * scale


@signature("one_hot(Tensor tensor, int num_classes=-1)")
def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding along a new last dim (``num_classes`` defaults to ``max + 1``)."""
    if tensor.dtype != _core.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if tensor.numel() == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(tensor.max().item()) + 1
    if tensor.numel() and (int(tensor.min().item()) < 0 or int(tensor.max().item()) >= num_classes):
        raise RuntimeError("Class values must be smaller than num_classes." if tensor.numel() else "")
    classes = _core.arange(num_classes, device=tensor.device)
    return (tensor.unsqueeze(-1) == classes).long()
