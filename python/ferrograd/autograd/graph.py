"""``ferrograd.autograd.graph``: look at the graph autograd recorded.

``to_dot`` describes the graph behind a tensor in Graphviz's DOT language, ``render`` draws it
with Graphviz's ``dot`` program, and ``memory_report`` lists what each node holds for backward.
torch has no built-in graph viewer (see its issue #5806); this module is a ferrograd extension.

>>> import ferrograd as torch
>>> x = torch.ones(1000, requires_grad=True)
>>> y = x.exp().sum()
>>> print(torch.autograd.graph.memory_report(y))
id  node          shape    saved    bytes
n1  ExpBackward0  (1000,)  3.9 KiB   4000
n0  SumBackward0  ()       0 B          0
total (2 nodes)            3.9 KiB   4000
"""

from __future__ import annotations

import collections
import re
import shutil
import subprocess
from pathlib import Path

from .. import _core
from ..grad_mode import enable_grad

Node = _core.Node

__all__ = ["Node", "memory_report", "render", "saved_tensors_hooks", "to_dot"]

_ACCUMULATE = "torch::autograd::AccumulateGrad"
_FORMATS = ("svg", "png", "pdf")
_OP_STYLE = 'shape="box"'
_LEAF_STYLE = 'shape="ellipse", style="filled", fillcolor="lightblue"'
_ROOT_STYLE = {
    style: style.split(",")[0]
    + ', style="filled", fillcolor="darkolivegreen1", peripheries="2", comment="root"'
    for style in (_OP_STYLE, _LEAF_STYLE)
}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_INSTALL_HINT = (
    "Graphviz's `dot` executable was not found on PATH, so the graph cannot be rendered to {fmt}. "
    "Install Graphviz (Debian/Ubuntu: `apt-get install graphviz`; macOS: `brew install graphviz`; "
    "conda: `conda install graphviz`) and try again. to_dot() still works without it and returns "
    "the DOT source, and render() to a path ending in '.dot' writes that source."
)


# ---- traversal ------------------------------------------------------------------------------------


class _Graph:
    """The nodes reachable from some roots, found iteratively, each once, numbered in BFS order."""

    __slots__ = ("bare", "edges", "ids", "nodes", "roots")

    def __init__(self, tensors):
        self.nodes = []  # Node, in id order
        self.ids = {}  # Node -> index into self.nodes
        self.edges = []  # (input index, consumer index), one per input slot, in discovery order
        self.roots = set()  # indices of the root nodes
        self.bare = []  # root tensors that are not in any graph (no grad_fn, no requires_grad)
        queue = collections.deque()
        for root in _root_nodes(tensors, self.bare):
            if root not in self.ids:
                self.ids[root] = len(self.nodes)
                self.nodes.append(root)
                queue.append(root)
            self.roots.add(self.ids[root])
        while queue:
            node = queue.popleft()
            dst = self.ids[node]
            for nxt, _ in node.next_functions:
                if nxt is None:
                    continue
                src = self.ids.get(nxt)
                if src is None:
                    src = self.ids[nxt] = len(self.nodes)
                    self.nodes.append(nxt)
                    queue.append(nxt)
                self.edges.append((src, dst))


def _root_nodes(tensors, bare):
    if isinstance(tensors, (_core.Tensor, Node)):
        tensors = (tensors,)
    elif not isinstance(tensors, (list, tuple)):
        raise TypeError(f"expected a Tensor, a Node or a list/tuple of them, got {type(tensors).__name__}")
    for t in tensors:
        if isinstance(t, Node):
            yield t
        elif not isinstance(t, _core.Tensor):
            raise TypeError(f"expected a Tensor or a Node, got {type(t).__name__}")
        elif t.grad_fn is not None:
            yield t.grad_fn
        elif t.requires_grad:
            # A leaf: its AccumulateGrad node is the one the rest of the graph points to (leaves
            # keep theirs while it is alive), reached through a throwaway view.
            with enable_grad():
                acc = t.view_as(t).grad_fn.next_functions[0][0]
            yield acc
        else:
            bare.append(t)


# ---- labels -----------------------------------------------------------------------------------------


