"""Downloading a file safely: checksum verified, written atomically (see :mod:`.atomic`).

The destination is either absent, the old file, or the complete, verified new file:
never a partial download, even if the process is killed midway.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import urllib.request
from pathlib import Path

from ..atomic import atomic_write

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
    try:
        with atomic_write(path) as temp:
            digest = _fetch(url, temp, timeout)
            if md5 is not None and digest != md5:
                raise RuntimeError(f"md5 mismatch: expected {md5}, got {digest}; "
                                   "the file was not written")
    except Exception as error:
        if hasattr(error, "add_note"):  # Python >= 3.11
            error.add_note(f"while downloading {url} to {path}")
        raise
    return path


def _fetch(url: str, destination: Path, timeout: float) -> str:
    """Stream ``url`` into ``destination``; returns the md5 of the bytes received."""
    digest = hashlib.md5(usedforsecurity=False)
    with urllib.request.urlopen(url, timeout=timeout) as response, \
            open(destination, "wb") as file:
        while chunk := response.read(CHUNK_BYTES):
            digest.update(chunk)
            file.write(chunk)
        # read() returns b"" when the server closes early, even if bytes of the announced
        # Content-Length are missing (http.client keeps that for compatibility): check here.
        if response.length:
            raise http.client.IncompleteRead(b"", response.length)
    return digest.hexdigest()
