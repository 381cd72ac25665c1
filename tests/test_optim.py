"""ferrograd.optim against torch.optim: the same initial weights, the same loss, several steps,
parameters compared after every step (float64), for every option of SGD, Adam, AdamW, RMSprop;
then the Optimizer base class (groups, zero_grad, state_dict in torch's layout, errors)."""

from __future__ import annotations

import warnings

import ferrograd as fg
import numpy as np
import pytest
from helpers import to_numpy, torch_module

torch = torch_module()

SHAPES = [(3, 4), (4,), ()]
STEPS = 6


def _init(seed=0, shapes=SHAPES):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes], [rng.standard_normal(s) for s in shapes]


def _loss(m, params, coefs):
    # Gradients depend on the parameters, so the optimizers' paths interact with the updates.
    total = None
    for p, c in zip(params, coefs):
        term = ((p * c).sin() + p * p * 0.25).sum()
        total = term if total is None else total + term
    return total


def _make(m, arrays, dtype="float64"):
    return [m.tensor(a.tolist(), dtype=getattr(m, dtype), requires_grad=True) for a in arrays]


def _run_both(name, kwargs, steps=STEPS, dtype="float64", groups=None, seed=0):
    """Runs ``steps`` steps with ferrograd and torch; returns both parameter lists after checking
    them against each other after each step."""
    init, coefs = _init(seed)
    fps, tps = _make(fg, init, dtype), _make(torch, init, dtype)
    fcs, tcs = _make(fg, coefs, dtype), _make(torch, coefs, dtype)
    fcs = [c.detach() for c in fcs]
    tcs = [c.detach() for c in tcs]
    if groups is None:
        fopt = getattr(fg.optim, name)(fps, **kwargs)
        topt = getattr(torch.optim, name)(tps, **kwargs)
    else:
        fopt = getattr(fg.optim, name)(
            [dict(g, params=[fps[i] for i in g["params"]]) for g in groups], **kwargs
        )
        topt = getattr(torch.optim, name)(
            [dict(g, params=[tps[i] for i in g["params"]]) for g in groups], **kwargs
        )
    tol = {"rtol": 1e-10, "atol": 1e-12} if dtype == "float64" else {"rtol": 2e-5, "atol": 2e-6}
    for step in range(steps):
        for m, opt, ps, cs in ((fg, fopt, fps, fcs), (torch, topt, tps, tcs)):
            opt.zero_grad()
            _loss(m, ps, cs).backward()
            opt.step()
        for i, (a, b) in enumerate(zip(fps, tps)):
            np.testing.assert_allclose(
                to_numpy(a), to_numpy(b), **tol, err_msg=f"{name}({kwargs}) step {step} param {i}"
            )
    return fopt, topt, fps, tps


SGD_CASES = [
    {},
    {"lr": 0.1},
    {"lr": 0.1, "momentum": 0.9},
    {"lr": 0.1, "momentum": 0.9, "dampening": 0.5},
    {"lr": 0.1, "momentum": 0.9, "nesterov": True},
    {"lr": 0.1, "weight_decay": 0.1},
    {"lr": 0.1, "maximize": True},
    {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.05, "maximize": True},
    {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.05, "maximize": True},
]
ADAM_CASES = [
    {},
    {"lr": 0.05},
    {"lr": 0.05, "betas": (0.8, 0.99)},
    {"lr": 0.05, "eps": 1e-3},
    {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.05, "amsgrad": True},
    {"lr": 0.05, "maximize": True},
    {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-4, "weight_decay": 0.2, "amsgrad": True, "maximize": True},
    {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True},
]
ADAMW_CASES = [
    {},
    {"lr": 0.05},
    {"lr": 0.05, "weight_decay": 0.3},
    {"lr": 0.05, "weight_decay": 0.0},
    {"lr": 0.05, "amsgrad": True},
    {"lr": 0.05, "maximize": True},
    {"lr": 0.05, "betas": (0.7, 0.95), "eps": 1e-5, "weight_decay": 0.1, "amsgrad": True, "maximize": True},
]
RMSPROP_CASES = [
    {},
    {"lr": 0.05},
    {"lr": 0.05, "alpha": 0.9},
    {"lr": 0.05, "eps": 1e-3},
    {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.05, "momentum": 0.9},
    {"lr": 0.05, "centered": True},
    {"lr": 0.05, "centered": True, "momentum": 0.5},
    {"lr": 0.05, "maximize": True},
    {
        "lr": 0.02,
        "alpha": 0.8,
        "eps": 1e-4,
        "weight_decay": 0.1,
        "momentum": 0.7,
        "centered": True,
        "maximize": True,
    },
]

