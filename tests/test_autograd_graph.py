"""ferrograd.autograd.graph: DOT export of the autograd graph, rendering, and the memory report.

The DOT text is read back with a small parser (below) and checked structurally: nodes, labels,
edges, counts, the root marking and the naming of parameters.
"""

import functools
import os
import re
import shutil
import stat
import sys
import time

import ferrograd as torch
import pytest
from ferrograd.autograd import graph

ACC = "torch::autograd::AccumulateGrad"


# ---- a small DOT parser ------------------------------------------------------------------------------

_QUOTED = r'"(?:[^"\\]|\\.)*"'
_ID = rf"(?:[A-Za-z0-9_.]+|{_QUOTED})"
_HEADER = re.compile(rf"\s*(strict\s+)?digraph\s*(?P<name>{_ID})?\s*\{{", re.DOTALL)
_STMT = re.compile(
    rf"""\s*(?P<ids>{_ID}(?:\s*->\s*{_ID})*)
    \s*(?P<attrs>(?:\[(?:[^\]"]|{_QUOTED})*\]\s*)*)
    \s*;?""",
    re.DOTALL | re.VERBOSE,
)
_ATTR = re.compile(rf"\s*({_ID})\s*=\s*({_ID})\s*[,;]?")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_BLOCK = re.compile(rf"\[((?:[^\]\"]|{_QUOTED})*)\]")
_CHAIN_ID = re.compile(rf"{_ID}(?=\s*->|\s*$)")


@functools.cache
def _unescape(s):
    """A DOT id's text: quotes off, Graphviz's label escapes applied (``\\n`` -> newline)."""
    if not s.startswith('"'):
        return s
    s = s[1:-1]
    if "\\" not in s:
        return s
    return _ESCAPE.sub(lambda m: {"n": "\n", '"': '"', "\\": "\\"}.get(m.group(1), m.group()), s)


def _attr_list(text):
    return dict(_parse_attrs(text)) if text else {}


@functools.cache
def _parse_attrs(text):
    attrs = {}
    for block in _BLOCK.findall(text):
        pos = 0
        for m in _ATTR.finditer(block):
            assert m.start() == pos, f"bad attribute list [{block}]"
            attrs[_unescape(m.group(1))] = _unescape(m.group(2))
            pos = m.end()
        assert block[pos:].strip() == "", f"bad attribute list [{block}]"
    return attrs


def parse_dot(text):
    """Parses a flat digraph (no subgraphs, no comments).

    Returns ``(name, nodes {id: attrs}, edges [(src, dst, attrs)], defaults {kind: attrs})``.
    """
    m = _HEADER.match(text)
    assert m, f"not a digraph: {text[:40]!r}"
    name = _unescape(m.group("name")) if m.group("name") else None
    pos = m.end()
    nodes, edges, defaults = {}, [], {}
    while True:
        m = _STMT.match(text, pos)
        if m is None or not m.group("ids"):
            break
        pos = m.end()
        ids = m.group("ids")
        if '"' in ids:
            ids = [_unescape(i) for i in _CHAIN_ID.findall(ids)]
        else:
            ids = [i.strip() for i in ids.split("->")]
        attrs = _attr_list(m.group("attrs"))
        if len(ids) == 1 and ids[0] in ("graph", "node", "edge") and attrs:
            defaults.setdefault(ids[0], {}).update(attrs)
        elif len(ids) == 1:
            assert ids[0] not in nodes, f"node {ids[0]} declared twice"
            nodes[ids[0]] = attrs
        else:
            edges.extend((a, b, attrs) for a, b in zip(ids, ids[1:]))
    rest = text[pos:].strip()
    assert rest == "}", f"unparsed DOT text: {rest[:60]!r}"
    return name, nodes, edges, defaults


