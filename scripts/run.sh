#!/usr/bin/env bash
# The main job: build the extension in release mode into .venv and run the main example
# (the autograd walk-through, then a model fitted by gradient descent).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_env.sh
ensure_venv run
build_extension
echo "==> examples/walkthrough.py"
"$VENV/bin/python" examples/walkthrough.py
