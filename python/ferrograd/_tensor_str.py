"""Format tensors exactly the way ``repr(torch.Tensor)`` does.

The tensor is duck-typed: anything offering ``tolist()``, ``shape``, ``dim()``,
``numel()``, ``dtype``, ``requires_grad`` and ``grad_fn`` works, so the same
function prints ferrograd tensors and (in the tests) real torch tensors.

Only torch's *default* print options are reproduced (``precision=4``,
``threshold=1000``, ``edgeitems=3``, ``linewidth=80``, automatic ``sci_mode``).
The layout follows ``torch/_tensor_str.py``:

* one formatter (style + column width) is chosen for the whole tensor, from the
  elements that will actually be shown, so every column lines up;
* tensors with more than ``threshold`` elements are summarized, keeping
  ``edgeitems`` entries at each end of every dimension;
* 1-d rows wrap at ``linewidth``; deeper dimensions are separated by
  ``dim - 1`` newlines, so 3-d blocks get one blank line between them;
* ``dtype=``, ``size=``, ``grad_fn=`` and ``requires_grad=`` suffixes are
  appended, each moving to its own line when it would overflow the line width.
"""

from __future__ import annotations

import math

PRECISION = 4
THRESHOLD = 1000
EDGEITEMS = 3
LINEWIDTH = 80

_PREFIX = "tensor("
_DEFAULT_DTYPE = "float32"
# Dtypes a literal like tensor([1., 2.]), tensor([1, 2]) or tensor([True])
# already implies; torch only spells out the others.
_IMPLIED_DTYPES = (_DEFAULT_DTYPE, "int64", "bool")


def tensor_repr(t) -> str:
    """Return ``repr(t)`` as torch would print it (``str`` is the same)."""
    dtype_name = _dtype_name(t.dtype)
    shape = tuple(int(n) for n in t.shape)
    indent = len(_PREFIX)
    suffixes = []
    device = getattr(t, "device", None)
    if device is not None and device.type != "cpu":
        # torch names a non-CPU device first: device='cuda:0'.
        suffixes.append(_plain(f"device='{device}'"))

    # Wrapping measures "dtype=torch.float64" even when printing
    # "dtype=ferrograd.float64": the output is then exactly torch's repr with
    # the namespace renamed, rather than wrapping 4 characters earlier.
    dtype_suffix = (f"dtype={t.dtype}", len(f"dtype=torch.{dtype_name}"))

    if t.numel() == 0:
        # Nothing to look at, so the shape (unless it is the obvious (0,)) and
        # any non-default dtype, int64 and bool included, must be stated.
        body = "[]"
        if len(shape) != 1:
            suffixes.append(_plain(f"size={shape}"))
        if dtype_name != _DEFAULT_DTYPE:
            suffixes.append(dtype_suffix)
    else:
        body = _tensor_body(t.tolist(), t.dim(), t.numel(), _is_floating(dtype_name), indent)
        if dtype_name not in _IMPLIED_DTYPES:
            suffixes.append(dtype_suffix)

    grad_fn = t.grad_fn
    if grad_fn is not None:
        suffixes.append(_plain(f"grad_fn=<{_grad_fn_name(grad_fn)}>"))
    elif t.requires_grad:
        # Only leaves can require grad without having a grad_fn.
        suffixes.append(_plain("requires_grad=True"))

    return _add_suffixes(_PREFIX + body, suffixes, indent)


def _plain(suffix: str) -> tuple:
    """A suffix that is measured by its own length."""
    return suffix, len(suffix)


def _dtype_name(dtype) -> str:
    """'torch.float32' / 'ferrograd.float32' -> 'float32'."""
    return str(dtype).rsplit(".", 1)[-1]


def _is_floating(dtype_name: str) -> bool:
    # Covers float16/32/64, bfloat16 and the float8 variants.
    return "float" in dtype_name


def _grad_fn_name(grad_fn) -> str:
    name = getattr(grad_fn, "name", None)
    if name is None:
        return type(grad_fn).__name__
    # C++ nodes may report a qualified name such as "torch::autograd::AddBackward0".
    return name().rsplit("::", 1)[-1]


def _tensor_body(data, ndim: int, numel: int, floating: bool, indent: int) -> str:
    """The bracketed contents, e.g. ``[1., 2.]`` (without ``tensor(``)."""
    summarize = numel > THRESHOLD
    formatter = _Formatter(_shown_values(data, ndim, summarize), floating)
    return _format_block(data, ndim, indent, summarize, formatter)