class Dot:
    """Parsed ``to_dot`` output with the views the tests need."""

    def __init__(self, text):
        self.text = text
        self.name, self.nodes, edges, self.defaults = parse_dot(text)
        self.edges = [(a, b) for a, b, _ in edges]
        for a, b in self.edges:
            assert a in self.nodes and b in self.nodes, f"edge {a} -> {b} to an undeclared node"

    def label(self, nid):
        return self.nodes[nid]["label"]

    def title(self, nid):
        return self.label(nid).split("\n")[0]

    def ops(self):
        return [n for n, a in self.nodes.items() if a.get("shape") == "box"]

    def leaves(self):
        return [n for n, a in self.nodes.items() if a.get("shape") == "ellipse"]

    def roots(self):
        return [n for n, a in self.nodes.items() if a.get("peripheries") == "2"]

    def by_title(self, title):
        return [n for n in self.nodes if self.title(n) == title]

    def inputs(self, nid):
        return [a for a, b in self.edges if b == nid]

    def consumers(self, nid):
        return [b for a, b in self.edges if a == nid]


def dot_of(t, **kw):
    return Dot(graph.to_dot(t, **kw))


def all_nodes(roots):
    """Every node reachable from ``roots`` (Nodes), found independently of the module under test."""
    seen, stack = set(), list(roots)
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        stack.extend(m for m, _ in n.next_functions if m is not None)
    return seen


def test_parser_reads_escapes_and_chains():
    name, nodes, edges, defaults = parse_dot(
        'digraph g { node [shape=box]; a [label="x\\"y\\\\z\\nw"]; b; c; a -> b -> c [color=red] }'
    )
    assert name == "g" and defaults == {"node": {"shape": "box"}}
    assert nodes["a"]["label"] == 'x"y\\z\nw'
    assert [(a, b) for a, b, _ in edges] == [("a", "b"), ("b", "c")]
    assert edges[0][2] == {"color": "red"}


# ---- graphs --------------------------------------------------------------------------------------------


def mlp():
    torch.manual_seed(0)
    params = {
        "fc1.weight": torch.randn(8, 4, requires_grad=True),
        "fc1.bias": torch.randn(8, requires_grad=True),
        "fc2.weight": torch.randn(3, 8, requires_grad=True),
        "fc2.bias": torch.randn(3, requires_grad=True),
    }
    x = torch.randn(5, 4)
    h = (x @ params["fc1.weight"].t() + params["fc1.bias"]).relu()
    out = h @ params["fc2.weight"].t() + params["fc2.bias"]
    loss = (out**2).mean()
    return loss, params


def test_node_type_is_exported():
    loss, _ = mlp()
    assert graph.Node is type(loss.grad_fn)
    assert torch.autograd.graph is graph
    assert set(graph.__all__) >= {"Node", "to_dot", "render", "memory_report"}


def test_mlp_structure_and_labels():
    loss, params = mlp()
    d = dot_of(loss, params=params)
    assert d.name == "autograd"
    nodes = all_nodes([loss.grad_fn])
    ops = [n for n in nodes if n.name() != ACC]
    assert len(d.nodes) == len(nodes)
    assert len(d.ops()) == len(ops)
    assert len(d.leaves()) == 4
    assert sorted(d.title(n) for n in d.leaves()) == sorted(params)
    # one edge per non-None input slot, data-flow direction: into ops, out of leaves
    assert len(d.edges) == sum(sum(m is not None for m, _ in n.next_functions) for n in nodes)
    for leaf in d.leaves():
        assert d.inputs(leaf) == []
        assert len(d.consumers(leaf)) == 1
    assert sorted(d.title(n) for n in d.ops()) == sorted(n.name() for n in ops)
    # the root: the loss's node, marked, consuming and consumed by nothing downstream
    (root,) = d.roots()
    assert d.title(root) == "MeanBackward0" and root == "n0"
    assert d.nodes[root]["style"] == "filled"
    assert d.consumers(root) == []
    assert d.label(root) == "MeanBackward0\n()\nfloat32"
    # labels: shape and dtype on every node, the leaves' shapes are their parameters'
    for nid in d.nodes:
        lines = d.label(nid).split("\n")
        assert re.fullmatch(r"\((\d+(, \d+)*,?)?\)", lines[1]), lines
        assert lines[2] == "float32"
    for leaf in d.leaves():
        p = params[d.title(leaf)]
        assert d.label(leaf).split("\n")[1] == str(tuple(p.shape))
    # the bias leaf feeds an AddBackward0 whose output is (5, 8)
    (b1,) = d.by_title("fc1.bias")
    (add,) = d.consumers(b1)
    assert d.label(add).startswith("AddBackward0\n(5, 8)\n")
    # every op with saved tensors says so, human readable
    mms = d.by_title("MmBackward0")
    assert len(mms) == 2
    for nid in mms:
        assert re.fullmatch(r"saved \d+ B", d.label(nid).split("\n")[3])


