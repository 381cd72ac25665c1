"""ferrograd.nn modules against torch.nn: the same weights (copied through state_dicts) give the
same outputs and the same gradients of inputs and parameters; module tree, state_dict, repr,
train/eval, to(device), Parameter, containers, init and clip_grad_norm_."""

import copy
import math
from collections import OrderedDict

import ferrograd as fg
import numpy as np
import pytest
from ferrograd import nn
from helpers import TOLS, assert_raises_like_torch, to_numpy
from test_nn_functional import assert_raises_like_torch_hostile, assert_same_result_as_torch

torch = pytest.importorskip("torch")

WGPU = fg.wgpu.is_available()


def to_fg(t, device="cpu"):
    return fg.from_numpy(np.array(t.detach().numpy(), copy=True)).to(device)


def load_from_torch(fm, tm, device="cpu"):
    fm.load_state_dict({k: to_fg(v, device) for k, v in tm.state_dict().items()})


def assert_close(a, b, dtype, err=""):
    tol = TOLS[dtype]
    b = b.detach().numpy()
    scale = max(1.0, float(np.abs(b).max()) if b.size else 1.0)
    np.testing.assert_allclose(
        to_numpy(a), b, rtol=tol["rtol"] * 10, atol=tol["atol"] * 10 * scale, err_msg=err
    )


def parity(make, shape, dtype="float32", device="cpu", x=None, train=True, steps=1):
    """Build the module in both libraries, copy torch's weights, and compare forward + backward."""
    tdt = getattr(torch, dtype)
    tm = make(torch.nn).to(tdt)
    fm = make(nn).to(getattr(fg, dtype))
    load_from_torch(fm, tm)
    fm.to(device)
    tm.train(train)
    fm.train(train)
    rng = np.random.default_rng(0)
    for _ in range(steps):
        xa = rng.uniform(-2, 2, shape) if x is None else x
        tx = torch.tensor(xa, dtype=tdt if x is None or xa.dtype != np.int64 else torch.int64)
        if tx.is_floating_point():
            tx.requires_grad_()
        fx = to_fg(tx, device)
        if fx.is_floating_point():
            fx.requires_grad_()
        to = tm(tx)
        fo = fm(fx)
        assert_close(fo, to, dtype, "forward")
        w = rng.uniform(-1, 1, tuple(to.shape))
        (to * torch.tensor(w, dtype=tdt)).sum().backward()
        (fo * fg.tensor(w, dtype=getattr(fg, dtype), device=device)).sum().backward()
        if tx.requires_grad:
            assert_close(fx.grad, tx.grad, dtype, "input grad")
    tparams = dict(tm.named_parameters())
    fparams = dict(fm.named_parameters())
    assert list(tparams) == list(fparams)
    for name, tp in tparams.items():
        assert_close(fparams[name].grad, tp.grad, dtype, f"grad of {name}")
    for name, tb in tm.state_dict().items():
        assert_close(fm.state_dict()[name], tb, dtype, f"state {name}")
    return fm, tm