def _fmt_bytes(n: int) -> str:
    """``1536`` -> ``'1.5 KiB'``: bytes in binary units, one decimal above 1 KiB."""
    if n < 1024:
        return f"{n} B"
    value = float(n)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024.0
        if value < 1024.0 or unit == "TiB":
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


def _fmt_shape(shape) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _fmt_dtype(dtype) -> str:
    return str(dtype).rsplit(".", 1)[-1]


def _quote(text: str) -> str:
    """A DOT double-quoted string showing ``text`` literally, line breaks as centred breaks.

    Backslashes are doubled so Graphviz's escapes (``\\l``, ``\\N``, ``\\G``...) cannot be
    triggered from a parameter name; quotes are escaped; other control characters are dropped.
    """
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return '"' + _CONTROL.sub("", text) + '"'


def _attrs(**attrs) -> str:
    return "[" + ", ".join(f"{k}={_quote(str(v))}" for k, v in attrs.items()) + "]"


def _tensor_key(t):
    if t.device.type != "cpu":
        # GPU memory has no host address; such tensors are found by identity only.
        return ("object", id(t))
    return (t.data_ptr(), tuple(t.shape), tuple(t.stride()), str(t.dtype))


class _ParamNames:
    """Looks leaves up in ``params``: by identity first, then by data pointer, shape, strides, dtype."""

    def __init__(self, params):
        self.tensors = []
        self.by_key = {}
        if params is None:
            return
        items = params.items() if isinstance(params, dict) else params
        for item in items:
            try:
                name, t = item
            except (TypeError, ValueError):
                raise TypeError(
                    "params must be a dict name -> tensor or an iterable of (name, tensor) pairs, "
                    f"got an item {item!r}"
                ) from None
            if t is None:
                continue
            if not isinstance(t, _core.Tensor):
                raise TypeError(f"params[{name!r}] is a {type(t).__name__}, not a Tensor")
            self.tensors.append((t, str(name)))
            names = self.by_key.setdefault(_tensor_key(t), [])
            if str(name) not in names:
                names.append(str(name))

    def lookup(self, leaf):
        names = list(dict.fromkeys(name for t, name in self.tensors if t is leaf))
        if not names:
            # Another tensor over the same data (e.g. ``p.data`` given as the parameter).
            names = self.by_key.get(_tensor_key(leaf))
        return " / ".join(names) if names else None


def _leaf_variable(node):
    try:
        return node.variable
    except AttributeError:
        return None


# ---- public API -------------------------------------------------------------------------------------