def test_params_forms_and_unnamed_leaves():
    loss, params = mlp()
    as_dict = graph.to_dot(loss, params=params)
    assert graph.to_dot(loss, params=list(params.items())) == as_dict
    assert graph.to_dot(loss, params=(kv for kv in params.items())) == as_dict
    # the node's .variable is the parameter object itself
    d = dot_of(loss, params={"w": params["fc2.weight"]})
    assert sorted(d.title(n) for n in d.leaves()) == ["leaf", "leaf", "leaf", "w"]
    # another tensor over the leaf's data is matched by data pointer, shape, strides and dtype
    d = dot_of(loss, params={"w": params["fc2.weight"].data})
    assert sorted(d.title(n) for n in d.leaves()) == ["leaf", "leaf", "leaf", "w"]
    plain = dot_of(loss)
    assert [plain.title(n) for n in plain.leaves()] == ["leaf"] * 4
    # not a parameter: a same-shaped tensor elsewhere in memory
    other = torch.randn(8, 4, requires_grad=True)
    assert "fc1.weight" not in graph.to_dot(loss, params={"fc1.weight": other})
    # tied names for one tensor are both shown
    d = dot_of(loss, params=[("enc.w", params["fc1.weight"]), ("dec.w", params["fc1.weight"])])
    assert d.by_title("enc.w / dec.w")
    with pytest.raises(TypeError):
        graph.to_dot(loss, params=[params["fc1.weight"]])
    with pytest.raises(TypeError):
        graph.to_dot(loss, params={"x": 3.0})


def test_diamond_nodes_emitted_once():
    x = torch.randn(3, requires_grad=True)
    h = x.exp()
    y = h.sin() + h.cos() * x
    d = dot_of(y, params={"x": x})
    titles = sorted(d.title(n) for n in d.nodes)
    assert titles == sorted(
        ["AddBackward0", "SinBackward0", "MulBackward0", "CosBackward0", "ExpBackward0", "x"]
    )
    (exp,) = d.by_title("ExpBackward0")
    assert sorted(d.title(n) for n in d.consumers(exp)) == ["CosBackward0", "SinBackward0"]
    (xid,) = d.by_title("x")
    assert sorted(d.title(n) for n in d.consumers(xid)) == ["ExpBackward0", "MulBackward0"]
    assert len(d.edges) == 7


def test_same_input_twice_gives_two_edges():
    x = torch.randn(3, requires_grad=True)
    d = dot_of(x * x, params={"x": x})
    assert len(d.nodes) == 2
    (xid,) = d.by_title("x")
    (mul,) = d.by_title("MulBackward0")
    assert d.edges == [(xid, mul), (xid, mul)]


def test_views():
    x = torch.randn(4, 6, requires_grad=True)
    y = x.view(2, 12).sum() + x.t().sum() + x[1:3].sum() + x.unsqueeze(0).sum()
    d = dot_of(y, params={"x": x})
    (xid,) = d.by_title("x")
    views = {d.title(n): d.label(n).split("\n")[1] for n in d.consumers(xid)}
    assert views == {
        "ViewBackward0": "(2, 12)",
        "TBackward0": "(6, 4)",
        "SliceBackward0": "(2, 6)",
        "UnsqueezeBackward0": "(1, 4, 6)",
    }
    assert len(d.leaves()) == 1 and len(d.by_title("SumBackward0")) == 4


