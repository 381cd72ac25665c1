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
