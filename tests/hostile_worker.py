"""Runs hostile-input cases (hostile_cases.py) in torch and in ferrograd, one JSON line per case.

Usage: ``python hostile_worker.py CASES.jsonl START``: runs the cases of the file from line START
on and writes ``{"k": line, "fg": ..., "th": ...}`` to stdout, flushed after every case, so that
the parent knows which case a crash (abort, signal) happened on and can resume after it.

Each side is built from the case's specs with its own module, called, and summarised: the
exception's builtin bases, or a summary of the result; the two results are compared here (values
with a tolerance, except for random ops), and every input tensor is snapshotted before and after
the call (values, shape, dtype, requires_grad, .grad) to report inputs the call changed.
"""

from __future__ import annotations

import json
import operator
import os
import sys
import tempfile
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ferrograd as fg
import hostile_calls as hc
import torch

MAX_VALUES = 4096  # results larger than this are compared by shape and dtype only

# ---------------------------------------------------------------------------------------------
# Building specs
# ---------------------------------------------------------------------------------------------


def _values(n: int, fill: str, dtype: str) -> np.ndarray:
    i = np.arange(n)
    if fill == "nan":
        v = np.array([np.nan, np.inf, -np.inf, 1.0, -0.0, 0.0])[i % 6]
    elif fill == "pos":
        v = (i % 5 + 1) / 2.0
    elif fill == "idx":
        v = i % 2
    elif fill == "oob":
        v = np.where(i % 2 == 0, 5, -7)
    elif fill == "prob":
        v = (i % 5 + 1) / 6.0
    else:
        v = ((i * 7) % 11 - 5) / 4.0
    if dtype == "int64":
        return (v * 4).astype(np.int64) if fill == "det" else v.astype(np.int64)
    if dtype == "bool":
        return (i % 3 == 0) if fill == "det" else v.astype(bool)
    return v.astype(dtype)


def make_tensor(m, name: str):
    shape, dtype, fill, rg = hc.TENSORS[name]
    n = int(np.prod(shape)) if shape else 1
    arr = _values(n, fill, dtype).reshape(shape)
    if arr.size == 0:
        return m.zeros(shape, dtype=getattr(m, dtype), requires_grad=rg)
    return m.tensor(arr.tolist(), dtype=getattr(m, dtype), requires_grad=rg)


FUNCS = {
    "identity": lambda g: g,
    "double": lambda *xs: xs[0] * 2,
    "sumsq": lambda *xs: sum((x * x).sum() for x in xs),
}

ARRAYS = {"f32": lambda: np.arange(6, dtype=np.float32).reshape(2, 3)}


class Builder:
    """Builds specs with one module, remembering every tensor it made (the call's inputs)."""

    def __init__(self, m):
        self.m = m
        self.inputs: list = []
        self.shared: dict = {}

    def tensor(self, name: str):
        if name in hc.DERIVED:
            xg = self.shared_tensor("xg")
            return eval(hc.DERIVED[name], {"xg": xg})
        t = make_tensor(self.m, name)
        self.inputs.append(t)
        return t

    def shared_tensor(self, name: str):
        if name not in self.shared:
            self.shared[name] = self.tensor(name)
        return self.shared[name]

    def build(self, spec):
        if not isinstance(spec, dict):
            return spec
        ((tag, val),) = spec.items()
        if tag == "T":
            return self.tensor(val)
        if tag == "V":
            return self.shared_tensor(val)
        if tag == "L":
            return [self.build(v) for v in val]
        if tag == "U":
            return tuple(self.build(v) for v in val)
        if tag == "O":
            return object()
        if tag == "D":
            return getattr(self.m, val)
        if tag == "S":
            return slice(*val)
        if tag == "E":
            return Ellipsis
        if tag == "F":
            return FUNCS[val]
        if tag == "A":
            return ARRAYS[val]()
        raise ValueError(f"unknown spec tag {tag!r}")


# ---------------------------------------------------------------------------------------------
# Helpers: calls that need more than one line (modules, optimizers, data, save/load)
# ---------------------------------------------------------------------------------------------


def _deterministic_params(m, module):
    with m.no_grad():
        for p in module.parameters():
            n = p.numel()
            vals = _values(n, "det", "float64").reshape(tuple(p.shape)).tolist()
            p.copy_(m.tensor(vals, dtype=p.dtype))


def _module(m, cls, args, kwargs, call):
    mod = getattr(m.nn, cls)(*args, **kwargs)
    _deterministic_params(m, mod)
    return mod(*call)


def _optim(m, cls, args, kwargs, call):
    opt = getattr(m.optim, cls)(*args, **kwargs)
    params = [p for g in opt.param_groups for p in g["params"]]
    for p in params:
        p.grad = m.ones_like(p) if call is None else call[0]
    opt.step()
    return params


