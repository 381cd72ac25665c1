"""Hostile-input cases for ferrograd's public API, as plain data (see test_hostile_inputs.py).

A case is a dict ``{"id", "target", "args", "kwargs"}`` (plus optional ``"call"``, ``"random"``
and ``"expect"``) that is JSON-serialisable, so the parent can stream it to a worker process and
the worker (hostile_worker.py) can build it identically with ferrograd and with torch.

Argument specs: a Python scalar, string or None stands for itself; tagged dicts stand for the rest:

* ``{"T": name}`` a fresh tensor from ``TENSORS`` (or ``DERIVED``); ``{"V": name}`` the same
  tensor each time it appears in one case (for ``autograd.grad(loss, x)``);
* ``{"L": [...]}`` a list, ``{"U": [...]}`` a tuple, ``{"O": 1}`` an ``object()``;
* ``{"D": "float64"}`` a dtype, ``{"S": [start, stop, step]}`` a slice, ``{"E": 1}`` Ellipsis;
* ``{"F": name}`` a callable from ``hostile_worker.FUNCS``; ``{"A": name}`` a NumPy array.

Targets: ``fn:<path>`` (an attribute path of the module, e.g. ``nn.functional.linear``),
``meth:<name>`` (``args[0]`` is self), ``get:<attr>``, ``set:<attr>``, ``op:<name>`` (the
``operator`` module), ``iter`` and ``helper:<name>`` (a function of hostile_worker.HELPERS, for
modules, optimizers, data loading and save/load).

Generation is systematic: every callable has one valid base call; each variant replaces one
argument (or self) by one value of the shared hostile pool, appends a stray argument or passes an
unknown keyword. The tensors, the pool and the base calls are in hostile_calls.py; this file
holds the documented differences, the generation of the variants and the verdicts.
"""

from __future__ import annotations

import fnmatch

from hostile_calls import (
    AUTOGRAD,
    DATA,
    FUNCS,
    FUNCTION_FORMS,
    GRAPH_METHODS,
    METHODS,
    MODULES,
    NN_F,
    NN_INIT,
    OPERATORS,
    OPTIMS,
    POOL,
    PROPERTIES,
    RANDOM_DATA,
    RANDOM_INIT,
    RANDOM_MODULES,
    SAVE_LOAD,
    SCHEDULERS,
    SELVES,
    SETTERS,
    L,
    T,
    X,
    Y,
)

# ---------------------------------------------------------------------------------------------
# Documented differences and narrow exclusions: case-id glob -> (expect, why). ``expect`` is the
# exception type name ferrograd must raise instead of torch's ("ok" for a result), or None to skip.
# ---------------------------------------------------------------------------------------------

