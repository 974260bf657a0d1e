"""Saving and loading tensors: ``mg.save`` / ``mg.load`` on ``.safetensors`` (or ``.npz``).

What is written
---------------
``obj`` is a (possibly nested) dict/list of Tensors, arrays and plain values
(numbers, strings, bools, None) — a model's ``state_dict()``, or a whole
training checkpoint with optimizer state, epoch and RNG state. Every array is
stored as one safetensors entry, named by its path in ``obj`` joined with dots
(a flat ``state_dict`` keeps its keys unchanged, so files interoperate with
torchvision's). Everything else goes, as JSON, into the file's ``__metadata__``
(key ``minigrad``) together with a skeleton saying where each array belongs and
whether it was a Tensor. Arrays are always written from host memory, so a file
saved from the GPU loads on a CPU-only machine.

Integrity
---------
The metadata also holds (key ``minigrad.checksums``) the SHA-256 of the skeleton
and the dtype, shape and SHA-256 of every array's bytes. Loading checks them all,
so a flipped bit anywhere — data, header or metadata — is a ``ValueError`` naming
the file rather than a silently different value. ``verify=False`` skips the
hashing (about 1 s per GB) for files you just wrote yourself.

Reading is bounded: the safetensors header (at most 100 MB) is parsed and every
entry's dtype, shape and byte range checked against the file's size before any
data is read; in an ``.npz`` archive every member's ``.npy`` header is read and
the declared sizes added up before anything is inflated (at most ``max_bytes``,
by default 64× the file's size, at least 256 MiB). Any malformed file raises
``ValueError`` naming its path. bfloat16 arrays (common in published weights)
load as float32.

Files are written atomically (:mod:`minigrad.atomic`): to a temporary file in
the same folder, flushed and fsynced, then renamed over the target. A crash
mid-write never leaves a half-written checkpoint in place of a good one.
"""
from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import math
import os
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from . import backend
from .atomic import atomic_write
from .tensor import Tensor

SKELETON_KEY = "minigrad"
CHECKSUMS_KEY = "minigrad.checksums"
SAFETENSORS_METADATA = "__metadata__"
# Array names that would collide with the file's own bookkeeping entries.
RESERVED_NAMES = (SAFETENSORS_METADATA, f"__{SKELETON_KEY}__", f"__{CHECKSUMS_KEY}__")
MAX_HEADER_BYTES = 100 * 2**20          # the limit the safetensors library sets too
MIN_INFLATION_CAP = 256 * 2**20
INFLATION_RATIO_CAP = 64

# safetensors dtype name <-> NumPy dtype (little-endian); BF16 is read only (as float32).
SAFETENSORS_DTYPES = {
    "BOOL": np.dtype(np.bool_), "U8": np.dtype("<u1"), "I8": np.dtype("<i1"),
    "U16": np.dtype("<u2"), "I16": np.dtype("<i2"), "F16": np.dtype("<f2"),
    "U32": np.dtype("<u4"), "I32": np.dtype("<i4"), "F32": np.dtype("<f4"),
    "U64": np.dtype("<u8"), "I64": np.dtype("<i8"), "F64": np.dtype("<f8"),
    "BF16": np.dtype("<u2"),
}
SAFETENSORS_NAMES = {dtype: name for name, dtype in SAFETENSORS_DTYPES.items() if name != "BF16"}


def corrupt(path: Path, problem: str) -> ValueError:
    """The one error every malformed file gives: ``ValueError`` naming the path."""
    return ValueError(f"cannot read {path}: the file is corrupt, truncated or not a "
                      f"{path.suffix or 'weights'} file ({problem})")


