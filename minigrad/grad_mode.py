"""Graph recording on or off: ``no_grad`` and ``enable_grad`` (per thread)."""
from __future__ import annotations

import contextlib
import threading

_mode = threading.local()


def is_grad_enabled() -> bool:
    """Whether ops record a graph right now (per thread; on by default)."""
    return getattr(_mode, "enabled", True)


class GradMode(contextlib.ContextDecorator):
    """Context manager / decorator that switches graph recording on or off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous.append(is_grad_enabled())
        _mode.enabled = self.enabled

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = self._previous.pop()


def no_grad() -> GradMode:
    """``with mg.no_grad():`` (or ``@mg.no_grad()``) builds no graph inside."""
    return GradMode(False)


def enable_grad() -> GradMode:
    """``with mg.enable_grad():`` turns graph recording back on inside ``no_grad``."""
    return GradMode(True)
