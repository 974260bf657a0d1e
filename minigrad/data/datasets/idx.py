"""Reading IDX files, the format of MNIST and Fashion-MNIST.

An IDX file is a big-endian header followed by the raw array in C order:
bytes 0-1 are zero, byte 2 the element type, byte 3 the number of dimensions ``ndim``;
then ``ndim`` unsigned 32-bit sizes; then the data. Read as one big-endian int32, the
first four bytes are the "magic number" ``type * 256 + ndim``: 2051 for uint8 images
``(N, rows, cols)``, 2049 for uint8 labels ``(N,)``.
"""
from __future__ import annotations

import gzip
import io
import math
import os
import struct
import zlib

import numpy as np

# IDX element type code -> big-endian NumPy dtype.
IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
GZIP_SIGNATURE = b"\x1f\x8b"
MAX_INFLATED_BYTES = 2**30  # 20x Fashion-MNIST's largest file: more is a decompression bomb


def read_bytes(path: str | os.PathLike[str], max_bytes: int = MAX_INFLATED_BYTES) -> bytes:
    """The file's bytes, gunzipped when it is a gzip file (recognised by its first bytes);
    inflating stops with ValueError past ``max_bytes``."""
    with open(path, "rb") as file:
        raw = file.read()
    if not raw.startswith(GZIP_SIGNATURE):
        return raw
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            data = stream.read(max_bytes + 1)
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise ValueError(f"{path}: corrupt or truncated gzip file ({error})") from error
    if len(data) > max_bytes:
        raise ValueError(f"{path}: inflates to more than {max_bytes:,} bytes (a "
                         f"decompression bomb?)")
    return data


def read_idx(path: str | os.PathLike[str], expected_magic: int | None = None) -> np.ndarray:
    """Read an IDX file (raw or gzipped) into an array of the shape its header gives.

    Args:
        path: the file.
        expected_magic: if given, the magic number the file must have (2051 images, 2049 labels).

    Returns:
        A read-only array in native byte order, e.g. uint8 ``(N, 28, 28)`` or ``(N,)``.

    Raises:
        ValueError: naming ``path``: wrong magic number, unknown type, or a length that
            does not match the header (truncated or padded file).
    """
    return parse_idx(read_bytes(path), path, expected_magic)


def parse_idx(raw: bytes, path: str | os.PathLike[str], expected_magic: int | None = None
              ) -> np.ndarray:
    """:func:`read_idx` on the file's (gunzipped) bytes ``raw``; ``path`` names it in errors."""
    if len(raw) < 4:
        raise ValueError(f"{path}: {len(raw)} bytes, too short for an IDX header")
    magic = int.from_bytes(raw[:4], "big")
    if expected_magic is not None and magic != expected_magic:
        raise ValueError(f"{path}: magic number {magic}, expected {expected_magic}; "
                         "this is not the IDX file it should be")
    type_code, ndim = raw[2], raw[3]
    if raw[:2] != b"\0\0" or type_code not in IDX_DTYPES:
        raise ValueError(f"{path}: magic number {magic} is not a valid IDX header")
    data_start = 4 + 4 * ndim
    if len(raw) < data_start:
        raise ValueError(f"{path}: truncated IDX header ({len(raw)} bytes, need {data_start})")
    shape = struct.unpack(f">{ndim}I", raw[4:data_start])
    dtype = np.dtype(IDX_DTYPES[type_code])
    expected_length = data_start + math.prod(shape) * dtype.itemsize
    if len(raw) != expected_length:
        problem = "truncated" if len(raw) < expected_length else "longer than its header says"
        raise ValueError(f"{path}: file is {problem}: the header gives shape {shape} "
                         f"({expected_length} bytes in all) but the file has {len(raw)} bytes")
    array = np.frombuffer(raw, dtype=dtype, offset=data_start).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=False)  # no copy for uint8