CASES = {
    "linear": (lambda n: n.Linear(4, 3), (5, 4)),
    "linear_nobias_3d": (lambda n: n.Linear(4, 2, bias=False), (2, 3, 4)),
    "mlp": (
        lambda n: n.Sequential(n.Linear(4, 8), n.ReLU(), n.Linear(8, 8), n.Tanh(), n.Linear(8, 2)),
        (6, 4),
    ),
    "gelu": (lambda n: n.Sequential(n.Linear(4, 5), n.GELU(), n.Linear(5, 5), n.GELU("tanh")), (3, 4)),
    "acts": (lambda n: n.Sequential(n.Sigmoid(), n.SiLU(), n.LeakyReLU(0.1), n.ELU(), n.Softplus()), (3, 4)),
    "softmax": (lambda n: n.Sequential(n.Linear(4, 5), n.Softmax(dim=1)), (3, 4)),
    "log_softmax": (lambda n: n.Sequential(n.Linear(4, 5), n.LogSoftmax(dim=-1)), (3, 4)),
    "flatten": (lambda n: n.Sequential(n.Flatten(), n.Linear(12, 2)), (2, 3, 4)),
    "layernorm": (lambda n: n.LayerNorm(4), (3, 4)),
    "layernorm_2d": (lambda n: n.LayerNorm((3, 4), eps=1e-3), (2, 3, 4)),
    "layernorm_noaffine": (lambda n: n.LayerNorm(4, elementwise_affine=False), (3, 4)),
    "batchnorm1d": (lambda n: n.BatchNorm1d(4), (6, 4)),
    "batchnorm1d_3d": (lambda n: n.BatchNorm1d(3, momentum=0.3), (4, 3, 5)),
    "batchnorm1d_cma": (lambda n: n.BatchNorm1d(3, momentum=None), (4, 3)),
    "batchnorm2d": (lambda n: n.BatchNorm2d(3), (2, 3, 4, 5)),
    "batchnorm2d_noaffine": (lambda n: n.BatchNorm2d(3, affine=False), (2, 3, 4, 5)),
    "batchnorm2d_nostats": (lambda n: n.BatchNorm2d(3, track_running_stats=False), (2, 3, 4, 5)),
    "conv": (lambda n: n.Conv2d(3, 4, 3), (2, 3, 6, 7)),
    "conv_opts": (
        lambda n: n.Conv2d(4, 6, (3, 2), stride=2, padding=(1, 2), dilation=(2, 1), groups=2),
        (2, 4, 9, 8),
    ),
    "conv_same_nobias": (lambda n: n.Conv2d(2, 3, 3, padding="same", bias=False), (1, 2, 5, 5)),
    "cnn": (
        lambda n: n.Sequential(
            n.Conv2d(1, 4, 3, padding=1),
            n.BatchNorm2d(4),
            n.ReLU(),
            n.MaxPool2d(2),
            n.Conv2d(4, 4, 3),
            n.AvgPool2d(2, padding=1),
            n.AdaptiveAvgPool2d((1, 1)),
            n.Flatten(),
            n.Linear(4, 3),
        ),
        (2, 1, 10, 10),
    ),
    "maxpool": (lambda n: n.MaxPool2d(3, stride=2, padding=1), (2, 3, 7, 7)),
    "avgpool": (lambda n: n.AvgPool2d((2, 3), stride=1, count_include_pad=False, padding=1), (2, 3, 5, 6)),
    "dropout_eval": (lambda n: n.Sequential(n.Linear(4, 4), n.Dropout(0.5)), (3, 4)),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_module_parity(case, dt):
    make, shape = CASES[case]
    train = case != "dropout_eval"
    parity(make, shape, dt, train=train, steps=2 if "batchnorm" in case else 1)


@pytest.mark.parametrize("case", ["batchnorm1d", "batchnorm2d", "cnn"])
def test_module_parity_eval_after_training(case):
    make, shape = CASES[case]
    fm, tm = parity(make, shape, "float64", steps=2)
    fm.eval()
    tm.eval()
    x = np.random.default_rng(5).uniform(-2, 2, shape)
    assert_close(fm(fg.tensor(x)), tm(torch.tensor(x)), "float64")
    assert int(fm.state_dict()[next(k for k in fm.state_dict() if k.endswith("num_batches_tracked"))]) == 2


@pytest.mark.skipif(not WGPU, reason="no wgpu adapter")
@pytest.mark.parametrize("case", ["mlp", "conv_opts", "batchnorm2d", "layernorm", "maxpool"])
def test_module_parity_wgpu(case):
    make, shape = CASES[case]
    fm, _ = parity(make, shape, "float32", device="wgpu")
    assert all(p.device.type == "wgpu" for p in fm.parameters())


def test_embedding_parity():
    idx = np.array([[0, 3, 5], [5, 1, 0]], dtype=np.int64)
    for make in (lambda n: n.Embedding(6, 3), lambda n: n.Embedding(6, 3, padding_idx=5)):
        tm = make(torch.nn)
        fm = make(nn)
        load_from_torch(fm, tm)
        to, fo = tm(torch.tensor(idx)), fm(fg.tensor(idx))
        assert_close(fo, to, "float32")
        w = np.random.default_rng(0).uniform(-1, 1, tuple(to.shape)).astype(np.float32)
        (to * torch.tensor(w)).sum().backward()
        (fo * fg.tensor(w)).sum().backward()
        assert_close(fm.weight.grad, tm.weight.grad, "float32")
    e = nn.Embedding(4, 2, padding_idx=1)
    np.testing.assert_array_equal(to_numpy(e.weight[1]), [0.0, 0.0])
    frozen = nn.Embedding.from_pretrained(fg.ones(3, 2))
    assert not frozen.weight.requires_grad


def test_dropout_module_train_eval():
    d = nn.Dropout(0.5)
    x = fg.ones(2000)
    fg.manual_seed(1)
    y = d(x)
    frac = float((y == 0).sum()) / 2000
    assert 0.4 < frac < 0.6
    d.eval()
    assert d(x) is x
    with pytest.raises(ValueError):
        nn.Dropout(2.0)


# ---- Parameter ----------------------------------------------------------------------------------


def test_parameter_is_a_tensor_leaf():
    data = fg.tensor([1.0, 2.0], dtype=fg.float64)
    p = nn.Parameter(data)
    assert isinstance(p, fg.Tensor) and isinstance(p, nn.Parameter)
    assert p.requires_grad and p.is_leaf and p.dtype == fg.float64
    assert p.data_ptr() == data.data_ptr()  # shares storage, as torch.nn.Parameter does
    y = (p * p).sum()
    y.backward()
    np.testing.assert_allclose(to_numpy(p.grad), [2.0, 4.0])
    assert y.grad_fn.next_functions[0][0].next_functions[0][0].variable is p
    assert not isinstance(p * 2, nn.Parameter)
    assert repr(p).startswith("Parameter containing:\ntensor([1., 2.]")
    assert not nn.Parameter(fg.ones(2), requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q.data_ptr() != p.data_ptr() and q.requires_grad


def test_parameter_registration_rules():
    m = nn.Module()
    m.w = nn.Parameter(fg.ones(2))
    assert dict(m.named_parameters()).keys() == {"w"}
    with pytest.raises(TypeError):
        m.w = fg.ones(2)  # a plain tensor in a parameter slot
    m.w = None
    assert list(m.parameters()) == []
    m.register_buffer("b", fg.zeros(1))
    m.b = fg.ones(1)
    assert float(m.b) == 1.0 and "b" in m.state_dict()
    with pytest.raises(KeyError):
        m.register_parameter("a.b", None)
    with pytest.raises(TypeError):
        m.register_buffer("c", 3)

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(fg.ones(1))

    with pytest.raises(AttributeError):
        Early()


# ---- module tree ----------------------------------------------------------------------------------


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
        self.heads = nn.ModuleList([nn.Linear(8, 2), nn.Linear(8, 3)])
        self.extra = nn.ModuleDict({"norm": nn.LayerNorm(8)})
        self.scale = nn.Parameter(fg.ones(1))
        self.register_buffer("steps", fg.zeros(1))
        self.register_buffer("tmp", fg.zeros(1), persistent=False)

    def forward(self, x):
        h = self.extra["norm"](self.features(x)) * self.scale
        return [head(h) for head in self.heads]


def test_module_tree():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == [
        "scale",
        "features.0.weight",
        "features.0.bias",
        "heads.0.weight",
        "heads.0.bias",
        "heads.1.weight",
        "heads.1.bias",
        "extra.norm.weight",
        "extra.norm.bias",
    ]
    assert [n for n, _ in net.named_buffers()] == ["steps", "tmp"]
    assert [n for n, _ in net.named_children()] == ["features", "heads", "extra"]
    assert [n for n, _ in net.named_modules()] == [
        "",
        "features",
        "features.0",
        "features.1",
        "heads",
        "heads.0",
        "heads.1",
        "extra",
        "extra.norm",
    ]
    assert len(list(net.modules())) == 9 and len(list(net.children())) == 3
    assert list(net.state_dict()) == names[:1] + ["steps"] + names[1:]
    assert net.get_submodule("heads.1") is net.heads[1]
    assert net.get_parameter("extra.norm.bias") is net.extra["norm"].bias
    # shared modules and parameters are listed once
    shared = nn.Sequential(net.heads[0], net.heads[0])
    assert len(list(shared.parameters())) == 2


def test_train_eval_and_apply():
    net = Net()
    assert net.training and net.heads[1].training
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen.count("Linear") == 3


def test_zero_grad():
    net = Net()
    out = net(fg.randn(2, 4))
    (out[0].sum() + out[1].sum()).backward()
    assert all(p.grad is not None for p in net.parameters())
    g = net.scale.grad
    net.zero_grad(set_to_none=False)
    assert net.scale.grad is g and float(g.abs().sum()) == 0.0
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_repr_matches_torch():
    def make(n):
        return n.Sequential(
            n.Conv2d(1, 4, 3, stride=2, padding=1, bias=False),
            n.BatchNorm2d(4),
            n.ReLU(inplace=True),
            n.MaxPool2d(2),
            n.Flatten(),
            n.Dropout(0.25),
            n.Linear(16, 10),
            n.GELU(approximate="tanh"),
            n.LayerNorm(10),
            n.Embedding(5, 2, padding_idx=0),
            n.Softmax(dim=1),
            n.ModuleList([n.Tanh(), n.Sigmoid()]),
            n.ModuleDict({"a": n.Identity()}),
            n.AvgPool2d(2),
            n.CrossEntropyLoss(),
        )

    assert repr(make(nn)) == repr(make(torch.nn))


def test_state_dict_round_trip_and_sharing():
    a, b = Net(), Net()
    sd = a.state_dict()
    assert isinstance(sd, OrderedDict)
    assert all(not t.requires_grad for t in sd.values())
    assert sd["scale"].data_ptr() == a.scale.data_ptr()  # detached views of the parameters
    result = b.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (n1, t1), (n2, t2) in zip(a.state_dict().items(), b.state_dict().items()):
        assert n1 == n2
        np.testing.assert_array_equal(to_numpy(t1), to_numpy(t2))
    x = fg.randn(3, 4)
    for o1, o2 in zip(a(x), b(x)):
        np.testing.assert_array_equal(to_numpy(o1), to_numpy(o2))
    # loading does not replace the Parameter objects
    p = b.heads[0].weight
    b.load_state_dict(a.state_dict())
    assert b.heads[0].weight is p and p.requires_grad


def test_state_dict_into_torch_and_back():
    fm = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    tm.load_state_dict({k: torch.from_numpy(to_numpy(v)) for k, v in fm.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    assert_close(fm(fg.tensor(x)), tm(torch.tensor(x)), "float32")


def test_load_state_dict_errors_like_torch():
    def sd(m):
        return m.nn.Linear(3, 2).state_dict()

    # missing key
    f, t = assert_raises_like_torch(lambda m: m.nn.Linear(3, 2).load_state_dict({"weight": m.zeros(2, 3)}))
    assert str(f).replace("ferrograd", "torch") == str(t)
    # unexpected key
    f, t = assert_raises_like_torch(
        lambda m: m.nn.Linear(3, 2).load_state_dict({**sd(m), "extra": m.zeros(1)}),
    )
    assert str(f) == str(t)
    # size mismatch (raised even with strict=False)
    f, t = assert_raises_like_torch(
        lambda m: m.nn.Linear(3, 2).load_state_dict(
            {"weight": m.zeros(2, 4), "bias": m.zeros(2)}, strict=False
        ),
    )
    assert "size mismatch for weight" in str(f)
    # non-strict reports the keys
    r = nn.Linear(3, 2).load_state_dict({"weight": fg.zeros(2, 3), "junk": fg.zeros(1)}, strict=False)
    tr = torch.nn.Linear(3, 2).load_state_dict(
        {"weight": torch.zeros(2, 3), "junk": torch.zeros(1)}, strict=False
    )
    assert (r.missing_keys, r.unexpected_keys) == (tr.missing_keys, tr.unexpected_keys)


def test_to_dtype_and_double():
    m = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    m.double()
    assert all(p.dtype == fg.float64 for p in m.parameters())
    assert m[1].num_batches_tracked.dtype == fg.int64
    p = m[0].weight
    m.to(fg.float32)
    assert m[0].weight is p and p.dtype == fg.float32
    with pytest.raises(TypeError):
        m.to(fg.int64)


@pytest.mark.skipif(not WGPU, reason="no wgpu adapter")
def test_to_wgpu_and_back():
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1))
    p = m[0].weight
    x = fg.randn(5, 3)
    ref = m(x)
    ref.sum().backward()
    assert m.to("wgpu") is m
    assert m[0].weight is p and p.device.type == "wgpu" and p.grad.device.type == "wgpu"
    assert all(b.device.type == "wgpu" for b in m.buffers())
    m.zero_grad()
    out = m(x.to("wgpu"))
    out.sum().backward()
    assert p.grad.device.type == "wgpu"
    m.cpu()
    assert all(t.device.type == "cpu" for t in m.state_dict().values())
    np.testing.assert_allclose(to_numpy(out), to_numpy(ref), rtol=1e-4, atol=1e-5)


def test_containers():
    seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear)
    assert isinstance(seq[:2], nn.Sequential) and len(seq[:2]) == 2
    seq.append(nn.Sigmoid())
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2", "3"]
    del seq[1]
    assert [type(m).__name__ for m in seq] == ["Linear", "Linear", "Sigmoid"]
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert named.fc is named[0]
    with pytest.raises(IndexError):
        seq[5]

    ml = nn.ModuleList([nn.Linear(1, 1)])
    ml.append(nn.ReLU())
    ml.extend([nn.Tanh()])
    ml.insert(0, nn.Identity())
    assert [type(m).__name__ for m in ml] == ["Identity", "Linear", "ReLU", "Tanh"]
    assert len(list(ml.parameters())) == 2
    with pytest.raises(TypeError):
        ml.extend(nn.ReLU())

    md = nn.ModuleDict({"a": nn.Linear(1, 1)})
    md["b"] = nn.ReLU()
    md.update([("c", nn.Tanh())])
    assert list(md.keys()) == ["a", "b", "c"] and "b" in md and len(md) == 3
    assert md.pop("b").__class__ is nn.ReLU and list(md) == ["a", "c"]

    pl = nn.ParameterList([fg.ones(2), nn.Parameter(fg.zeros(1))])
    assert len(pl) == 2 and isinstance(pl[0], nn.Parameter)
    assert [n for n, _ in pl.named_parameters()] == ["0", "1"]


def test_forward_hooks():
    lin = nn.Linear(2, 2)
    calls = []
    h = lin.register_forward_hook(lambda mod, args, out: calls.append(out.shape) or out * 0)
    pre = lin.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    out = lin(fg.ones(3, 2))
    assert calls == [(3, 2)] and float(out.abs().sum()) == 0.0
    h.remove()
    pre.remove()
    # removed: the module computes its plain output again
    x = fg.ones(1, 2)
    assert lin(x).tolist() == fg.nn.functional.linear(x, lin.weight, lin.bias).tolist()
    assert calls == [(3, 2)]


def test_missing_forward_raises():
    with pytest.raises(NotImplementedError):
        nn.Module()(fg.ones(1))


def test_bad_input_errors_like_torch():
    assert_raises_like_torch(lambda m: m.nn.Linear(3, 2)(m.ones(4, 5)))
    assert_raises_like_torch(lambda m: m.nn.BatchNorm2d(3)(m.ones(2, 3)))
    assert_raises_like_torch(lambda m: m.nn.BatchNorm1d(3)(m.ones(2, 3, 4, 5)))
    assert_raises_like_torch(lambda m: m.nn.Conv2d(3, 2, 3)(m.ones(1, 4, 5, 5)))
    assert_raises_like_torch(lambda m: m.nn.Conv2d(3, 2, 3, groups=2))
    assert_raises_like_torch(lambda m: m.nn.Conv2d(2, 2, 3, stride=2, padding="same"))
    assert_raises_like_torch(lambda m: m.nn.LayerNorm(4)(m.ones(2, 3)))
    assert_raises_like_torch(lambda m: m.nn.Embedding(3, 2)(m.tensor([3])))


def _img(m):
    return m.ones(1, 2, 4, 4)


# Modules built with hostile arguments or called with hostile inputs (as the hostile-input sweep
# does): torch's exception type.
MODULE_HOSTILE_RAISES = {
    # a channel count that is a tensor: torch's ``if in_channels % groups != 0`` needs its truth value
    "conv2d_tensor_in_channels": lambda m: m.nn.Conv2d(m.ones(2, 3), 3, 2),
    "conv2d_empty_tensor_out_channels": lambda m: m.nn.Conv2d(2, m.zeros(0), 2),
    "conv2d_0d_float_in_channels": lambda m: m.nn.Conv2d(m.tensor(-1.25), 3, 2),
    # sizes that are tensors go through torch's _pair as their elements
    "conv2d_tensor_padding": lambda m: m.nn.Conv2d(2, 3, 2, padding=m.tensor([5, -7]))(_img(m)),
    "conv2d_tensor_stride": lambda m: m.nn.Conv2d(2, 3, 2, stride=m.tensor([5, -7]))(_img(m)),
    "conv2d_huge_padding": lambda m: m.nn.Conv2d(2, 3, 2, padding=2**62)(_img(m)),
    "layer_norm_tensor_shape": lambda m: m.nn.LayerNorm(m.tensor([5, -7]), elementwise_affine=False)(
        m.ones(2, 3)
    ),
    "layer_norm_double_input": lambda m: m.nn.LayerNorm(3)(m.ones(2, 3, dtype=m.float64)),
    "batch_norm1d_tuple_features": lambda m: m.nn.BatchNorm1d((1, 2))(m.ones(2, 3)),
    "batch_norm1d_negative_tuple_features": lambda m: m.nn.BatchNorm1d((2, -2)),
    "batch_norm2d_list_features": lambda m: m.nn.BatchNorm2d([1, 2])(_img(m)),
    "batch_norm2d_tensor_momentum": lambda m: m.nn.BatchNorm2d(2, momentum=m.ones(2, 3))(_img(m)),
    "batch_norm1d_double_input": lambda m: m.nn.BatchNorm1d(3)(m.ones(2, 3, dtype=m.float64)),
    "avg_pool2d_tensor_stride": lambda m: m.nn.AvgPool2d(2, stride=m.zeros(0))(_img(m)),
    "avg_pool2d_2d_input": lambda m: m.nn.AvgPool2d(2)(m.ones(4, 3)),
    "adaptive_avg_pool2d_2d_input": lambda m: m.nn.AdaptiveAvgPool2d((2, 2))(m.ones(4, 3)),
    "adaptive_avg_pool2d_matrix_size": lambda m: m.nn.AdaptiveAvgPool2d(m.ones(4, 3))(_img(m)),
    "embedding_bool_padding_idx": lambda m: m.nn.Embedding(5, 3, padding_idx=True)(m.tensor([0, 1])),
    "linear_0d_input": lambda m: m.nn.Linear(3, 4)(m.tensor(1.0)),
    "softmax_bool_dim": lambda m: m.nn.Softmax(dim=True)(m.ones(2, 3)),
    "log_softmax_long_input": lambda m: m.nn.LogSoftmax(1)(m.ones(2, 3, dtype=m.int64)),
    "gelu_bool_input": lambda m: m.nn.GELU()(m.ones(2, 3, dtype=m.bool)),
    "dropout_nan": lambda m: m.nn.Dropout(float("nan"))(m.ones(2, 3)),
    "cross_entropy_tensor_smoothing": lambda m: m.nn.CrossEntropyLoss(label_smoothing=m.ones(3))(
        m.ones(2, 3), m.tensor([0, 1])
    ),
    "nll_loss_target_batch": lambda m: m.nn.NLLLoss()(m.ones(2, 3), m.ones(3)),
    "parameter_str_requires_grad": lambda m: m.nn.Parameter(m.ones(2), requires_grad="abc"),
    "parameter_long_requires_grad": lambda m: m.nn.Parameter(m.ones(2, dtype=m.int64)),
    "conv2d_list_padding_mode": lambda m: m.nn.Conv2d(2, 3, 2, padding_mode=[1, 2]),
    "huber_loss_tensor_delta": lambda m: m.nn.HuberLoss(delta=m.tensor(0.5)),
    "bce_loss_double_target": lambda m: m.nn.BCELoss()(m.full((2,), 0.5), m.full((2,), 0.5, dtype=m.float64)),
}


@pytest.mark.parametrize("name", sorted(MODULE_HOSTILE_RAISES))
def test_module_hostile_arguments_raise_like_torch(name):
    assert_raises_like_torch_hostile(MODULE_HOSTILE_RAISES[name])


MODULE_HOSTILE_RESULTS = {
    "elu_0d_alpha": lambda m: m.nn.ELU(alpha=m.tensor(0.5))(m.tensor([-1.0, 2.0])),
    "leaky_relu_0d_slope": lambda m: m.nn.LeakyReLU(m.tensor(0.2))(m.tensor([-1.0, 2.0])),
    "softplus_0d_beta": lambda m: m.nn.Softplus(beta=m.tensor(2.0))(m.tensor([-1.0, 2.0])),
    "adaptive_avg_pool2d_zero": lambda m: m.nn.AdaptiveAvgPool2d(0)(_img(m)),
    "cross_entropy_negative_smoothing": lambda m: m.nn.CrossEntropyLoss(label_smoothing=-1)(
        m.tensor([[1.0, 2.0, 0.5], [0.1, 0.2, 0.3]]), m.tensor([0, 1])
    ),
    "huber_double_target": lambda m: m.nn.HuberLoss()(m.ones(2, 3), m.zeros(2, 3, dtype=m.float64)),
    "bce_with_logits_double_input": lambda m: m.nn.BCEWithLogitsLoss()(
        m.ones(2, 3, dtype=m.float64), m.full((2, 3), 0.5)
    ),
}


@pytest.mark.parametrize("name", sorted(MODULE_HOSTILE_RESULTS))
def test_module_hostile_arguments_give_torch_result(name):
    assert_same_result_as_torch(MODULE_HOSTILE_RESULTS[name])


def test_batch_norm_module_empty_batch_like_torch():
    # an empty batch is no error in torch (its running statistics stay as they are)
    fm, tm = nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)
    out, want = fm(fg.ones(0, 3)), tm(torch.ones(0, 3))
    assert tuple(out.shape) == tuple(want.shape) and out.requires_grad == want.requires_grad
    np.testing.assert_array_equal(to_numpy(fm.running_mean), tm.running_mean.numpy())


