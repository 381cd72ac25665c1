"""Trains two classifiers on scikit-learn's handwritten digits with ``ferrograd.nn`` and ``ferrograd.optim``.

The data are the 1,797 8x8 grey-level images of ``sklearn.datasets.load_digits`` (bundled with
scikit-learn, nothing to download), split 80/20, stratified, with a fixed seed. Two models are
trained with Adam (cosine learning-rate schedule) and the cross-entropy loss over shuffled mini-batches from a ``DataLoader``:

* an MLP: Flatten -> Linear(64, 128) -> ReLU -> Linear(128, 10);
* a small CNN: Conv2d(1, 16, 3, padding=1) -> ReLU -> MaxPool2d(2) -> Conv2d(16, 32, 3, padding=1)
  -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(32 * 2 * 2, 10).

Every function takes the library module as its first argument (``lib`` is ``ferrograd`` or
``torch``): the code is torch code, and the same lines build and train both. ``--compare-torch``
trains the same models with torch from the same initial weights (torch's initial state_dict is
copied into the ferrograd model through numpy) and prints both test accuracies and training times.

Outputs (in ``--out``, default ``out/``): ``loss_curves.png`` (the training loss of each model),
``graph_mlp.dot`` / ``graph_cnn.dot`` (the autograd graph of one training step, from
``ferrograd.autograd.graph.to_dot``) and the same as SVG when Graphviz's ``dot`` is installed.

Needs: ``pip install scikit-learn tqdm matplotlib`` (and ``torch`` for ``--compare-torch``).

Usage::

    python examples/train_digits.py                      # ferrograd on the CPU
    python examples/train_digits.py --device wgpu        # ferrograd on the GPU (wgpu)
    python examples/train_digits.py --compare-torch      # ferrograd and torch side by side
    python examples/train_digits.py --quick              # a few epochs (used by the tests)
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import sys
import time
from pathlib import Path

import numpy as np

SEED = 0
TEST_SIZE = 0.2
BATCH_SIZE = 32

# Epochs and learning rates for a full run and for --quick.
EPOCHS = {"mlp": 20, "cnn": 20}
QUICK_EPOCHS = {"mlp": 5, "cnn": 4}
LR = {"mlp": 3e-3, "cnn": 3e-3}


# --------------------------------------------------------------------------------------------- data


def load_data(seed: int = SEED, test_size: float = TEST_SIZE):
    """The digits as float32 images of shape (N, 1, 8, 8) scaled to [0, 1] and int64 labels.

    Returns ``(x_train, y_train, x_test, y_test)`` as numpy arrays; the split is stratified and
    fixed by ``seed``.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_size, stratify=y, random_state=seed
    )
    return x_train, y_train, x_test, y_test


def make_loader(lib, x: np.ndarray, y: np.ndarray, batch_size: int = BATCH_SIZE, shuffle: bool = True):
    """A ``DataLoader`` over ``TensorDataset(images, labels)``; the order follows ``lib``'s seed."""
    from_numpy = lib.from_numpy
    dataset = lib.utils.data.TensorDataset(from_numpy(x.copy()), from_numpy(y.copy()))
    return lib.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=shuffle)


# ------------------------------------------------------------------------------------------- models


def build_mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))


def build_cnn(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),  # 8x8 -> 4x4
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),  # 4x4 -> 2x2
        nn.Flatten(),
        nn.Linear(32 * 2 * 2, 10),
    )


BUILDERS = {"mlp": build_mlp, "cnn": build_cnn}


def build_model(lib, kind: str, seed: int = SEED):
    """The model ``kind`` ("mlp" or "cnn"), initialised from ``lib``'s generator seeded with ``seed``."""
    lib.manual_seed(seed)
    return BUILDERS[kind](lib)


def copy_weights(src, dst, dst_lib) -> None:
    """Loads ``src``'s state_dict (either library) into ``dst`` (a ``dst_lib`` model) through numpy."""
    state = {}
    for name, value in src.state_dict().items():
        array = np.array(value.detach().cpu().numpy(), copy=True)
        state[name] = dst_lib.from_numpy(array)
    dst.load_state_dict(state)


# ------------------------------------------------------------------------------- training, testing


