"""Forward-mode AD against torch.autograd.forward_ad (src/autograd/forward.rs)."""

from __future__ import annotations

import ferrograd as fg
import numpy as np
import pytest

torch = pytest.importorskip("torch")

rng = np.random.default_rng(3)
A = rng.uniform(0.5, 1.5, (3, 4))
B = rng.standard_normal((3, 4))
M = rng.standard_normal((4, 2))

OPS = {
    "add_mul_div": lambda m, x: (x * 3 + 1) / (x + 2),
    "pow_tensor_scalar": lambda m, x: x**3,
    "pow_scalar_tensor": lambda m, x: 2**x,
    "exp_log_sqrt": lambda m, x: x.exp() + x.log() + x.sqrt(),
    "trig_tanh_sigmoid": lambda m, x: x.sin() * x.cos() + x.tanh() - x.sigmoid(),
    "relu_abs_clamp": lambda m, x: (x - 1).relu() + (x - 1).abs() + x.clamp(0.7, 1.2),
    "maximum_where": lambda m, x: m.maximum(x, m.tensor(B)) + m.where(x > 1, x, x * x),
    "reductions": lambda m, x: x.sum(0) + x.mean(1).sum() + x.prod(1).sum() + x.var(0) + x.std(1).sum(),
    "amax_logsumexp": lambda m, x: x.amax(1) + x.logsumexp(1) + x.max(0).values.sum(),
    "matmul": lambda m, x: x @ m.tensor(M),
    "views": lambda m, x: x.t().reshape(2, 6).permute(1, 0)[::2].unsqueeze(0).expand(2, 3, 2).sum(0),
    "index": lambda m, x: x[m.tensor([0, 2, 0])][:, 1:3] * x[1, 2],
    "cat_stack": lambda m, x: m.cat([x, x * 2], 0).sum(0) + m.stack([x, x], 1).sum((0, 1)),
    "softmax": lambda m, x: x.softmax(1) + x.log_softmax(0),
    "layer_norm": lambda m, x: m.nn.functional.layer_norm(x, (x.shape[-1],), x[0], x[1]),
}


@pytest.mark.parametrize("name", list(OPS))
def test_tangents_match_torch(name):
    fn = OPS[name]
    v = rng.standard_normal(A.shape)
    out = []
    for m in (fg, torch):
        fw = m.autograd.forward_ad
        with fw.dual_level():
            x = fw.make_dual(m.tensor(A), m.tensor(v))
            y = fn(m, x)
            p, t = fw.unpack_dual(y)
            out.append((p.detach().numpy(), t.detach().numpy()))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-10)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("name", list(OPS))
def test_forward_over_reverse_matches_torch(name, create_graph):
    """The gradient computed inside a dual level carries H v. Rules that saved their own output
    (exp, tanh, softmax, ...) keep a copy without tangent, so its tangent must come from its node;
    regression test for hvp being wrong on exactly those ops."""
    fn = OPS[name]
    v = rng.standard_normal(A.shape)
    out = []
    for m in (fg, torch):
        fw = m.autograd.forward_ad
        leaf = m.tensor(A, requires_grad=True)
        with fw.dual_level():
            x = fw.make_dual(leaf, m.tensor(v))
            y = fn(m, x)
            # tanh keeps the loss non-linear (and H non-zero) for the linear ops too
            w = m.tensor(np.random.default_rng(0).standard_normal(tuple(y.shape)))
            (g,) = m.autograd.grad((y.tanh() * w).sum(), x, create_graph=create_graph)
            out.append(fw.unpack_dual(g).tangent.detach().numpy())
    np.testing.assert_allclose(out[0], out[1], rtol=1e-9, atol=1e-12)


def test_in_place_ops_carry_tangents_and_levels_end():
    fw = fg.autograd.forward_ad
    with fw.dual_level():
        x = fw.make_dual(fg.tensor([1.0, 2.0]), fg.tensor([1.0, 0.5]))
        y = x * 1
        y.mul_(3)
        y += x
        assert fw.unpack_dual(y).tangent.tolist() == [4.0, 2.0]
    assert fw.unpack_dual(y).tangent is None  # outside the level the tangent is gone


def test_forward_and_reverse_mode_together():
    fw = fg.autograd.forward_ad
    w = fg.tensor([1.0, 2.0], requires_grad=True)
    with fw.dual_level():
        x = fw.make_dual(fg.tensor([3.0, 4.0]), fg.tensor([1.0, 1.0]))
        y = (x * w).sum()
        assert fw.unpack_dual(y).tangent.item() == 3.0
    y.backward()
    assert w.grad.tolist() == [3.0, 4.0]


def test_make_dual_checks_shapes_and_needs_a_level():
    fw = fg.autograd.forward_ad
    with pytest.raises(RuntimeError, match="dual level"):
        fw.make_dual(fg.ones(2), fg.ones(2))
    with fw.dual_level(), pytest.raises(RuntimeError, match="shape"):
        fw.make_dual(fg.ones(2), fg.ones(3))
