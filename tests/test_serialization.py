"""ferrograd.save / ferrograd.load: safetensors files, round trips, and files exchanged with torch
(safetensors.torch) in both directions."""

from __future__ import annotations

import io

import ferrograd as fg
import helpers
import numpy as np
import pytest
from helpers import to_numpy, torch_module

torch = torch_module()
st_torch = pytest.importorskip("safetensors.torch")
st_numpy = pytest.importorskip("safetensors.numpy")


def _sample():
    fg.manual_seed(0)
    return {
        "w32": fg.randn(3, 4),
        "w64": fg.randn(5, dtype=fg.float64),
        "idx": fg.tensor([[1, -2], [3, 2**40]]),
        "mask": fg.tensor([True, False, True]),
        "scalar": fg.tensor(2.5),
        "empty": fg.zeros(0, 3),
    }


def _assert_same(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(to_numpy(a), to_numpy(b))


def test_dict_round_trip(tmp_path):
    sd = _sample()
    path = tmp_path / "sd.safetensors"
    fg.save(sd, path)
    loaded = fg.load(path)
    assert isinstance(loaded, dict) and set(loaded) == set(sd)
    for k in sd:
        _assert_same(loaded[k], sd[k])
        assert isinstance(loaded[k], fg.Tensor) and not loaded[k].requires_grad


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_single_tensor_round_trip(tmp_path, dtype):
    t = fg.tensor([[0, 1, 2, 0], [1, 2, 0, 1], [2, 0, 1, 2]]).to(getattr(fg, dtype))
    path = str(tmp_path / "t.safetensors")
    fg.save(t, path)
    loaded = fg.load(path)
    assert isinstance(loaded, fg.Tensor)
    _assert_same(loaded, t)


def test_views_parameters_and_loaded_memory_is_independent(tmp_path):
    base = fg.arange(12, dtype=fg.float64).reshape(3, 4)
    p = fg.randn(2, 2, requires_grad=True)
    fg.save({"view": base.t()[1:], "p": p}, tmp_path / "v.safetensors")
    loaded = fg.load(tmp_path / "v.safetensors")
    _assert_same(loaded["view"], base.t()[1:].contiguous())
    assert loaded["p"].tolist() == p.tolist() and not loaded["p"].requires_grad
    loaded["view"].add_(1)  # writable, and not shared with the original
    assert base[0, 1].item() == 1.0


def test_file_objects_and_metadata(tmp_path):
    buf = io.BytesIO()
    fg.save({"a": fg.ones(2)}, buf, metadata={"epoch": "3"})
    buf.seek(0)
    loaded = fg.load(buf)
    assert loaded["a"].tolist() == [1.0, 1.0]
    path = tmp_path / "m.safetensors"
    path.write_bytes(buf.getvalue())
    from safetensors import safe_open

    with safe_open(str(path), framework="np") as f:
        assert f.metadata() == {"epoch": "3"}


def test_ferrograd_file_loads_in_torch(tmp_path):
    sd = _sample()
    path = str(tmp_path / "to_torch.safetensors")
    fg.save(sd, path)
    td = st_torch.load_file(path)
    assert set(td) == set(sd)
    for k, v in sd.items():
        assert str(td[k].dtype) == "torch." + str(v.dtype).split(".")[-1]
        assert tuple(td[k].shape) == tuple(v.shape)
        np.testing.assert_array_equal(td[k].numpy(), to_numpy(v))
    # a single tensor is one entry, "tensor"
    fg.save(sd["w32"], path)
    assert list(st_torch.load_file(path)) == ["tensor"]


def test_torch_file_loads_in_ferrograd(tmp_path):
    torch.manual_seed(0)
    td = {
        "layer.weight": torch.randn(4, 3),
        "layer.bias": torch.randn(4, dtype=torch.float64),
        "steps": torch.tensor([1, 2, 3]),
        "mask": torch.tensor([[True], [False]]),
        "half": torch.tensor([0.5, -1.25], dtype=torch.float16),
        "i32": torch.tensor([7, -8], dtype=torch.int32),
        "u8": torch.tensor([255, 0], dtype=torch.uint8),
        "strided": torch.arange(6.0).reshape(2, 3).t().contiguous(),
    }
    path = str(tmp_path / "from_torch.safetensors")
    st_torch.save_file(td, path)
    loaded = fg.load(path)
    assert set(loaded) == set(td)
    expect = {"half": fg.float32, "u8": fg.int64}  # int32 is native: it keeps its dtype
    for k, v in td.items():
        t = loaded[k]
        assert isinstance(t, fg.Tensor)
        want = expect.get(k) or getattr(fg, str(v.dtype).split(".")[-1])
        assert t.dtype == want, k
        assert t.shape == tuple(v.shape)
        np.testing.assert_array_equal(to_numpy(t), v.numpy().astype(to_numpy(t).dtype))


def test_torch_model_state_dict_into_ferrograd_and_back(tmp_path):
    lin = torch.nn.Linear(3, 2)
    path = str(tmp_path / "lin.safetensors")
    st_torch.save_file(lin.state_dict(), path)
    sd = fg.load(path)
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    out = fg.from_numpy(x) @ sd["weight"].t() + sd["bias"]
    np.testing.assert_allclose(to_numpy(out), lin(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    sd["weight"].mul_(2)
    fg.save(sd, path)
    lin.load_state_dict(st_torch.load_file(path))
    np.testing.assert_array_equal(lin.weight.detach().numpy(), to_numpy(sd["weight"]))


def test_save_errors(tmp_path):
    path = tmp_path / "x.safetensors"
    with pytest.raises(TypeError, match="not a list"):
        fg.save([fg.ones(1)], path)
    with pytest.raises(TypeError, match="dict keys must be str"):
        fg.save({1: fg.ones(1)}, path)
    with pytest.raises(TypeError, match="'state' is a dict, not a Tensor"):
        fg.save({"state": {"a": fg.ones(1)}}, path)
    with pytest.raises(TypeError, match="map_location"):
        fg.load(path, map_location=lambda s, loc: s)


def test_unsupported_dtype_is_a_clear_error(tmp_path):
    path = str(tmp_path / "u64.safetensors")
    st_numpy.save_file({"u": np.array([1, 2], dtype=np.uint64)}, path)
    with pytest.raises(TypeError, match="'u' has dtype uint64"):
        fg.load(path)


def test_wgpu_tensors_are_saved_from_the_host(tmp_path):
    reason = helpers.wgpu_unavailable_reason()
    if reason:
        pytest.skip(reason)
    t = fg.arange(6).float().reshape(2, 3).to("wgpu")
    path = tmp_path / "g.safetensors"
    fg.save({"t": t, "m": t > 2}, path)
    loaded = fg.load(path)
    assert loaded["t"].device == "cpu" and loaded["t"].tolist() == t.cpu().tolist()
    assert loaded["m"].dtype == fg.bool
    on_gpu = fg.load(path, map_location="wgpu")
    assert on_gpu["t"].device.type == "wgpu" and on_gpu["t"].cpu().tolist() == t.cpu().tolist()