CASES = (
    [("SGD", k) for k in SGD_CASES]
    + [("Adam", k) for k in ADAM_CASES]
    + [("AdamW", k) for k in ADAMW_CASES]
    + [("RMSprop", k) for k in RMSPROP_CASES]
)


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_parity_with_torch_float64(name, kwargs):
    _run_both(name, kwargs)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop"])
def test_parity_with_torch_float32(name):
    kwargs = {"lr": 0.05} if name != "SGD" else {"lr": 0.05, "momentum": 0.9}
    fopt, _, fps, _ = _run_both(name, kwargs, dtype="float32")
    assert all(p.dtype == fg.float32 for p in fps)
    for state in fopt.state.values():
        for key, value in state.items():
            if key != "step":
                assert value.dtype == fg.float32


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop"])
def test_param_groups_with_their_own_hyperparameters(name):
    groups = [{"params": [0, 2], "lr": 0.01}, {"params": [1], "weight_decay": 0.1}]
    kwargs = {"lr": 0.05}
    if name in ("SGD", "RMSprop"):
        kwargs["momentum"] = 0.9
    fopt, _, _, _ = _run_both(name, kwargs, groups=groups)
    assert fopt.param_groups[0]["lr"] == 0.01 and fopt.param_groups[1]["lr"] == 0.05
    assert fopt.param_groups[1]["weight_decay"] == 0.1


def test_state_matches_torch():
    fopt, topt, fps, tps = _run_both("Adam", {"lr": 0.05, "amsgrad": True})
    for fp, tp in zip(fps, tps):
        fs, ts = fopt.state[fp], topt.state[tp]
        assert list(fs) == list(ts)
        assert fs["step"].dtype == fg.float32 and fs["step"].item() == ts["step"].item() == STEPS
        for key in ts:
            np.testing.assert_allclose(to_numpy(fs[key]), to_numpy(ts[key]), rtol=1e-10, atol=1e-14)


def test_parameter_without_grad_is_skipped():
    a = fg.tensor([1.0, 2.0], requires_grad=True)
    b = fg.tensor([3.0], requires_grad=True)
    opt = fg.optim.Adam([a, b], lr=0.1)
    (a * a).sum().backward()
    opt.step()
    assert b.tolist() == [3.0]
    assert b not in opt.state and a in opt.state


def test_grads_assigned_by_hand_and_subclass_of_tensor_params():
    class Param(fg.Tensor):
        pass

    p = Param([1.0, -2.0])
    p.requires_grad_(True)
    tp = torch.tensor([1.0, -2.0], requires_grad=True)
    fopt = fg.optim.SGD([p], lr=0.5, momentum=0.9)
    topt = torch.optim.SGD([tp], lr=0.5, momentum=0.9)
    for g in ([0.5, 1.0], [-1.0, 2.0], [0.25, 0.0]):
        p.grad = fg.tensor(g)
        tp.grad = torch.tensor(g)
        fopt.step()
        topt.step()
        np.testing.assert_allclose(to_numpy(p), to_numpy(tp), rtol=1e-6)
    assert isinstance(p, Param) and p.is_leaf and p.requires_grad


