"""How the differential fuzzer compares a program's outcome in ferrograd with torch's (see
fuzz_programs.py): values, dtypes, requires_grad, gradients, second derivatives and errors, with
the allowance for rounding measured from torch's own noise where a plain comparison fails."""

from __future__ import annotations

import ferrograd as fg
import numpy as np
from fuzz_interpreter import Outcome, _is_float, _np, run_program
from helpers import TOLS, _builtin_base, _scale, dtype_name


def _close(actual, expected, dtype, scale, what, loose_nonfinite=False, noise=0.0):
    tol = TOLS[dtype]
    if loose_nonfinite:  # second derivatives
        if dtype == "float32":
            # They sum backward terms that cancel (x / x: terms in 1 / x**3 adding up to 0), so
            # float32 rounding of those terms is absolute noise no fixed tolerance covers: 100x
            # here, and check_program reruns the program in float64 with the tight tolerances.
            tol = {k: v * 100 for k, v in tol.items()}
        # At a singular point (x / y at y == 0, ...) the second derivative is inf or NaN depending
        # on how the formula is written; only "not finite" has to agree.
        bad = ~np.isfinite(expected)
        np.testing.assert_array_equal(~np.isfinite(actual), bad, err_msg=f"{what}: non-finite positions")
        actual, expected = np.where(bad, 0, actual), np.where(bad, 0, expected)
    if np.any(noise):
        # non-finite entries must match exactly (second derivatives had theirs zeroed above)
        finite = np.isfinite(expected)
        np.testing.assert_array_equal(
            actual[~finite], expected[~finite], err_msg=f"{what}: non-finite entries"
        )
        atol = tol["atol"] * scale + 2 * np.broadcast_to(np.asarray(noise), np.shape(expected))
        with np.errstate(invalid="ignore"):
            bad = finite & ~(np.abs(actual - expected) <= atol + tol["rtol"] * np.abs(expected))
        assert not bad.any(), (
            f"{what}: differs by more than twice torch's rounding noise at {np.argwhere(bad).tolist()}: "
            f"{actual[bad]} (ferrograd), {expected[bad]} (torch), noise {np.asarray(noise)[bad]}"
        )
        return
    np.testing.assert_allclose(actual, expected, rtol=tol["rtol"], atol=tol["atol"] * scale, err_msg=what)


def _compare_tensor(f, t, what, scale, tol_dtype, loose_nonfinite=False, check_requires_grad=True, noise=0.0):
    assert isinstance(f, fg.Tensor), f"{what}: expected a ferrograd.Tensor, got {type(f)!r}"
    assert tuple(f.shape) == tuple(t.shape), f"{what}: shape {tuple(f.shape)} != torch {tuple(t.shape)}"
    assert dtype_name(f.dtype) == dtype_name(t.dtype), f"{what}: dtype {f.dtype} != torch {t.dtype}"
    assert not check_requires_grad or bool(f.requires_grad) == bool(t.requires_grad), (
        f"{what}: requires_grad {f.requires_grad} != torch {t.requires_grad}"
    )
    expected, actual = _np(t), _np(f)
    if _is_float(t):
        _close(actual, expected, tol_dtype, max(scale, _scale(expected)), what, loose_nonfinite, noise)
    else:
        np.testing.assert_array_equal(actual, expected, err_msg=what)


def _compare_grads(fs, ts, what, scale, tol_dtype, order2=False, strict=False, with_graph=False, noise=None):
    # Not a bug: whether a gradient that is identically zero has a graph (requires grad, or
    # exists at all for a second derivative) depends on how each library writes its backward
    # formulas (ferrograd keeps one through prod of a 0-d tensor and an overwritten region,
    # torch through relu); the values must still be zeros. Regression replays stay strict.
    relaxed = not strict
    if relaxed and order2 and (fs is None) != (ts is None):
        fs, ts = fs or [None] * len(ts), ts or [None] * len(fs)
    assert (fs is None) == (ts is None), f"{what}: ferrograd {fs is not None}, torch {ts is not None}"
    for i, (f, t) in enumerate(zip(fs or [], ts or [])):
        if relaxed and order2 and (f is None) != (t is None):
            # One library's create_graph gradient had no graph (so no second derivative), the other
            # differentiated it: the second derivative must then be zero (up to rounding).
            _close(_np(f if t is None else t), 0.0, tol_dtype, scale, f"{what} of leaf {i} (vs None)")
            continue
        assert (f is None) == (t is None), f"{what} of leaf {i}: ferrograd {f!r}, torch {t!r}"
        leaf_noise = 0.0 if noise is None or noise[i] is None else noise[i]
        if t is not None:
            _compare_tensor(
                f,
                t,
                f"{what} of leaf {i}",
                scale,
                tol_dtype,
                loose_nonfinite=order2,
                noise=leaf_noise,
                # (and in second-order programs, whether a first gradient has a graph is
                # checked through the second derivatives instead: None must equal zeros)
                # (with_graph: first gradients taken with create_graph in a second-order program)
                check_requires_grad=not (
                    relaxed and (order2 or with_graph or (not np.any(_np(t)) and not np.any(_np(f))))
                ),
            )