DOCUMENTED: dict[str, tuple[str | None, str]] = {
    # ferrograd saves safetensors, which hold tensors and dicts of tensors only; torch pickles
    # anything, so torch's result says nothing about what ferrograd should do with other objects.
    "helper:save_load|*": (None, "safetensors holds tensors only; torch.save pickles anything"),
    "helper:load_path|*": (None, "torch.load and ferrograd.load read different formats"),
    # set_num_threads/manual_seed/set_grad_enabled are process state, not tensor ops; a value torch
    # accepts there (e.g. 2**40 threads) is clamped differently and is not worth mirroring.
    "fn:set_num_threads|*": (None, "process state; torch's limits depend on its thread pool build"),
    # torch.Tensor.__hash__ is id-based for every receiver: no hostile variant applies.
    "meth:__hash__|*": (None, "identity hash"),
    # torch's DataLoader does not validate hostile values of batch_size etc. eagerly in the
    # same places; compared as-is, except for the random shuffles compared by shape only.
    #
    # Deliberate differences: torch's outcome there is an accident of its implementation, or a
    # silently wrong value, and ferrograd's is the answer a user wants. Each is checked to give
    # ferrograd's outcome (a result: "ok"; or the exception type named).
    # jacobian/hessian of an input with no elements: torch fails in ``stack([])``; the empty
    # Jacobian (shape out + in) is the right answer.
    "fn:autograd.functional.jacobian|arg1=T_empty*": ("ok", "torch fails in stack([]) on no elements"),
    "fn:autograd.functional.jacobian|arg1=T_zero*": ("ok", "torch fails in stack([]) on no elements"),
    "fn:autograd.functional.hessian|arg1=T_empty*": ("ok", "torch fails in stack([]) on no elements"),
    "fn:autograd.functional.hessian|arg1=T_zero*": ("ok", "torch fails in stack([]) on no elements"),
    # a batch_size of 2**40 with drop_last over 3 samples: no batch, which ferrograd returns;
    # torch fails only because it preallocates a list of batch_size entries.
    "helper:loader|batch_size=2^*#2": ("ok", "torch preallocates a batch_size-long list"),
    # SGD(lr=nan): torch accepts it and turns every parameter into NaN at the first step; its own
    # Adam refuses NaN, and so does every ferrograd optimizer.
    "helper:optim.SGD|lr=nan*": ("ValueError", "a NaN learning rate poisons every parameter"),
    # logsumexp(x, ()) reduces over every dim, as sum(x, ()) does in both; torch's logsumexp
    # alone fails there with a broadcasting error of its own making.
    "fn:logsumexp|arg1=emptytuple": ("ok", "torch's logsumexp fails where its sum reduces all dims"),
    "meth:logsumexp|arg0=emptytuple": ("ok", "torch's logsumexp fails where its sum reduces all dims"),
    # sign(NaN) is NaN in ferrograd (as in NumPy); torch returns 0, which hides the NaN.
    "fn:sign|arg0=T_nan": ("ok", "sign(NaN) is NaN, not 0"),
    # gelu(+inf) is +inf; torch 2.15's vectorised gelu gives NaN there (its one-element path, and
    # ferrograd, give inf). The NaN tensor holds +inf.
    "fn:nn.functional.gelu|arg0=T_nan*": ("ok", "gelu(inf) is inf; torch's vectorised kernel gives NaN"),
    "helper:module.GELU|fwd0=T_nan*": ("ok", "gelu(inf) is inf; torch's vectorised kernel gives NaN"),
    "meth:sign|self=n": ("ok", "sign(NaN) is NaN, not 0"),
    # NaN/inf to int64 is undefined in C; torch gives whatever the CPU's conversion gives
    # (INT64_MIN on x86); ferrograd saturates (inf -> max, -inf -> min, NaN -> 0) on every backend.
    "meth:long|self=n": ("ok", "NaN/inf to int64 saturates instead of the CPU's undefined value"),
    "meth:to|self=n#2": ("ok", "NaN/inf to int64 saturates instead of the CPU's undefined value"),
    # x.to(1.5) / x.to(True): torch's parser wraps the number into a tensor and converts to its
    # dtype (float64, bool); a number is not a dtype, device or tensor, so a TypeError.
    "meth:to|arg0=float": ("TypeError", "a number is not a dtype or device"),
    "meth:to|arg0=inf": ("TypeError", "a number is not a dtype or device"),
    "meth:to|arg0=nan": ("TypeError", "a number is not a dtype or device"),
    "meth:to|arg0=true": ("TypeError", "a number is not a dtype or device"),
    # x["abc"]: torch treats the string as a sequence of three indices (IndexError: too many
    # indices) while x["a"] is a TypeError there too; a string is not an index.
    "meth:__getitem__|arg0=str": ("TypeError", "a string is not an index"),
    "meth:__getitem__|arg0=str#*": ("TypeError", "a string is not an index"),
    "meth:__setitem__|arg0=str": ("TypeError", "a string is not an index"),
    "meth:__setitem__|arg0=str#*": ("TypeError", "a string is not an index"),
}


