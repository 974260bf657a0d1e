"""Ending every rank when one fails, so that a job never hangs.

MPI collectives have no timeout: a rank waits in an allreduce until every other rank
joins. What ends a job when a rank cannot join:

* a rank killed (a signal, the out-of-memory killer): the launcher notices that the
  process died and kills the others (Open MPI's ``mpiexec`` does this by default);
* Ctrl-C at ``mpiexec``: the launcher kills every rank;
* an uncaught exception on a rank: :func:`abort_on_exception` makes it call
  ``MPI_Abort``, which ends the job (a Python exception alone would leave the rank
  waiting in ``MPI_Finalize`` and the others in their collective, forever);
* a rank that hangs, or dies where the launcher cannot see it (a machine lost from the
  network): :class:`Watchdog` aborts every rank when a guarded step takes too long.
"""
from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from .process_group import ProcessGroup, abort, get_group

__all__ = ["Watchdog", "abort_on_exception"]

# Exit statuses: the shell's for Ctrl-C (128 + SIGINT) and a distinct one for timeouts.
INTERRUPTED = 130
TIMED_OUT = 124


def abort_on_exception(group: ProcessGroup | None = None) -> None:
    """Make an uncaught exception on any rank print its traceback and end every rank
    (``sys.excepthook``; status 130 for KeyboardInterrupt, 1 otherwise), as
    ``python -m mpi4py script.py`` does. Does nothing in a world of one process."""
    group = group if group is not None else get_group()
    if group.size == 1:
        return
    previous = sys.excepthook

    def excepthook(kind: type[BaseException], value: BaseException,
                   traceback: TracebackType | None) -> None:
        previous(kind, value, traceback)
        abort(INTERRUPTED if issubclass(kind, KeyboardInterrupt) else 1,
              f"{kind.__name__} on this rank: ending all {group.size} ranks", group)

    sys.excepthook = excepthook


class Watchdog:
    """Ends every rank when a stretch of work lasts longer than ``timeout`` seconds.

    A thread watches a deadline; when it passes, it prints what stalled and aborts the job
    (exit status 124). Arm it around each step with :meth:`guard`, or call :meth:`beat`
    from a per-batch callback (each beat grants another ``timeout`` seconds) and
    :meth:`stop` where waiting is legitimate. The timeout must exceed the slowest
    legitimate stretch (the first step; rank 0 writing a checkpoint while the others wait)::

        watchdog = Watchdog(timeout=300)
        for step, batch in enumerate(loader):
            with watchdog.guard(f"step {step}"):
                train_step(batch)
        watchdog.close()
    """

    def __init__(self, timeout: float, group: ProcessGroup | None = None) -> None:
        if timeout <= 0:
            raise ValueError(f"Watchdog timeout must be positive, got {timeout}")
        self.timeout = float(timeout)
        self.group = group if group is not None else get_group()
        self._changed = threading.Condition()
        self._deadline: float | None = None
        self._what = ""
        self._closed = False
        self._thread = threading.Thread(target=self._watch, name="minigrad-watchdog",
                                        daemon=True)
        self._thread.start()

    def beat(self, what: str) -> None:
        """Abort every rank unless the next beat (or :meth:`stop`) comes within ``timeout``
        seconds; ``what`` names the work in the message."""
        with self._changed:
            self._deadline, self._what = time.monotonic() + self.timeout, what
            self._changed.notify()

    def stop(self) -> None:
        """Stop the clock until the next :meth:`beat`."""
        with self._changed:
            self._deadline = None
            self._changed.notify()

    @contextmanager
    def guard(self, what: str) -> Iterator[None]:
        """Abort every rank unless this block ends within ``timeout`` seconds."""
        self.beat(what)
        try:
            yield
        finally:
            self.stop()

    def close(self) -> None:
        """Stop watching (the thread ends)."""
        with self._changed:
            self._closed = True
            self._changed.notify()
        self._thread.join()

    def _watch(self) -> None:
        with self._changed:
            while not self._closed:
                if self._deadline is None:
                    self._changed.wait()
                    continue
                left = self._deadline - time.monotonic()
                if left > 0:
                    self._changed.wait(left)
                    continue
                abort(TIMED_OUT, f"no progress for {self.timeout:g} s in {self._what}: "
                                 f"another rank has died or hangs; ending all "
                                 f"{self.group.size} ranks", self.group)