# ---- the skeleton: nested objects <-> flat arrays + JSON ------------------------------------
# Any: a skeleton is JSON (dicts, lists, numbers, strings, None), and load() returns
# whatever was saved: Tensors, arrays and plain values, nested in dicts/lists/tuples.
def _flatten(obj: Any, prefix: str, arrays: dict[str, np.ndarray]) -> Any:
    """Replace arrays in ``obj`` by placeholders, collecting them in ``arrays``."""
    if isinstance(obj, Tensor) or backend.is_cupy_array(obj) or isinstance(obj, np.ndarray):
        key = prefix or "tensor"
        if key in arrays:
            raise ValueError(f"save: two arrays would be stored under the key {key!r}")
        if key in RESERVED_NAMES:
            raise ValueError(f"save: the key {key!r} is reserved by the file format; "
                             f"rename it (nothing was written)")
        data = backend.to_numpy(obj.data if isinstance(obj, Tensor) else obj)
        array = np.asarray(data, order="C")  # keeps 0-d shapes
        if array.dtype.newbyteorder("<") not in SAFETENSORS_NAMES:
            raise TypeError(f"save: cannot store the {array.dtype} array at {key!r} "
                            f"(bool, integer and float16/32/64 arrays can be stored)")
        arrays[key] = array.astype(array.dtype.newbyteorder("<"), order="C", copy=False)
        return {"__array__": key, "tensor": isinstance(obj, Tensor)}
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise TypeError(f"save: dict keys must be str or int, got {type(k).__name__}")
            items.append([k, _flatten(v, f"{prefix}.{k}" if prefix else str(k), arrays)])
        return {"__dict__": items}
    if isinstance(obj, (list, tuple)):
        kind = "__list__" if isinstance(obj, list) else "__tuple__"
        return {kind: [_flatten(v, f"{prefix}.{i}" if prefix else str(i), arrays)
                       for i, v in enumerate(obj)]}
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"save: cannot store a value of type {type(obj).__name__} at {prefix!r}")


def _unflatten(node: Any, arrays: dict[str, np.ndarray], device: str, path: Path) -> Any:
    """Rebuild what :func:`_flatten` took apart; a malformed skeleton is a ValueError."""
    if not isinstance(node, dict):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        raise corrupt(path, f"unexpected {type(node).__name__} in the skeleton")
    if set(node) == {"__array__", "tensor"} and isinstance(node["tensor"], bool):
        key = node["__array__"]
        if not isinstance(key, str) or key not in arrays:
            raise corrupt(path, f"the skeleton names an array {key!r} that is not in the file")
        array = arrays[key]
        if not node["tensor"]:
            return array
        return Tensor(array if device == "cpu" else backend.to_device(array, device))
    if len(node) == 1 and isinstance(next(iter(node.values())), list):
        kind, items = next(iter(node.items()))
        if kind == "__dict__":
            if not all(isinstance(item, list) and len(item) == 2
                       and isinstance(item[0], (str, int)) for item in items):
                raise corrupt(path, "a skeleton dict entry is not a [key, value] pair")
            return {k: _unflatten(v, arrays, device, path) for k, v in items}
        if kind in ("__list__", "__tuple__"):
            values = [_unflatten(v, arrays, device, path) for v in items]
            return values if kind == "__list__" else tuple(values)
    raise corrupt(path, f"unknown skeleton node with keys {sorted(node)[:4]}")


# ---- checksums -----------------------------------------------------------------------------
def _sha256(data: Any) -> str:
    """SHA-256 (hex) of a bytes-like object or of an array's bytes."""
    if isinstance(data, np.ndarray):
        data = data.reshape(-1).view(np.uint8)
    return hashlib.sha256(data).hexdigest()


def _checksums(skeleton: str, arrays: dict[str, np.ndarray]) -> str:
    """The ``minigrad.checksums`` metadata entry: hash of the skeleton, and dtype, shape
    and hash of every array."""
    return json.dumps({"skeleton": _sha256(skeleton.encode()),
                       "arrays": {k: [a.dtype.name, list(a.shape), _sha256(a)]
                                  for k, a in arrays.items()}})


# ---- writing ---------------------------------------------------------------------------------
def _write_safetensors(file: IO[bytes], arrays: dict[str, np.ndarray],
                       metadata: dict[str, str]) -> None:
    """The safetensors layout: u64 header length, JSON header (padded with spaces to 8
    bytes), then every array's bytes back to back."""
    header: dict[str, Any] = {SAFETENSORS_METADATA: metadata}
    offset = 0
    for name, array in arrays.items():
        header[name] = {"dtype": SAFETENSORS_NAMES[array.dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    file.write(struct.pack("<Q", len(text)))
    file.write(text)
    for array in arrays.values():
        file.write(array.reshape(-1).view(np.uint8).data)


def save(obj: object, path: str | os.PathLike) -> None:
    """Write ``obj`` (Tensors, arrays and plain values, nested in dicts/lists) to ``path``.

    ``.safetensors`` (default) or ``.npz`` by the file extension. Everything is checked
    before the file is touched: a value that cannot be stored (TypeError) or a reserved
    key such as ``__metadata__`` (ValueError) leaves an existing file as it was. Disk
    full and other write errors raise ``OSError`` and also leave it intact.
    """
    path = Path(path)
    arrays: dict[str, np.ndarray] = {}
    skeleton = json.dumps(_flatten(obj, "", arrays))
    metadata = {SKELETON_KEY: skeleton, CHECKSUMS_KEY: _checksums(skeleton, arrays)}
    with atomic_write(path) as tmp, open(tmp, "wb") as file:
        if path.suffix == ".npz":
            np.savez(file, **arrays, **{f"__{k}__": np.array(v) for k, v in metadata.items()})
        else:
            _write_safetensors(file, arrays, metadata)


# ---- reading ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ArrayInfo:
    """One array as a file's header describes it: ``dtype`` as stored (``bfloat16`` for
    BF16), ``shape``, and ``nbytes`` (bytes in the file, uncompressed)."""
    dtype: str
    shape: tuple[int, ...]
    nbytes: int


def _shape(value: Any, path: Path, name: str) -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)) or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in value):
        raise corrupt(path, f"entry {name!r} has the invalid shape {value!r}")
    return tuple(value)