def documented(case_id: str):
    for pattern, entry in DOCUMENTED.items():
        if fnmatch.fnmatchcase(case_id, pattern):
            return entry
    return None


# ---------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------


def _variants(args, kwargs):
    """(label, args, kwargs): the base call, each argument replaced by each pool value, a stray
    positional argument, and an unknown keyword."""
    yield "base", args, kwargs
    for pos in range(len(args)):
        for label, value in POOL:
            new = list(args)
            new[pos] = value
            yield f"arg{pos}={label}", new, kwargs
    for key in kwargs:
        for label, value in POOL:
            yield f"{key}={label}", args, {**kwargs, key: value}
    yield "stray", [*args, "stray"], kwargs
    yield "badkw", args, {**kwargs, "bogus_kw": 1}


def _case(cases, target, label, args, kwargs, **extra):
    cid = f"{target}|{label}"
    n = 2
    while cid in cases:
        cid = f"{target}|{label}#{n}"
        n += 1
    cases[cid] = {"id": cid, "target": target, "args": args, "kwargs": kwargs, **extra}


def _method_cases(cases):
    for name, args, kwargs in METHODS:
        for self_name in SELVES:
            _case(cases, f"meth:{name}", f"self={self_name}", [T(self_name), *args], kwargs)
        for label, a, kw in _variants(args, kwargs):
            _case(cases, f"meth:{name}", label, [X, *a], kw)
        if name in FUNCTION_FORMS:
            for label, a, kw in _variants([X, *args], kwargs):
                _case(cases, f"fn:{name}", label, a, kw)
    for name, args, kwargs, self_name in GRAPH_METHODS:
        for label, a, kw in _variants(args, kwargs):
            _case(cases, f"meth:{name}", label, [T(self_name), *a], kw)
    for name in OPERATORS:
        for self_name in SELVES:
            _case(cases, f"op:{name}", f"self={self_name}", [T(self_name), Y], {})
        for label, value in POOL:
            _case(cases, f"op:{name}", f"other={label}", [X, value], {})
            _case(cases, f"op:{name}", f"reflected={label}", [value, X], {})
    for prop in PROPERTIES:
        for self_name in SELVES:
            _case(cases, f"get:{prop}", f"self={self_name}", [T(self_name)], {})
    for prop, good in SETTERS:
        for self_name in SELVES:
            _case(cases, f"set:{prop}", f"self={self_name}", [T(self_name), good], {})
        for label, value in POOL:
            _case(cases, f"set:{prop}", f"value={label}", [X, value], {})
    for self_name in SELVES:
        _case(cases, "iter", f"self={self_name}", [T(self_name)], {})


def _function_cases(cases):
    # random values, or (legacy constructors from sizes) torch's uninitialised memory
    random = {"rand", "randn", "rand_like", "randn_like", "randint", "empty", "empty_like", "Tensor"}
    random |= {"FloatTensor", "DoubleTensor", "LongTensor", "BoolTensor"}
    for name, args, kwargs in FUNCS:
        for label, a, kw in _variants(args, kwargs):
            _case(cases, f"fn:{name}", label, a, kw, random=name in random)
    for name, args, kwargs in NN_F:
        rnd = name == "dropout"
        for label, a, kw in _variants(args, kwargs):
            _case(cases, f"fn:nn.functional.{name}", label, a, kw, random=rnd)
    for name, args, kwargs in NN_INIT:
        for label, a, kw in _variants(args, kwargs):
            _case(cases, f"fn:nn.init.{name}", label, a, kw, random=name in RANDOM_INIT)
    for name, args, kwargs in AUTOGRAD:
        for label, a, kw in _variants(args, kwargs):
            _case(cases, f"fn:{name}", label, a, kw)


