"""Argument checking shared by the 2-D ops: int-or-pair parameters and NCHW inputs."""
from __future__ import annotations

from typing import Any

Pair = tuple[int, int]


def pair(value: Any, name: str) -> Pair:
    """``3`` -> (3, 3); ``(3, 5)`` -> (3, 5); anything else is an error naming ``name``."""
    if isinstance(value, int):
        return (value, value)
    try:
        first, second = value
        return (int(first), int(second))
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}") from None


def check_nchw(x: Any, op: str) -> None:
    """A 2-D op needs a 4-D (N, C, H, W) input."""
    if x.ndim != 4:
        raise ValueError(f"{op} expects a 4-D input (N, C, H, W), got shape {x.shape}")


def check_positive(values: dict[str, Pair], op: str, allow_zero: tuple[str, ...] = ()) -> None:
    """Strides, kernel sizes and dilations must be >= 1; paddings >= 0."""
    for name, v in values.items():
        low = 0 if name in allow_zero else 1
        if min(v) < low:
            raise ValueError(f"{op}: {name} must be >= {low}, got {v}")
