"""ferrograd.optim.lr_scheduler against torch.optim.lr_scheduler: the learning-rate sequences
(compared exactly), the effect on the optimizer, and state_dict round trips."""

from __future__ import annotations

import warnings

import ferrograd as fg
import pytest
from helpers import torch_module

torch = torch_module()


def _pair(groups=1, lr=0.1):
    fps = [fg.zeros(2, requires_grad=True) for _ in range(groups)]
    tps = [torch.zeros(2, requires_grad=True) for _ in range(groups)]
    fopt = fg.optim.SGD([{"params": [p], "lr": lr * (i + 1)} for i, p in enumerate(fps)], lr=lr, momentum=0.9)
    topt = torch.optim.SGD(
        [{"params": [p], "lr": lr * (i + 1)} for i, p in enumerate(tps)], lr=lr, momentum=0.9
    )
    return fopt, topt


class Scale:
    """A callable object as lr_lambda: its __dict__ goes into LambdaLR's state_dict."""

    def __init__(self, factor):
        self.factor = factor

    def __call__(self, epoch):
        return self.factor**epoch


SCHEDULERS = [
    ("StepLR", {"step_size": 3}),
    ("StepLR", {"step_size": 2, "gamma": 0.5}),
    ("CosineAnnealingLR", {"T_max": 5}),
    ("CosineAnnealingLR", {"T_max": 4, "eta_min": 0.01}),
    ("LambdaLR", {"lr_lambda": lambda e: 0.95**e}),
    ("LambdaLR", {"lr_lambda": lambda e: 1.0 / (e + 1)}),
]


@pytest.mark.parametrize(
    ("name", "kwargs"), SCHEDULERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULERS)]
)
@pytest.mark.parametrize("groups", [1, 2])
def test_lr_sequence_matches_torch(name, kwargs, groups):
    fopt, topt = _pair(groups)
    fs = getattr(fg.optim.lr_scheduler, name)(fopt, **kwargs)
    ts = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    assert fs.get_last_lr() == ts.get_last_lr()
    assert fs.base_lrs == ts.base_lrs
    for epoch in range(25):
        fopt.step()
        topt.step()
        fs.step()
        ts.step()
        assert fs.get_last_lr() == ts.get_last_lr(), f"epoch {epoch}"
        assert [g["lr"] for g in fopt.param_groups] == [g["lr"] for g in topt.param_groups]
        assert fs.last_epoch == ts.last_epoch
    assert [g["initial_lr"] for g in fopt.param_groups] == [g["initial_lr"] for g in topt.param_groups]


def test_lambda_lr_one_lambda_per_group():
    lambdas = [lambda e: 0.5**e, lambda e: 1 + e]
    fopt, topt = _pair(2)
    fs = fg.optim.lr_scheduler.LambdaLR(fopt, lambdas)
    ts = torch.optim.lr_scheduler.LambdaLR(topt, lambdas)
    for _ in range(5):
        fs.step()
        ts.step()
        assert fs.get_last_lr() == ts.get_last_lr()
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        fg.optim.lr_scheduler.LambdaLR(fopt, [lambdas[0]])


@pytest.mark.parametrize(
    ("name", "kwargs"), [("StepLR", {"step_size": 3, "gamma": 0.5}), ("CosineAnnealingLR", {"T_max": 6})]
)
def test_step_with_epoch_uses_the_closed_form(name, kwargs):
    fopt, topt = _pair()
    fs = getattr(fg.optim.lr_scheduler, name)(fopt, **kwargs)
    ts = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in (4, 7, 2):
            fs.step(epoch)
            ts.step(epoch)
            assert fs.get_last_lr() == ts.get_last_lr()
    with pytest.warns(UserWarning, match="epoch parameter"):
        fs.step(1)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("StepLR", {"step_size": 3, "gamma": 0.5}),
        ("CosineAnnealingLR", {"T_max": 5, "eta_min": 0.001}),
        ("LambdaLR", {"lr_lambda": Scale(0.9)}),
    ],
)
def test_state_dict_round_trip(name, kwargs):
    fopt, topt = _pair()
    fs = getattr(fg.optim.lr_scheduler, name)(fopt, **kwargs)
    ts = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    for _ in range(7):
        fs.step()
        ts.step()
    fsd, tsd = fs.state_dict(), ts.state_dict()
    assert set(fsd) == set(tsd)
    assert {k: v for k, v in fsd.items()} == {k: v for k, v in tsd.items() if k in fsd}

    # A fresh optimizer and scheduler resumed from the saved states continue the same sequence.
    fopt2, _ = _pair()
    fopt2.load_state_dict(fopt.state_dict())
    fs2 = getattr(fg.optim.lr_scheduler, name)(fopt2, **kwargs)
    fs2.load_state_dict(fsd)
    assert "optimizer" not in fsd
    for _ in range(10):
        fs.step()
        fs2.step()
        ts.step()
        assert fs2.get_last_lr() == fs.get_last_lr() == ts.get_last_lr()