def _helper_cases(cases):
    for cls, args, kwargs, fwd in MODULES:
        rnd = cls in RANDOM_MODULES
        for label, a, kw in _variants(args, kwargs):
            _case(cases, f"helper:module.{cls}", f"ctor.{label}", a, kw, call=fwd, random=rnd)
        for pos in range(len(fwd)):
            for label, value in POOL:
                call = list(fwd)
                call[pos] = value
                _case(cases, f"helper:module.{cls}", f"fwd{pos}={label}", args, kwargs, call=call, random=rnd)
    for cls, kwargs in OPTIMS:
        for label, a, kw in _variants([L(T("vg"))], kwargs):
            _case(cases, f"helper:optim.{cls}", label, a, kw, harness_mutates=True)
        for label, value in POOL:
            if value is None or isinstance(value, dict) and "T" in value:
                _case(
                    cases,
                    f"helper:optim.{cls}",
                    f"grad={label}",
                    [L(T("vg"))],
                    kwargs,
                    call=[value],
                    harness_mutates=True,
                )
    for cls, kwargs in SCHEDULERS:
        for label, a, kw in _variants([], kwargs):
            _case(cases, f"helper:sched.{cls}", label, a, kw)
    for name, args, kwargs in DATA + SAVE_LOAD:
        for label, a, kw in _variants(args, kwargs):
            _case(cases, f"helper:{name}", label, a, kw, random=name in RANDOM_DATA)


# Operands of a registry entry's base call, by the first dtype the entry computes on.
_REGISTRY_SELF = {"float32": "x", "float64": "d", "int64": "i", "bool": "b"}
_REGISTRY_OTHER = {"float32": "y", "float64": "d", "int64": "i", "bool": "b"}


def _registry_cases(cases):
    """The hostile variants of every entry of the test registry (tests/opinfo.py), in each of its
    forms: ``x.name(...)`` (every receiver, every argument and keyword replaced by each pool
    value, a stray argument, an unknown keyword), ``ferrograd.name(x, ...)``, the in-place method,
    each alias, the entry's own refused arguments, and for an activation ``F.name``,
    ``torch.name``, the in-place forms as torch has them and its ``nn`` module. A callable the
    hand-written lists above already cover keeps their cases."""
    import opinfo
    import torch  # which forms exist: torch's (tests/test_opinfo_activation.py checks ferrograd's)

    covered = {c["target"] for c in cases.values()}

    def add(target, args, kwargs, selves=(), first=None):
        if target in covered:
            return
        for self_name in selves:
            _case(cases, target, f"self={self_name}", [T(self_name), *args], kwargs)
        for label, a, kw in _variants(args, kwargs):
            _case(cases, target, label, a if first is None else [first, *a], kw)

    for kind, op in opinfo.entries():
        self_t = T(_REGISTRY_SELF[op.dtypes[0]])
        other_t = T(_REGISTRY_OTHER[op.dtypes[0]])
        if kind == "activation":
            params = list(op.params[-1])
            add(f"fn:nn.functional.{op.name}", [self_t, *params], {})
            for where, mod in (("nn.functional.", torch.nn.functional), ("", torch)):
                for name in (op.name, op.name + "_"):
                    if (where, name) != ("nn.functional.", op.name) and hasattr(mod, name):
                        add(f"fn:{where}{name}", [self_t, *params], {})
            for k, bad in enumerate(op.bad_params):
                _case(cases, f"fn:nn.functional.{op.name}", f"refused{k}", [self_t, *bad], {})
            target = f"helper:module.{op.module}"
            if target not in covered:
                for label, a, kw in _variants(params, {}):
                    _case(cases, target, f"ctor.{label}", a, kw, call=[self_t])
                for label, value in POOL:
                    _case(cases, target, f"fwd0={label}", params, {}, call=[value])
            continue
        if kind == "unary":
            args, kwargs = [], dict(op.kwargs[-1])
            in_place = not op.bool_out
        elif kind == "binary":
            args, kwargs, in_place = [other_t], {}, op.inplace
        else:
            args, kwargs, in_place = [other_t, op.numbers[2]], {}, True
        for name in (op.name, *getattr(op, "aliases", ())):
            for form in (name, name + "_") if in_place else (name,):
                add(f"meth:{form}", args, kwargs, selves=SELVES, first=self_t)
            add(f"fn:{name}", [self_t, *args], kwargs)
        for k, bad in enumerate(getattr(op, "bad_args", ())):
            _case(cases, f"meth:{op.name}", f"refused{k}", [self_t, *bad], {})
        for k, bad in enumerate(getattr(op, "bad_kwargs", ())):
            _case(cases, f"meth:{op.name}", f"refusedkw{k}", [self_t], bad)


