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
  # safetensors: ferrograd.save/load; scikit-learn, tqdm, matplotlib: the main example.
  local pkgs=(maturin numpy safetensors scikit-learn tqdm matplotlib)
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

# The GPU tests run everywhere: without a GPU, on Mesa's software Vulkan driver (lavapipe).
# Installs it (Debian/Ubuntu) when no Vulkan driver is registered; elsewhere says what to do.
ensure_vulkan() {
  # Captured first: in a pipeline under pipefail, ls (one folder empty) or ldconfig (cut off
  # by grep -q) would fail the test although the driver is there.
  local icds libs
  icds=$(ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json 2>/dev/null || true)
  libs=$(ldconfig -p 2>/dev/null || true)
  if [ -n "$icds" ] && [[ "$libs" == *libvulkan.so.1* ]]; then
    return
  fi
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; else sudo="none"; fi
  fi
  if command -v apt-get >/dev/null 2>&1 && [ "$sudo" != none ]; then
    echo "==> installing Mesa's software Vulkan driver (mesa-vulkan-drivers libvulkan1)"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq mesa-vulkan-drivers libvulkan1 >/dev/null
  else
    echo "==> no Vulkan driver found and cannot install one: the wgpu tests will be skipped" \
      "(install mesa-vulkan-drivers and libvulkan1, or a GPU driver)"
  fi
}
