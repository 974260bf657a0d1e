"""Saving and loading tensors: ``mg.save`` / ``mg.load`` on ``.safetensors`` (or ``.npz``).

What is written
---------------
``obj`` is a (possibly nested) dict/list of Tensors, arrays and plain values
(numbers, strings, bools, None) — a model's ``state_dict()``, or a whole
training checkpoint with optimizer state, epoch and RNG state. Every array is
stored as one safetensors entry, named by its path in ``obj`` joined with dots
(a flat ``state_dict`` keeps its keys unchanged, so files interoperate with
torchvision's). Everything else goes, as JSON, into the file's ``__metadata__``
together with a skeleton saying where each array belongs and whether it was a
Tensor. Arrays are always written from host memory, so a file saved from the
GPU loads on a CPU-only machine.

Files are written atomically: to a temporary file in the same folder, flushed
and fsynced, then renamed over the target. A crash mid-write never leaves a
half-written checkpoint in place of a good one.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from . import backend
from .atomic import atomic_write
from .tensor import Tensor

_SKELETON_KEY = "minigrad"


# Any: a skeleton is JSON (dicts, lists, numbers, strings, None), and load() returns
# whatever was saved: Tensors, arrays and plain values, nested in dicts/lists/tuples.
def _flatten(obj: Any, prefix: str, arrays: dict[str, np.ndarray]) -> Any:
    """Replace arrays in ``obj`` by placeholders, collecting them in ``arrays``."""
    if isinstance(obj, Tensor) or backend.is_cupy_array(obj) or isinstance(obj, np.ndarray):
        key = prefix or "tensor"
        if key in arrays:
            raise ValueError(f"save: two arrays would be stored under the key {key!r}")
        data = obj.data if isinstance(obj, Tensor) else obj
        arrays[key] = np.asarray(backend.to_numpy(data), order="C")  # keeps 0-d shapes
        return {"__array__": key, "tensor": isinstance(obj, Tensor)}
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int)):
                raise TypeError(f"save: dict keys must be str or int, got {type(k).__name__}")
            items.append([k, _flatten(v, f"{prefix}.{k}" if prefix else str(k), arrays)])
        return {"__dict__": items}
    if isinstance(obj, (list, tuple)):
        kind = "__list__" if isinstance(obj, list) else "__tuple__"
        return {kind: [_flatten(v, f"{prefix}.{i}" if prefix else str(i), arrays)
                       for i, v in enumerate(obj)]}
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"save: cannot store a value of type {type(obj).__name__} at {prefix!r}")


def _unflatten(skeleton: Any, arrays: dict[str, np.ndarray], device: str) -> Any:
    if isinstance(skeleton, dict):
        if "__array__" in skeleton:
            array = arrays[skeleton["__array__"]]
            if skeleton["tensor"]:
                return Tensor(array if device == "cpu" else backend.to_device(array, device))
            return array
        if "__dict__" in skeleton:
            return {k: _unflatten(v, arrays, device) for k, v in skeleton["__dict__"]}
        if "__list__" in skeleton:
            return [_unflatten(v, arrays, device) for v in skeleton["__list__"]]
        if "__tuple__" in skeleton:
            return tuple(_unflatten(v, arrays, device) for v in skeleton["__tuple__"])
    return skeleton


def save(obj: object, path: str | os.PathLike) -> None:
    """Write ``obj`` (Tensors, arrays and plain values, nested in dicts/lists) to ``path``.

    ``.safetensors`` (default) or ``.npz`` by the file extension.
    """
    path = Path(path)
    arrays: dict[str, np.ndarray] = {}
    skeleton = json.dumps(_flatten(obj, "", arrays))
    with atomic_write(path) as tmp:
        if path.suffix == ".npz":
            with open(tmp, "wb") as f:
                np.savez(f, **arrays, **{f"__{_SKELETON_KEY}__": np.array(skeleton)})
        else:
            from safetensors.numpy import save_file
            save_file(arrays, str(tmp), metadata={_SKELETON_KEY: skeleton})


def read_arrays(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], str | None]:
    """All arrays of a ``.safetensors`` / ``.npz`` file and minigrad's skeleton (or None
    for a file written by another program). Bad files raise ``ValueError`` naming the path."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    try:
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as archive:
                arrays = {k: archive[k] for k in archive.files}
            skeleton = arrays.pop(f"__{_SKELETON_KEY}__", None)
            return arrays, (str(skeleton) if skeleton is not None else None)
        from safetensors import safe_open
        with safe_open(str(path), framework="numpy") as f:
            metadata = f.metadata() or {}
            arrays = {k: f.get_tensor(k) for k in f.keys()}
        return arrays, metadata.get(_SKELETON_KEY)
    except (OSError, ValueError, KeyError) as e:
        raise ValueError(f"cannot read {path}: the file is corrupt, truncated or not a "
                         f"{path.suffix or 'weights'} file ({e})") from None
    except Exception as e:  # safetensors raises its own SafetensorError
        raise ValueError(f"cannot read {path}: the file is corrupt, truncated or not a "
                         f"safetensors file ({type(e).__name__}: {e})") from None


def load(path: str | os.PathLike, device: str = "cpu") -> Any:
    """Read what :func:`save` wrote; Tensors come back on ``device``.

    A safetensors/npz file written by another program (e.g. a torchvision
    state dict) loads as a flat dict of NumPy arrays.
    """
    device = backend.normalize_device(device)
    arrays, skeleton = read_arrays(path)
    if skeleton is None:
        return arrays
    return _unflatten(json.loads(skeleton), arrays, device)
