"""Regression tests for the Rust-side bugs the differential fuzzer (tests/test_fuzz_programs.py) and
the hostile-input sweep (tests/test_hostile_inputs.py) found, each checked against torch."""

from __future__ import annotations

import ferrograd as fg
import numpy as np
import pytest
from helpers import assert_raises_like_torch, torch_module


def both():
    return [fg, torch_module()]


def test_matmul_of_mixed_float_dtypes_is_an_error_as_in_torch():
    for shapes in [((2, 2), (2, 2)), ((3,), (3,)), ((2, 3), (3,)), ((2, 2, 3), (3, 4))]:
        assert_raises_like_torch(lambda m, s=shapes: m.ones(*s[0]) @ m.ones(*s[1], dtype=m.float64))
        assert_raises_like_torch(lambda m, s=shapes: m.matmul(m.ones(*s[0], dtype=m.float64), m.ones(*s[1])))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu_gradient_with_create_graph_requires_grad_and_differentiates_to_zero(dtype):
    got = []
    for m in both():
        x = m.tensor([0.5, -1.0, 2.0], dtype=getattr(m, dtype), requires_grad=True)
        (g,) = m.autograd.grad((x.relu() * x).sum(), x, create_graph=True)
        (gg,) = m.autograd.grad(g.sum(), x)
        (g1,) = m.autograd.grad(x.relu().sum(), x, create_graph=True)
        got.append((g.tolist(), gg.tolist(), g1.requires_grad, m.autograd.grad(g1.sum(), x)[0].tolist()))
    assert got[0] == got[1]


def test_relu_gradient_passes_through_nan_as_torch_does():
    got = []
    for m in both():
        x = m.tensor([float("nan"), -1.0, 1.0], requires_grad=True)
        x.relu().sum().backward()
        got.append(np.array(x.grad.tolist()))
    np.testing.assert_array_equal(got[0], got[1])


@pytest.mark.parametrize("shape,dim", [((0, 2), 0), ((0,), 0), ((2, 0, 3), 1), ((2, 0), (0, 1))])
def test_logsumexp_over_an_empty_dim_is_minus_inf(shape, dim):
    got = []
    for m in both():
        x = m.zeros(*shape, requires_grad=True)
        y = x.logsumexp(dim)
        y.sum().backward()
        got.append((y.tolist(), tuple(x.grad.shape)))
    assert got[0] == got[1]


def test_whole_tensor_max_of_an_empty_tensor_is_a_runtime_error():
    for f in ("max", "min", "amax", "amin"):
        assert_raises_like_torch(lambda m, f=f: getattr(m.zeros(0), f)())
        assert_raises_like_torch(lambda m, f=f: getattr(m.zeros(2, 0), f)())
    assert_raises_like_torch(lambda m: m.zeros(0).argmax())
    assert_raises_like_torch(lambda m: m.zeros(2, 0).amax(1))


@pytest.mark.parametrize("op", ["add", "sub"])
def test_alpha_with_a_number_keeps_the_tensor_dtype(op):
    for dtype in ("float32", "float64"):
        got = [
            (str(r.dtype).split(".")[-1], r.item())
            for m in both()
            for r in [getattr(m.tensor(1.0, dtype=getattr(m, dtype)), op)(0.1, alpha=3)]
        ]
        assert got[0][0] == got[1][0] == dtype
        assert got[0][1] == pytest.approx(got[1][1], rel=1e-7 if dtype == "float32" else 1e-15)


@pytest.mark.parametrize("method", ["expand", "view", "permute", "reshape"])
def test_shape_methods_without_arguments_are_type_errors(method):
    assert_raises_like_torch(lambda m: getattr(m.tensor(1.0), method)())
    # the empty shape itself is valid
    assert getattr(fg.tensor(1.0), method)(()).shape == ()


def test_legacy_constructor_without_arguments_is_empty():
    t = torch_module()
    assert fg.Tensor().shape == t.Tensor().shape == (0,)


def test_where_of_two_numbers_is_the_default_dtype():
    for a, b in [(2.0, 3.0), (2, 3.5), (2, 3), (True, 1)]:
        got = [str(m.where(m.tensor([True, False]), a, b).dtype).split(".")[-1] for m in both()]
        assert got[0] == got[1], (a, b, got)


