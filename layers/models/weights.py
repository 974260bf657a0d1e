"""``load_weights``: put published (or saved) weights into a zoo model.

A ``.safetensors`` file exported from torchvision (``safetensors.numpy.save_file`` on
``{k: v.numpy() for k, v in model.state_dict().items()}``), timm, or minigrad's own
``mg.save(model.state_dict(), path)`` holds one array per state-dict key, so loading
is reading the arrays and matching them by name.
"""
from __future__ import annotations

import os

from minigrad.serialization import read_arrays

from ..module import IncompatibleKeys, Module


def load_weights(model: Module, path: str | os.PathLike, strict: bool = True) -> IncompatibleKeys:
    """Load the arrays of a ``.safetensors`` or ``.npz`` file into ``model``, in place.

    strict: every key of the model must be in the file and every key of the file in
    the model; otherwise a RuntimeError lists the missing and unexpected keys. With
    ``strict=False`` they are returned instead. A shape mismatch always raises,
    naming the key and both shapes; nothing is loaded when anything raises.
    Raises FileNotFoundError for a missing file and ValueError (naming the path)
    for a corrupt or truncated one. Returns ``(missing_keys, unexpected_keys)``.
    """
    arrays, _ = read_arrays(path)
    try:
        return model.load_state_dict(arrays, strict=strict)
    except RuntimeError as error:
        raise RuntimeError(f"cannot load the weights in {os.fspath(path)} into "
                           f"{type(model).__name__}: {error}") from None