def _sched(m, cls, args, kwargs, call):
    p = m.zeros(2, requires_grad=True)
    opt = m.optim.SGD([p], lr=0.1)
    sched = getattr(m.optim.lr_scheduler, cls)(opt, *args, **kwargs)
    lrs = []
    for _ in range(3):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    return lrs


def _dataset(m, tensors):
    return m.utils.data.TensorDataset(*tensors)


def _save_load(m, obj):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "x.bin")
        m.save(obj, path)
        return m.load(path)


HELPERS = {
    "dataset": lambda m, t: [ds[i] for ds in [_dataset(m, t)] for i in range(len(ds))],
    "loader": lambda m, t, **kw: list(m.utils.data.DataLoader(_dataset(m, t), **kw)),
    "random_split": lambda m, t, lengths, **kw: [
        len(s) for s in m.utils.data.random_split(_dataset(m, t), lengths, **kw)
    ],
    "default_collate": lambda m, batch, **kw: m.utils.data.default_collate(batch, **kw),
    "batch_sampler": lambda m, n, bs, drop, **kw: list(m.utils.data.BatchSampler(range(n), bs, drop, **kw)),
    "random_sampler": lambda m, t, **kw: list(m.utils.data.RandomSampler(_dataset(m, t), **kw)),
    "subset": lambda m, t, idx, **kw: list(m.utils.data.Subset(_dataset(m, t), idx, **kw)),
    "save_load": lambda m, obj, **kw: _save_load(m, obj, **kw),
    "load_path": lambda m, path, **kw: m.load(path, **kw),
}


def call_target(m, case, args, kwargs, call):
    target = case["target"]
    kind, _, name = target.partition(":")
    if kind == "fn":
        fn = m
        for part in name.split("."):
            fn = getattr(fn, part)
        return fn(*args, **kwargs)
    if kind == "meth":
        return getattr(args[0], name)(*args[1:], **kwargs)
    if kind == "get":
        return getattr(args[0], name)
    if kind == "set":
        setattr(args[0], name, args[1])
        return None
    if kind == "op":
        return getattr(operator, name)(*args)
    if kind == "iter":
        return list(iter(args[0]))
    if kind == "helper":
        group, _, cls = name.partition(".")
        if group == "module":
            return _module(m, cls, args, kwargs, call)
        if group == "optim":
            return _optim(m, cls, args, kwargs, call)
        if group == "sched":
            return _sched(m, cls, args, kwargs, call)
        return HELPERS[name](m, *args, **kwargs)
    raise ValueError(f"unknown target {target!r}")


# ---------------------------------------------------------------------------------------------
# Summaries, snapshots and comparison
# ---------------------------------------------------------------------------------------------


def _numpy(m, t):
    if t.numel() > MAX_VALUES:
        return None
    t = t.detach()
    if m is fg:
        t = t.cpu()
    return np.array(t.numpy(), copy=True)


def summarize(m, obj, depth=0):
    """A comparable structure for a result (tensors by shape, dtype, requires_grad and values)."""
    if isinstance(obj, m.Tensor):
        return ("T", tuple(obj.shape), str(obj.dtype).split(".")[-1], bool(obj.requires_grad), _numpy(m, obj))
    if depth > 4:
        return ("deep",)
    if isinstance(obj, (tuple, list)):
        return ("seq", [summarize(m, o, depth + 1) for o in obj])
    if isinstance(obj, dict):
        return ("dict", sorted((str(k), summarize(m, v, depth + 1)) for k, v in obj.items()))
    if isinstance(obj, (bool, int, float, str)) or obj is None:
        return ("py", type(obj).__name__, obj)
    if isinstance(obj, m.dtype):
        return ("dtype", str(obj).split(".")[-1])
    if isinstance(obj, m.device):
        return ("device", obj.type)
    return ("obj",)


def describe(s) -> str:
    if s[0] == "T":
        return f"tensor(shape={list(s[1])}, dtype={s[2]}, requires_grad={s[3]})"
    if s[0] == "seq":
        return f"[{', '.join(describe(x) for x in s[1][:4])}{', ...' if len(s[1]) > 4 else ''}]"
    if s[0] == "py":
        return f"{s[1]} {s[2]!r}"[:80]
    return s[0]


def _same_values(a, b) -> bool:
    if a is None or b is None:
        return True
    if a.shape != b.shape:
        return False
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        return bool(
            np.allclose(a.astype(np.float64), b.astype(np.float64), rtol=1e-4, atol=1e-5, equal_nan=True)
        )
    return bool(np.array_equal(a, b))