def test_in_place_on_view():
    x = torch.randn(4, 6, requires_grad=True)
    w = x * 1
    w[0].mul_(2)
    d = dot_of(w, params={"x": x})
    (root,) = d.roots()
    assert d.title(root) == "CopySlices"
    (xid,) = d.by_title("x")
    (mul,) = d.consumers(xid)
    # w's MulBackward0 is reached twice, from CopySlices and from the view's SelectBackward0
    assert d.title(mul) == "MulBackward0" and sorted(d.title(n) for n in d.consumers(mul)) == [
        "CopySlices",
        "SelectBackward0",
    ]
    assert len(d.by_title("MulBackward0")) == 2 and len(d.nodes) == 5


def test_long_chain_is_iterative_and_fast():
    n = 100_000
    x = torch.randn(1, requires_grad=True)
    y = x
    for _ in range(n):
        y = y.sin()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # any recursion per node would fail at once
    try:
        start = time.perf_counter()
        text = graph.to_dot(y, params={"x": x})
        rows = graph.memory_report(y, as_dict=True)
        elapsed = time.perf_counter() - start
    finally:
        sys.setrecursionlimit(limit)
    assert elapsed < 20
    d = Dot(text)
    assert len(d.nodes) == n + 1 and len(d.edges) == n
    assert len(d.ops()) == n and [d.title(v) for v in d.leaves()] == ["x"]
    assert d.roots() == ["n0"] and d.by_title("x") == [f"n{n}"]
    assert all(d.edges[i] == (f"n{i + 1}", f"n{i}") for i in range(n))
    assert len(rows) == n and sum(r["saved_bytes"] for r in rows) == 4 * n
    del d, text, rows, y  # dropping a long graph must not overflow either


def test_stable_ids():
    a1, p1 = mlp()
    a2, p2 = mlp()
    assert graph.to_dot(a1, params=p1) == graph.to_dot(a1, params=p1)
    assert graph.to_dot(a1, params=p1) == graph.to_dot(a2, params=p2)  # no addresses in the text
    ids = list(Dot(graph.to_dot(a1)).nodes)
    assert ids == [f"n{i}" for i in range(len(ids))]


def test_saved_bytes_before_and_after_backward():
    x = torch.ones(1000, requires_grad=True)
    y = x.exp().sum()
    d = dot_of(y)
    (exp,) = d.by_title("ExpBackward0")
    assert d.label(exp) == "ExpBackward0\n(1000,)\nfloat32\nsaved 3.9 KiB"
    assert "saved" not in dot_of(y, show_saved=False).text
    y.backward(retain_graph=True)
    assert "saved 3.9 KiB" in graph.to_dot(y)
    assert graph.memory_report(y, as_dict=True)[0]["saved_bytes"] == 4000
    y.backward()
    d = dot_of(y)
    assert d.label(exp) == "ExpBackward0\n(1000,)\nfloat32"
    assert "saved" not in d.text
    assert all(r["saved_bytes"] == 0 for r in graph.memory_report(y, as_dict=True))


def test_float64_and_big_sizes():
    x = torch.ones(1024, 1024, dtype=torch.float64, requires_grad=True)
    d = dot_of(x.exp())
    (root,) = d.roots()
    assert d.label(root) == "ExpBackward0\n(1024, 1024)\nfloat64\nsaved 8.0 MiB"
    assert d.label(d.leaves()[0]) == "leaf\n(1024, 1024)\nfloat64"


def test_label_escaping():
    x = torch.randn(2, requires_grad=True)
    y = torch.randn(2, requires_grad=True)
    z = torch.randn(2, requires_grad=True)
    weird = {'a "quoted" name': x, "back\\slash\\l\\N {x} <y> |z|": y, "two\nlines": z}
    text = graph.to_dot((x + y + z).sum(), params=weird)
    d = Dot(text)
    labels = {d.label(n) for n in d.leaves()}
    assert labels == {name + "\n(2,)\nfloat32" for name in weird}
    # Graphviz escapes such as \l or \N cannot come from a name: every backslash is doubled
    assert "back\\\\slash\\\\l\\\\N {x} <y> |z|" in text
    assert "\x00" not in graph.to_dot(x.sum(), params={"nul\x00": x})


