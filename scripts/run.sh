#!/usr/bin/env bash
# The main job: build the extension in release mode into .venv, replay the autograd walk-through,
# then run the main example: an MLP and a CNN trained on scikit-learn's bundled digits, with
# progress bars, test accuracies, the loss curves (out/loss_curves.png) and a training step's graph.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_env.sh
ensure_venv run
build_extension
echo "==> examples/walkthrough.py"
"$VENV/bin/python" examples/walkthrough.py
echo "==> examples/train_digits.py"
"$VENV/bin/python" examples/train_digits.py "$@"
