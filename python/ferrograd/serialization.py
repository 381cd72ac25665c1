"""``ferrograd.save`` / ``ferrograd.load``: tensors and dicts of tensors in the safetensors format.

The files are written and read by the ``safetensors`` library (its NumPy API), so they are plain
safetensors files: ``safetensors.torch.load_file`` reads what ``ferrograd.save`` wrote, and
``ferrograd.load`` reads what ``safetensors.torch.save_file`` wrote.

What can be saved: a tensor, or a dict mapping ``str`` keys to tensors (a model's
``state_dict()``). Unlike ``torch.save`` (pickle), arbitrary objects, nested dicts and optimizer
state dicts cannot be saved; ``requires_grad`` and views are not kept (each tensor is stored as
its contiguous values). A tensor on the ``"wgpu"`` device is copied to the CPU first.

A single tensor is stored under the key ``"tensor"`` with ``{"ferrograd": "tensor"}`` in the
file's metadata, and ``load`` gives back the tensor; any other file loads as a dict.

``load`` returns ferrograd tensors of ferrograd's dtypes: float32, float64, int32, int64 and bool
files keep their dtype; float16 is widened to float32, and the other integer types (int8, int16,
uint8 to uint32) to int64. bfloat16 and uint64 are refused. ``safetensors`` is needed only here:
``pip install safetensors``.
"""

from __future__ import annotations

import io
import os
from typing import Any, Union

import numpy as np

from . import _core
from ._core import Tensor

__all__ = ["load", "save"]

_SINGLE_KEY = "tensor"
_META_KIND = "ferrograd"

_PathOrFile = Union[str, "os.PathLike[str]", io.IOBase, Any]


def _safetensors_numpy() -> Any:
    try:
        import safetensors.numpy as st_numpy
    except ImportError as e:  # pragma: no cover - exercised only without the package
        raise ImportError(
            "ferrograd.save and ferrograd.load need the 'safetensors' package: pip install safetensors"
        ) from e
    return st_numpy


def _to_numpy(name: str, t: Any) -> np.ndarray:
    if not isinstance(t, Tensor):
        raise TypeError(
            f"ferrograd.save: the value of {name!r} is a {type(t).__name__}, not a Tensor "
            "(only a tensor or a dict of str -> Tensor can be saved)"
        )
    # .cpu() copies a wgpu tensor to the host; numpy() shares the CPU tensor's memory; a strided
    # view is packed (np.ascontiguousarray would turn a 0-d array into a 1-d one).
    arr = t.detach().cpu().numpy()
    return arr if arr.flags.c_contiguous else arr.copy(order="C")


def _is_path(f: Any) -> bool:
    return isinstance(f, (str, bytes, os.PathLike))


def save(obj: Tensor | dict[str, Tensor], f: _PathOrFile, metadata: dict[str, str] | None = None) -> None:
    """Saves a tensor or a dict of tensors to ``f`` (a path or a writable binary file) as
    safetensors.

    ``metadata`` (str -> str) is stored in the file's header.

    >>> import ferrograd as torch
    >>> torch.save({"w": torch.ones(2, 3)}, "/tmp/w.safetensors")
    >>> torch.load("/tmp/w.safetensors")["w"].shape
    ferrograd.Size([2, 3])
    """
    st = _safetensors_numpy()
    meta = dict(metadata) if metadata else {}
    if isinstance(obj, Tensor):
        arrays = {_SINGLE_KEY: _to_numpy(_SINGLE_KEY, obj)}
        meta[_META_KIND] = "tensor"
    elif isinstance(obj, dict):
        arrays = {}
        for key, value in obj.items():
            if not isinstance(key, str):
                raise TypeError(f"ferrograd.save: dict keys must be str, got {type(key).__name__}")
            arrays[key] = _to_numpy(key, value)
    else:
        raise TypeError(
            f"ferrograd.save: can save a Tensor or a dict of str -> Tensor (safetensors format), "
            f"not a {type(obj).__name__}"
        )
    if _is_path(f):
        st.save_file(arrays, os.fsdecode(f) if isinstance(f, bytes) else f, metadata=meta or None)
    else:
        f.write(st.save(arrays, metadata=meta or None))


_WIDEN = {
    np.dtype(np.float16): np.float32,
    np.dtype(np.int8): np.int64,
    np.dtype(np.int16): np.int64,
    np.dtype(np.uint8): np.int64,
    np.dtype(np.uint16): np.int64,
    np.dtype(np.uint32): np.int64,
}
_NATIVE = {
    np.dtype(np.float32),
    np.dtype(np.float64),
    np.dtype(np.int32),
    np.dtype(np.int64),
    np.dtype(np.bool_),
}


def _to_tensor(name: str, arr: np.ndarray, device: Any) -> Tensor:
    if arr.dtype not in _NATIVE:
        if arr.dtype not in _WIDEN:
            raise TypeError(f"ferrograd.load: {name!r} has dtype {arr.dtype}, which ferrograd cannot hold")
        arr = arr.astype(_WIDEN[arr.dtype])
    if not (arr.flags.c_contiguous and arr.flags.writeable):
        arr = arr.copy(order="C")
    t = _core.from_numpy(arr)
    if device is not None:
        t = t.to(device)
    return t


def _read_metadata(data: bytes) -> dict[str, str]:
    import json
    import struct

    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    return header.get("__metadata__") or {}


def load(f: _PathOrFile, map_location: Any = None, **kwargs: Any) -> Tensor | dict[str, Tensor]:
    """Loads what :func:`save` wrote (or any safetensors file) from a path or a readable binary
    file: a tensor, or a dict of ferrograd tensors.

    ``map_location`` is None (the CPU) or a device (``"cpu"``, ``"wgpu"``) to put the tensors on.
    Other keyword arguments of ``torch.load`` (``weights_only``, ...) are accepted and ignored:
    a safetensors file holds only tensors, so loading it runs no code.
    """
    st = _safetensors_numpy()
    if callable(map_location) or isinstance(map_location, dict):
        raise TypeError(
            "ferrograd.load: map_location must be None or a device (a callable or dict is not supported)"
        )
    if _is_path(f):
        with open(f, "rb") as fh:
            data = fh.read()
    else:
        data = f.read()
    arrays = st.load(data)
    meta = _read_metadata(data)
    tensors = {name: _to_tensor(name, arr, map_location) for name, arr in arrays.items()}
    if meta.get(_META_KIND) == "tensor" and set(tensors) == {_SINGLE_KEY}:
        return tensors[_SINGLE_KEY]
    return tensors