def compare_outcomes(f: Outcome, t: Outcome, strict=False, order2=False, noise=None):
    """``noise``: rounding noise allowed on top of the tolerances (see _compare_with_noise), as
    ``_noise_floor`` returns it."""
    noise = noise or {}
    if t.error is not None or f.error is not None:
        t_desc = t.error and f"{type(t.error[1]).__name__} at step {t.error[0]}: {t.error[1]}"
        f_desc = f.error and f"{type(f.error[1]).__name__} at step {f.error[0]}: {f.error[1]}"
        assert t.error is not None, f"ferrograd raised {f_desc}; torch did not"
        assert f.error is not None, f"torch raised {t_desc}; ferrograd did not"
        assert f.error[0] == t.error[0] and isinstance(f.error[1], _builtin_base(type(t.error[1]))), (
            f"ferrograd raised {f_desc}; torch raised {t_desc}"
        )
        return
    # atol is scaled by the largest magnitude the program went through (as ``check`` scales by its
    # inputs and outputs): float32 kernels summing in another order differ by ulps of that.
    scale = _scale(*[_np(v) for v in t.vals if _is_float(v)])
    # Everything computed after a float32 step carries float32 rounding, even when cast back up.
    tol_dtype = "float32" if any(dtype_name(v.dtype) == "float32" for v in t.vals) else "float64"
    assert len(f.vals) == len(t.vals), f"{len(f.vals)} values, torch {len(t.vals)}"
    value_noise = noise.get("vals") or [None] * len(t.vals)
    for i, (fv, tv, n) in enumerate(zip(f.vals, t.vals, value_noise)):
        _compare_tensor(fv, tv, f"value {i}", scale, tol_dtype, noise=0.0 if n is None else n)
    grad_scale = max(scale, _scale(*[_np(g) for g in t.grads or [] if g is not None]))
    _compare_grads(
        f.grads,
        t.grads,
        "gradient",
        grad_scale,
        tol_dtype,
        strict=strict,
        with_graph=order2,
        noise=noise.get("grads"),
    )
    scale2 = max(grad_scale, _scale(*[_np(g) for g in t.grads2 or [] if g is not None]))
    _compare_grads(
        f.grads2,
        t.grads2,
        "second derivative",
        scale2,
        tol_dtype,
        order2=True,
        strict=strict,
        noise=noise.get("grads2"),
    )


def check_program(prog, strict=False):
    """Runs ``prog`` in torch and ferrograd; AssertionError on any difference. ``strict`` turns off
    the relaxations KNOWN_BUGS asks for (the regression replays are strict)."""
    import torch

    t = run_program(torch, prog)
    try:
        f = run_program(fg, prog)
    except BaseException as e:  # a pyo3 PanicException is a BaseException
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        raise AssertionError(f"ferrograd crashed: {type(e).__name__}: {e}") from e
    _compare_with_noise(f, t, prog, strict)
    if prog.get("order2") and any(ins[0] == "leaf" and ins[2] == "float32" for ins in prog["ops"]):
        # float32 second derivatives are compared loosely (see _close); the same program in
        # float64 checks them tightly.
        prog64 = _as_float64(prog)
        _compare_with_noise(run_program(fg, prog64), run_program(torch, prog64), prog64, strict)


def _compare_with_noise(f, t, prog, strict):
    """compare_outcomes, with one allowance for ill-conditioned results.

    A result can sum terms far larger than itself that cancel: std of two values 0.0017 apart
    has a zero Hessian made of terms in 1 / std, from deviations x - mean that already carry a
    relative error of eps * |x| / |x - mean|; 2 / (x @ w) where the product cancels to 0.0075
    carries the product's rounding, relative to 0.0075. How far such a result lies from the exact
    one is set by the problem, not by a fixed tolerance: a backward-stable implementation returns
    the exact answer for inputs moved by about an ulp, so two of them differ by at most twice what
    torch's own answer moves when the inputs move by an ulp. Where the plain comparison fails,
    that amount is measured (``_noise_floor``) and allowed on every value, gradient and second
    derivative; where the problem is well-conditioned it is a few ulps, so a wrong result still
    fails.
    """
    try:
        compare_outcomes(f, t, strict, prog["order2"])
    except AssertionError:
        if f.error is not None or t.error is not None:
            raise
        compare_outcomes(f, t, strict, prog["order2"], noise=_noise_floor(prog, t))


def _noise_floor(prog, t, samples=16):
    """The largest change of torch's values ("vals"), leaf gradients ("grads") and second
    derivatives ("grads2") over ``samples`` runs of ``prog`` with every leaf value moved by up to
    one ulp: lists of arrays (None where there is nothing to measure, 0 where no run could tell).

    The change is not smooth in the move: for std of two close values about 6 runs in 10 move
    the answer by the full noise and the rest not at all, hence many runs (seeded, so a
    verdict is reproducible)."""
    import torch

    def zeros(ts):
        return [None if x is None or not _is_float(x) else np.zeros(tuple(x.shape)) for x in ts or []]

    floor = {"vals": zeros(t.vals), "grads": zeros(t.grads), "grads2": zeros(t.grads2)}
    for k in range(samples):
        # (not the small-integer leaves: there, moving a value breaks the ties max and sort are
        # tested on, and the jump would pass for noise)
        ops = [(*ins, k) if ins[0] == "leaf" and ins[5] != "int" else ins for ins in prog["ops"]]
        moved = run_program(torch, {**prog, "ops": ops})
        if moved.error is not None:
            continue
        for key, before, after in (
            ("vals", t.vals, moved.vals),
            ("grads", t.grads, moved.grads),
            ("grads2", t.grads2, moved.grads2),
        ):
            for i, (g, h) in enumerate(zip(before or [], after or [])):
                if floor[key][i] is not None and h is not None and tuple(h.shape) == tuple(g.shape):
                    delta = np.abs(_np(h).astype(np.float64) - _np(g).astype(np.float64))
                    floor[key][i] = np.fmax(floor[key][i], np.where(np.isfinite(delta), delta, 0))
    return floor


def _as_float64(prog):
    """``prog`` with every float32 leaf and cast made float64."""
    ops = []
    for ins in prog["ops"]:
        if ins[0] in ("leaf", "cast"):
            ins = tuple("float64" if a == "float32" else a for a in ins)
        ops.append(ins)
    return {**prog, "ops": ops}