class _SafetensorsFile:
    """A parsed, fully checked safetensors header; arrays are read one by one."""

    def __init__(self, file: IO[bytes], path: Path) -> None:
        self.file, self.path = file, path
        size = os.fstat(file.fileno()).st_size
        prefix = file.read(8)
        if len(prefix) < 8:
            raise corrupt(path, f"{size} bytes, too short for a safetensors header")
        (header_length,) = struct.unpack("<Q", prefix)
        if header_length > min(MAX_HEADER_BYTES, size - 8):
            raise corrupt(path, f"header length {header_length} does not fit the file "
                                f"({size} bytes)")
        header = json.loads(file.read(header_length).decode("utf-8"))
        if not isinstance(header, dict):
            raise corrupt(path, "the header is not a JSON object")
        metadata = header.pop(SAFETENSORS_METADATA, {})
        if not isinstance(metadata, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise corrupt(path, "__metadata__ is not a map of strings to strings")
        self.metadata: dict[str, str] = metadata
        self.data_start = 8 + header_length
        self.infos: dict[str, ArrayInfo] = {}
        self.offsets: dict[str, int] = {}
        spans = []
        for name, entry in header.items():
            if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
                raise corrupt(path, f"entry {name!r} is not {{dtype, shape, data_offsets}}")
            if entry["dtype"] not in SAFETENSORS_DTYPES:
                raise corrupt(path, f"entry {name!r} has the unknown dtype {entry['dtype']!r}")
            shape = _shape(entry["shape"], path, name)
            offsets = _shape(entry["data_offsets"], path, name)
            if len(offsets) != 2:
                raise corrupt(path, f"entry {name!r} has data_offsets {list(offsets)}")
            begin, end = offsets
            dtype = SAFETENSORS_DTYPES[entry["dtype"]]
            nbytes = math.prod(shape) * dtype.itemsize
            if end - begin != nbytes:
                raise corrupt(path, f"entry {name!r}: shape {list(shape)} of {entry['dtype']} "
                                    f"needs {nbytes} bytes, data_offsets give {end - begin}")
            stored = "bfloat16" if entry["dtype"] == "BF16" else dtype.name
            self.infos[name] = ArrayInfo(stored, shape, nbytes)
            self.offsets[name] = begin
            spans.append((begin, end))
        position = 0
        for begin, end in sorted(spans):
            if begin != position:
                raise corrupt(path, f"the arrays' bytes overlap or leave a gap at byte {begin}")
            position = end
        if self.data_start + position != size:
            raise corrupt(path, f"the header describes {self.data_start + position} bytes, "
                                f"the file has {size}")

    def read(self, name: str) -> np.ndarray:
        """The stored array (BF16 as raw uint16), read straight from the file."""
        info = self.infos[name]
        array = np.empty(info.shape, SAFETENSORS_DTYPES["U16"] if info.dtype == "bfloat16"
                         else np.dtype(info.dtype).newbyteorder("<"))
        self.file.seek(self.data_start + self.offsets[name])
        if self.file.readinto(array.reshape(-1).view(np.uint8)) != info.nbytes:
            raise corrupt(self.path, f"the data of {name!r} is truncated")
        return array


NPY_MAGIC = b"\x93NUMPY"
MAX_NPY_HEADER_BYTES = 10_000  # NumPy's own limit for untrusted files


def _read_npy_header(stream: IO[bytes], path: Path, member: str
                     ) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """Shape, Fortran order, dtype and header length of a ``.npy`` stream, parsed here
    (a dict literal, read with ``ast.literal_eval``) so that any damage is a ValueError."""
    start = stream.read(8)
    if len(start) < 8 or not start.startswith(NPY_MAGIC) or start[6:8] not in (b"\1\0", b"\2\0"):
        raise corrupt(path, f"{member} does not start like a .npy file (version 1 or 2)")
    width = "<H" if start[6] == 1 else "<I"
    size_bytes = stream.read(struct.calcsize(width))
    (length,) = struct.unpack(width, size_bytes)
    if length > MAX_NPY_HEADER_BYTES:
        raise corrupt(path, f"{member}: a .npy header of {length} bytes")
    text = stream.read(length).decode("latin1")
    header = ast.literal_eval(text)
    if not isinstance(header, dict) or set(header) != {"descr", "fortran_order", "shape"} \
            or not isinstance(header["descr"], str) \
            or not isinstance(header["fortran_order"], bool):
        raise corrupt(path, f"{member}: malformed .npy header {text[:80]!r}")
    dtype = np.dtype(header["descr"])
    if not (dtype.kind == "U" or dtype.newbyteorder("<") in SAFETENSORS_NAMES):
        raise corrupt(path, f"{member}: the dtype {dtype} is not allowed")
    return (_shape(header["shape"], path, member), header["fortran_order"], dtype,
            8 + len(size_bytes) + length)


class _NpzFile:
    """The ``.npy`` headers of every member of an ``.npz`` archive, read without inflating
    any data; arrays are inflated one by one."""

    def __init__(self, file: IO[bytes], path: Path) -> None:
        self.path = path
        self.archive = zipfile.ZipFile(file)
        self.infos: dict[str, ArrayInfo] = {}
        self.members: dict[str, tuple[zipfile.ZipInfo, bool]] = {}
        for member in self.archive.infolist():
            if not member.filename.endswith(".npy"):
                raise corrupt(path, f"the member {member.filename!r} is not a .npy array")
            name = member.filename[:-4]
            with self.archive.open(member) as stream:
                shape, fortran, dtype, header_length = _read_npy_header(stream, path,
                                                                        member.filename)
            nbytes = math.prod(shape) * dtype.itemsize
            if member.file_size != header_length + nbytes:
                raise corrupt(path, f"{member.filename}: the header gives shape {shape} of "
                                    f"{dtype} ({nbytes} bytes) but the member holds "
                                    f"{member.file_size - header_length}")
            self.infos[name] = ArrayInfo(dtype.str, tuple(shape), nbytes)
            self.members[name] = (member, fortran)
        self.metadata = {key: str(self._read(f"__{key}__"))
                         for key in (SKELETON_KEY, CHECKSUMS_KEY) if f"__{key}__" in self.infos}
        for key in self.metadata:
            self.infos.pop(f"__{key}__")

    def _read(self, name: str) -> np.ndarray:
        member, fortran = self.members[name]
        info = self.infos[name]
        with self.archive.open(member) as stream:
            stream.seek(member.file_size - info.nbytes)  # past the .npy header
            flat = np.empty(math.prod(info.shape), np.dtype(info.dtype))
            count = stream.readinto(flat.view(np.uint8)) if info.nbytes else 0
            if count != info.nbytes or stream.read(1):  # read(1) also checks the CRC
                raise corrupt(self.path, f"the data of {name!r} is truncated")
        return flat.reshape(info.shape, order="F" if fortran else "C")

    def read(self, name: str) -> np.ndarray:
        """The stored array, inflated (in native byte order)."""
        array = self._read(name)
        return array.astype(array.dtype.newbyteorder("="), copy=False)


# What parsing and inflating a damaged file can raise (zip, zlib, JSON, npy headers;
# OSError: e.g. a zip directory that points before the start of the file).
_FORMAT_ERRORS = (OSError, ValueError, KeyError, IndexError, TypeError, EOFError, OverflowError,
                  RecursionError, SyntaxError, MemoryError, UnicodeDecodeError, struct.error, zlib.error,
                  zipfile.BadZipFile, NotImplementedError)


@contextlib.contextmanager
def _open_checked(path: Path) -> Iterator[_SafetensorsFile | _NpzFile]:
    """Open and parse a file's headers; every format error becomes ``corrupt(path)``."""
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    with open(path, "rb") as file:
        try:
            parsed = _NpzFile(file, path) if path.suffix == ".npz" \
                else _SafetensorsFile(file, path)
        except _FORMAT_ERRORS as error:
            if isinstance(error, ValueError) and str(error).startswith(f"cannot read {path}"):
                raise
            raise corrupt(path, f"{type(error).__name__}: {error}") from None
        try:
            yield parsed
        except _FORMAT_ERRORS as error:
            if isinstance(error, ValueError) and str(error).startswith(f"cannot read {path}"):
                raise
            raise corrupt(path, f"{type(error).__name__}: {error}") from None


def read_header(path: str | os.PathLike) -> dict[str, ArrayInfo]:
    """Name -> :class:`ArrayInfo` of every array in a ``.safetensors`` / ``.npz`` file,
    from its headers alone (no array data is read or inflated)."""
    with _open_checked(Path(path)) as parsed:
        return dict(parsed.infos)


def _checked_table(parsed: _SafetensorsFile | _NpzFile, path: Path) -> dict[str, Any] | None:
    """The checksum table of a minigrad file (None for a file written by another program)."""
    present = [k for k in (SKELETON_KEY, CHECKSUMS_KEY) if k in parsed.metadata]
    if not present:
        return None
    if len(present) == 1:
        raise corrupt(path, f"the metadata has {present[0]!r} without its partner")
    table = json.loads(parsed.metadata[CHECKSUMS_KEY])
    if not (isinstance(table, dict) and set(table) == {"skeleton", "arrays"}
            and isinstance(table["arrays"], dict)):
        raise corrupt(path, "the checksum table is malformed")
    if set(table["arrays"]) != set(parsed.infos):
        raise corrupt(path, "the checksum table and the file list different arrays")
    return table


def read_arrays(path: str | os.PathLike, names: Iterable[str] | None = None, *,
                verify: bool = True, max_bytes: int | None = None
                ) -> tuple[dict[str, np.ndarray], str | None]:
    """Arrays of a ``.safetensors`` / ``.npz`` file and minigrad's skeleton (or None for a
    file written by another program).

    names: read only these arrays (default all); the others are never read or inflated.
    verify: check the checksums minigrad stored (dtype, shape and SHA-256 of each array,
        SHA-256 of the skeleton); False skips the hashing, for trusted files.
    max_bytes: refuse (before inflating anything) files whose arrays add up to more;
        default 64× the file's size, at least 256 MiB.

    bfloat16 arrays come back as float32. Raises FileNotFoundError for a missing file and
    ValueError naming the path for any malformed, truncated or altered one.
    """
    path = Path(path)
    with _open_checked(path) as parsed:
        table = _checked_table(parsed, path) if verify else None
        wanted = list(parsed.infos) if names is None else [n for n in names if n in parsed.infos]
        total = sum(parsed.infos[n].nbytes for n in wanted)
        limit = max_bytes if max_bytes is not None else max(
            INFLATION_RATIO_CAP * path.stat().st_size, MIN_INFLATION_CAP)
        if total > limit:
            raise ValueError(f"cannot read {path}: its arrays declare {total:,} bytes, more "
                             f"than the limit of {limit:,} (a decompression bomb?); pass "
                             f"max_bytes= to read a file you trust")
        arrays = {}
        for name in wanted:
            array = parsed.read(name)
            if table is not None:
                dtype, shape, digest = table["arrays"][name]
                if (dtype, shape) != (array.dtype.name, list(array.shape)) \
                        or digest != _sha256(array):
                    raise corrupt(path, f"the checksum of {name!r} does not match its data")
            info = parsed.infos[name]
            if info.dtype == "bfloat16":  # the upper half of a float32's bits
                array = (array.astype(np.uint32) << 16).view(np.float32)
            arrays[name] = array
        skeleton = parsed.metadata.get(SKELETON_KEY)
        if table is not None and _sha256(skeleton.encode()) != table["skeleton"]:
            raise corrupt(path, "the checksum of the metadata does not match")
    return arrays, skeleton


def load(path: str | os.PathLike, device: str = "cpu", verify: bool = True, *,
         map_location: str | None = None, weights_only: bool | None = None) -> Any:
    """Read what :func:`save` wrote; Tensors come back on ``device``.

    A safetensors/npz file written by another program (e.g. a torchvision
    state dict) loads as a flat dict of NumPy arrays. verify: see :func:`read_arrays`.
    Raises FileNotFoundError, or ValueError naming the path for a malformed file.
    PyTorch's ``map_location`` (a device) is another name for ``device``; ``weights_only``
    is accepted and changes nothing: minigrad never unpickles, so loading is always as
    safe as PyTorch's ``weights_only=True``.
    """
    device = backend.normalize_device(device if map_location is None else map_location)
    path = Path(path)
    arrays, skeleton = read_arrays(path, verify=verify)
    if skeleton is None:
        return arrays
    try:
        return _unflatten(json.loads(skeleton), arrays, device, path)
    except (json.JSONDecodeError, RecursionError) as error:
        raise corrupt(path, f"the skeleton cannot be parsed ({type(error).__name__})") from None
