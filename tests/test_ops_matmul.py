"""matmul (src/ops/matmul.rs) for 1-D, 2-D and batched operands with broadcast batch dims, as
torch.matmul, Tensor.matmul and @. Forward and backward against torch."""

import ferrograd as fg
import numpy as np
import pytest
from ferrograd.autograd import gradcheck, gradgradcheck
from helpers import Arg, check, torch_module

pytest.importorskip("torch")

SHAPES = [
    ((4,), (4,)),  # dot -> 0-d
    ((3, 4), (4,)),  # matrix @ vector
    ((4,), (4, 5)),  # vector @ matrix
    ((3, 4), (4, 5)),  # mm
    ((1, 4), (4, 1)),
    ((2, 3, 4), (2, 4, 5)),  # bmm
    ((2, 3, 4), (4, 5)),  # batched @ matrix
    ((3, 4), (2, 4, 5)),  # matrix @ batched
    ((4,), (2, 4, 5)),  # vector @ batched
    ((2, 3, 4), (4,)),  # batched @ vector
    ((2, 1, 3, 4), (5, 4, 2)),  # broadcast batch dims -> (2, 5, 3, 2)
    ((1, 3, 4), (2, 4, 2)),
    ((2, 1, 2, 3), (1, 3, 3, 2)),
]

FORMS = {
    "op": lambda m, a, b: a @ b,
    "fn": lambda m, a, b: m.matmul(a, b),
    "method": lambda m, a, b: a.matmul(b),
}


@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("form", list(FORMS))
def test_matmul(form, shapes, dtype):
    check(FORMS[form], *shapes, dtype=dtype)


@pytest.mark.parametrize(
    "shapes", [((3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4, 3)), ((4,), (4, 3))], ids=str
)
def test_matmul_non_contiguous(shapes, dtype):
    check(FORMS["op"], *shapes, dtype=dtype, non_contiguous=True)


def test_matmul_one_side_non_contiguous(dtype):
    check(
        FORMS["op"],
        Arg(np.random.default_rng(0).uniform(-1, 1, (3, 4)), non_contiguous=True),
        (4, 2),
        dtype=dtype,
    )
    check(
        FORMS["op"],
        (2, 3),
        Arg(np.random.default_rng(1).uniform(-1, 1, (3, 4)), non_contiguous=True),
        dtype=dtype,
    )


def test_matmul_transposed_views(dtype):
    check(lambda m, a, b: a.t() @ b, (4, 3), (4, 2), dtype=dtype)
    check(lambda m, a, b: a @ b.transpose(0, 1), (3, 4), (2, 4), dtype=dtype)
    check(lambda m, a, b: a.transpose(-1, -2) @ b, (2, 4, 3), (2, 4, 5), dtype=dtype)
    check(lambda m, a, b: a[:, ::2] @ b[1:], (3, 6), (4, 2), dtype=dtype)


def test_matmul_gradient_one_side(dtype):
    w = np.random.default_rng(3).uniform(-1, 1, (4, 2))
    check(FORMS["op"], (3, 4), Arg(w, requires_grad=False), dtype=dtype)
    check(FORMS["op"], Arg(w.T.copy(), requires_grad=False), (4, 5), dtype=dtype)


def test_matmul_same_operand(dtype):
    check(lambda m, a: a @ a, (3, 3), dtype=dtype)
    check(lambda m, a: a @ a.t(), (3, 4), dtype=dtype)


def test_matmul_chain(dtype):
    check(lambda m, a, b, c: (a @ b).relu() @ c, (2, 3), (3, 4), (4, 2), dtype=dtype)


def test_matmul_larger(dtype):
    # exercises a blocked gemm path
    check(FORMS["op"], (17, 33), (33, 9), dtype=dtype, low=-1.0, high=1.0)


def test_matmul_int64():
    a = np.arange(6, dtype=np.int64).reshape(2, 3)
    b = np.arange(12, dtype=np.int64).reshape(3, 4) - 5
    check(FORMS["op"], a, b, grad=False)


FOLDED = [
    ((2, 3, 4), (4, 5)),
    ((2, 2, 3, 4), (4, 5)),
    ((0, 3, 4), (4, 5)),
    ((2, 3, 0), (0, 5)),
    ((2, 3, 4), (4,)),
]


@pytest.mark.parametrize("shapes", FOLDED, ids=str)
def test_matmul_folds_left_batch_dims(shapes, dtype):
    # [.., m, k] @ [k, n] folds the batch dims into the rows (one GEMM per pass), as torch does
    check(FORMS["op"], *shapes, dtype=dtype)
    check(lambda m, a, b: a.transpose(0, 1) @ b, *shapes, dtype=dtype)


def test_matmul_folded_records_torch_nodes():
    t = torch_module()
    for m in (fg, t):
        a, b = m.ones(2, 3, 4, requires_grad=True), m.ones(4, 5, requires_grad=True)
        out = a @ b
        assert out.grad_fn.name() == "UnsafeViewBackward0"
        assert out.grad_fn.next_functions[0][0].name() == "MmBackward0"


def test_matmul_folded_gradcheck_float64():
    rng = np.random.default_rng(7)
    a = fg.tensor(rng.uniform(-1, 1, (2, 3, 4)), requires_grad=True)
    b = fg.tensor(rng.uniform(-1, 1, (4, 5)), requires_grad=True)
    v = fg.tensor(rng.uniform(-1, 1, (4,)), requires_grad=True)
    assert gradcheck(lambda x, y: x @ y, (a, b))
    assert gradgradcheck(lambda x, y: x @ y, (a, b))
    assert gradcheck(lambda x, y: x @ y, (a, v))


def test_matmul_folded_operand_modified_in_place_is_caught():
    x = fg.ones(2, 3, 4, requires_grad=True) * 1
    w = fg.ones(4, 5, requires_grad=True)
    z = x @ w
    x.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_matmul_folded_shape_mismatch_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"matmul: shapes \[2, 3, 4\] and \[5, 6\]"):
        fg.ones(2, 3, 4) @ fg.ones(5, 6)


@pytest.mark.parametrize("shapes", [((64, 16, 32), (64, 32, 16)), ((3, 96, 64), (64, 80))], ids=str)
def test_matmul_threads_give_the_single_thread_bits(shapes):
    # many small products go to threads whole, large ones split inside gemm: neither may change
    # a single bit against one thread
    rng = np.random.default_rng(11)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]

    def run():
        a, b = (fg.tensor(x, requires_grad=True) for x in arrays)
        out = a @ b
        out.backward(fg.ones_like(out))
        return [out.detach().numpy().copy(), a.grad.numpy().copy(), b.grad.numpy().copy()]

    previous = fg.get_num_threads()
    try:
        fg.set_num_threads(1)
        one = run()
        fg.set_num_threads(2)
        two = run()
    finally:
        fg.set_num_threads(previous)
    for x, y in zip(one, two):
        np.testing.assert_array_equal(x, y)
