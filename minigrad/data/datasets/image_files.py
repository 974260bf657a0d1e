"""The base class of the datasets that read image files: samples, classes, cache, bad files."""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..dataset import Dataset, Transform, check_index
from . import decoded_cache
from .decode import check_decodes, decode_all, decode_rgb

Sample = tuple[Path, int]


class ImageFileDataset(Dataset):
    """Base of the datasets that read ``(path, label)`` samples from image files.

    Items are ``(image, label)``: the decoded uint8 ``H×W×3`` RGB array (or ``transform``
    of it) and an int label naming ``classes[label]`` (WordNet id ``wnids[label]``).

    Args:
        samples: ``(path, label)`` pairs, in dataset order.
        wnids: the class folder names / WordNet ids, indexed by label.
        classes: readable class names, indexed by label.
        root: the dataset folder (keys the decoded cache).
        transform: applied to each image as it is fetched.
        on_error: what to do with files that do not decode: ``"raise"`` (when the item is
            loaded, naming the file) or ``"skip"`` (every file is test-decoded up front, the
            bad ones are dropped with a warning listing them).
        cache_dir, cache_short_side: both or neither. With both, every image is decoded once,
            resized so its short side is ``cache_short_side``, centre-cropped to a square, and
            stored in one uint8 ``(N, S, S, 3)`` ``.npy`` file in ``cache_dir`` that later
            opens memory-mapped without decoding anything (see :mod:`.decoded_cache`).
    """

    def __init__(self, samples: Sequence[Sample], wnids: Sequence[str], classes: Sequence[str],
                 root: str | os.PathLike[str], transform: Transform | None = None,
                 on_error: str = "raise", cache_dir: str | os.PathLike[str] | None = None,
                 cache_short_side: int | None = None) -> None:
        if on_error not in ("raise", "skip"):
            raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
        if (cache_dir is None) != (cache_short_side is None):
            raise ValueError("give both cache_dir and cache_short_side, or neither")
        self.root = Path(root)
        self.wnids = list(wnids)
        self.classes = list(classes)
        self.class_to_idx = {wnid: label for label, wnid in enumerate(self.wnids)}
        self.transform = transform
        self._cached_images: np.ndarray | None = None
        paths = [path for path, _ in samples]
        if cache_dir is not None:
            self._cached_images, kept = decoded_cache.load_or_build(
                Path(cache_dir), self.root, paths, int(cache_short_side), on_error)
        elif on_error == "skip":
            checks = decode_all(paths, check_decodes, on_error)
            kept = [i for i, ok in enumerate(checks) if ok]
        else:
            kept = range(len(samples))
        self.samples = [tuple(samples[i]) for i in kept]
        self.targets = [label for _, label in self.samples]

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[Any, int]:
        index = check_index(index, len(self))
        path, label = self.samples[index]
        if self._cached_images is not None:
            image = np.asarray(self._cached_images[index])  # a view into the memory map
        else:
            image = decode_rgb(path)
        if self.transform is not None:
            image = self.transform(image)
        return image, label

