"""The random number generators minigrad uses, seeded together by ``manual_seed``.

Every random draw in minigrad (``rand``, ``randn``, initialisers, dropout, data
shuffling when no seed is given) comes from :func:`generator` (NumPy, CPU) or
:func:`cuda_generator` (CuPy, GPU), so one ``manual_seed(s)`` makes a run
reproducible.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import backend

if TYPE_CHECKING:  # CuPy is optional; only type checkers read this
    import cupy

# Any: "seed" -> int or None, "cpu" -> np.random.Generator, "cuda" -> {device: CuPy generator}
_state: dict[str, Any] = {"seed": None, "cpu": np.random.default_rng(), "cuda": {}}


def manual_seed(seed: int) -> None:
    """Seed every generator minigrad uses (CPU now, each GPU on first use)."""
    _state["seed"] = int(seed)
    _state["cpu"] = np.random.default_rng(int(seed))
    _state["cuda"] = {}


def generator() -> np.random.Generator:
    """The global NumPy generator for CPU randomness."""
    return _state["cpu"]


def cuda_generator(device: str) -> cupy.random.Generator:
    """The CuPy generator of ``device`` (``"cuda:N"``), seeded from the last ``manual_seed``."""
    gens = _state["cuda"]
    if device not in gens:
        cp = backend.cupy()
        seed = _state["seed"]
        if seed is None:
            seed = int(_state["cpu"].integers(2**63))
        with cp.cuda.Device(int(device.split(":")[1])):
            gens[device] = cp.random.default_rng(seed + int(device.split(":")[1]))
    return gens[device]


# Any: {"seed": int or None, "cpu": NumPy's bit-generator state, a dict of numbers}
def get_rng_state() -> dict[str, Any]:
    """The CPU generator state plus the seed (for checkpoints)."""
    return {"seed": _state["seed"], "cpu": _state["cpu"].bit_generator.state}


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore a state from :func:`get_rng_state`."""
    _state["seed"] = state["seed"]
    rng = np.random.default_rng()
    rng.bit_generator.state = state["cpu"]
    _state["cpu"] = rng
    _state["cuda"] = {}
