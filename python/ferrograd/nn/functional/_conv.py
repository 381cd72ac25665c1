"""pad, conv2d and unfold. conv2d checks its arguments here, with torch's messages, and runs as
one native op (``_core._conv2d``: im2col and one GEMM per group, src/ops/conv.rs). unfold pads
with ``cat`` and stacks one strided slice per kernel offset (``_windows``), which the pooling
functions reuse."""

from __future__ import annotations

from collections.abc import Sequence

from ... import _core
from ..._checks import dim_error
from ..._core import Tensor
from ..._signature import Signature, signature
from ._utils import _full, _IntOrPair, _pair, _py_pair


@signature("pad(Tensor input, int[] pad, str mode='constant', float? value=None)")
def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pads (or, with negative amounts, crops) the last ``len(pad) // 2`` dims:
    ``pad = (last_left, last_right, second_last_left, ...)``; only ``mode='constant'``."""
    fill = 0.0 if value is None else value
    if mode != "constant":
        raise NotImplementedError(f"pad: mode {mode!r} is not supported (only 'constant')")
    if len(pad) % 2 != 0:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension")
    for i in range(len(pad) // 2):
        dim = input.dim() - 1 - i
        if input.shape[dim] + pad[2 * i] + pad[2 * i + 1] < 0:
            raise RuntimeError(
                f"pad: the input size {input.shape[dim]}, plus negative padding {pad[2 * i]} and "
                f"{pad[2 * i + 1]} resulted in a negative output size, which is invalid. Check dimension "
                f"{dim} of your input."
            )
    out = input
    for i in range(len(pad) // 2):
        dim = input.dim() - 1 - i
        left, right = pad[2 * i], pad[2 * i + 1]
        if left < 0:
            out = out.narrow(dim, -left, out.shape[dim] + left)
            left = 0
        if right < 0:
            out = out.narrow(dim, 0, out.shape[dim] + right)
            right = 0
        parts = []
        if left:
            shape = list(out.shape)
            shape[dim] = left
            parts.append(_full(shape, fill, out))
        parts.append(out)
        if right:
            shape = list(out.shape)
            shape[dim] = right
            parts.append(_full(shape, fill, out))
        if len(parts) > 1:
            out = _core.cat(parts, dim)
    return out


def _windows(x: Tensor, kernel, stride, dilation, out_hw) -> Tensor:
    """(N, C, KH*KW, OH, OW): the input value under each kernel offset for each output position."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    cols = []
    for i in range(kh):
        for j in range(kw):
            r0, c0 = i * dh, j * dw
            cols.append(x[:, :, r0 : r0 + sh * (oh - 1) + 1 : sh, c0 : c0 + sw * (ow - 1) + 1 : sw])
    return _core.stack(cols, 2)


