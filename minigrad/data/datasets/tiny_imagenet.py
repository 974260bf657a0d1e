"""Tiny ImageNet: 200 ImageNet classes at 64×64, 500 training and 50 validation images each.

Layout of ``tiny-imagenet-200/``::

    wnids.txt                        the 200 WordNet ids, one per line
    words.txt                        "<wnid>\\t<names>" for all of ImageNet
    train/<wnid>/images/*.JPEG       500 per class
    val/images/val_<k>.JPEG          10,000 in one folder,
    val/val_annotations.txt          labelled by "<file>\\t<wnid>\\t<x0>\\t<y0>\\t<x1>\\t<y1>"

The test split has no labels and is not offered.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..dataset import Transform
from .decode import is_image_file
from .image_files import ImageFileDataset, Sample


def read_lines(path: Path) -> list[str]:
    """The non-empty lines of a text file (FileNotFoundError names it if missing,
    ValueError if it is not UTF-8 text)."""
    if not path.is_file():
        raise FileNotFoundError(f"Tiny ImageNet file {path} is missing")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is not a text file ({error})") from None
    return [line for line in text.splitlines() if line.strip()]


def plain_name(name: str, where: str) -> str:
    """``name`` if it is a plain file or folder name; an index file may only name entries
    of its own folder (an absolute path, ``..`` or a separator could reach files outside
    the dataset root), else ValueError saying ``where``."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise ValueError(f"{where}: {name!r} is not a plain file name; the index files of a "
                         f"dataset may only name files inside its folder")
    return name


def class_names(words_file: Path, wnids: list[str]) -> list[str]:
    """Each wnid's first name in ``words.txt`` ("goldfish, Carassius auratus" -> "goldfish")."""
    names = {}
    for line in read_lines(words_file):
        wnid, _, words = line.partition("\t")
        names[wnid] = words.split(",")[0].strip()
    return [names.get(wnid, wnid) for wnid in wnids]


def train_samples(root: Path, wnids: list[str]) -> list[Sample]:
    """``train/<wnid>/images/*`` for every class, sorted by file name."""
    samples: list[Sample] = []
    for label, wnid in enumerate(wnids):
        folder = root / "train" / wnid / "images"
        files = sorted(p for p in folder.glob("*") if is_image_file(p)) if folder.is_dir() else []
        if not files:
            raise FileNotFoundError(f"Tiny ImageNet class folder {folder} has no images")
        samples += [(path, label) for path in files]
    return samples


def val_samples(root: Path, class_to_idx: dict[str, int]) -> list[Sample]:
    """``val/images/<file>`` labelled by ``val/val_annotations.txt``, in the file's order."""
    annotations = root / "val" / "val_annotations.txt"
    samples: list[Sample] = []
    for number, line in enumerate(read_lines(annotations), start=1):
        fields = line.split("\t")
        if len(fields) < 2 or fields[1] not in class_to_idx:
            raise ValueError(f"{annotations}, line {number}: expected '<file>\\t<wnid>\\t...' "
                             f"with a wnid from wnids.txt, got {line!r}")
        name = plain_name(fields[0], f"{annotations}, line {number}")
        samples.append((root / "val" / "images" / name, class_to_idx[fields[1]]))
    return samples


class TinyImageNet(ImageFileDataset):
    """The Tiny ImageNet ``"train"`` (100,000 images) or ``"val"`` (10,000) split.

    Labels number the sorted wnids of ``wnids.txt``, the same numbering as ``ImageFolder``
    gives ``train/``; ``.classes`` are the first names in ``words.txt``. Items are uint8
    ``64×64×3`` RGB arrays (grayscale JPEGs are converted) before ``transform``.

    ``on_error``, ``cache_dir`` and ``cache_short_side``: see :class:`ImageFileDataset`.
    """

    def __init__(self, root: str | os.PathLike[str], split: str = "train",
                 transform: Transform | None = None, on_error: str = "raise",
                 cache_dir: str | os.PathLike[str] | None = None,
                 cache_short_side: int | None = None) -> None:
        root = Path(root)
        wnids_file = root / "wnids.txt"
        wnids = sorted(plain_name(line.strip(), str(wnids_file))
                       for line in read_lines(wnids_file))
        if split == "train":
            samples = train_samples(root, wnids)
        elif split == "val":
            samples = val_samples(root, {wnid: label for label, wnid in enumerate(wnids)})
        else:
            raise ValueError(f"split must be 'train' or 'val' (test has no labels), got {split!r}")
        self.split = split
        super().__init__(samples, wnids, class_names(root / "words.txt", wnids), root,
                         transform, on_error, cache_dir, cache_short_side)