def compare(f, t, random: bool, path="result") -> str | None:
    """None when the summaries agree, else what differs."""
    if f[0] != t[0]:
        return f"{path}: ferrograd {describe(f)}, torch {describe(t)}"
    if f[0] == "T":
        if f[1:4] != t[1:4]:
            return f"{path}: ferrograd {describe(f)}, torch {describe(t)}"
        if not random and not _same_values(f[4], t[4]):
            return f"{path}: values differ: ferrograd {f[4].ravel()[:6]}, torch {t[4].ravel()[:6]}"
        return None
    if f[0] in ("seq", "dict"):
        if len(f[1]) != len(t[1]):
            return f"{path}: length {len(f[1])} vs torch {len(t[1])}"
        for k, (a, b) in enumerate(zip(f[1], t[1])):
            if f[0] == "dict":
                if a[0] != b[0]:
                    return f"{path}: keys {a[0]!r} vs {b[0]!r}"
                a, b = a[1], b[1]
            diff = compare(a, b, random, f"{path}[{k}]")
            if diff:
                return diff
        return None
    if f[0] == "py":
        if f[1] != t[1]:
            return f"{path}: ferrograd {describe(f)}, torch {describe(t)}"
        if random or f[1] == "str":
            return None
        if f[1] == "float" and (f[2] != f[2] and t[2] != t[2]):
            return None
        if f[1] == "float" and abs(f[2] - t[2]) <= 1e-4 * max(1.0, abs(t[2])):
            return None
        return None if f[2] == t[2] else f"{path}: ferrograd {f[2]!r}, torch {t[2]!r}"
    if f != t:
        return f"{path}: ferrograd {f}, torch {t}"
    return None


def snapshot(m, tensors):
    out = []
    for t in tensors:
        grad = t.grad if t.is_leaf else None
        out.append(
            (
                tuple(t.shape),
                str(t.dtype),
                bool(t.requires_grad),
                _numpy(m, t),
                None if grad is None else (tuple(grad.shape), _numpy(m, grad)),
            )
        )
    return out


def _same_array(a, b) -> bool:
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))


def changes(before, after) -> str:
    """'' when nothing changed, else which input and what."""
    what = []
    for k, (b, a) in enumerate(zip(before, after)):
        for field, x, y in zip(("shape", "dtype", "requires_grad"), b[:3], a[:3]):
            if x != y:
                what.append(f"input {k} {field} {x}->{y}")
        vb, va = b[3], a[3]
        if vb is not None and va is not None and not _same_array(vb, va):
            what.append(f"input {k} values")
        gb, ga = b[4], a[4]
        if (gb is None) != (ga is None):
            what.append(f"input {k} .grad {'set' if ga is not None else 'cleared'}")
        elif gb is not None and (gb[0] != ga[0] or not _same_values(gb[1], ga[1])):
            what.append(f"input {k} .grad values")
    return "; ".join(what)


def _exception(e: BaseException) -> dict:
    bases = [c.__name__ for c in type(e).__mro__ if c.__module__ == "builtins"]
    msg = str(e)[:300]
    low = msg.lower()
    return {
        "exc": type(e).__name__,
        "bases": bases,
        "msg": msg,
        # an allocation that cannot succeed: torch says so in words, or that the size overflowed
        "oom": isinstance(e, MemoryError) or any(w in low for w in ("alloc", "out of memory", "overflow")),
        "panic": type(e).__name__ == "PanicException",
    }


def _reset(m):
    m.set_grad_enabled(True)
    m.set_num_threads(1)
    m.autograd.set_detect_anomaly(False)


def run_side(m, case):
    """Returns (outcome dict, result summary or None, change description)."""
    b = Builder(m)
    try:
        args = [b.build(a) for a in case["args"]]
        kwargs = {k: b.build(v) for k, v in case["kwargs"].items()}
        call = None if case.get("call") is None else [b.build(a) for a in case["call"]]
        before = snapshot(m, b.inputs)
    except Exception as e:  # noqa: BLE001
        return {"exc": "BuildError", "bases": ["BuildError"], "msg": f"{type(e).__name__}: {e}"}, None, ""
    summary = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = call_target(m, case, args, kwargs, call)
            summary = summarize(m, res)
        outcome = {"summary": describe(summary)}
    except BaseException as e:
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        outcome = _exception(e)
    finally:
        _reset(m)
    try:
        changed = changes(before, snapshot(m, b.inputs))
    except Exception as e:  # noqa: BLE001
        changed = f"snapshot failed: {type(e).__name__}: {e}"
    return outcome, summary, changed


def run_case(case) -> dict:
    th, th_sum, th_changed = run_side(torch, case)
    f, f_sum, f_changed = run_side(fg, case)
    rec = {"fg": f, "th": th, "fg_changed": f_changed, "th_changed": th_changed}
    if f_sum is not None and th_sum is not None:
        rec["result_diff"] = compare(f_sum, th_sum, bool(case.get("random")))
    return rec


def main():
    path, start = sys.argv[1], int(sys.argv[2])
    # Results go to the original stdout; anything the libraries print goes to stderr.
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    torch.set_num_threads(1)
    fg.set_num_threads(1)
    with open(path) as fh:
        cases = [json.loads(line) for line in fh]
    for k in range(start, len(cases)):
        rec = run_case(cases[k])
        rec["k"] = k
        out.write(json.dumps(rec, default=str) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
