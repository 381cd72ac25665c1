"""Shape ops and views (src/ops/shape.rs): reshape, view, flatten, transpose, t, T, permute, expand,
squeeze, unsqueeze, contiguous, clone. Values, gradients, and storage sharing as in torch."""

import warnings

import ferrograd as fg
import numpy as np
import pytest
from helpers import check, run_both, to_numpy

pytest.importorskip("torch")

SHAPE_OPS = {
    "reshape": lambda m, a: a.reshape(4, 6),
    "reshape_tuple": lambda m, a: a.reshape((3, 8)),
    "reshape_infer": lambda m, a: a.reshape(-1, 2),
    "reshape_fn": lambda m, a: m.reshape(a, (24,)),
    "reshape_to_more_dims": lambda m, a: a.reshape(2, 3, 2, 2),
    "view": lambda m, a: a.view(6, 4),
    "view_infer": lambda m, a: a.view(2, -1),
    "view_tuple": lambda m, a: a.view((4, 3, 2)),
    "flatten": lambda m, a: a.flatten(),
    "flatten_fn": lambda m, a: m.flatten(a),
    "flatten_start": lambda m, a: a.flatten(1),
    "flatten_range": lambda m, a: a.flatten(0, 1),
    "flatten_negative": lambda m, a: a.flatten(-2, -1),
    "transpose": lambda m, a: a.transpose(0, 2),
    "transpose_negative": lambda m, a: a.transpose(-1, -2),
    "transpose_fn": lambda m, a: m.transpose(a, 0, 1),
    "permute": lambda m, a: a.permute(2, 0, 1),
    "permute_tuple": lambda m, a: a.permute((1, 2, 0)),
    "permute_negative": lambda m, a: a.permute(-1, -3, -2),
    "permute_fn": lambda m, a: m.permute(a, (2, 1, 0)),
    "unsqueeze0": lambda m, a: a.unsqueeze(0),
    "unsqueeze_mid": lambda m, a: a.unsqueeze(2),
    "unsqueeze_end": lambda m, a: a.unsqueeze(-1),
    "unsqueeze_fn": lambda m, a: m.unsqueeze(a, 1),
    "contiguous": lambda m, a: a.contiguous(),
    "clone": lambda m, a: a.clone(),
    "clone_fn": lambda m, a: m.clone(a),
    "permute_then_reshape": lambda m, a: a.permute(2, 0, 1).reshape(4, 6),
    "transpose_contiguous_view": lambda m, a: a.transpose(0, 1).contiguous().view(-1),
}


@pytest.mark.parametrize("name", list(SHAPE_OPS))
def test_shape_op(name, dtype):
    check(SHAPE_OPS[name], (2, 3, 4), dtype=dtype)


@pytest.mark.parametrize(
    "name",
    ["reshape", "reshape_infer", "flatten", "transpose", "permute", "unsqueeze_mid", "contiguous", "clone"],
)
def test_shape_op_non_contiguous(name, dtype):
    check(SHAPE_OPS[name], (2, 3, 4), dtype=dtype, non_contiguous=True)


def test_t_and_T(dtype):
    check(lambda m, a: a.t(), (3, 4), dtype=dtype)
    check(lambda m, a: m.t(a), (3, 4), dtype=dtype)
    check(lambda m, a: a.T, (3, 4), dtype=dtype)
    check(lambda m, a: a.t(), (5,), dtype=dtype)
    check(lambda m, a: a.t(), (), dtype=dtype)
    check(lambda m, a: a.T, (5,), dtype=dtype)
    check(lambda m, a: a.T.t(), (3, 4), dtype=dtype, non_contiguous=True)


def test_T_reverses_dims_of_3d(dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda m, a: a.T, (2, 3, 4), dtype=dtype)


SQUEEZE = {
    "squeeze_all": lambda m, a: a.squeeze(),
    "squeeze_dim": lambda m, a: a.squeeze(1),
    "squeeze_negative": lambda m, a: a.squeeze(-1),
    "squeeze_not_one": lambda m, a: a.squeeze(2),  # size 3: a no-op
    "squeeze_fn": lambda m, a: m.squeeze(a, 0),
    "squeeze_fn_all": lambda m, a: m.squeeze(a),
}


@pytest.mark.parametrize("name", list(SQUEEZE))
def test_squeeze(name, dtype):
    check(SQUEEZE[name], (1, 1, 3, 1), dtype=dtype)


def test_squeeze_0d_and_all_ones(dtype):
    check(lambda m, a: a.squeeze(), (1, 1), dtype=dtype)
    check(lambda m, a: a.squeeze(), (), dtype=dtype)
    check(lambda m, a: a.unsqueeze(0), (), dtype=dtype)


EXPAND = {
    "expand_same_rank": lambda m, a: a.expand(3, 4),
    "expand_infer": lambda m, a: a.expand(-1, 4),
    "expand_new_dims": lambda m, a: a.expand(2, 3, 4),
    "expand_tuple": lambda m, a: a.expand((2, 3, 4)),
    "expand_new_and_infer": lambda m, a: a.expand(2, -1, 5),
}


