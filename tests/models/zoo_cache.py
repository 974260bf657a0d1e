"""Zoo models and their summaries, built once per test session: initialising VGG16's
138 M parameters alone takes seconds. Tests must not modify the cached models."""
from __future__ import annotations

import functools
from typing import Any

import minigrad as mg
from layers import models
from layers.module import Module
from layers.summary import Summary, summary


@functools.lru_cache(maxsize=None)
def built(name: str, **kwargs: Any) -> Module:
    """``models.get_model(name, **kwargs)``, seeded, cached."""
    mg.manual_seed(0)
    return models.get_model(name, **kwargs)


@functools.lru_cache(maxsize=None)
def summarized(name: str, side: int, **kwargs: Any) -> Summary:
    """``summary`` of the cached model on one side×side RGB image."""
    return summary(built(name, **kwargs), (3, side, side))
