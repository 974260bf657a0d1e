"""Training checkpoints: everything needed to continue a run exactly where it stopped.

A checkpoint holds the model's and optimizer's state dicts, the scheduler's
state, the epoch and batch position, minigrad's RNG state, the data loader's
(seed, epoch) and any extra values (the CLI keeps its options and the epoch's running
statistics there). It is written with ``mg.save`` — atomically (temporary file, fsync,
rename), with a checksum of every tensor — so an interrupted write never destroys the
previous checkpoint and a damaged file is an error, never silently different weights.
"""
from __future__ import annotations

import os
from typing import Any

from .. import random
from ..serialization import load, save

REQUIRED_KEYS = ("model", "optimizer", "scheduler", "loader", "rng", "epoch", "batch", "extra")


def save_checkpoint(path: str | os.PathLike, model: Any, optimizer: Any, scheduler: Any = None,
                    loader: Any = None, epoch: int = 0, batch: int = 0,
                    extra: dict[str, Any] | None = None) -> None:
    """Write a checkpoint. ``epoch``/``batch``: where training resumes (the next epoch to
    run, and how many of its batches are already done)."""
    save({"model": model.state_dict(),
          "optimizer": optimizer.state_dict(),
          "scheduler": scheduler.state_dict() if scheduler is not None else None,
          "loader": loader.state_dict() if loader is not None else None,
          "rng": random.get_rng_state(),
          "epoch": int(epoch), "batch": int(batch),
          "extra": extra or {}}, path)


def read_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """The checkpoint dict :func:`save_checkpoint` wrote, checked for its keys (ValueError
    naming the path otherwise); nothing is restored yet."""
    state = load(path)
    if not isinstance(state, dict) or any(key not in state for key in REQUIRED_KEYS):
        raise ValueError(f"{path} is not a minigrad training checkpoint (no "
                         f"{'/'.join(REQUIRED_KEYS)} in it)")
    if not all(isinstance(state[k], int) and state[k] >= 0 for k in ("epoch", "batch")) \
            or not isinstance(state["extra"], dict):
        raise ValueError(f"{path}: the checkpoint's epoch/batch/extra are malformed")
    return state


def restore_checkpoint(state: dict[str, Any], model: Any, optimizer: Any = None,
                       scheduler: Any = None, loader: Any = None) -> None:
    """Put a checkpoint read by :func:`read_checkpoint` into the given objects. A state of
    another model or optimizer raises ValueError naming what does not fit."""
    try:
        model.load_state_dict(state["model"])
        if optimizer is not None:
            optimizer.load_state_dict(state["optimizer"])
        if scheduler is not None and state["scheduler"] is not None:
            scheduler.load_state_dict(state["scheduler"])
        if loader is not None and state["loader"] is not None:
            loader.load_state_dict(state["loader"])
        random.set_rng_state(state["rng"])
    except (KeyError, TypeError, IndexError, RuntimeError) as error:
        raise ValueError(f"the checkpoint does not fit this model/optimizer/schedule "
                         f"({type(error).__name__}: {error})") from None


def load_checkpoint(path: str | os.PathLike, model: Any, optimizer: Any = None,
                    scheduler: Any = None, loader: Any = None) -> dict[str, Any]:
    """Restore what :func:`save_checkpoint` wrote into the given objects.

    Returns the checkpoint dict (``epoch``, ``batch``, ``extra``). A checkpoint of a
    different model fails with ValueError naming the mismatching keys.
    """
    state = read_checkpoint(path)
    restore_checkpoint(state, model, optimizer, scheduler, loader)
    return state