def test_indexing_with_a_0d_bool_tensor_adds_a_dim():
    for idx in (True, False):
        got = []
        for m in both():
            x = m.arange(6.0).reshape(2, 3).requires_grad_()
            y = x[m.tensor(idx)]
            (y * 2).sum().backward()
            got.append((tuple(y.shape), y.tolist(), x.grad.tolist()))
        assert got[0] == got[1]
    for m in both():
        x = m.zeros(2, 3)
        x[m.tensor(True)] = 1.0
        assert x.sum().item() == 6
        # an advanced index: a copy, not a view (it was a view, which a later write changed)
        y = x[m.tensor(True)]
        x.neg_()
        assert y.sum().item() == 6
        w = m.ones(2, requires_grad=True)
        z = w[True]
        z.neg_()  # allowed: z is not a view of the leaf
        assert w.tolist() == [1.0, 1.0]


def test_copy_from_a_tensor_that_requires_grad_records_the_copy():
    got = []
    for m in both():
        a = m.zeros(2)
        b = m.tensor([1.0, 2.0], requires_grad=True)
        a.copy_(b)
        flags = (a.requires_grad, a.is_leaf, a.grad_fn.name())
        (a * 3).sum().backward()
        got.append((flags, b.grad.tolist()))
    assert got[0] == got[1]


def test_copy_from_a_non_leaf_does_not_share_its_node():
    a = fg.zeros(2)
    b = fg.tensor([1.0, 2.0], requires_grad=True) * 1
    a.copy_(b)
    seen = []
    a.register_hook(lambda g: seen.append("a"))
    b.register_hook(lambda g: seen.append("b"))
    (a * 3).sum().backward()
    assert seen == ["a", "b"]


def test_std_of_constant_input_has_zero_gradient():
    got = []
    for m in both():
        x = m.tensor([[1.0, 1.0, 1.0], [1.0, 2.0, 3.0]], dtype=m.float64, requires_grad=True)
        x.std(1).sum().backward()
        y = m.tensor([2.0], requires_grad=True)
        y.std(correction=0).backward()
        got.append((x.grad.tolist(), y.grad.tolist()))
    assert got[0] == got[1]


def test_softmax_of_a_0d_nan_or_inf_is_nan():
    for v in (float("nan"), float("inf"), 2.0):
        got = [
            (np.array(m.tensor(v).softmax(0).tolist()), np.array(m.tensor(v).log_softmax(0).tolist()))
            for m in both()
        ]
        np.testing.assert_array_equal(got[0][0], got[1][0])
        np.testing.assert_array_equal(got[0][1], got[1][1])


def test_flatten_with_start_after_end_is_a_runtime_error():
    assert_raises_like_torch(lambda m: m.zeros(2, 3).flatten(1, 0))


def test_number_divided_by_a_tensor_saves_what_torch_saves():
    # torch computes c / x as x.reciprocal() * c: x may then change in place, the result may not
    got = []
    for m in both():
        res = []
        for modify in ("input", "output"):
            x = m.tensor([1.0, 2.0], requires_grad=True)
            h = x * 1
            y = 3.0 / h
            (h if modify == "input" else y).detach().mul_(1)
            try:
                y.sum().backward()
                res.append(x.grad.tolist())
            except RuntimeError:
                res.append("RuntimeError")
        got.append((res, (3.0 / x).grad_fn.name(), x.reciprocal().grad_fn.name()))
    assert got[0] == got[1]


def test_views_follow_an_in_place_write_to_their_base():
    # a view taken before its base is written in place must see the base's new history; it
    # kept the old one, which gave a silently wrong gradient
    got = []
    for m in both():
        x = m.tensor([[0.5, 2.0]], requires_grad=True)
        y = x.neg()
        v = y.t()
        y.neg_()
        (v * m.tensor([[3.0], [5.0]])).sum().backward()
        b = m.zeros(1, 2)
        w = b.t()
        b.add_(x)
        flags = (w.requires_grad, w.is_leaf)
        x.grad = None
        (w * 2).sum().backward()
        got.append((v.tolist(), flags, x.grad.tolist()))
    assert got[0] == got[1]


