"""``load_weights``: put published (or saved) weights into a zoo model.

A ``.safetensors`` file exported from torchvision (``safetensors.numpy.save_file`` on
``{k: v.numpy() for k, v in model.state_dict().items()}``), timm, or minigrad's own
``mg.save(model.state_dict(), path)`` holds one array per state-dict key, so loading
is reading the arrays and matching them by name.

The file's headers are checked against the model first — names and shapes — and only
then are the model's arrays read (an ``.npz`` member is inflated only if the model has a
key of that name and shape), so a hostile or mistaken file costs no more memory than the
model itself.
"""
from __future__ import annotations

import os

import numpy as np

from minigrad.serialization import read_arrays, read_header

from ..module import IncompatibleKeys, Module


def load_weights(model: Module, path: str | os.PathLike, strict: bool = True,
                 verify: bool = True) -> IncompatibleKeys:
    """Load the arrays of a ``.safetensors`` or ``.npz`` file into ``model``, in place.

    strict: every key of the model must be in the file and every key of the file in
    the model; otherwise a RuntimeError lists the missing and unexpected keys. With
    ``strict=False`` they are returned instead. A shape mismatch always raises,
    naming the key and both shapes; nothing is loaded when anything raises.
    verify: check the checksums of a file written by ``mg.save`` (see
    :func:`minigrad.serialization.read_arrays`).
    Raises FileNotFoundError for a missing file and ValueError (naming the path)
    for a corrupt, truncated or altered one. Returns ``(missing_keys, unexpected_keys)``.
    """
    header = read_header(path)
    own = model.state_dict()
    mismatched = [f"size mismatch for {key}: copying a param with shape {header[key].shape} "
                  f"from checkpoint, the shape in current model is {tuple(own[key].shape)}"
                  for key in own if key in header and header[key].shape != tuple(own[key].shape)]
    if mismatched:
        raise RuntimeError(f"cannot load the weights in {os.fspath(path)} into "
                           f"{type(model).__name__}: " + "; ".join(mismatched))
    wanted = [key for key in own if key in header]
    arrays, _ = read_arrays(path, wanted, verify=verify,
                            max_bytes=sum(header[key].nbytes for key in wanted))
    for key in [key for key in header if key not in own]:  # reported as unexpected, never read
        arrays[key] = np.broadcast_to(np.zeros((), np.float32), header[key].shape)
    try:
        return model.load_state_dict(arrays, strict=strict)
    except RuntimeError as error:
        raise RuntimeError(f"cannot load the weights in {os.fspath(path)} into "
                           f"{type(model).__name__}: {error}") from None