def test_several_roots_and_other_root_kinds():
    x = torch.randn(3, requires_grad=True)
    h = x.exp()
    a, b = h.sum(), (h * 2).sum()
    d = dot_of([a, b, a], params={"x": x})
    assert sorted(d.roots()) == ["n0", "n1"]
    assert len(d.by_title("ExpBackward0")) == 1 and len(d.by_title("x")) == 1
    # a Node works as a root
    assert graph.to_dot(a.grad_fn, params={"x": x}) == graph.to_dot(a, params={"x": x})
    # a leaf that requires grad: its own ellipse, shared with the graph that uses it
    d = dot_of(x, params={"x": x})
    assert list(d.nodes) == ["n0"] and d.roots() == ["n0"] and d.leaves() == ["n0"]
    d = dot_of((a, x), params={"x": x})
    assert sorted(d.roots()) == ["n0", "n1"] and len(d.by_title("x")) == 1
    # a tensor with no graph at all
    d = dot_of(torch.ones(2))
    assert d.nodes["t0"]["label"] == "tensor (2,) float32\n(no autograd graph)" and d.edges == []
    with pytest.raises(TypeError):
        graph.to_dot(3.0)
    with pytest.raises(TypeError):
        graph.to_dot([a, "b"])


def test_freed_leaf():
    x = torch.randn(3, requires_grad=True)
    y = x * 3
    del x
    d = dot_of(y)
    (leaf,) = d.leaves()
    assert d.label(leaf) == "leaf (freed)\n(3,)\nfloat32"


# ---- render -----------------------------------------------------------------------------------------


