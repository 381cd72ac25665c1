"""examples/train_digits.py: its training functions, run in-process with ferrograd on a few epochs.

The MLP must reach 90% held-out accuracy in the quick run (about 94% with torch), the CNN must
learn, ``main`` must write the loss curves and the graph of a training step, and a ferrograd model
given torch's initial weights through numpy must compute torch's logits.
"""

import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the digits example needs scikit-learn (pip install scikit-learn)")
pytest.importorskip("tqdm", reason="the digits example needs tqdm (pip install tqdm)")
pytest.importorskip("matplotlib", reason="the digits example needs matplotlib (pip install matplotlib)")

import ferrograd as fg

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "train_digits.py"


def _load_example():
    spec = importlib.util.spec_from_file_location("train_digits", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


td = _load_example()


@pytest.fixture(scope="module")
def data():
    return td.load_data()


def test_split_is_fixed_and_stratified(data):
    x_train, y_train, x_test, y_test = data
    assert x_train.shape == (1437, 1, 8, 8) and x_test.shape == (360, 1, 8, 8)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    assert 0.0 <= x_train.min() and x_train.max() <= 1.0
    # stratified: every class holds 20% +- one image of its examples in the test set
    counts_test = np.bincount(y_test, minlength=10)
    counts_all = counts_test + np.bincount(y_train, minlength=10)
    assert np.all(np.abs(counts_test - 0.2 * counts_all) <= 1)
    again = td.load_data()
    assert np.array_equal(again[3], y_test) and np.array_equal(again[0], x_train)


def test_mlp_quick_run_reaches_90_percent(data):
    epochs = td.QUICK_EPOCHS["mlp"]
    r = td.run_model(fg, "mlp", data, epochs, "cpu", progress=False)
    losses = np.asarray(r["losses"])
    steps = len(losses) // epochs
    assert len(losses) == epochs * steps and np.all(np.isfinite(losses))
    assert losses[-steps:].mean() < 0.5 * losses[:steps].mean(), "the training loss did not fall"
    assert r["accuracy"] >= 0.90, f"MLP test accuracy {r['accuracy']:.2%} after {epochs} epochs"


def test_cnn_quick_run_learns(data):
    epochs = td.QUICK_EPOCHS["cnn"]
    r = td.run_model(fg, "cnn", data, epochs, "cpu", progress=False)
    assert np.all(np.isfinite(r["losses"]))
    assert r["accuracy"] >= 0.85, f"CNN test accuracy {r['accuracy']:.2%} after {epochs} epochs"


def test_main_writes_curves_and_graphs(tmp_path, capsys):
    results = td.main(["--epochs-mlp", "1", "--epochs-cnn", "1", "--out", str(tmp_path), "--no-progress"])
    assert set(results) == {("mlp", "ferrograd"), ("cnn", "ferrograd")}
    out = capsys.readouterr().out
    assert f"ferrograd {fg.__version__} on cpu (" in out
    assert "1437 training and 360 test images" in out
    assert "| MLP (1 epochs) |" in out and "| CNN (1 epochs) |" in out
    png = tmp_path / "loss_curves.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for kind in ("mlp", "cnn"):
        dot = (tmp_path / f"graph_{kind}.dot").read_text()
        assert dot.startswith("digraph autograd {")
        assert "Backward" in dot
        assert ("1.weight" if kind == "mlp" else "0.weight") in dot, "parameters are named in the graph"
        if shutil.which("dot"):
            assert "<svg" in (tmp_path / f"graph_{kind}.svg").read_text()


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_torch_initial_weights_give_torch_logits(kind, data):
    torch = pytest.importorskip("torch")
    ref = td.build_model(torch, kind)
    model = td.build_model(fg, kind)
    td.copy_weights(ref, model, fg)
    x = data[2][:64]
    with torch.no_grad():
        expected = ref(torch.from_numpy(x.copy())).numpy()
    with fg.no_grad():
        got = model(fg.from_numpy(x.copy())).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