def to_dot(t, params=None, show_saved=True) -> str:
    r"""Describes the autograd graph behind ``t`` in Graphviz's DOT language.

    Each backward node becomes a box labelled with its name, the shape and dtype of the tensor it
    differentiates and, while it holds them, the bytes it saved for backward. Each leaf that
    requires grad becomes an ellipse labelled with its shape, and with its name when it is one of
    ``params``; other leaves read ``leaf``. Edges run from inputs to the ops that consume them (the
    direction data flows), one per input slot, and the root(s) are drawn filled with a double
    border. Node ids (``n0``, ``n1``, ...) are given in breadth-first order from the roots, so the
    same graph always gives the same text. The walk is iterative: chains of any length work.

    Args:
        t: a tensor, a ``Node``, or a list/tuple of them (several roots in one drawing).
        params: names for leaves: a dict ``name -> tensor`` or an iterable of ``(name, tensor)``
            pairs such as ``model.named_parameters()``.
        show_saved: label nodes with the bytes they hold for backward.

    Returns:
        The DOT source, for ``render``, the ``dot`` program or any Graphviz viewer.

    Example::

        >>> import ferrograd as torch
        >>> w = torch.randn(3, requires_grad=True)
        >>> y = (w * 2).sum()
        >>> print(torch.autograd.graph.to_dot(y, params={"w": w}))
        digraph autograd {
          graph [rankdir="TB", fontname="Helvetica"];
          node [fontname="Helvetica", fontsize="10"];
          edge [arrowsize="0.7"];
          n0 [label="SumBackward0\n()\nfloat32", shape="box", style="filled", fillcolor="darkolivegreen1", peripheries="2", comment="root"];
          n1 [label="MulBackward0\n(3,)\nfloat32", shape="box"];
          n2 [label="w\n(3,)\nfloat32", shape="ellipse", style="filled", fillcolor="lightblue"];
          n1 -> n0;
          n2 -> n1;
        }
        <BLANKLINE>
    """
    graph = _Graph(t)
    names = _ParamNames(params)
    lines = [
        "digraph autograd {",
        '  graph [rankdir="TB", fontname="Helvetica"];',
        '  node [fontname="Helvetica", fontsize="10"];',
        '  edge [arrowsize="0.7"];',
    ]
    labels = {}  # (title, shape, dtype, saved) -> quoted label: long chains repeat a few labels
    for i, node in enumerate(graph.nodes):
        name = node.name()
        if name == _ACCUMULATE:
            var = _leaf_variable(node)
            title = "leaf (freed)" if var is None else (names.lookup(var) or "leaf")
            saved = 0
            style = _LEAF_STYLE
        else:
            title = name
            saved = node.saved_bytes if show_saved else 0
            style = _OP_STYLE
        key = (title, node.output_shape, node.output_dtype, saved)
        label = labels.get(key)
        if label is None:
            text = f"{title}\n{_fmt_shape(key[1])}\n{_fmt_dtype(key[2])}"
            if saved > 0:
                text += f"\nsaved {_fmt_bytes(saved)}"
            label = labels[key] = _quote(text)
        if i in graph.roots:
            style = _ROOT_STYLE[style]
        lines.append(f"  n{i} [label={label}, {style}];")
    for j, bare in enumerate(graph.bare):
        label = f"tensor {_fmt_shape(tuple(bare.shape))} {_fmt_dtype(bare.dtype)}\n(no autograd graph)"
        lines.append(f"  t{j} {_attrs(label=label, shape='plaintext', comment='root')};")
    lines.extend(f"  n{src} -> n{dst};" for src, dst in graph.edges)
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(t, path="graph.svg", params=None, format=None, show_saved=True) -> str:
    """Draws the autograd graph behind ``t`` into a file, with Graphviz's ``dot`` program.

    The format comes from ``path``'s suffix (``.svg``, ``.png`` or ``.pdf``) unless ``format``
    is given. A path ending in ``.dot`` (or ``format="dot"``) gets the DOT source itself, which
    needs no Graphviz. Raises ``RuntimeError`` when ``dot`` is not installed.

    Args:
        t: a tensor, a ``Node``, or a list/tuple of them (see ``to_dot``).
        path: the file to write.
        params: names for leaves (see ``to_dot``).
        format: the output format, overriding the suffix: ``"svg"``, ``"png"``, ``"pdf"``, ``"dot"``.
        show_saved: label nodes with the bytes they hold for backward.

    Returns:
        ``path``, as a string.

    Example::

        >>> import ferrograd as torch
        >>> x = torch.randn(3, requires_grad=True)
        >>> torch.autograd.graph.render(x.exp().sum(), "exp.svg")  # doctest: +SKIP
        'exp.svg'
    """
    path = Path(path)
    fmt = format if format is not None else path.suffix.lstrip(".")
    fmt = fmt.lower()
    if fmt not in (*_FORMATS, "dot", "gv"):
        raise ValueError(
            f"cannot tell the output format from {str(path)!r}: give a path ending in "
            f".svg, .png, .pdf or .dot, or pass format= one of {', '.join(_FORMATS)}, dot"
        )
    source = to_dot(t, params=params, show_saved=show_saved)
    if fmt in ("dot", "gv"):
        path.write_text(source, encoding="utf-8")
        return str(path)
    exe = shutil.which("dot")
    if exe is None:
        raise RuntimeError(_INSTALL_HINT.format(fmt=fmt))
    proc = subprocess.run(
        [exe, f"-T{fmt}", "-o", str(path)],
        input=source.encode("utf-8"),
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"Graphviz's dot failed (exit code {proc.returncode}): {err}")
    return str(path)


