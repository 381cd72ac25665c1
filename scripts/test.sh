#!/usr/bin/env bash
# Every test: the Rust core's tests (no Python needed) and the pytest suite, which checks
# ferrograd against torch. Installs what it needs into .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_env.sh
ensure_venv test
ensure_vulkan
echo "==> cargo test"
cargo test --locked -q --features wgpu
build_extension
echo "==> generated stub entries match the op table"
"$VENV/bin/python" scripts/gen_stubs.py --check
echo "==> pytest"
"$VENV/bin/python" -m pytest tests "$@"