# ---- init ------------------------------------------------------------------------------------------


def test_default_initialisation_bounds():
    fg.manual_seed(0)
    lin = nn.Linear(100, 50)
    bound = 1 / math.sqrt(100)  # kaiming_uniform_(a=sqrt(5)) gives the same bound as the bias
    w, b = to_numpy(lin.weight), to_numpy(lin.bias)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(b).max() <= bound and np.abs(w).std() > 0.5 * bound / math.sqrt(3)
    conv = nn.Conv2d(4, 8, 3)
    cb = 1 / math.sqrt(4 * 9)
    assert np.abs(to_numpy(conv.weight)).max() <= cb and np.abs(to_numpy(conv.bias)).max() <= cb
    emb = to_numpy(nn.Embedding(1000, 8).weight)
    assert abs(emb.mean()) < 0.05 and abs(emb.std() - 1) < 0.05
    # seeding makes initialisation reproducible
    fg.manual_seed(3)
    a = to_numpy(nn.Linear(5, 5).weight)
    fg.manual_seed(3)
    np.testing.assert_array_equal(a, to_numpy(nn.Linear(5, 5).weight))


def test_init_functions():
    t = fg.empty(200, 300)
    nn.init.uniform_(t, -2, 3)
    v = to_numpy(t)
    assert v.min() >= -2 and v.max() < 3 and abs(v.mean() - 0.5) < 0.05
    nn.init.normal_(t, 1.0, 0.5)
    v = to_numpy(t)
    assert abs(v.mean() - 1) < 0.01 and abs(v.std() - 0.5) < 0.01
    nn.init.xavier_uniform_(t, gain=2.0)
    a = 2.0 * math.sqrt(6 / 500)
    assert np.abs(to_numpy(t)).max() <= a and np.abs(to_numpy(t)).max() > 0.95 * a
    nn.init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu")
    a = math.sqrt(2) * math.sqrt(3 / 200)
    assert np.abs(to_numpy(t)).max() <= a and np.abs(to_numpy(t)).max() > 0.95 * a
    nn.init.kaiming_normal_(t)
    assert abs(to_numpy(t).std() - math.sqrt(2 / 300)) < 0.01
    nn.init.constant_(t, 0.25)
    assert np.all(to_numpy(t) == 0.25)
    nn.init.zeros_(t)
    assert not to_numpy(t).any()
    nn.init.ones_(t)
    assert np.all(to_numpy(t) == 1)
    p = nn.Parameter(fg.zeros(3, 3))
    nn.init.eye_(p)
    assert p.requires_grad and p.is_leaf and np.array_equal(to_numpy(p), np.eye(3))
    for gain_args in [("relu",), ("tanh",), ("leaky_relu", 0.2), ("linear",), ("selu",)]:
        assert nn.init.calculate_gain(*gain_args) == pytest.approx(torch.nn.init.calculate_gain(*gain_args))
    with pytest.raises(ValueError):
        nn.init.xavier_uniform_(fg.ones(3))