def test_lambda_lr_state_dict_keeps_callable_objects_state():
    fopt, _ = _pair()
    fs = fg.optim.lr_scheduler.LambdaLR(fopt, Scale(0.5))
    sd = fs.state_dict()
    assert sd["lr_lambdas"] == [{"factor": 0.5}]
    fs2 = fg.optim.lr_scheduler.LambdaLR(fopt, Scale(0.7))
    fs2.load_state_dict(sd)
    assert fs2.lr_lambdas[0].factor == 0.5
    assert fg.optim.lr_scheduler.LambdaLR(fopt, lambda e: 1.0).state_dict()["lr_lambdas"] == [None]


def test_resuming_needs_initial_lr_and_checks_optimizer():
    fopt, _ = _pair()
    with pytest.raises(KeyError, match="initial_lr"):
        fg.optim.lr_scheduler.StepLR(fopt, 3, last_epoch=4)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        fg.optim.lr_scheduler.StepLR(object(), 3)
    fg.optim.lr_scheduler.StepLR(fopt, 3)  # sets initial_lr
    s = fg.optim.lr_scheduler.StepLR(fopt, 3, last_epoch=4)
    assert s.last_epoch == 5


def test_training_loop_with_scheduler_matches_torch():
    fw = fg.tensor([1.0, -2.0, 3.0], dtype=fg.float64, requires_grad=True)
    tw = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64, requires_grad=True)
    fopt = fg.optim.Adam([fw], lr=0.1)
    topt = torch.optim.Adam([tw], lr=0.1)
    fs = fg.optim.lr_scheduler.CosineAnnealingLR(fopt, T_max=10)
    ts = torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=10)
    for _ in range(12):
        for w, opt, s in ((fw, fopt, fs), (tw, topt, ts)):
            opt.zero_grad()
            (w * w * w).sum().backward()
            opt.step()
            s.step()
    assert fw.tolist() == pytest.approx(tw.tolist(), rel=1e-10, abs=1e-12)


# --- tensor learning rates and hyperparameters (tests/hostile_cases.py) ------------------------


def _run_step_lr(m, steps=3, lr=0.1, **kwargs):
    p = m.zeros(2, requires_grad=True)  # no gradient: the optimizer's steps change nothing
    opt = m.optim.SGD([p], lr=lr)
    sched = m.optim.lr_scheduler.StepLR(opt, **kwargs)
    lrs = []
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    return opt, sched, lrs


@pytest.mark.parametrize(
    "gamma", [lambda m: m.ones(4, 3), lambda m: m.ones(3), lambda m: m.zeros(0, 3), lambda m: m.zeros(0)]
)
def test_step_lr_gamma_of_several_values_fails_when_filling_a_tensor_lr(gamma):
    from helpers import assert_raises_like_torch

    # step 2 makes the lr a tensor; step 3 fills that tensor in place, which needs one value
    assert_raises_like_torch(lambda m: _run_step_lr(m, step_size=2, gamma=gamma(m)), match="0-dimension")


def test_tensor_lr_is_filled_in_place_as_torch():
    res = {}
    for m in (fg, torch):
        lr = m.tensor(0.1)
        opt, sched, _ = _run_step_lr(m, steps=2, lr=lr, step_size=1, gamma=0.5)
        assert opt.param_groups[0]["lr"] is lr  # the same tensor object, filled
        assert sched.base_lrs[0] is not lr and sched.get_last_lr()[0] is not lr  # clones
        res[m] = (lr.item(), sched.base_lrs[0].item(), sched.get_last_lr()[0].item())
    assert res[fg] == pytest.approx(res[torch])


def test_step_lr_one_element_gamma_keeps_a_tensor_lr_0d():
    res = {}
    for m in (fg, torch):
        lr = m.tensor(0.1)
        _run_step_lr(m, steps=3, lr=lr, step_size=1, gamma=m.tensor([0.5]))
        res[m] = (tuple(lr.shape), lr.item())
    assert res[fg][0] == res[torch][0] == ()
    assert res[fg][1] == pytest.approx(res[torch][1])