def train(lib, model, loader, epochs: int, lr: float, device: str = "cpu", desc: str = "", progress=True):
    """Trains ``model`` with Adam, a cosine learning-rate schedule and the cross-entropy loss.

    Returns (per-step losses, seconds); the seconds count the training loop only (batches, forward, backward, optimizer steps).
    """
    from tqdm.auto import tqdm

    model.train()
    loss_fn = lib.nn.CrossEntropyLoss()
    optimizer = lib.optim.Adam(model.parameters(), lr=lr)
    scheduler = lib.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    losses: list[float] = []
    seconds = 0.0
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        bar = tqdm(
            loader,
            desc=f"{desc} epoch {epoch:>2}/{epochs}",
            leave=epoch == epochs,
            disable=not progress,
            dynamic_ncols=True,
        )
        total, count = 0.0, 0
        for xb, yb in bar:
            xb, yb = xb.to(device), yb.to(device)
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            value = loss.item()  # also waits for the device
            losses.append(value)
            total += value * len(yb)
            count += len(yb)
            bar.set_postfix(loss=f"{total / count:.4f}")
        scheduler.step()
        seconds += time.perf_counter() - start
    return losses, seconds


def evaluate(lib, model, x: np.ndarray, y: np.ndarray, device: str = "cpu") -> float:
    """The accuracy of ``model`` on ``(x, y)``, a fraction in [0, 1]."""
    model.eval()
    with lib.no_grad():
        logits = model(lib.from_numpy(x.copy()).to(device))
        pred = logits.argmax(dim=1).cpu().numpy()
    return float((pred == y).mean())


def one_step_loss(lib, model, loader, device: str = "cpu"):
    """The loss of one training step on the first batch, with its autograd graph (for drawing)."""
    model.train()
    xb, yb = next(iter(loader))
    return lib.nn.CrossEntropyLoss()(model(xb.to(device)), yb.to(device))


def save_graph(lib, model, loader, out: Path, name: str, device: str = "cpu") -> list[Path]:
    """Writes the autograd graph of one training step as DOT, and as SVG when Graphviz is there."""
    loss = one_step_loss(lib, model, loader, device)
    params = dict(model.named_parameters())
    dot_path = out / f"{name}.dot"
    dot_path.write_text(lib.autograd.graph.to_dot(loss, params=params), encoding="utf-8")
    written = [dot_path]
    if shutil.which("dot") is None:
        print(
            f"  Graphviz's `dot` was not found, so {name}.svg was not drawn; {dot_path} holds the graph. "
            "Install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz) "
            f"or run: dot -Tsvg {dot_path} -o {out / (name + '.svg')}"
        )
    else:
        written.append(Path(lib.autograd.graph.render(loss, out / f"{name}.svg", params=params)))
    model.zero_grad()
    return written


def plot_losses(curves: dict, steps_per_epoch: int, path: Path) -> Path:
    """Saves the training-loss curves: one panel per model, one line per library."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kinds = list(dict.fromkeys(kind for kind, _ in curves))
    fig, axes = plt.subplots(1, len(kinds), figsize=(6 * len(kinds), 4), squeeze=False)
    for ax, kind in zip(axes[0], kinds):
        for (k, lib_name), losses in curves.items():
            if k != kind:
                continue
            losses = np.asarray(losses)
            epochs = np.arange(1, len(losses) + 1) / steps_per_epoch
            (line,) = ax.plot(epochs, losses, alpha=0.25, linewidth=0.8)
            n = len(losses) // steps_per_epoch
            means = losses[: n * steps_per_epoch].reshape(n, steps_per_epoch).mean(axis=1)
            ax.plot(
                np.arange(1, n + 1), means, "o-", color=line.get_color(), label=f"{lib_name} (epoch mean)"
            )
        ax.set_title(f"{kind.upper()} training loss")
        ax.set_xlabel("epoch")
        ax.set_ylabel("cross-entropy")
        ax.set_yscale("log")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


# --------------------------------------------------------------------------------------------- main


def device_for(lib, device: str) -> str:
    """The device string ``lib`` uses for the requested ``--device`` (torch runs wgpu runs on CUDA)."""
    if lib.__name__ == "torch":
        return "cuda" if device == "wgpu" and lib.cuda.is_available() else "cpu"
    return device


def describe_device(lib, device: str) -> str:
    """ "cpu (N threads)", or the GPU's name."""
    if device == "cpu":
        return f"cpu ({lib.get_num_threads()} threads)"
    if lib.__name__ == "torch":
        return f"cuda ({lib.cuda.get_device_name()})"
    return f"wgpu ({lib.wgpu.get_device_name()})"