# ---- clip_grad_norm_ -------------------------------------------------------------------------------


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(s) for s in [(3, 4), (4,), (2, 2, 2)]]
    fps = [fg.zeros(g.shape, dtype=fg.float64, requires_grad=True) for g in grads]
    tps = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for fp, tp, g in zip(fps, tps, grads):
        fp.grad = fg.tensor(g)
        tp.grad = torch.tensor(g)
    fn = nn.utils.clip_grad_norm_(fps, max_norm, norm_type)
    tn = torch.nn.utils.clip_grad_norm_(tps, max_norm, norm_type)
    assert float(fn) == pytest.approx(float(tn), rel=1e-12)
    for fp, tp in zip(fps, tps):
        np.testing.assert_allclose(to_numpy(fp.grad), tp.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_single_tensor_nonfinite_and_value():
    p = fg.zeros(2, requires_grad=True)
    p.grad = fg.tensor([3.0, 4.0])
    assert float(nn.utils.clip_grad_norm_(p, 1.0)) == pytest.approx(5.0)
    np.testing.assert_allclose(to_numpy(p.grad), [0.6, 0.8], rtol=1e-5)
    p.grad = fg.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    p.grad = fg.tensor([3.0, -4.0])
    nn.utils.clip_grad_value_([p], 1.0)
    np.testing.assert_array_equal(to_numpy(p.grad), [1.0, -1.0])
    q = fg.zeros(1, requires_grad=True)
    assert float(nn.utils.clip_grad_norm_([q], 1.0)) == 0.0


def test_training_loop_matches_torch():
    """A few SGD steps of a small CNN classifier stay in lockstep with torch."""

    def make(n):
        return n.Sequential(
            n.Conv2d(1, 3, 3, padding=1), n.ReLU(), n.MaxPool2d(2), n.Flatten(), n.Linear(12, 4)
        )

    tm = make(torch.nn).double()
    fm = make(nn).double()
    load_from_torch(fm, tm)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 1, 4, 4))
    y = rng.integers(0, 4, 8)
    for _ in range(5):
        for mod, lib in ((tm, torch), (fm, fg)):
            mod.zero_grad()
            loss = lib.nn.functional.cross_entropy(mod(lib.tensor(x)), lib.tensor(y), label_smoothing=0.1)
            loss.backward()
            lib.nn.utils.clip_grad_norm_(mod.parameters(), 1.0)
            with lib.no_grad():
                for p in mod.parameters():
                    p.sub_(p.grad * 0.1)
    for (name, fp), tp in zip(fm.named_parameters(), tm.parameters()):
        np.testing.assert_allclose(to_numpy(fp), tp.detach().numpy(), rtol=1e-9, atol=1e-12, err_msg=name)


