"""Fashion-MNIST: 70,000 grayscale 28×28 images of clothing in 10 classes (Zalando, 2017).

The four IDX files (gzipped or not) are looked for, in order, in ``root``,
``$MINIGRAD_DATA`` and ``~/.cache/minigrad`` (each also with a ``fashion-mnist`` or
``FashionMNIST/raw`` subfolder), then in ``/usr/share/datasets/fashion-mnist``, where
Debian's ``dataset-fashion-mnist`` package installs the four ``.gz`` files.

Debian recompresses the files (without the original file name in the gzip header),
so its ``.gz`` md5s differ from the official ones in :data:`GZ_MD5`; the decompressed
files match :data:`RAW_MD5`.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..dataset import Dataset, Transform, check_index
from ..download import download_url
from .idx import parse_idx, read_bytes

BASE_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
SYSTEM_FOLDER = Path("/usr/share/datasets/fashion-mnist")
SUBFOLDERS = ("fashion-mnist", os.path.join("FashionMNIST", "raw"))

# (images file, labels file) of each split, without the optional ".gz".
SPLIT_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
# md5 of the official .gz files (zalandoresearch/fashion-mnist, torchvision).
GZ_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}
# md5 of the decompressed files: the check that holds for any (re)compression.
RAW_MD5 = {
    "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
    "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
    "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
}
# Sizes of the decompressed files: a file of an official size must have the official md5.
RAW_SIZES = {
    "train-images-idx3-ubyte": 16 + 60_000 * 28 * 28, "train-labels-idx1-ubyte": 8 + 60_000,
    "t10k-images-idx3-ubyte": 16 + 10_000 * 28 * 28, "t10k-labels-idx1-ubyte": 8 + 10_000,
}
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049
IMAGE_SHAPE = (28, 28)


def cache_folder() -> Path:
    """Where ``download=True`` puts the files when no ``root`` is given."""
    return Path.home() / ".cache" / "minigrad" / "fashion-mnist"


def search_folders(root: str | os.PathLike[str] | None) -> list[Path]:
    """Every folder that may hold the files, in the order they are tried."""
    bases = [Path(root)] if root is not None else []
    if os.environ.get("MINIGRAD_DATA"):
        bases.append(Path(os.environ["MINIGRAD_DATA"]))
    bases.append(cache_folder().parent)
    folders = [folder for base in bases for folder in [base, *(base / s for s in SUBFOLDERS)]]
    return [*folders, SYSTEM_FOLDER]


def find_file(folder: Path, name: str) -> Path | None:
    """``folder/name`` or ``folder/name.gz``, whichever exists first, else None."""
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def read_checked(path: Path, name: str, magic: int) -> np.ndarray:
    """The IDX file ``path`` (``name`` without ``.gz``: one of :data:`RAW_MD5`). A file of
    the official size must also have the official md5 (checked on the decompressed bytes,
    about 0.1 s for the training images): a damaged byte is a ValueError, never a silently
    different pixel. Files of other sizes (subsets, test fixtures) are only parsed."""
    raw = read_bytes(path)
    if len(raw) == RAW_SIZES[name] and hashlib.md5(raw).hexdigest() != RAW_MD5[name]:
        raise ValueError(f"{path} has the size of the official {name} but not its md5 "
                         f"{RAW_MD5[name]}: the file is damaged; delete it and get it again")
    return parse_idx(raw, path, expected_magic=magic)


def load_split(images_path: Path, labels_path: Path, names: tuple[str, str]
               ) -> tuple[np.ndarray, np.ndarray]:
    """Read and check one split: images uint8 ``(N, 28, 28)`` and labels int64 ``(N,)``.
    ``names``: the split's file names in :data:`SPLIT_FILES`."""
    images = read_checked(images_path, names[0], IMAGES_MAGIC)
    labels = read_checked(labels_path, names[1], LABELS_MAGIC)
    if images.shape[1:] != IMAGE_SHAPE:
        raise ValueError(f"{images_path}: images are {images.shape[1:]}, expected {IMAGE_SHAPE}")
    if len(images) != len(labels):
        raise ValueError(f"{images_path} holds {len(images)} images but {labels_path} holds "
                         f"{len(labels)} labels")
    if labels.size and labels.max() >= len(CLASSES):
        raise ValueError(f"{labels_path}: label {labels.max()} is not a Fashion-MNIST class (0-9)")
    return images, labels.astype(np.int64)


def download_files(folder: Path, base_url: str = BASE_URL) -> None:
    """Fetch the four official ``.gz`` files into ``folder``, each checked against its md5."""
    for name, md5 in GZ_MD5.items():
        download_url(base_url.rstrip("/") + "/" + name, folder / name, md5=md5)


class FashionMNIST(Dataset):
    """The Fashion-MNIST train (60,000) or test (10,000) split.

    Items are ``(image, label)``: a uint8 ``(28, 28)`` array (or ``transform`` of it) and an
    int in 0-9 naming ``classes[label]``. ``.data`` (uint8 ``(N, 28, 28)``, read-only) and
    ``.targets`` (int64 ``(N,)``) give the whole split at once.

    Args:
        root: a folder to look in first, and where ``download`` writes.
        train: the training split if True, else the test split.
        download: fetch the files (into ``root``, or ``~/.cache/minigrad/fashion-mnist``)
            when they are found nowhere.
        transform: applied to each image as it is fetched.
        base_url: where ``download`` fetches from (a mirror of the official files).

    Raises:
        FileNotFoundError: the files are nowhere (the message lists every folder tried).
        ValueError: a file is corrupt, truncated or of the wrong kind (naming it).
    """

    classes = CLASSES

    def __init__(self, root: str | os.PathLike[str] | None = None, train: bool = True,
                 download: bool = False, transform: Transform | None = None,
                 base_url: str = BASE_URL) -> None:
        self.train = train
        self.transform = transform
        split = "train" if train else "test"
        names = SPLIT_FILES[split]
        folders = search_folders(root)
        folder = next((f for f in folders if all(find_file(f, n) for n in names)), None)
        if folder is None:
            if not download:
                raise FileNotFoundError(_missing_message(split, names, folders, root))
            folder = Path(root) if root is not None else cache_folder()
            download_files(folder, base_url)
        self.root = folder
        self.data, self.targets = load_split(*(find_file(folder, name) for name in names), names)

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: int) -> tuple[Any, int]:
        index = check_index(index, len(self))
        image = self.data[index]
        if self.transform is not None:
            image = self.transform(image)
        return image, int(self.targets[index])


def _missing_message(split: str, names: tuple[str, str], folders: list[Path],
                     root: str | os.PathLike[str] | None) -> str:
    looked = "\n".join(f"  {folder}" for folder in folders)
    target = Path(root) if root is not None else cache_folder()
    return (f"Fashion-MNIST {split} files ({' and '.join(n + '[.gz]' for n in names)}) "
            f"not found. Looked in:\n{looked}\n"
            f"Get them with `sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu), "
            f"or pass download=True to fetch them into {target}.")
