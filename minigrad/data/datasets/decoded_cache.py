"""A decoded copy of an image dataset in one memory-mapped ``.npy`` file.

Decoding JPEGs is the slowest part of feeding a small network. The cache decodes every
image once, resizes it so its short side is ``S`` and centre-crops it to ``S×S`` (like
``Resize(S)`` + ``CenterCrop(S)``), and stores the whole set as one uint8 ``(N, S, S, 3)``
array. Later runs open it with ``np.load(mmap_mode="r")``: nothing is decoded and the OS
page cache keeps the hot part in memory.

Files in ``cache_dir``, named after the dataset folder, ``S`` and a key:

* ``<name>-<S>px-<key>.npy``: the images;
* ``<name>-<S>px-<key>.kept.npy``: int64 indices of the files the images come from (all
  of them, unless ``on_error="skip"`` dropped some); written last, so it marks a
  complete cache.

The key hashes the dataset folder's absolute path, ``S``, and the relative path and byte
size of every image file, so adding, removing or replacing files builds a new cache. It
does not look inside the files: after editing images in place, delete the cache files.
Both files are written atomically, so an interrupted build leaves no cache behind.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ...atomic import atomic_write
from ..transforms import CenterCrop, Compose, Resize
from .decode import decode_all, decode_rgb


def cache_stem(cache_dir: Path, root: Path, paths: Sequence[Path], short_side: int) -> Path:
    """The cache's path without suffix, e.g. ``cache_dir/imagenette2-160px-1a2b3c4d5e6f7a8b``."""
    listing = [[str(Path(p).relative_to(root)), os.stat(p).st_size] for p in paths]
    absolute_root = root.resolve()
    description = json.dumps({"root": str(absolute_root), "short_side": short_side,
                              "files": listing})
    key = hashlib.sha256(description.encode()).hexdigest()[:16]
    return cache_dir / f"{absolute_root.name}-{short_side}px-{key}"


def load_or_build(cache_dir: Path, root: Path, paths: Sequence[Path], short_side: int,
                  on_error: str) -> tuple[np.ndarray, np.ndarray]:
    """Open the cache of these image files, building it first if there is none.

    Args:
        cache_dir: folder of the cache files (created if missing).
        root: the dataset folder; every path lies inside it.
        paths: the image files, in dataset order.
        short_side: ``S``, the side of the cached square images.
        on_error: ``"raise"`` or ``"skip"`` for files that fail to decode (see
            :func:`~minigrad.data.datasets.decode.decode_all`).

    Returns:
        images: read-only memory-mapped uint8 ``(K, S, S, 3)``;
        kept: int64 ``(K,)``, the indices into ``paths`` of those ``K`` images.
    """
    stem = cache_stem(cache_dir, root, paths, short_side)
    images_file, kept_file = stem.with_suffix(".npy"), stem.with_suffix(".kept.npy")
    if not kept_file.exists():
        _build(images_file, kept_file, paths, short_side, on_error)
    return _open(images_file, kept_file, len(paths), short_side)


def _open(images_file: Path, kept_file: Path, count: int, short_side: int
          ) -> tuple[np.ndarray, np.ndarray]:
    """The cache's images (memory-mapped) and kept indices, checked against what
    :func:`_build` writes for ``count`` files: a damaged or altered cache is a ValueError
    naming its files (a bad index would otherwise read the wrong image or none)."""
    def damaged(problem: str) -> ValueError:
        return ValueError(f"the decoded-image cache {images_file} / {kept_file.name} is "
                          f"damaged ({problem}); delete both files and it will be rebuilt")
    try:
        kept = np.load(kept_file)
        images = np.load(images_file, mmap_mode="r")
    except (OSError, ValueError, EOFError) as error:  # what np.load raises for bad .npy files
        raise damaged(f"{type(error).__name__}: {error}") from None
    if kept.dtype != np.int64 or kept.ndim != 1 or len(kept) > count:
        raise damaged(f"the kept indices are {kept.dtype} {kept.shape}, expected int64 of at "
                      f"most ({count},)")
    if len(kept) and (kept[0] < 0 or kept[-1] >= count or np.any(np.diff(kept) <= 0)):
        raise damaged(f"the kept indices are not increasing indices below {count}")
    expected = (count, short_side, short_side, 3)
    if images.dtype != np.uint8 or images.shape != expected:
        raise damaged(f"the images are {images.dtype} {images.shape}, expected uint8 "
                      f"{expected}")
    return images[:len(kept)], kept


def _build(images_file: Path, kept_file: Path, paths: Sequence[Path], short_side: int,
           on_error: str) -> None:
    """Decode, resize and crop every image into ``images_file``; list survivors in ``kept_file``."""
    prepare = Compose([Resize(short_side), CenterCrop(short_side)])
    kept: list[int] = []
    with atomic_write(images_file) as temp:
        # Written straight into a memory-mapped .npy, so the set never has to fit in RAM.
        # Rows of skipped files stay at the end, unused (the reader slices them off).
        images = np.lib.format.open_memmap(temp, mode="w+", dtype=np.uint8,
                                           shape=(len(paths), short_side, short_side, 3))
        decoded = decode_all(paths, lambda path: prepare(decode_rgb(path)), on_error)
        for index, image in enumerate(decoded):
            if image is not None:
                images[len(kept)] = image
                kept.append(index)
        images.flush()
        del images  # close the memory map before the file is renamed
    with atomic_write(kept_file) as temp, open(temp, "wb") as file:
        np.save(file, np.array(kept, dtype=np.int64))