def generate() -> list[dict]:
    """Every case, in a fixed order (the registry's last, so that adding an entry leaves the
    other cases, and the every-STRIDE-th sample of them, as they were)."""
    cases: dict[str, dict] = {}
    _method_cases(cases)
    _function_cases(cases)
    _helper_cases(cases)
    _registry_cases(cases)
    return list(cases.values())


# ---------------------------------------------------------------------------------------------
# Verdicts
# ---------------------------------------------------------------------------------------------


def _same_exception(fg: dict, th: dict) -> bool:
    """ferrograd's exception matches torch's builtin base (a RuntimeError is fine for any
    RuntimeError subclass of torch's; an allocation failure may be MemoryError or RuntimeError)."""
    want = th["bases"][0]
    if want in fg["bases"]:
        return True
    if "RuntimeError" in th["bases"] and "RuntimeError" in fg["bases"]:
        return True
    oom = {"MemoryError", "RuntimeError"}
    if th.get("oom", False) and want in oom and bool(oom & set(fg["bases"])):
        return True
    # torch's Python wrappers (the losses, normalize) call ``target.size()`` before any type check,
    # so a non-tensor argument gives an accidental AttributeError there; a TypeError is right.
    return want == "AttributeError" and "has no attribute" in th["msg"] and "TypeError" in fg["bases"]


def verdict(case: dict, rec: dict) -> tuple[str, str]:
    """("pass" | "crash" | "changed" | "mismatch" | "skip", reason) for one case and its worker
    record. A crash (the process died or hung, or a Rust panic reached Python) and a failed call
    that changed its inputs break promises of their own; a mismatch is a call whose outcome
    (exception type, or raising at all) differs from torch's."""
    if rec.get("crash"):
        return "crash", rec["crash"]
    fg, th = rec["fg"], rec["th"]
    doc = documented(case["id"])
    if fg.get("panic"):
        return "crash", f"Rust panic: {fg['msg']}"
    # (the optimizer helper itself sets .grad before step, so a failed step "changed" it)
    if rec.get("fg_changed") and "exc" in fg and not case.get("harness_mutates"):
        return "changed", f"ferrograd raised {fg['exc']} but changed its inputs: {rec['fg_changed']}"
    if doc is not None:
        expect, _why = doc
        if expect is None:
            return "skip", _why
        got = fg.get("exc", "ok")
        if expect == got or expect in fg.get("bases", []):
            return "pass", ""
        return "mismatch", f"expected {expect} (documented), ferrograd gave {got}: {fg.get('msg', '')}"
    if "exc" in th and "exc" in fg:
        if _same_exception(fg, th):
            return "pass", ""
        return "mismatch", (
            f"ferrograd raised {fg['exc']}: {fg['msg']}; torch raised {th['exc']}: {th['msg']}"
        )
    if "exc" in th:
        return "mismatch", f"ferrograd returned {fg['summary']}; torch raised {th['exc']}: {th['msg']}"
    if "exc" in fg:
        return "mismatch", f"ferrograd raised {fg['exc']}: {fg['msg']}; torch returned {th['summary']}"
    if rec.get("result_diff"):
        return "mismatch", f"results differ: {rec['result_diff']}"
    if bool(rec.get("fg_changed")) != bool(rec.get("th_changed")):
        return "changed", f"inputs changed: ferrograd {rec.get('fg_changed')}, torch {rec.get('th_changed')}"
    return "pass", ""
