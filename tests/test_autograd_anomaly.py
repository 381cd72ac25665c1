"""Anomaly mode (src/autograd/anomaly.rs): NaN in backward names the op and where it was called."""

from __future__ import annotations

import ferrograd as fg
import pytest


def test_nan_in_backward_names_the_op_the_shape_and_the_line():
    x = fg.tensor([0.0, 1.0], requires_grad=True)
    with fg.autograd.detect_anomaly():
        y = x.sqrt() * 0  # the line the error must point to
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
    msg = str(info.value)
    assert "SqrtBackward0" in msg and "nan" in msg and "[2]" in msg
    assert "test_autograd_anomaly.py" in msg and "x.sqrt() * 0" in msg


def test_without_anomaly_mode_nan_gradients_pass_silently_like_torch():
    x = fg.tensor([0.0], requires_grad=True)
    (x.sqrt() * 0).sum().backward()
    assert x.grad.tolist()[0] != x.grad.tolist()[0]  # NaN


def test_mode_switches_restore_and_check_nan_false_only_records():
    assert not fg.autograd.is_anomaly_enabled()
    with fg.autograd.set_detect_anomaly(True):
        assert fg.autograd.is_anomaly_enabled()
    assert not fg.autograd.is_anomaly_enabled()
    x = fg.tensor([0.0], requires_grad=True)
    with fg.autograd.detect_anomaly(check_nan=False):
        (x.sqrt() * 0).sum().backward()

    @fg.autograd.detect_anomaly()
    def f():
        return fg.autograd.is_anomaly_enabled()

    assert f() and not fg.autograd.is_anomaly_enabled()
