"""max_pool2d, avg_pool2d and adaptive_avg_pool2d, over conv's im2col windows."""

from __future__ import annotations

import math

import numpy as np

from ... import _core
from ..._checks import dim_error
from ..._core import Tensor
from ..._signature import Signature, signature
from ._conv import _out_size, _pad, _windows
from ._utils import _IntOrPair


def _pool_pair(v: tuple, name: str, fn: str, omittable: bool = False) -> tuple:
    """A parsed pooling size: one int or two (``omittable``: also empty, for stride), each fitting
    the 32-bit int torch's pooling kernels convert it to."""
    if len(v) == 1:
        v = (v[0], v[0])
    if len(v) != 2 and not (omittable and len(v) == 0):
        also = " omitted," if omittable else ""
        raise RuntimeError(f"{fn}: {name} must either be{also} a single int, or a tuple of two ints")
    if any(not -(2**31) <= i < 2**31 for i in v):
        raise RuntimeError(f"{fn}: {name}={list(v)}: value cannot be converted to type int without overflow")
    return v


def _pool_args(input, kernel_size, stride, padding, dilation, name, reads_channels=False):
    """Checks the parsed pooling arguments in torch's order: lengths and int32 range, then the
    input's rank (``reads_channels``: torch reads ``input.size(-3)`` first, an IndexError for
    fewer than 3 dims), then the values."""
    k = _pool_pair(kernel_size, "kernel_size", name)
    s = () if stride is None else _pool_pair(stride, "stride", name, omittable=True)
    s = s or k
    p = _pool_pair(padding, "padding", name)
    d = _pool_pair(dilation, "dilation", name)
    if reads_channels and input.dim() < 3:
        raise dim_error(input.dim(), -3)
    if input.dim() not in (3, 4):
        raise RuntimeError(f"{name}: Expected 3D or 4D tensor, but got {list(input.shape)}")
    if any(v <= 0 for v in k):
        raise RuntimeError(f"{name}: kernel_size must be greater than zero")
    if any(v <= 0 for v in s):
        raise RuntimeError(f"{name}: stride must be greater than zero")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"{name}: dilation must be greater than zero")
    if p[0] > (d[0] * (k[0] - 1) + 1) // 2 or p[1] > (d[1] * (k[1] - 1) + 1) // 2 or p[0] < 0 or p[1] < 0:
        raise RuntimeError(f"{name}: pad should be at most half of effective kernel size")
    return k, s, p, d


