"""One writer per run folder: ``OUT/run.lock`` names the process that owns the run.

The lock file is created atomically (written under a temporary name, then hard-linked to
``run.lock``, which fails if it exists) and holds ``{"pid", "host", "started"}``. A
second writer is refused with a message naming the owner. A lock is *stale* when its
host is this machine and its process is gone (``kill -9``, a crash, a reboot): it is
then replaced, with a note. A lock from another host is never taken over automatically
(its process cannot be checked from here): the message says to delete the file if no
run is using the folder.
"""
from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from types import TracebackType

from ..atomic import PART_SUFFIX, pid_is_running

LOCK_NAME = "run.lock"


class RunLocked(Exception):
    """Another live process owns the run folder (the message names it and the cure)."""


class RunLock:
    """``with RunLock(folder):`` — hold ``folder/run.lock`` for the block.

    Taking the lock also deletes leftover ``.*.part`` files of interrupted writes in the
    folder (only the lock holder writes there).
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self.record = {"pid": os.getpid(), "host": socket.gethostname(),
                       "started": time.strftime("%Y-%m-%d %H:%M:%S")}

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.release()

    def acquire(self) -> None:
        """Take the lock, replacing a stale one; RunLocked if a live process holds it."""
        if not self._try_link():
            owner = self._owner()
            if not self._is_stale(owner):
                raise RunLocked(self._locked_message(owner))
            self.path.unlink(missing_ok=True)
            print(f"note: removed the stale lock {self.path} of process {owner['pid']}, "
                  f"which is no longer running")
            if not self._try_link():
                raise RunLocked(self._locked_message(self._owner()))
        for part in self.folder.glob(f".*{PART_SUFFIX}"):
            part.unlink(missing_ok=True)

    def release(self) -> None:
        """Drop the lock if this process still holds it."""
        if self._owner() == self.record:
            self.path.unlink(missing_ok=True)

    def _try_link(self) -> bool:
        temp = self.folder / f".{LOCK_NAME}.{os.getpid()}{PART_SUFFIX}"
        temp.write_text(json.dumps(self.record))
        try:
            os.link(temp, self.path)
            return True
        except FileExistsError:
            return False
        finally:
            temp.unlink(missing_ok=True)

    def _owner(self) -> dict[str, object] | None:
        """The lock file's record, or None if it is missing or unreadable."""
        try:
            owner = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None
        return owner if isinstance(owner, dict) else None

    def _is_stale(self, owner: dict[str, object] | None) -> bool:
        return (owner is not None and owner.get("host") == socket.gethostname()
                and isinstance(owner.get("pid"), int) and not pid_is_running(owner["pid"]))

    def _locked_message(self, owner: dict[str, object] | None) -> str:
        who = (f"process {owner.get('pid')} on {owner.get('host')} (started "
               f"{owner.get('started')})" if owner else "an unreadable lock record")
        return (f"{self.folder} is in use by {who}: only one run may write to a folder. "
                f"Wait for it, choose another --out, or, if no run is using the folder, "
                f"delete {self.path}")
