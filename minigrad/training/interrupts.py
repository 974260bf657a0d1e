"""Ctrl-C at batch boundaries: the first one asks training to stop, the second aborts.

While a run is inside :meth:`InterruptGuard.deferred` (a training step, a checkpoint
write), the first SIGINT only sets :attr:`InterruptGuard.requested`; the loop checks it
after each optimizer step, so the checkpoint it then writes holds the state after a whole
number of batches. A second SIGINT raises ``KeyboardInterrupt`` at once (nothing more is
written; an interrupted checkpoint write leaves the previous file). Outside ``deferred``
(evaluation, plotting: the training state is already saved) SIGINT raises at once too.

    with InterruptGuard() as guard:
        with guard.deferred():
            train_step()
        if guard.requested:
            save_and_stop()
"""
from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType, TracebackType
from typing import Any


class InterruptGuard:
    """Installs a SIGINT handler for its ``with`` block (main thread only; elsewhere it
    does nothing and Ctrl-C behaves as usual)."""

    def __init__(self) -> None:
        self.requested = False
        self._deferring = False
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> InterruptGuard:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """A block in which the first Ctrl-C is only recorded (see the module docstring)."""
        self._deferring = True
        try:
            yield
        finally:
            self._deferring = False

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self._deferring and not self.requested:
            self.requested = True
            return
        raise KeyboardInterrupt
