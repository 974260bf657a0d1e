"""Training checkpoints: everything needed to continue a run exactly where it stopped.

A checkpoint holds the model's and optimizer's state dicts, the scheduler's
state, the epoch and batch position, minigrad's RNG state, the data loader's
(seed, epoch) and any extra values. It is written with ``mg.save`` — atomically
(temporary file, fsync, rename) — so an interrupted write never destroys the
previous checkpoint.
"""
from __future__ import annotations

import os
from typing import Any

from .. import random
from ..serialization import load, save


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


def load_checkpoint(path: str | os.PathLike, model: Any, optimizer: Any = None,
                    scheduler: Any = None, loader: Any = None) -> dict[str, Any]:
    """Restore what :func:`save_checkpoint` wrote into the given objects.

    Returns the checkpoint dict (``epoch``, ``batch``, ``extra``). A checkpoint of
    a different model fails in ``load_state_dict`` with the mismatching keys.
    """
    state = load(path)
    if not isinstance(state, dict) or "model" not in state or "optimizer" not in state:
        raise ValueError(f"{path} is not a minigrad training checkpoint (no model/optimizer "
                         f"state in it)")
    model.load_state_dict(state["model"])
    if optimizer is not None:
        optimizer.load_state_dict(state["optimizer"])
    if scheduler is not None and state["scheduler"] is not None:
        scheduler.load_state_dict(state["scheduler"])
    if loader is not None and state["loader"] is not None:
        loader.load_state_dict(state["loader"])
    random.set_rng_state(state["rng"])
    return state