def memory_report(t, as_dict=False):
    """What the graph behind ``t`` holds for backward, node by node, largest first.

    Lists each backward node (leaves' ``AccumulateGrad`` nodes hold nothing and are left out)
    with its id (as in ``to_dot``), name, output shape and ``saved_bytes``, sorted by bytes
    descending (ties in graph order), then a total line. A backward that frees the graph brings
    every count to 0. Bytes are counted per node: a tensor that two nodes saved counts twice,
    and saved leaves (weights of a matmul, say) are counted though they live on anyway.

    Args:
        t: a tensor, a ``Node``, or a list/tuple of them.
        as_dict: return a list of dicts (``id``, ``name``, ``shape``, ``dtype``, ``saved_bytes``)
            in the same order instead of the text table.

    Example::

        >>> import ferrograd as torch
        >>> x = torch.ones(1000, requires_grad=True)
        >>> y = x.exp().sum()
        >>> torch.autograd.graph.memory_report(y, as_dict=True)[0]
        {'id': 'n1', 'name': 'ExpBackward0', 'shape': (1000,), 'dtype': 'float32', 'saved_bytes': 4000}
        >>> print(torch.autograd.graph.memory_report(y))
        id  node          shape    saved    bytes
        n1  ExpBackward0  (1000,)  3.9 KiB   4000
        n0  SumBackward0  ()       0 B          0
        total (2 nodes)            3.9 KiB   4000
    """
    graph = _Graph(t)
    rows = []
    for i, node in enumerate(graph.nodes):
        name = node.name()
        saved = node.saved_bytes
        if name == _ACCUMULATE and saved == 0:
            continue
        rows.append(
            {
                "id": f"n{i}",
                "name": name,
                "shape": tuple(node.output_shape),
                "dtype": _fmt_dtype(node.output_dtype),
                "saved_bytes": saved,
            }
        )
    rows.sort(key=lambda r: -r["saved_bytes"])  # stable: ties stay in graph order
    if as_dict:
        return rows
    total = sum(r["saved_bytes"] for r in rows)
    table = [("id", "node", "shape", "saved", "bytes")]
    table += [
        (r["id"], r["name"], _fmt_shape(r["shape"]), _fmt_bytes(r["saved_bytes"]), str(r["saved_bytes"]))
        for r in rows
    ]
    widths = [max(len(row[c]) for row in table) for c in range(5)]
    head = widths[0] + 2 + widths[1] + 2 + widths[2]  # the total line's label spans 3 columns
    label = f"total ({len(rows)} node{'' if len(rows) == 1 else 's'})"
    if len(label) > head:
        widths[2] += len(label) - head
        head = len(label)
    out = []
    for row in table:
        cells = [row[c].ljust(widths[c]) for c in range(4)] + [row[4].rjust(widths[4])]
        out.append("  ".join(cells).rstrip())
    out.append(
        "  ".join(
            [label.ljust(head), _fmt_bytes(total).ljust(widths[3]), str(total).rjust(widths[4])]
        ).rstrip()
    )
    return "\n".join(out)


class saved_tensors_hooks:
    """Context manager: tensors that ops save for backward go through ``pack_hook`` and come back
    through ``unpack_hook`` when backward needs them (e.g. to offload or compress activations).

    Hooks are per thread; nested contexts use the innermost. A packed value is the hook's to
    keep: no in-place-modification check applies to it (as in torch).

    >>> import ferrograd as torch
    >>> packed = []
    >>> def pack(t):
    ...     packed.append(t.shape)
    ...     return t.numpy().copy()
    >>> def unpack(a):
    ...     return torch.from_numpy(a)
    >>> x = torch.ones(3, requires_grad=True)
    >>> with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
    ...     y = (x.detach().requires_grad_() * 1).exp()
    >>> y.sum().backward()
    >>> packed
    [ferrograd.Size([3])]
    """

    def __init__(self, pack_hook, unpack_hook) -> None:
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        _core._push_saved_tensors_hooks(self.pack_hook, self.unpack_hook)
        return self

    def __exit__(self, *exc) -> bool:
        _core._pop_saved_tensors_hooks()
        return False