def _out_size(size, k, s, p_total, d, ceil_mode=False, p_left=0):
    eff = d * (k - 1) + 1
    num = size + p_total - eff
    if ceil_mode:
        out = -(-num // s) + 1
        if (out - 1) * s >= size + p_left:
            out -= 1
    else:
        out = num // s + 1
    return out


_MAX_PADDING = (2**63 - 1) // 2


# pad without parsing its arguments again, for conv2d, unfold and the pooling functions
_pad = pad.__wrapped__


@signature(
    "conv2d(Tensor input, Tensor weight, Tensor? bias=None, int[2] stride=1, int[2] padding=0, "
    "int[2] dilation=1, int groups=1)",
    "conv2d(Tensor input, Tensor weight, Tensor? bias=None, int[2] stride=1, str padding='valid', "
    "int[2] dilation=1, int groups=1)",
)
def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: _IntOrPair = 1,
    padding: _IntOrPair | str = 0,
    dilation: _IntOrPair = 1,
    groups: int = 1,
) -> Tensor:
    """2-D cross-correlation of ``input`` (N, C, H, W) or (C, H, W) with ``weight`` (OC, C/groups, KH, KW)."""
    stride, dilation = _pair(stride, "stride", "conv2d"), _pair(dilation, "dilation", "conv2d")
    if not isinstance(padding, str):
        padding = _pair(padding, "padding", "conv2d")
    unbatched = input.dim() == 3
    if input.dim() not in (3, 4):
        raise RuntimeError(
            f"Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: {list(input.shape)}"
        )
    if unbatched:
        input = input.unsqueeze(0)
    if weight.dim() != 4:
        raise RuntimeError(f"weight should have 4 dimensions for conv2d, got {weight.dim()}")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    _, c, h, w = input.shape
    oc, cg, kh, kw = weight.shape
    if c != cg * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected input{list(input.shape)} "
            f"to have {cg * groups} channels, but got {c} channels instead"
        )
    if oc % groups != 0:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0"
        )
    if isinstance(padding, str):
        if padding == "valid":
            pads = (0, 0, 0, 0)
        elif padding == "same":
            if stride != (1, 1):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            th, tw = dilation[0] * (kh - 1), dilation[1] * (kw - 1)
            pads = (tw // 2, tw - tw // 2, th // 2, th - th // 2)
        else:
            raise RuntimeError(f"conv2d: Invalid padding string: {padding!r}")
    else:
        ph, pw = padding
        if ph < 0 or pw < 0:
            raise RuntimeError("negative padding is not supported")
        for i, p in enumerate(padding):
            # torch's bound: the padded size (size + 2 * padding) must fit an int64
            if p > _MAX_PADDING:
                raise RuntimeError(
                    f"Given padding={p} at dimension {i} , expected padding to be at most {_MAX_PADDING}"
                )
        pads = (pw, pw, ph, ph)
    oh = _out_size(h, kh, stride[0], pads[2] + pads[3], dilation[0])
    ow = _out_size(w, kw, stride[1], pads[0] + pads[1], dilation[1])
    if oh <= 0 or ow <= 0:
        raise RuntimeError(
            f"Calculated padded input size per channel: ({h + pads[2] + pads[3]} x {w + pads[0] + pads[1]}). "
            f"Kernel size: ({dilation[0] * (kh - 1) + 1} x {dilation[1] * (kw - 1) + 1}). "
            "Kernel size can't be greater than actual input size"
        )
    # one native op (ConvolutionBackward0): im2col inside, no padded copy; (top, bottom, left, right)
    out = _core._conv2d(input, weight, bias, stride, (pads[2], pads[3], pads[0], pads[1]), dilation, groups)
    return out.squeeze(0) if unbatched else out


# torch's native unfold; its Python unfold passes each size through ``_pair`` first
_IM2COL = Signature(
    "im2col(Tensor input, int[2] kernel_size, int[2] dilation, int[2] padding, int[2] stride)"
)


def unfold(
    input: Tensor,
    kernel_size: _IntOrPair,
    dilation: _IntOrPair = 1,
    padding: _IntOrPair = 0,
    stride: _IntOrPair = 1,
) -> Tensor:
    """im2col: (N, C, H, W) -> (N, C * KH * KW, L), each column one (dilated) window, as ``torch.nn.functional.unfold``."""
    sizes = (_py_pair(kernel_size), _py_pair(dilation), _py_pair(padding), _py_pair(stride))
    input, k, d, p, st = _IM2COL.parse((input, *sizes))
    for name, v in zip(("kernel_size", "dilation", "padding", "stride"), (k, d, p, st)):
        if len(v) != 2:
            raise RuntimeError(f"unfold: It is expected {name} equals to 2, but got size {len(v)}")
    if input.dim() < 3:
        # torch's im2col reads the channel and height sizes (dims 1 and 2) before checking the rank
        raise dim_error(input.dim(), max(input.dim(), 1))
    if input.dim() > 4:
        raise RuntimeError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input.dim()}D)")
    for name, v, least in (("kernel size", k, 1), ("dilation", d, 1), ("padding", p, 0), ("stride", st, 1)):
        if v[0] < least or v[1] < least:
            raise RuntimeError(
                f"unfold: {name} should be {'non-negative' if least == 0 else 'greater than zero'}, "
                f"but got {list(v)}"
            )
    unbatched = input.dim() == 3
    x = input.unsqueeze(0) if unbatched else input
    n, c, h, w = x.shape
    oh = _out_size(h, k[0], st[0], 2 * p[0], d[0])
    ow = _out_size(w, k[1], st[1], 2 * p[1], d[1])
    # (torch's sizes are int64: a padded size beyond that wraps to a negative block count)
    if oh <= 0 or ow <= 0 or max(h + 2 * p[0], w + 2 * p[1]) >= 2**63:
        raise RuntimeError(
            f"Given input with spatial size ({h}, {w}), kernel_size={k}, dilation={d}, padding={p}, "
            f"calculated shape of the array of sliding blocks as ({oh}, {ow}), but its components must be at least one."
        )
    if any(p):
        x = _pad(x, (p[1], p[1], p[0], p[0]))
    cols = _windows(x, k, st, d, (oh, ow)).reshape(n, c * k[0] * k[1], oh * ow)
    return cols.squeeze(0) if unbatched else cols
