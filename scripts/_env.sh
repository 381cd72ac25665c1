# Shared set-up for scripts/run.sh and scripts/test.sh: a local virtual environment in .venv
# with what the given profile needs. Sourced, not run.

PY=${PYTHON:-python3}
VENV=.venv

ensure_venv() {
  local profile=$1
  if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating $VENV"
    "$PY" -m venv "$VENV"
  fi
  local pkgs=(maturin numpy)
  if [ "$profile" = test ]; then
    # torch is a test dependency only (parity checks); it runs on the CPU.
    pkgs+=(pytest hypothesis torch mypy ruff)
  fi
  echo "==> installing Python packages: ${pkgs[*]}"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${pkgs[@]}"
}

build_extension() {
  echo "==> building ferrograd (release) into $VENV"
  VIRTUAL_ENV="$PWD/$VENV" "$VENV/bin/maturin" develop --release -q
}