def test_sibling_view_after_a_write_through_another_view():
    got = []
    for m in both():
        x = m.arange(4.0, requires_grad=True)
        base = x * 1
        a, b = base[:2], base[1:]
        a.mul_(10)  # writes base[0:2], which b overlaps at base[1]
        (b * m.tensor([1.0, 2.0, 3.0])).sum().backward()
        got.append((b.tolist(), x.grad.tolist()))
    assert got[0] == got[1]


@pytest.mark.parametrize(
    "op",
    [
        lambda t: t.prod(),
        lambda t: t ** (t.detach() + 1),
        lambda t: t.neg().exp_(),
        lambda t: (t * 1).neg().exp_(),
    ],
    ids=["prod", "pow_tensor", "exp_", "exp_ of a non-leaf"],
)
def test_output_modified_in_place_keeps_the_gradient_right(op):
    # torch saves these outputs and refuses the backward once one is modified; ferrograd does
    # not need them (or kept its own copy), so it runs and gives the unmodified gradient
    t = torch_module()
    x = fg.tensor([0.5, 2.0, 1.5], requires_grad=True)
    y = op(x)
    y.detach().mul_(3)
    y.sum().backward()
    xt = t.tensor([0.5, 2.0, 1.5], requires_grad=True)
    op(xt).sum().backward()
    np.testing.assert_allclose(x.grad.tolist(), xt.grad.tolist(), rtol=1e-6)


def test_setitem_from_an_overlapping_view_reads_the_old_values():
    # it read its own earlier writes: x[1:] = x[:-1] gave all zeros (NumPy's result is the
    # shifted copy; torch refuses the partial overlap)
    x = fg.arange(5.0)
    x[1:] = x[:-1]
    assert x.tolist() == [0.0, 0.0, 1.0, 2.0, 3.0]
    y = fg.arange(5.0)
    y[:-1] = y[1:]
    assert y.tolist() == [1.0, 2.0, 3.0, 4.0, 4.0]


def test_from_numpy_of_a_misaligned_array_copies():
    # a misaligned pointer under a Rust slice is undefined behaviour: it is copied instead
    raw = bytearray(8 * 4 + 1)
    a = np.frombuffer(raw, np.float64, count=4, offset=1)
    t = fg.from_numpy(a)
    assert t.tolist() == a.tolist()
    assert t.data_ptr() % 8 == 0


def test_regenerated_expanded_view_sums_its_gradient():
    # after the base changed in place, an expanded view's rebuilt history must add up the
    # gradients of the elements it repeats (it kept only one of them)
    got = []
    for m in both():
        x = m.tensor([[[0.5, -1.0]]], requires_grad=True)
        e = x.expand(2, 2, -1)
        x.detach().neg_()
        (e * m.arange(8.0).reshape(2, 2, 2)).sum().backward()
        got.append((e.tolist(), x.grad.tolist()))
    assert got[0] == got[1]


def test_a_0d_integer_tensor_index_is_a_view_as_in_torch():
    got = []
    for m in both():
        x = m.tensor([[0.5], [2.0]])
        y = x[m.tensor(1)]
        x.neg_()
        got.append((y.tolist(), tuple(y.shape)))
    assert got[0] == got[1]


@pytest.mark.parametrize("shape,dim", [((0,), 0), ((2, 0), 1), ((0, 3), 1)])
def test_softmax_of_an_empty_tensor_is_empty(shape, dim):
    got = []
    for m in both():
        x = m.zeros(*shape, requires_grad=True)
        y, z = x.softmax(dim), x.log_softmax(dim)
        (y.sum() + z.sum()).backward()
        got.append((tuple(y.shape), tuple(z.shape), tuple(x.grad.shape)))
    assert got[0] == got[1]


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_with_nan_gives_both_sides_the_gradient(op):
    got = []
    for m in both():
        a = m.tensor([float("nan"), 1.0, 2.0, 3.0], requires_grad=True)
        b = m.tensor([1.0, float("nan"), 2.0, 0.0], requires_grad=True)
        getattr(m, op)(a, b).sum().backward()
        got.append((a.grad.tolist(), b.grad.tolist()))
    assert got[0] == got[1]


def test_leaky_relu_at_nan_and_inf():
    got = []
    for m in both():
        x = m.tensor([float("nan"), -1.0, 0.0, 2.0, float("inf"), -float("inf")], requires_grad=True)
        y = m.nn.functional.leaky_relu(x, 0.2)
        y.sum().backward()
        got.append(y.tolist() + x.grad.tolist())
    np.testing.assert_allclose(got[0], got[1])


