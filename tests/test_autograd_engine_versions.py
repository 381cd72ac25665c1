"""Version counters: writes through views and detach() are seen by autograd, writes through
.data are not (torch's semantics)."""

from __future__ import annotations

import ferrograd as fg
import pytest

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("through", ["detach", "view", "data"])
def test_writes_after_save_match_torch(through):
    outcomes = []
    for m in (fg, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 1
        z = y.exp()  # saves its output
        if through == "detach":
            target = z.detach()
        elif through == "view":
            target = z[0:1]
        else:
            target = z.data
        with m.no_grad():
            target.mul_(2)
        try:
            z.sum().backward()
            outcomes.append(("ok", x.grad.tolist()))
        except RuntimeError:
            outcomes.append(("error", None))
    assert outcomes[0] == outcomes[1]


def test_the_error_names_the_saving_op_and_the_in_place_op_with_its_line():
    import inspect

    x = fg.tensor([1.0, 2.0], requires_grad=True)
    z = (x * 1).exp()
    line = inspect.currentframe().f_lineno + 1
    z.mul_(2)
    with pytest.raises(RuntimeError) as info:
        z.sum().backward()
    msg = str(info.value)
    assert "saved by ExpBackward0" in msg
    assert f"modified by mul_ at {__file__}:{line}" in msg
