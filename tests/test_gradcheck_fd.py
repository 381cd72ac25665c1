"""float64 central finite-difference gradient checks of every differentiable op, using ferrograd and
numpy only (no torch): an independent check of the backward rules."""

import numpy as np
import pytest
from helpers import fd_gradcheck


def rnd(*shape, low=-2.0, high=2.0, seed=0):
    return np.random.default_rng(seed).uniform(low, high, size=shape)


def pos(*shape, seed=0):
    return rnd(*shape, low=0.5, high=2.0, seed=seed)


# name -> (fn(m, *tensors), [input arrays])
CASES = {
    # binary
    "add": (lambda m, a, b: a + b, [rnd(2, 3), rnd(3, seed=1)]),
    "add_fn": (lambda m, a, b: m.add(a, b), [rnd(3, 1), rnd(4, seed=1)]),
    "sub": (lambda m, a, b: a - b, [rnd(2, 3), rnd(2, 1, seed=1)]),
    "mul": (lambda m, a, b: a * b, [rnd(2, 3), rnd(3, seed=1)]),
    "div": (lambda m, a, b: a / b, [rnd(2, 3), pos(3, seed=1)]),
    "rdiv_scalar": (lambda m, a: 2.0 / a, [pos(4)]),
    "neg": (lambda m, a: -a, [rnd(3)]),
    "pow_tensor_tensor": (lambda m, a, b: a**b, [pos(2, 3), rnd(3, seed=1)]),
    "pow_tensor_scalar": (lambda m, a: a**3, [rnd(2, 3)]),
    "pow_tensor_fractional": (lambda m, a: a**-1.5, [pos(4)]),
    "pow_scalar_tensor": (lambda m, a: 2.5**a, [rnd(2, 3)]),
    "maximum": (lambda m, a, b: m.maximum(a, b), [rnd(2, 3), rnd(3, seed=1)]),
    "minimum": (lambda m, a, b: m.minimum(a, b), [rnd(3, 1), rnd(4, seed=1)]),
    "where": (lambda m, a, b: m.where(a > 0, a * b, b), [rnd(2, 3), rnd(2, 3, seed=1)]),
    "inplace_ops": (lambda m, a, b: (a * 1).add_(b).mul_(b).sub_(a).div_(b), [rnd(2, 3), pos(3, seed=1)]),
    # unary
    "exp": (lambda m, a: a.exp(), [rnd(2, 3)]),
    "log": (lambda m, a: m.log(a), [pos(2, 3)]),
    "sqrt": (lambda m, a: a.sqrt(), [pos(2, 3)]),
    "sin": (lambda m, a: m.sin(a), [rnd(2, 3)]),
    "cos": (lambda m, a: a.cos(), [rnd(2, 3)]),
    "tanh": (lambda m, a: m.tanh(a), [rnd(2, 3)]),
    "sigmoid": (lambda m, a: a.sigmoid(), [rnd(2, 3)]),
    "relu": (lambda m, a: m.relu(a), [rnd(2, 3)]),
    "abs": (lambda m, a: a.abs(), [rnd(2, 3)]),
    "clamp_both": (lambda m, a: a.clamp(-1.0, 1.0), [rnd(3, 4)]),
    "clamp_min": (lambda m, a: m.clamp(a, min=0.0), [rnd(3, 4)]),
    "clamp_max": (lambda m, a: a.clamp(max=0.5), [rnd(3, 4)]),
    # reductions
    "sum": (lambda m, a: a.sum(), [rnd(2, 3)]),
    "sum_dims": (lambda m, a: a.sum((0, 2), keepdim=True), [rnd(2, 3, 2)]),
    "mean": (lambda m, a: a.mean(-1), [rnd(2, 3)]),
    "prod": (lambda m, a: a.prod(1), [rnd(2, 3)]),
    "prod_all": (lambda m, a: a.prod(), [rnd(4)]),
    "var": (lambda m, a: a.var(1), [rnd(2, 4)]),
    "var_correction0": (lambda m, a: a.var(correction=0), [rnd(2, 3)]),
    "std": (lambda m, a: a.std(0, keepdim=True), [rnd(3, 2)]),
    "std_unbiased_false": (lambda m, a: m.std(a, unbiased=False), [rnd(5)]),
    "max": (lambda m, a: a.max(), [rnd(2, 3)]),
    "max_dim": (lambda m, a: a.max(1), [rnd(2, 3)]),
    "min_dim": (lambda m, a: m.min(a, 0, keepdim=True), [rnd(2, 3)]),
    "min": (lambda m, a: a.min(), [rnd(2, 3)]),
    "amax": (lambda m, a: a.amax((0, 1)), [rnd(2, 3, 2)]),
    "amin": (lambda m, a: a.amin(-1), [rnd(2, 3)]),
    "logsumexp": (lambda m, a: a.logsumexp(1), [rnd(2, 3)]),
    "logsumexp_tuple": (lambda m, a: m.logsumexp(a, (0, 1)), [rnd(2, 3)]),
    # matmul
    "dot": (lambda m, a, b: a @ b, [rnd(4), rnd(4, seed=1)]),
    "mv": (lambda m, a, b: a @ b, [rnd(3, 4), rnd(4, seed=1)]),
    "vm": (lambda m, a, b: m.matmul(a, b), [rnd(3), rnd(3, 2, seed=1)]),
    "mm": (lambda m, a, b: a @ b, [rnd(2, 3), rnd(3, 4, seed=1)]),
    "bmm_broadcast": (lambda m, a, b: a.matmul(b), [rnd(2, 1, 2, 3), rnd(3, 3, 2, seed=1)]),
    # shape
    "reshape": (lambda m, a: a.reshape(3, 2) * m.tensor([1.0, 2.0], dtype=m.float64), [rnd(2, 3)]),
    "view": (lambda m, a: a.view(-1).exp(), [rnd(2, 3)]),
    "flatten": (lambda m, a: a.flatten(1).sin(), [rnd(2, 2, 2)]),
    "transpose": (lambda m, a: a.transpose(0, 2) * a.transpose(0, 2).sum(0), [rnd(2, 3, 2)]),
    "t": (lambda m, a: a.t() @ a, [rnd(3, 2)]),
    "T": (lambda m, a: a.T.exp(), [rnd(3, 2)]),
    "permute": (lambda m, a: a.permute(2, 0, 1).cos(), [rnd(2, 3, 2)]),
    "expand": (lambda m, a: a.expand(2, 3, 4).sin(), [rnd(3, 1)]),
    "squeeze": (lambda m, a: a.squeeze().exp(), [rnd(1, 3, 1)]),
    "unsqueeze": (lambda m, a: a.unsqueeze(1) * a.unsqueeze(0), [rnd(3)]),
    "contiguous": (lambda m, a: a.t().contiguous().tanh(), [rnd(2, 3)]),
    "clone": (lambda m, a: a.clone() * a, [rnd(2, 3)]),
    # indexing
    "index_int_slice": (lambda m, a: a[1, ::2].exp(), [rnd(3, 4)]),
    "index_ellipsis_none": (lambda m, a: a[..., None, 1] * 2, [rnd(2, 3)]),
    "index_list_repeated": (lambda m, a: a[[0, 0, 2, 0]].sin(), [rnd(3, 2)]),
    "index_tensor": (lambda m, a: a[:, m.tensor([1, 1, 0])], [rnd(2, 3)]),
    "index_mask": (lambda m, a: a[a > 0].exp(), [rnd(3, 4)]),
    "setitem_slice": (lambda m, a, b: _setitem(a, b, (slice(None), 1)), [rnd(3, 4), rnd(3, seed=1)]),
    "setitem_mask": (lambda m, a, b: _setitem(a, b.sum(), a > 0), [rnd(3, 4), rnd(2, seed=1)]),
    # join
    "cat": (lambda m, a, b: m.cat([a, b, a], 1), [rnd(2, 3), rnd(2, 1, seed=1)]),
    "stack": (lambda m, a, b: m.stack([a, b], -1), [rnd(2, 3), rnd(2, 3, seed=1)]),
    # softmax
    "softmax": (lambda m, a: m.softmax(a, 1), [rnd(2, 4)]),
    "softmax_dim0": (lambda m, a: a.softmax(0), [rnd(3, 2)]),
    "log_softmax": (lambda m, a: m.log_softmax(a, -1), [rnd(2, 4)]),
    "log_softmax_dim0": (lambda m, a: a.log_softmax(0), [rnd(3, 2)]),
    "log_softmax_dim1_of_3d": (lambda m, a: a.log_softmax(1), [rnd(2, 3, 2)]),
    # layer_norm
    "layer_norm_affine": (
        lambda m, a, w, b: m.nn.functional.layer_norm(a, (4,), w, b, 1e-3),
        [rnd(3, 4), rnd(4, seed=1), rnd(4, seed=2)],
    ),
    # a small network
    "mlp": (
        lambda m, x, w1, w2: (m.tanh(x @ w1) @ w2).log_softmax(-1),
        [rnd(3, 4), rnd(4, 5, seed=1, low=-1, high=1), rnd(5, 2, seed=2, low=-1, high=1)],
    ),
}


def _setitem(a, value, index):
    y = a * 1.0
    y[index] = value * 3.0
    return y * a


@pytest.mark.parametrize("name", list(CASES))
def test_fd_gradcheck(name):
    fn, arrays = CASES[name]
    fd_gradcheck(fn, *arrays)


def test_fd_gradcheck_detects_a_wrong_gradient():
    # the checker itself must fail on a wrong backward: x.detach() hides a dependency
    with pytest.raises(AssertionError):
        fd_gradcheck(lambda m, a: a * a.detach(), rnd(3))
