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


def test_the_error_gives_the_place_of_the_saving_op_too():
    import inspect

    x = fg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    saved_at = inspect.currentframe().f_lineno + 1
    z = y.exp()  # saves its output
    modified_at = inspect.currentframe().f_lineno + 1
    z.mul_(2)
    with pytest.raises(RuntimeError) as info:
        z.sum().backward()
    msg = str(info.value)
    assert f"saved by ExpBackward0 at {__file__}:{saved_at};" in msg
    assert f"modified by mul_ at {__file__}:{modified_at}" in msg


def _scale(a, b):
    return a * b  # the line that saves a and b


def test_the_saving_place_is_the_innermost_user_frame_on_a_multi_line_call():
    import inspect

    line = inspect.getsourcelines(_scale)[1] + 1
    a = fg.tensor([1.0, 2.0], requires_grad=True)
    b = fg.tensor([3.0, 4.0])
    out = _scale(
        a,
        b,
    ).sum()
    b.add_(1)
    with pytest.raises(RuntimeError, match=rf"saved by MulBackward0 at {__file__}:{line};"):
        out.backward()
    # the statement spans lines: the call's own line is named, as f_lineno would
    c = fg.tensor([1.0, 2.0], requires_grad=True)
    d = fg.tensor([3.0, 4.0])
    first = inspect.currentframe().f_lineno + 1
    out = c.pow(
        d,
    ).sum()
    d.zero_()
    with pytest.raises(RuntimeError) as info:
        out.backward()
    assert f"saved by PowBackward1 at {__file__}:" in str(info.value)
    place = str(info.value).split("saved by PowBackward1 at ")[1].split(";")[0]
    assert int(place.rsplit(":", 1)[1]) in range(first, first + 3)


def test_ops_recorded_by_create_graph_name_no_place():
    # they run inside backward, where there is no caller; the message still names the op
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    (g,) = fg.autograd.grad((x**3).sum(), x, create_graph=True)
    with fg.no_grad():
        x.mul_(1)  # not allowed on a leaf with grad mode, fine without
    with pytest.raises(RuntimeError, match="It was saved by"):
        g.sum().backward()