def test_closure():
    w = fg.tensor([1.0, 2.0], requires_grad=True)
    opt = fg.optim.SGD([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with fg.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 5.0
    np.testing.assert_allclose(w.tolist(), [0.8, 1.6], rtol=1e-6)
    assert not w.grad_fn and w.is_leaf


def test_step_does_not_record_a_graph():
    w = fg.tensor([1.0, 2.0], requires_grad=True)
    opt = fg.optim.Adam([w], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    assert w.is_leaf and w.grad_fn is None and w.requires_grad
    for v in opt.state[w].values():
        assert not v.requires_grad


def test_zero_grad():
    w = fg.tensor([1.0, 2.0], requires_grad=True)
    opt = fg.optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    g = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is g and g.tolist() == [0.0, 0.0]
    (w * w).sum().backward()
    assert w.grad.tolist() == [2.0, 4.0]
    opt.zero_grad()
    assert w.grad is None
    opt.zero_grad()  # no grads: nothing to do


def test_zero_grad_detaches_a_grad_with_history():
    w = fg.tensor([1.0, 2.0], requires_grad=True)
    (w * w * w).sum().backward(create_graph=True)
    assert w.grad.grad_fn is not None
    opt = fg.optim.SGD([w], lr=0.1)
    opt.zero_grad(set_to_none=False)
    assert w.grad.grad_fn is None and not w.grad.requires_grad and w.grad.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop"])
def test_defaults_and_param_group_keys_match_torch(name):
    fopt = getattr(fg.optim, name)([fg.zeros(2, requires_grad=True)])
    topt = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)])
    fg_group = {k: v for k, v in fopt.param_groups[0].items() if k != "params"}
    t_group = {k: v for k, v in topt.param_groups[0].items() if k != "params"}
    assert fg_group == t_group
    assert fopt.defaults == topt.defaults


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
        ("Adam", {"lr": 0.05, "amsgrad": True}),
        ("AdamW", {"lr": 0.05}),
        ("RMSprop", {"lr": 0.05, "momentum": 0.5, "centered": True}),
    ],
)
def test_state_dict_layout_and_round_trip(name, kwargs):
    groups = [{"params": [0, 1]}, {"params": [2], "lr": 0.01}]
    fopt, topt, fps, tps = _run_both(name, kwargs, steps=3, groups=groups)
    fsd, tsd = fopt.state_dict(), topt.state_dict()

    # torch's layout: the same param_groups (params replaced by indices) and state keys.
    assert fsd["param_groups"] == tsd["param_groups"]
    assert sorted(fsd["state"]) == sorted(tsd["state"]) == [0, 1, 2]
    for i in tsd["state"]:
        assert list(fsd["state"][i]) == list(tsd["state"][i])
        for key, tv in tsd["state"][i].items():
            np.testing.assert_allclose(to_numpy(fsd["state"][i][key]), to_numpy(tv), rtol=1e-10, atol=1e-14)

    _, coefs = _init(0)
    fcs = [fg.tensor(c.tolist(), dtype=fg.float64) for c in coefs]
    tcs = [torch.tensor(c.tolist(), dtype=torch.float64) for c in coefs]

    def fresh(m, opt_module, ps):
        clones = [m.tensor(to_numpy(p).tolist(), dtype=m.float64, requires_grad=True) for p in ps]
        opt = getattr(opt_module, name)(
            [{"params": clones[:2]}, {"params": clones[2:], "lr": 0.5}], **dict(kwargs, lr=0.123)
        )
        return opt, clones

    # ferrograd -> ferrograd, and torch's own state dict -> ferrograd: both continue as torch does.
    f2, f2ps = fresh(fg, fg.optim, fps)
    f2.load_state_dict(fsd)
    f3, f3ps = fresh(fg, fg.optim, fps)
    f3.load_state_dict(tsd)
    assert f2.param_groups[1]["lr"] == 0.01 and f3.param_groups[0]["lr"] == kwargs["lr"]
    for i, p in enumerate(f2ps):
        for key, value in f2.state[p].items():
            assert value is not fsd["state"][i][key]  # copied, not aliased
    for _ in range(3):
        for m, opt, ps, cs in (
            (fg, fopt, fps, fcs),
            (fg, f2, f2ps, fcs),
            (fg, f3, f3ps, fcs),
            (torch, topt, tps, tcs),
        ):
            opt.zero_grad()
            _loss(m, ps, cs).backward()
            opt.step()
        for a, b, c, d in zip(fps, f2ps, f3ps, tps):
            np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
            np.testing.assert_allclose(to_numpy(c), to_numpy(d), rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(to_numpy(a), to_numpy(d), rtol=1e-10, atol=1e-12)


def test_load_state_dict_casts_to_param_dtype_and_old_step_numbers():
    p = fg.zeros(2, requires_grad=True)  # float32
    opt = fg.optim.Adam([p])
    sd = {
        "state": {
            0: {
                "step": 3,
                "exp_avg": fg.ones(2, dtype=fg.float64),
                "exp_avg_sq": fg.ones(2, dtype=fg.float64),
            }
        },
        "param_groups": [dict(opt.state_dict()["param_groups"][0])],
    }
    opt.load_state_dict(sd)
    st = opt.state[p]
    assert st["exp_avg"].dtype == fg.float32 and st["exp_avg_sq"].dtype == fg.float32
    assert isinstance(st["step"], fg.Tensor) and st["step"].item() == 3.0


def test_load_state_dict_errors():
    a, b = fg.zeros(2, requires_grad=True), fg.zeros(2, requires_grad=True)
    opt = fg.optim.SGD([a, b], lr=0.1)
    other = fg.optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict(other.state_dict())
    small = fg.optim.SGD([a], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match the size"):
        opt.load_state_dict(small.state_dict())


def test_add_param_group():
    a, b = fg.zeros(2, requires_grad=True), fg.zeros(3, requires_grad=True)
    opt = fg.optim.SGD([a], lr=0.1, momentum=0.5)
    opt.add_param_group({"params": b, "lr": 0.2})
    assert len(opt.param_groups) == 2
    assert opt.param_groups[1]["params"] == [b] or opt.param_groups[1]["params"][0] is b
    assert opt.param_groups[1]["lr"] == 0.2 and opt.param_groups[1]["momentum"] == 0.5
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="must be a dict"):
        opt.add_param_group([a])
    with pytest.raises(TypeError, match="ordered collections"):
        opt.add_param_group({"params": {fg.zeros(1, requires_grad=True)}})


def test_named_parameters():
    a, b = fg.zeros(2, requires_grad=True), fg.zeros(3, requires_grad=True)
    opt = fg.optim.SGD([("a", a), ("b", b)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["a", "b"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["a", "b"]


def test_constructor_errors_like_torch():
    w = fg.zeros(2, requires_grad=True)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        fg.optim.SGD(w, lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        fg.optim.Adam([])
    with pytest.raises(ValueError, match="non-leaf"):
        fg.optim.SGD([w * 2], lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        fg.optim.SGD([1.0], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        fg.optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1)
    with pytest.raises(ValueError, match="Nesterov momentum requires"):
        fg.optim.SGD([w], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        fg.optim.SGD([w], lr=-1.0)
    with pytest.raises(ValueError, match="Invalid momentum"):
        fg.optim.RMSprop([w], momentum=-1.0)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1"):
        fg.optim.Adam([w], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="Invalid epsilon"):
        fg.optim.AdamW([w], eps=-1.0)
    with pytest.raises(ValueError, match="Invalid weight_decay"):
        fg.optim.Adam([w], weight_decay=-1.0)
    with pytest.raises(ValueError, match="Invalid alpha"):
        fg.optim.RMSprop([w], alpha=-1.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fg.optim.SGD([w, w], lr=0.1)
    assert any("duplicate parameters" in str(c.message) for c in caught)


def test_base_class_custom_optimizer_and_repr():
    class Plain(fg.optim.Optimizer):
        def __init__(self, params, lr=fg.optim.optimizer.required):
            super().__init__(params, {"lr": lr})

        def step(self, closure=None):
            with fg.no_grad():
                for group in self.param_groups:
                    for p in group["params"]:
                        if p.grad is not None:
                            p.sub_(p.grad * group["lr"])

    w = fg.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="required optimization parameter lr"):
        Plain([w])
    opt = Plain([w], lr=0.5)
    (w * w).sum().backward()
    opt.step()
    assert w.tolist() == [0.0]
    assert "Parameter Group 0" in repr(opt) and "lr: 0.5" in repr(opt)
    with pytest.raises(NotImplementedError):
        fg.optim.Optimizer([w], {}).step()


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
        ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}),
        ("AdamW", {"lr": 0.05}),
        ("RMSprop", {"lr": 0.05, "momentum": 0.5, "centered": True}),
    ],
)
def test_wgpu_parameters_follow_the_cpu(name, kwargs):
    import helpers

    reason = helpers.wgpu_unavailable_reason()
    if reason:
        pytest.skip(reason)
    init, coefs = _init(1)
    results = []
    for device in ("cpu", "wgpu"):
        ps = [fg.tensor(a.tolist(), device=device, requires_grad=True) for a in init]
        cs = [fg.tensor(c.tolist(), device=device) for c in coefs]
        opt = getattr(fg.optim, name)(ps, **kwargs)
        for _ in range(4):
            opt.zero_grad()
            _loss(fg, ps, cs).backward()
            opt.step()
        for p in ps:
            assert p.device.type == device and p.is_leaf
            for key, value in opt.state[p].items():
                if key != "step":
                    assert value.device.type == device
        results.append([to_numpy(p) for p in ps])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
