"""Downloading a file safely: checksum verified, written atomically.

The file is streamed into a temporary file next to its destination, flushed to disk,
checked, and only then renamed over the destination (``os.replace`` is atomic on POSIX
and Windows). So the destination is either absent, the old file, or the complete,
verified new file: never a partial download, even if the process is killed midway.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.request
from pathlib import Path

CHUNK_BYTES = 1 << 20


def file_md5(path: str | os.PathLike[str]) -> str:
    """The md5 hex digest of a file's bytes."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def download_url(url: str, path: str | os.PathLike[str], md5: str | None = None,
                 timeout: float = 60.0) -> Path:
    """Download ``url`` to ``path``, creating its folder; returns ``path``.

    Nothing is downloaded when ``path`` already exists and matches ``md5`` (or when it
    exists and no ``md5`` is given).

    Raises:
        RuntimeError: the downloaded bytes do not match ``md5``.
        urllib.error.URLError, http.client.IncompleteRead, ...: the transfer failed.

    Every error carries a note naming the URL, deletes the temporary file and leaves
    ``path`` as it was.
    """
    path = Path(path)
    if path.exists() and (md5 is None or file_md5(path) == md5):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                             suffix=".part")
    try:
        digest = hashlib.md5(usedforsecurity=False)
        with os.fdopen(descriptor, "wb") as temp, \
                urllib.request.urlopen(url, timeout=timeout) as response:
            while chunk := response.read(CHUNK_BYTES):
                digest.update(chunk)
                temp.write(chunk)
            temp.flush()
            os.fsync(temp.fileno())
        if md5 is not None and digest.hexdigest() != md5:
            raise RuntimeError(f"md5 mismatch: expected {md5}, got {digest.hexdigest()}; "
                               "the file was not written")
        os.replace(temp_name, path)
    except BaseException as error:
        Path(temp_name).unlink(missing_ok=True)
        if isinstance(error, Exception):  # not for KeyboardInterrupt and the like
            error.add_note(f"while downloading {url} to {path}")
        raise
    _fsync_directory(path.parent)
    return path


def _fsync_directory(folder: Path) -> None:
    """Flush a folder's entries to disk, so a completed rename survives a power cut."""
    if os.name != "posix":  # Windows cannot open a folder; its rename is durable enough
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
