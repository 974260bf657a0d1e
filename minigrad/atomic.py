"""Writing a file atomically: readers see the old file or the complete new one, never a part.

The content goes to a temporary file in the destination's folder (so the final rename
stays on one file system), is flushed to disk with ``fsync``, and is then renamed over the
destination with ``os.replace``, which is atomic on POSIX and Windows.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


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
    descriptor, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                             suffix=".part")
    os.close(descriptor)
    temp = Path(temp_name)
    try:
        yield temp
        _fsync(temp)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
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
