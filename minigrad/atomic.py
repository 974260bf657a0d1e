"""Writing a file atomically: readers see the old file or the complete new one, never a part.

The content goes to a temporary file in the destination's folder (so the final rename
stays on one file system), is flushed to disk with ``fsync``, and is then renamed over the
destination with ``os.replace``, which is atomic on POSIX and Windows.

The temporary file is ``.<name>.<host>-<pid>.<random>.part``. It is created with mode
``0o666`` minus the umask, as ``open`` would create the file itself. A process killed
mid-write (``kill -9``, power loss) leaves its ``.part`` file behind; the next
``atomic_write`` of the same destination on the same host deletes the ones whose writer
is no longer running.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PART_SUFFIX = ".part"


def host_tag() -> str:
    """A short, file-name-safe tag of this machine's host name (8 hex digits)."""
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def pid_is_running(pid: int) -> bool:
    """Whether a process with this id exists on this machine (POSIX and Windows)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):  # exists but belongs to someone else (or Windows quirks)
        return True
    return True


def remove_stale_parts(path: Path) -> list[Path]:
    """Delete the leftover temporary files of ``path`` written on this host by processes
    that are gone; returns what was deleted."""
    prefix = f".{path.name}.{host_tag()}-"
    removed = []
    for part in path.parent.glob(f".{path.name}.*{PART_SUFFIX}"):
        if not part.name.startswith(prefix):
            continue
        pid_text = part.name[len(prefix):].split(".", 1)[0]
        if pid_text.isdigit() and int(pid_text) != os.getpid() \
                and not pid_is_running(int(pid_text)):
            part.unlink(missing_ok=True)
            removed.append(part)
    return removed


def _create_temporary(path: Path) -> Path:
    """A new, empty temporary file next to ``path`` (mode 0o666 minus the umask)."""
    while True:
        temp = path.with_name(f".{path.name}.{host_tag()}-{os.getpid()}."
                              f"{secrets.token_hex(4)}{PART_SUFFIX}")
        try:
            descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:  # a random-name collision: try another name
            continue
        os.close(descriptor)
        return temp


@contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path``, on error it is deleted.

    Example::

        with atomic_write("data.npy") as temp:
            with open(temp, "wb") as file:
                np.save(file, array)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(path)
    temp = _create_temporary(path)
    try:
        yield temp
        _fsync(temp)
        os.replace(temp, path)
    except BaseException as error:
        temp.unlink(missing_ok=True)
        if isinstance(error, OSError) and error.errno is not None and error.filename is None:
            error.filename = str(path)  # e.g. disk full: name the file being written
        raise
    if os.name == "posix":  # flush the rename itself (Windows cannot open a folder)
        _fsync(path.parent)


def _fsync(path: Path) -> None:
    """Flush a file's (or, on POSIX, a folder's) data to disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
