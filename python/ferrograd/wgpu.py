"""``ferrograd.wgpu``: the GPU device, as ``torch.cuda`` is torch's.

wgpu reaches Vulkan, Metal and DX12 from one code base. The adapter is the best available (a
real GPU first, a software rasteriser such as Mesa's lavapipe otherwise); set the environment
variable ``FERROGRAD_WGPU_ADAPTER`` to a substring of an adapter's name, or to ``cpu`` for a
software one, to force a choice. Tensors move there with ``t.to("wgpu")`` and back with
``t.cpu()``; float64 is not available there (WGSL has no 64-bit floats).

>>> import ferrograd as torch
>>> if torch.wgpu.is_available():
...     x = torch.ones(3, device="wgpu", requires_grad=True)
...     (x * 2).sum().backward()
...     x.grad.device
device(type='wgpu', index=0)
"""

from __future__ import annotations

import atexit

from . import _core

# Exiting while the driver still runs queued kernels can crash inside the driver (Mesa's
# lavapipe does): wait for them first. Nothing is created if the GPU was never used.
atexit.register(_core._wgpu_shutdown)

__all__ = ["device_count", "get_device_name", "is_available", "synchronize"]


def is_available() -> bool:
    """Whether a GPU adapter (or a software one) can be used."""
    return _core._wgpu_is_available()


def device_count() -> int:
    """1 when an adapter is available (ferrograd uses one), else 0."""
    return 1 if is_available() else 0


def get_device_name(device=None) -> str:
    """The adapter in use: "name (backend, device type)"; RuntimeError saying why if none."""
    return _core._wgpu_device_name()


def synchronize(device=None) -> None:
    """Waits for all work queued on the GPU (for timing; values are read back synchronously)."""
    _core._wgpu_synchronize()