def run_model(lib, kind: str, data, epochs: int, device: str, init_from=None, progress=True) -> dict:
    """Builds, trains and tests one model; returns a dict with the model, losses, accuracy, seconds."""
    x_train, y_train, x_test, y_test = data
    model = build_model(lib, kind)
    if init_from is not None:
        copy_weights(init_from, model, lib)
    model.to(device)
    lib.manual_seed(SEED)  # the batch order
    loader = make_loader(lib, x_train, y_train)
    losses, seconds = train(lib, model, loader, epochs, LR[kind], device, f"{lib.__name__} {kind}", progress)
    accuracy = evaluate(lib, model, x_test, y_test, device)
    return {"model": model, "loader": loader, "losses": losses, "accuracy": accuracy, "seconds": seconds}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs-mlp", type=int, default=None, help=f"default {EPOCHS['mlp']}")
    parser.add_argument("--epochs-cnn", type=int, default=None, help=f"default {EPOCHS['cnn']}")
    parser.add_argument("--out", type=Path, default=Path("out"), help="output directory (default out/)")
    parser.add_argument("--device", choices=["cpu", "wgpu"], default="cpu")
    parser.add_argument(
        "--compare-torch", action="store_true", help="also train with torch from the same initial weights"
    )
    parser.add_argument("--quick", action="store_true", help="a few epochs only (for tests)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    # Runs the whole example with torch instead of ferrograd (to check the example itself).
    parser.add_argument("--lib", choices=["ferrograd", "torch"], default="ferrograd", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    epochs = dict(QUICK_EPOCHS if args.quick else EPOCHS)
    if args.epochs_mlp is not None:
        epochs["mlp"] = args.epochs_mlp
    if args.epochs_cnn is not None:
        epochs["cnn"] = args.epochs_cnn

    lib = importlib.import_module(args.lib)
    ref = importlib.import_module("torch") if args.compare_torch and args.lib != "torch" else None
    if args.device == "wgpu" and lib.__name__ == "ferrograd" and not lib.wgpu.is_available():
        sys.exit("--device wgpu: no wgpu adapter is available (ferrograd.wgpu.is_available() is False)")
    device = device_for(lib, args.device)

    data = load_data()
    x_train, _, x_test, _ = data
    print(f"{lib.__name__} {lib.__version__} on {describe_device(lib, device)}", end="")
    if ref is not None:
        ref_device = device_for(ref, args.device)
        print(f"; compared with torch {ref.__version__} on {describe_device(ref, ref_device)}", end="")
    print()
    print(
        f"digits: {len(x_train)} training and {len(x_test)} test images of 8x8 "
        f"(stratified {1 - TEST_SIZE:.0%}/{TEST_SIZE:.0%} split, seed {SEED}); "
        f"batch {BATCH_SIZE}; epochs: MLP {epochs['mlp']}, CNN {epochs['cnn']}"
    )
    args.out.mkdir(parents=True, exist_ok=True)

    results = {}
    curves = {}
    for kind in ("mlp", "cnn"):
        init_from = None
        if ref is not None:
            print(f"\n== {kind.upper()} with torch")
            r = run_model(ref, kind, data, epochs[kind], ref_device, progress=not args.no_progress)
            results[(kind, "torch")] = r
            curves[(kind, "torch")] = r["losses"]
            print(f"{kind.upper()} test accuracy: {r['accuracy']:.2%} ({r['seconds']:.1f} s of training)")
            # ferrograd starts from torch's initial weights: rebuild torch's model with the same seed.
            init_from = build_model(ref, kind)
        print(f"\n== {kind.upper()} with {lib.__name__}")
        r = run_model(lib, kind, data, epochs[kind], device, init_from, progress=not args.no_progress)
        results[(kind, lib.__name__)] = r
        curves[(kind, lib.__name__)] = r["losses"]
        print(f"{kind.upper()} test accuracy: {r['accuracy']:.2%} ({r['seconds']:.1f} s of training)")
        if lib.__name__ == "ferrograd":
            for path in save_graph(lib, r["model"], r["loader"], args.out, f"graph_{kind}", device):
                print(f"  one training step's autograd graph: {path}")
        else:
            print("  (torch has no autograd.graph.to_dot: no graph drawn)")

    steps_per_epoch = -(-len(x_train) // BATCH_SIZE)
    print(f"\nloss curves: {plot_losses(curves, steps_per_epoch, args.out / 'loss_curves.png')}")

    print("\nheld-out test accuracy")
    libs = list(dict.fromkeys(name for _, name in results))
    header = f"| model | {' | '.join(f'{n} accuracy | {n} time' for n in libs)} |"
    print(header)
    print("| --- |" + " ---: |" * (2 * len(libs)))
    for kind in ("mlp", "cnn"):
        cells = []
        for name in libs:
            r = results[(kind, name)]
            cells += [f"{r['accuracy']:.2%}", f"{r['seconds']:.2f} s"]
        print(f"| {kind.upper()} ({epochs[kind]} epochs) | {' | '.join(cells)} |")
    return results


if __name__ == "__main__":
    main()