# ``return_indices`` is ``object``: torch's Python dispatches on its truth value
@signature(
    "max_pool2d(Tensor input, int[2] kernel_size, int[2]? stride=None, int[2] padding=0, "
    "int[2] dilation=1, bool ceil_mode=False, object return_indices=False)"
)
def max_pool2d(
    input: Tensor,
    kernel_size: _IntOrPair,
    stride: _IntOrPair | None = None,
    padding: _IntOrPair = 0,
    dilation: _IntOrPair = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """Maximum over each (dilated) window; the gradient goes to the first maximum, as in torch.
    ``return_indices`` also gives the flat ``h * W + w`` index of each maximum."""
    k, s, p, d = _pool_args(input, kernel_size, stride, padding, dilation, "max_pool2d")
    unbatched = input.dim() == 3
    x = input.unsqueeze(0) if unbatched else input
    n, c, h, w = x.shape
    oh = _out_size(h, k[0], s[0], 2 * p[0], d[0], ceil_mode, p[0])
    ow = _out_size(w, k[1], s[1], 2 * p[1], d[1], ceil_mode, p[1])
    if oh <= 0 or ow <= 0:
        raise RuntimeError(f"max_pool2d: Given input size: ({c}x{h}x{w}). Output size is too small")
    # extra right/bottom padding that ceil_mode's last window may need
    extra_h = max(0, (oh - 1) * s[0] + d[0] * (k[0] - 1) + 1 - (h + 2 * p[0]))
    extra_w = max(0, (ow - 1) * s[1] + d[1] * (k[1] - 1) + 1 - (w + 2 * p[1]))
    pads = (p[1], p[1] + extra_w, p[0], p[0] + extra_h)
    xp = _pad(x, pads, value=-math.inf) if any(pads) else x
    win = _windows(xp, k, s, d, (oh, ow))  # (N, C, K, OH, OW)
    kk = k[0] * k[1]
    flat = win.permute(0, 1, 3, 4, 2).reshape(-1, kk)
    arg = flat.argmax(1)
    out = flat[_core.arange(flat.shape[0], device=flat.device), arg].reshape(n, c, oh, ow)
    if unbatched:
        out = out.squeeze(0)
    if not return_indices:
        return out
    a = arg.cpu().numpy().reshape(n, c, oh, ow)
    ki, kj = a // k[1], a % k[1]
    rows = np.arange(oh).reshape(oh, 1) * s[0] - p[0] + ki * d[0]
    cols = np.arange(ow).reshape(1, ow) * s[1] - p[1] + kj * d[1]
    idx = _core.from_numpy(np.ascontiguousarray(rows * w + cols, dtype=np.int64)).to(input.device)
    return out, (idx.squeeze(0) if unbatched else idx)


@signature(
    "avg_pool2d(Tensor input, int[2] kernel_size, int[2]? stride=None, int[2] padding=0, "
    "bool ceil_mode=False, bool count_include_pad=True, int? divisor_override=None)"
)
def avg_pool2d(
    input: Tensor,
    kernel_size: _IntOrPair,
    stride: _IntOrPair | None = None,
    padding: _IntOrPair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over each window (zero padding counted unless ``count_include_pad=False``)."""
    k, s, p, _ = _pool_args(input, kernel_size, stride, padding, (1,), "avg_pool2d", reads_channels=True)
    if divisor_override == 0:
        raise RuntimeError("avg_pool2d: divisor must be not zero")
    unbatched = input.dim() == 3
    x = input.unsqueeze(0) if unbatched else input
    _, c, h, w = x.shape
    oh = _out_size(h, k[0], s[0], 2 * p[0], 1, ceil_mode, p[0])
    ow = _out_size(w, k[1], s[1], 2 * p[1], 1, ceil_mode, p[1])
    if oh <= 0 or ow <= 0:
        raise RuntimeError(f"avg_pool2d: Given input size: ({c}x{h}x{w}). Output size is too small")
    extra_h = max(0, (oh - 1) * s[0] + k[0] - (h + 2 * p[0]))
    extra_w = max(0, (ow - 1) * s[1] + k[1] - (w + 2 * p[1]))
    pads = (p[1], p[1] + extra_w, p[0], p[0] + extra_h)
    xp = _pad(x, pads) if any(pads) else x
    total = _windows(xp, k, s, (1, 1), (oh, ow)).sum(2)  # (N, C, OH, OW)
    if divisor_override is not None:
        return (total / divisor_override).squeeze(0) if unbatched else total / divisor_override
    # torch's divisor: the window clipped to the padded input, or to the input itself
    div = np.empty((oh, ow), dtype=np.float64)
    for i in range(oh):
        hs = i * s[0] - p[0]
        he = min(hs + k[0], h + p[0])
        for j in range(ow):
            ws = j * s[1] - p[1]
            we = min(ws + k[1], w + p[1])
            if count_include_pad:
                div[i, j] = (he - hs) * (we - ws)
            else:
                div[i, j] = (min(he, h) - max(hs, 0)) * (min(we, w) - max(ws, 0))
    divisor = _core.tensor(div.tolist(), dtype=input.dtype, device=input.device)
    out = total / divisor
    return out.squeeze(0) if unbatched else out


def _list_with_default(out_size, defaults):
    """torch's Python step before adaptive pooling: an int is passed on as is; in a sequence, each
    None becomes the input's size there (so the input needs more dims than the sequence has)."""
    if isinstance(out_size, int):
        return out_size
    if len(defaults) <= len(out_size):
        raise ValueError(f"Input dimension should be at least {len(out_size) + 1}")
    return [v if v is not None else d for v, d in zip(out_size, defaults[-len(out_size) :])]


# torch's native adaptive_avg_pool2d parses output_size after its Python ``_list_with_default``
_ADAPTIVE_OUTPUT_SIZE = Signature("adaptive_avg_pool2d(object input, int[2] output_size)")


@signature("adaptive_avg_pool2d(Tensor input, object output_size)")
def adaptive_avg_pool2d(input: Tensor, output_size: _IntOrPair) -> Tensor:
    """Mean over the adaptive windows ``[floor(i*H/OH), ceil((i+1)*H/OH))``."""
    output_size = _list_with_default(output_size, input.shape)
    _, output_size = _ADAPTIVE_OUTPUT_SIZE.parse((input, output_size))
    if len(output_size) != 2:
        raise RuntimeError(f"adaptive_avg_pool2d: output_size must be 2, got {list(output_size)}")
    if input.dim() not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d: Expected 3D or 4D tensor, but got {list(input.shape)}")
    h, w = input.shape[-2], input.shape[-1]
    oh, ow = output_size
    if oh < 0 or ow < 0:
        raise RuntimeError(
            f"adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {{{oh}, {ow}}}"
        )
    # The loop below builds one window per output element: refuse sizes no memory can hold
    # (torch fails the same way when it sizes the output) instead of looping for hours.
    if input.numel() // max(1, h * w) * oh * ow >= 2**40:
        raise RuntimeError("adaptive_avg_pool2d: numel: integer multiplication overflow")
    if oh == 0 or ow == 0:
        # an empty output, still in input's graph (an empty slice has no windows to stack)
        return input[..., :0, :0].reshape(tuple(input.shape[:-2]) + (oh, ow))
    rows = []
    for i in range(oh):
        hs, he = (i * h) // oh, -((-(i + 1) * h) // oh)
        row = []
        for j in range(ow):
            ws, we = (j * w) // ow, -((-(j + 1) * w) // ow)
            row.append(input[..., hs:he, ws:we].mean((-2, -1)))
        rows.append(_core.stack(row, -1))
    return _core.stack(rows, -2)