@pytest.mark.parametrize("name", list(EXPAND))
def test_expand(name, dtype):
    check(EXPAND[name], (3, 1), dtype=dtype)


def test_expand_then_ops(dtype):
    check(lambda m, a: (a.expand(3, 4) * 2).sum(0), (3, 1), dtype=dtype)
    check(lambda m, a: a.expand(2, 4).contiguous(), (4,), dtype=dtype)
    check(lambda m, a: a.unsqueeze(0).expand(3, 4).reshape(12), (4,), dtype=dtype)


def test_views_chained(dtype):
    check(
        lambda m, a: a.view(6, 4).t().unsqueeze(0).transpose(0, 2).squeeze(2).flatten(),
        (2, 3, 4),
        dtype=dtype,
    )


def test_reshape_of_non_contiguous_values(dtype):
    # a transposed tensor reshaped must be read in logical order
    check(lambda m, a: a.t().reshape(-1), (3, 4), dtype=dtype)
    check(lambda m, a: a.permute(1, 0, 2).flatten(), (2, 3, 4), dtype=dtype)


def test_int_and_bool_tensors_reshape():
    x = np.arange(12, dtype=np.int64)
    check(lambda m, a: a.view(3, 4).t().contiguous().reshape(2, 6), x, grad=False)
    check(lambda m, a: (a > 5).reshape(3, 4).t(), x, grad=False)


# ---------------------------------------------------------------------------------------------
# storage sharing
# ---------------------------------------------------------------------------------------------

VIEW_FNS = {
    "view": lambda x: x.view(12),
    "reshape_contiguous": lambda x: x.reshape(4, 3),
    "flatten": lambda x: x.flatten(),
    "transpose": lambda x: x.transpose(0, 1),
    "t": lambda x: x.t(),
    "T": lambda x: x.T,
    "permute": lambda x: x.permute(1, 0),
    "unsqueeze": lambda x: x.unsqueeze(0),
    "squeeze": lambda x: x.unsqueeze(1).squeeze(1),
    "expand": lambda x: x[:1].expand(5, 4),
    "detach": lambda x: x.detach(),
    "data": lambda x: x.data,
    "contiguous_of_contiguous": lambda x: x.contiguous(),
}


@pytest.mark.parametrize("name", list(VIEW_FNS))
def test_views_share_storage(name):
    fn = VIEW_FNS[name]

    def run(m):
        x = m.zeros(3, 4)
        v = fn(x)
        if name == "expand":
            # an expanded view cannot be written in place; write the base and read the view
            x[0, 1] = 7.0
        else:
            v.add_(m.arange(float(v.numel())).reshape(tuple(v.shape)))
        return x, v

    (fx, fv), (tx, tv) = run_both(run)
    np.testing.assert_array_equal(to_numpy(fx), to_numpy(tx))
    np.testing.assert_array_equal(to_numpy(fv), to_numpy(tv))


def test_writes_to_base_visible_in_view():
    x = fg.zeros(2, 3)
    v = x.t()
    x.add_(fg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    assert v.tolist() == [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]


@pytest.mark.parametrize("name", ["clone", "contiguous_of_transpose", "reshape_of_transpose"])
def test_copies_do_not_share_storage(name):
    fns = {
        "clone": lambda x: x.clone(),
        "contiguous_of_transpose": lambda x: x.t().contiguous(),
        "reshape_of_transpose": lambda x: x.t().reshape(-1),
    }
    x = fg.zeros(3, 4)
    c = fns[name](x)
    c.add_(1)
    assert to_numpy(x).sum() == 0.0


def test_contiguous_returns_self_when_contiguous():
    x = fg.ones(2, 3)
    assert x.contiguous() is x


def test_view_of_view_shares_with_base():
    x = fg.arange(12.0)
    v = x.view(3, 4).t()
    v[1, 2] = -1.0
    assert x.tolist()[9] == -1.0


# ---------------------------------------------------------------------------------------------
# shape attributes after ops
# ---------------------------------------------------------------------------------------------


def test_result_shapes_match_torch():
    cases = [
        lambda m: m.zeros(2, 3, 4).reshape(-1, 4).shape,
        lambda m: m.zeros(2, 3, 4).permute(2, 0, 1).shape,
        lambda m: m.zeros(2, 1, 4, 1).squeeze().shape,
        lambda m: m.zeros(2, 3).unsqueeze(-1).shape,
        lambda m: m.zeros(3, 1).expand(2, 3, 5).shape,
        lambda m: m.zeros(2, 3, 4).flatten(1).shape,
        lambda m: m.zeros(2, 3, 4).transpose(-1, 0).shape,
        lambda m: m.zeros(2, 3, 4).size(),
        lambda m: m.zeros(0, 3).reshape(3, 0).shape,
    ]
    for c in cases:
        f, t = run_both(c)
        assert tuple(f) == tuple(t)