def test_deepcopy_module():
    net = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    net(fg.randn(4, 3)).sum().backward()
    twin = copy.deepcopy(net)
    assert twin[0].weight is not net[0].weight and isinstance(twin[0].weight, nn.Parameter)
    assert twin[0].weight.requires_grad and twin[0].weight.grad is not None
    for (k1, v1), (k2, v2) in zip(net.state_dict().items(), twin.state_dict().items()):
        assert k1 == k2
        np.testing.assert_array_equal(to_numpy(v1), to_numpy(v2))
    with fg.no_grad():
        twin[0].weight.add_(1.0)
        twin[1].running_mean.add_(1.0)
    assert not np.array_equal(to_numpy(net[0].weight), to_numpy(twin[0].weight))
    assert not np.array_equal(to_numpy(net[1].running_mean), to_numpy(twin[1].running_mean))


@pytest.mark.parametrize("norm_type", [2.0, 1.0])
def test_embedding_max_norm(norm_type):
    idx = np.array([[0, 2, 2], [4, 1, 0]], dtype=np.int64)
    tm = torch.nn.Embedding(6, 3, max_norm=1.0, norm_type=norm_type)
    fm = nn.Embedding(6, 3, max_norm=1.0, norm_type=norm_type)
    load_from_torch(fm, tm)
    to, fo = tm(torch.tensor(idx)), fm(fg.tensor(idx))
    assert_close(fo, to, "float32")
    assert_close(fm.weight, tm.weight, "float32")  # the used rows were renormalised in place
    to.sum().backward()
    fo.sum().backward()
    assert_close(fm.weight.grad, tm.weight.grad, "float32")