def _fake_dot(tmp_path, monkeypatch, rc=0):
    """Puts a `dot` on PATH that copies its input to -o and records its arguments."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "dot"
    exe.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        "args = sys.argv[1:]\n"
        "src = sys.stdin.read()\n"
        f"if {rc}:\n"
        "    sys.stderr.write('Error: syntax error in line 1')\n"
        f"    sys.exit({rc})\n"
        "out = args[args.index('-o') + 1]\n"
        "open(out, 'w').write(src)\n"
        "open(out + '.args', 'w').write(' '.join(args))\n"
    )
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(bindir))
    return exe


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_render_runs_dot_with_format_from_suffix(tmp_path, monkeypatch, fmt):
    _fake_dot(tmp_path, monkeypatch)
    loss, params = mlp()
    out = tmp_path / f"g.{fmt}"
    assert graph.render(loss, out, params=params) == str(out)
    assert out.read_text() == graph.to_dot(loss, params=params)
    assert (tmp_path / f"g.{fmt}.args").read_text() == f"-T{fmt} -o {out}"


def test_render_format_override_and_errors(tmp_path, monkeypatch):
    _fake_dot(tmp_path, monkeypatch)
    loss, _ = mlp()
    out = tmp_path / "graph.out"
    graph.render(loss, out, format="png")
    assert (tmp_path / "graph.out.args").read_text().startswith("-Tpng ")
    with pytest.raises(ValueError, match="format"):
        graph.render(loss, tmp_path / "graph.txt")


def test_render_reports_dot_failure(tmp_path, monkeypatch):
    _fake_dot(tmp_path, monkeypatch, rc=1)
    loss, _ = mlp()
    with pytest.raises(RuntimeError, match="syntax error in line 1"):
        graph.render(loss, tmp_path / "g.svg")


def test_render_dot_file_needs_no_graphviz(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda *a, **k: None)
    loss, params = mlp()
    out = tmp_path / "g.dot"
    assert graph.render(loss, str(out), params=params) == str(out)
    assert out.read_text(encoding="utf-8") == graph.to_dot(loss, params=params)


def _check_missing_message(err):
    msg = str(err.value)
    assert "dot" in msg and "not found" in msg
    for hint in ("apt-get install graphviz", "brew install graphviz", "conda install graphviz", "to_dot()"):
        assert hint in msg


def test_render_without_graphviz_which(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda *a, **k: None)
    loss, _ = mlp()
    with pytest.raises(RuntimeError) as err:
        graph.render(loss, tmp_path / "g.svg")
    _check_missing_message(err)
    assert not (tmp_path / "g.svg").exists()


def test_render_without_graphviz_path(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    loss, _ = mlp()
    with pytest.raises(RuntimeError) as err:
        graph.render(loss, tmp_path / "g.png")
    _check_missing_message(err)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_render_with_real_graphviz(tmp_path):
    loss, params = mlp()
    params['odd "name" \\l'] = params.pop("fc2.bias")  # escapes must survive Graphviz
    out = graph.render(loss, tmp_path / "g.svg", params=params)
    with open(out, encoding="utf-8") as f:
        svg = f.read()
    assert "<svg" in svg and "fc1.weight" in svg and "MeanBackward0" in svg
    assert "odd &quot;name&quot; \\l" in svg
    assert os.path.getsize(graph.render(loss, tmp_path / "g.png")) > 0


# ---- memory_report ----------------------------------------------------------------------------------


def test_memory_report_totals_and_order():
    loss, _ = mlp()
    nodes = all_nodes([loss.grad_fn])
    expected = sum(n.saved_bytes for n in nodes)
    assert expected > 0
    rows = graph.memory_report(loss, as_dict=True)
    assert sum(r["saved_bytes"] for r in rows) == expected
    assert len(rows) == sum(n.name() != ACC for n in nodes)
    sizes = [r["saved_bytes"] for r in rows]
    assert sizes == sorted(sizes, reverse=True)
    assert set(rows[0]) == {"id", "name", "shape", "dtype", "saved_bytes"}
    # ids and names agree with to_dot's
    d = dot_of(loss)
    for r in rows:
        assert d.title(r["id"]) == r["name"]
        assert d.label(r["id"]).split("\n")[1] == str(r["shape"])
    by_node = {n.name(): 0 for n in nodes}
    for n in nodes:
        by_node[n.name()] += n.saved_bytes
    for name, total in by_node.items():
        assert sum(r["saved_bytes"] for r in rows if r["name"] == name) == total

    text = graph.memory_report(loss)
    lines = text.splitlines()
    assert lines[0].split() == ["id", "node", "shape", "saved", "bytes"]
    assert len(lines) == len(rows) + 2
    for line, r in zip(lines[1:-1], rows):
        assert line.split()[0] == r["id"] and line.split()[1] == r["name"]
        assert int(line.split()[-1]) == r["saved_bytes"]
    assert lines[-1].startswith(f"total ({len(rows)} nodes)")
    assert int(lines[-1].split()[-1]) == expected


def test_memory_report_example_and_after_backward():
    x = torch.ones(1000, requires_grad=True)
    y = x.exp().sum()
    assert graph.memory_report(y) == (
        "id  node          shape    saved    bytes\n"
        "n1  ExpBackward0  (1000,)  3.9 KiB   4000\n"
        "n0  SumBackward0  ()       0 B          0\n"
        "total (2 nodes)            3.9 KiB   4000"
    )
    y.backward()
    assert graph.memory_report(y).splitlines()[-1].split()[-1] == "0"
    assert graph.memory_report(x, as_dict=True) == []
    assert graph.memory_report(x).splitlines()[-1].split() == ["total", "(0", "nodes)", "0", "B", "0"]


def test_to_dot_names_parameters_on_the_gpu():
    # regression: to_dot(params=...) called data_ptr(), which a wgpu tensor does not have
    if not torch.wgpu.is_available():
        pytest.skip("no wgpu adapter")
    w = torch.ones(2, 2, device="wgpu", requires_grad=True)
    loss = (w * 3).sum()
    dot = torch.autograd.graph.to_dot(loss, params={"layer.w": w})
    assert "layer.w" in dot