def _elided(seq: list, summarize: bool) -> bool:
    """Whether this dimension is cut down to its edges with an ellipsis."""
    return summarize and len(seq) > 2 * EDGEITEMS


def _edges(seq: list, summarize: bool) -> list:
    if _elided(seq, summarize):
        return seq[:EDGEITEMS] + seq[-EDGEITEMS:]
    return seq


def _shown_values(data, ndim: int, summarize: bool) -> list:
    """Flatten the elements that will be printed.

    The formatter only looks at these, so a huge value hidden behind "..."
    does not switch the visible ones to scientific notation.
    """
    if ndim == 0:
        return [data]
    rows = _edges(data, summarize)
    if ndim == 1:
        return list(rows)
    return [value for row in rows for value in _shown_values(row, ndim - 1, summarize)]


class _Formatter:
    """One number style and column width shared by every element."""

    def __init__(self, values: list, floating: bool):
        self.floating = floating
        self.int_mode = True  # floats that are all whole numbers print as "1."
        self.sci_mode = False
        self.width = 1
        if not floating:
            self.width = max([1] + [len(str(v)) for v in values])
            return

        # nan, inf and zeros say nothing about the scale of the data, so they
        # take no part in choosing the style, nor in the column width.
        scaled = [v for v in values if math.isfinite(v) and v != 0]
        if not scaled:
            return
        magnitudes = [abs(v) for v in scaled]
        smallest, largest = min(magnitudes), max(magnitudes)
        self.int_mode = all(v == math.ceil(v) for v in scaled)
        # Fixed point with 4 decimals would hide either the small values or the
        # leading digits of the big ones.
        self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4

        if self.sci_mode:
            widths = [len(f"{v:.{PRECISION}e}") for v in scaled]
        elif self.int_mode:
            widths = [len(f"{v:.0f}") + 1 for v in scaled]  # +1 for the trailing "."
        else:
            widths = [len(f"{v:.{PRECISION}f}") for v in scaled]
        self.width = max([self.width] + widths)

    def format(self, value) -> str:
        if not self.floating:
            text = str(value)  # ints, and True/False for bool
        elif self.sci_mode:
            text = f"{value:.{PRECISION}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."  # the dot is what marks the tensor as floating
        else:
            text = f"{value:.{PRECISION}f}"
        return text.rjust(self.width)


def _format_block(data, ndim: int, indent: int, summarize: bool, formatter: _Formatter) -> str:
    """Format one sub-tensor; ``indent`` is the column of its opening bracket."""
    if ndim == 0:
        return formatter.format(data)
    if ndim == 1:
        return _format_row(data, indent, summarize, formatter)

    parts = [
        _format_block(row, ndim - 1, indent + 1, summarize, formatter) for row in _edges(data, summarize)
    ]
    if _elided(data, summarize):
        parts.insert(EDGEITEMS, "...")
    # A 2-d tensor puts rows on consecutive lines; every extra dimension adds
    # one more blank line between its blocks.
    separator = "," + "\n" * (ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(parts) + "]"


def _format_row(values: list, indent: int, summarize: bool, formatter: _Formatter) -> str:
    items = [formatter.format(v) for v in _edges(values, summarize)]
    if _elided(values, summarize):
        items.insert(EDGEITEMS, " ...")
    # Every element takes its width plus ", ". The ellipsis counts as one element.
    per_line = max(1, (LINEWIDTH - indent) // (formatter.width + 2))
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _add_suffixes(text: str, suffixes: list, indent: int) -> str:
    """Append ``, suffix`` items, wrapping one to a new line if it would not fit.

    ``suffixes`` holds (text, length to measure it by) pairs.
    """
    # torch measures the last line as len - rfind("\n") + 1, two more than its
    # real length; the overcount is kept because it decides where torch wraps.
    last_line_len = len(text) - text.rfind("\n") + 1
    pieces = [text]
    for suffix, length in suffixes:
        if last_line_len + length + 2 > LINEWIDTH:
            pieces.append(",\n" + " " * indent + suffix)
            last_line_len = indent + length
        else:
            pieces.append(", " + suffix)
            last_line_len += length + 2
    pieces.append(")")
    return "".join(pieces)
