"""A Module's state on disk and back: ``state_dict`` and ``load_state_dict``.

The state is every parameter and persistent buffer, keyed by its dotted path
in the module tree, in PyTorch's order: each module's own parameters, then its
buffers, then its children depth first ("conv.weight", "bn.running_mean", ...).
These functions back :meth:`Module.state_dict` and :meth:`Module.load_state_dict`.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Iterator, Mapping, NamedTuple

import numpy as np

from minigrad import backend
from minigrad.backend import Array
from minigrad.tensor import Tensor

from .utils import join_name

if TYPE_CHECKING:
    from .module import Module


class IncompatibleKeys(NamedTuple):
    """What :meth:`Module.load_state_dict` returns."""

    missing_keys: list[str]      # expected by the model, absent from the state_dict
    unexpected_keys: list[str]   # in the state_dict, unknown to the model


def _entries(module: Module) -> Iterator[tuple[str, Tensor, bool]]:
    """(key, tensor, optional) for every parameter and persistent buffer, in state_dict
    order; a module reachable under two names is listed under both (as in PyTorch)."""
    for prefix, owner in module.named_modules(remove_duplicate=False):
        for name, param in owner._parameters.items():
            if param is not None:
                yield join_name(prefix, name), param, False
        for name, buffer in owner._buffers.items():
            if buffer is not None and name not in owner._non_persistent_buffers:
                yield join_name(prefix, name), buffer, name in owner._optional_buffers


def state_dict_of(module: Module) -> OrderedDict[str, np.ndarray]:
    """Key -> host NumPy copy of every parameter and persistent buffer of ``module``."""
    return OrderedDict((key, _host_copy(tensor.data)) for key, tensor, _ in _entries(module))


def load_state_dict_into(module: Module, state_dict: Mapping[str, Tensor | Array],
                         strict: bool) -> IncompatibleKeys:
    """Check ``state_dict`` against ``module``, then copy it in place; see
    :meth:`Module.load_state_dict`."""
    entries = list(_entries(module))
    targets = {key: tensor for key, tensor, _ in entries}
    missing = [key for key, _, optional in entries if key not in state_dict and not optional]
    unexpected = [key for key in state_dict if key not in targets]
    sources = {key: _as_array(state_dict[key]) for key in targets if key in state_dict}

    errors = []
    if strict and missing:
        errors.append(f"Missing key(s) in state_dict: {_quoted(missing)}.")
    if strict and unexpected:
        errors.append(f"Unexpected key(s) in state_dict: {_quoted(unexpected)}.")
    for key, source in sources.items():
        if tuple(source.shape) != targets[key].shape:
            errors.append(f"size mismatch for {key}: copying a param with shape "
                          f"{tuple(source.shape)} from checkpoint, the shape in current model "
                          f"is {targets[key].shape}.")
    if errors:  # raise before copying anything: a failed load leaves the model as it was
        raise RuntimeError(f"Error(s) in loading state_dict for {type(module).__name__}:\n\t"
                           + "\n\t".join(errors))

    for key, source in sources.items():
        target = targets[key]
        target.data[...] = backend.to_device(source, target.device)  # casts to target's dtype
        target._bump_version()
    return IncompatibleKeys(missing, unexpected)


def _quoted(keys: list[str]) -> str:
    return ", ".join(f'"{key}"' for key in keys)


def _host_copy(array: Array) -> np.ndarray:
    """A host NumPy copy that never shares memory with the module."""
    host = backend.to_numpy(array)
    return host.copy() if host is array else host  # from a GPU, .get() has already copied


def _as_array(value: Tensor | Array) -> Array:
    """The raw array in a state_dict value: a Tensor's ``.data``, a CuPy array, or NumPy
    (anything ``np.asarray`` accepts, e.g. a CPU torch tensor)."""
    if isinstance(value, Tensor):
        return value.data
    return value if backend.is_cupy_array(value) else np.asarray(value)