@pytest.mark.parametrize("tensor_exponent", [False, True])
def test_zero_exponent_masks_a_non_finite_incoming_gradient(tensor_exponent):
    # torch: where(exponent == 0, 0, grad * exponent * x ** (exponent - 1)); a NaN or inf grad
    # flowing into x ** 0 used to come out as NaN (grad * 0)
    got = []
    for m in both():
        x = m.tensor([-0.5, 0.0, 2.0], requires_grad=True)
        e = m.tensor([0.0, 0.0, 1.0]) if tensor_exponent else 0.0
        y = x**e
        (y * m.tensor([float("nan"), float("inf"), 1.0])).sum().backward()
        got.append(np.array(x.grad.tolist()))
    np.testing.assert_array_equal(got[0], got[1])


def test_copy_over_a_tensor_sends_zeros_to_its_old_history():
    # torch's CopyBackwards: the overwritten values get a zero gradient (not none), and their
    # history still runs, so an output it saved and copy_ overwrote is reported
    got = []
    for m in both():
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.copy_(m.ones(2, requires_grad=True))
        y.sum().backward()
        got.append(x.grad.tolist())
    assert got[0] == got[1] == [0.0, 0.0]

    def saved_output_overwritten(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()  # saves its output
        y.copy_(m.ones(2, requires_grad=True))
        y.sum().backward()

    assert_raises_like_torch(saved_output_overwritten, match="modified by an inplace operation")


@pytest.mark.parametrize("op", ["add_", "sub_", "mul_", "exp_", "relu_", "clamp_", "copy_", "neg_"])
def test_elementwise_in_place_on_an_expanded_tensor_is_refused(op):
    # found by the fuzzer: sub_ into an expanded view wrote every element to the same place
    args = {"add_": (1.0,), "sub_": (1.0,), "mul_": (2.0,), "clamp_": (0.0, 1.0)}

    def call(m):
        x = m.zeros(1).expand(3)
        if op == "copy_":
            return x.copy_(m.ones(3))
        return getattr(x, op)(*args.get(op, ()))

    assert_raises_like_torch(call, match="single memory location")


def test_fill_of_an_expanded_tensor_is_allowed_as_in_torch():
    got = []
    for m in both():
        base = m.zeros(1)
        base.expand(3).fill_(2.0)
        got.append(base.tolist())
    assert got[0] == got[1] == [2.0]


def test_operand_of_a_broadcast_batched_matmul_modified_in_place_is_caught():
    # a documented difference (fuzz_programs.DIFFERENCES "matmul_batched@inplace"): torch's
    # batched matmul saves copies of operands whose batch dims broadcast, so it misses the change
    # and differentiates with the old values; ferrograd saves the operands and refuses, naming
    # the op and the versions. Neither gives a wrong gradient.
    t = torch_module()
    xt, yt = t.ones(2, 1, 1, 1, requires_grad=True), t.full((2, 1, 1), 2.0)
    zt = xt @ yt
    yt.neg_()
    zt.sum().backward()
    assert xt.grad.flatten().tolist() == [4.0, 4.0]
    x, y = fg.ones(2, 1, 1, 1, requires_grad=True), fg.full((2, 1, 1), 2.0)
    z = x @ y
    y.neg_()
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*BmmBackward0"):
        z.sum().backward()


@pytest.mark.parametrize("mode", ["floor", "trunc"])
def test_rounded_division_needs_no_saved_operands(mode):
    # a documented difference (fuzz_programs.DIFFERENCES "div_floor@inplace"): torch's
    # DivBackward2 saves both operands for its zero gradients and refuses the backward once one
    # changed in place; ferrograd saves nothing and gives the zeros
    t = torch_module()
    xt, yt = t.tensor([7.0, -3.0]), t.tensor([2.0, 2.0], requires_grad=True)
    zt = xt.div(yt, rounding_mode=mode)
    xt.neg_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        zt.sum().backward()
    x, y = fg.tensor([7.0, -3.0]), fg.tensor([2.0, 2.0], requires_grad=True)
    z = x.div(y, rounding_mode=mode)
    x.neg_()
    z.sum().backward()
    assert y.grad.tolist() == [0.0, 0.0]


def test_view_of_an_elementwise_result_of_a_transposed_tensor():
    # a documented difference (fuzz_programs.DIFFERENCES "view@strided_result"): torch's result
    # keeps the transposed layout, so view fails there; ferrograd's result is contiguous
    t = torch_module()
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        t.arange(6.0).reshape(2, 3).t().neg().view(2, 3)
    got = fg.arange(6.0).reshape(2, 3).t().neg()
    assert got.is_contiguous()
    assert got.view(2, 3).tolist() == (-fg.arange(6.0).reshape(2, 3).t()).reshape(2, 3).tolist()


# --- op-table rows found by the registry-driven fuzzer ----------------------------------------


def _saved_operand_case(m, op, grads, modify):
    """``op`` of three float64 operands, those in ``grads`` requiring grad (through a mul, so they
    can be written in place), operand ``modify`` then written in place; the leaves' gradients
    after backward, or the exception backward raised."""
    vals = [[0.5, -1.5, 2.0], [1.25, 0.75, -0.5], [0.25, 0.5, 0.875]]
    leaves = [m.tensor(v, dtype=m.float64, requires_grad=i in grads) for i, v in enumerate(vals)]
    xs = [t * 1.0 for t in leaves]
    fns = {
        "hypot": lambda a, b, c: m.hypot(a, b),
        "atan2": lambda a, b, c: a.atan2(b),
        "copysign": lambda a, b, c: m.copysign(a, b),
        "xlogy": lambda a, b, c: m.xlogy(a, b.abs() + 0.5),
        "fmax": lambda a, b, c: m.fmax(a, b),
        "logaddexp": lambda a, b, c: m.logaddexp(a, b),
        "lerp": lambda a, b, c: m.lerp(a, b, c),
        "lerp_number": lambda a, b, c: a.lerp(b, 0.25),
    }
    out = fns[op](*xs)
    xs[modify].mul_(2.0)
    try:
        (out * m.tensor([1.0, -2.0, 0.5], dtype=m.float64)).sum().backward()
    except RuntimeError as e:
        return type(e)
    return [None if t.grad is None else t.grad.tolist() for t in leaves]


@pytest.mark.parametrize(
    "op, grads, modify",
    [
        # torch saves what exactly one gradient reads only when that gradient is needed...
        ("hypot", {1}, 0),
        ("hypot", {0}, 1),
        ("copysign", {1}, 0),
        ("lerp", {0, 1}, 0),
        ("lerp", {0, 1}, 1),
        ("lerp_number", {1}, 0),
        # ...and what two gradients read always, or what the needed gradient reads
        ("hypot", {1}, 1),
        ("copysign", {0}, 0),
        ("atan2", {1}, 0),
        ("xlogy", {1}, 0),
        ("fmax", {0}, 1),
        ("logaddexp", {1}, 0),
        ("lerp", {0, 1}, 2),
        ("lerp", {2}, 2),
        ("lerp", {2}, 0),
    ],
)
def test_table_rows_version_check_only_what_the_needed_gradients_read(op, grads, modify):
    # hypot(x, y) with only y requiring grad, then x written in place, raised at backward; torch's
    # generated code saves (and checks) a value exactly one gradient reads only when that gradient
    # is needed, and the table's rows now save per needed gradient too
    got, want = (_saved_operand_case(m, op, grads, modify) for m in both())
    assert got == want, (got, want)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_atan2_gradients_at_the_origin_are_zero(dtype):
    # ferrograd's b / (a^2 + b^2) gave NaN there; torch's reciprocal is zeroed where infinite
    got = []
    for m in both():
        a = m.tensor([0.0, -0.0, 0.0, 1e-30, 1.0], dtype=getattr(m, dtype), requires_grad=True)
        b = m.tensor([0.0, 0.0, -0.0, 1e-30, -2.0], dtype=getattr(m, dtype), requires_grad=True)
        m.atan2(a, b).backward(m.ones(5, dtype=getattr(m, dtype)))
        got.append(
            (a.grad.tolist(), b.grad.tolist(), np.signbit(a.grad.tolist()), np.signbit(b.grad.tolist()))
        )
    np.testing.assert_equal(got[0], got[1])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_xlogy_gradient_at_zero_input_is_log_other(dtype):
    # ferrograd masked the gradient to 0 wherever input was 0; torch only where other <= 0 too
    got = []
    for m in both():
        x = m.tensor([0.0, 0.0, 0.0, 0.0, 1.0, 2.0], dtype=getattr(m, dtype), requires_grad=True)
        y = m.tensor([2.0, 0.0, -1.0, float("nan"), 3.0, 0.5], dtype=getattr(m, dtype), requires_grad=True)
        (m.xlogy(x, y) * m.tensor([1.0, 2.0, 0.0, 1.0, -1.0, 0.5], dtype=getattr(m, dtype))).sum().backward()
        got.append((x.grad.tolist(), y.grad.tolist()))
    np.testing.assert_allclose(np.array(got[0], dtype=float), np.array(got[1], dtype=float), rtol=1e-6)
    for m in both():  # the number-other form (XlogyBackward2) takes the same rule
        x = m.tensor([0.0, 1.0], requires_grad=True)
        m.xlogy(x, 2.0).sum().backward()
        got.append(x.grad.tolist())
    np.testing.assert_allclose(got[2], got[3], rtol=1e-6)


def test_bool_operands_of_negation_and_subtraction_raise_not_implemented_as_torch():
    # torch raises NotImplementedError (a RuntimeError); ferrograd raised a plain RuntimeError,
    # in the forward and in a backward that negates a bool operand (atan2(bool, x))
    def atan2_backward(m):
        x = m.tensor([1.0, -2.0], requires_grad=True)
        m.atan2(x > 0, x).sum().backward()

    def logaddexp_backward(m):
        x = m.tensor([1.0, -2.0], requires_grad=True)
        m.logaddexp(x > 0, x).sum().backward()

    cases = [
        lambda m: -m.tensor([True, False]),
        lambda m: m.tensor([True]).neg_(),
        lambda m: m.tensor([True]) - m.tensor([1.0]),
        lambda m: 1 - m.tensor([True]),
        lambda m: m.tensor([1.0]).sub_(m.tensor([True])),
        atan2_backward,
        logaddexp_backward,
    ]
    for fn in cases:
        _, t_exc = assert_raises_like_torch(fn)  # ferrograd's is an instance of torch's type
        assert type(t_exc) is NotImplementedError


@pytest.mark.parametrize("op", ["logical_and_", "logical_or_", "logical_xor_"])
def test_logical_inplace_into_a_tensor_requiring_grad_keeps_its_history(op):
    # torch does not differentiate logical_and_ & co: the values change, the version moves and
    # the history stays (the gradient is the overwritten value's); ferrograd recorded a
    # WhereBackward0 with a zero gradient, and refused a leaf
    got = []
    for m in both():
        leaf = m.tensor([1.0, 2.0, 0.0], requires_grad=True)
        x = leaf * 2.0
        v = x._version
        getattr(x, op)(m.tensor([0.5, 0.0, 1.0]))
        x.exp().sum().backward()
        leaf2 = m.tensor([1.0, 0.0], requires_grad=True)
        getattr(leaf2, op)(m.tensor(True))
        got.append((x.tolist(), x.grad_fn.name(), x._version - v, leaf.grad.tolist(), leaf2.tolist()))
    assert got[0] == got[1]


@pytest.mark.parametrize("op", ["fmax", "fmin"])
def test_fmax_fmin_split_a_tie_gradient_as_torch(op):
    # ferrograd gave a tie's gradient to input alone; torch halves it (-0.0 == 0.0 is a tie, and
    # where both are NaN input gets it); found by the fuzzer as fmax(False, 0.0)
    nan = float("nan")
    got = []
    for m in both():
        a = m.tensor([nan, 0.0, -0.0, 3.0, 2.0, nan, 1.0], dtype=m.float64, requires_grad=True)
        x = m.tensor([nan, -0.0, 0.0, 2.0, 3.0, 1.0, nan], dtype=m.float64, requires_grad=True)
        w = m.tensor([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0], dtype=m.float64)
        (getattr(m, op)(a, x) * w).sum().backward()
        y = m.tensor([0.0, 1.0, 2.0], requires_grad=True)
        getattr(m, op)(m.tensor([False, True, True]), y).sum().backward()
        got.append((a.grad.tolist(), x.grad.tolist(), y.grad.tolist()))
    np.testing.assert_equal(got[0], got[1])
