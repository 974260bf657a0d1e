"""ImageFolder: a classification dataset laid out as ``root/<class>/<image files>``."""
from __future__ import annotations

import os
from pathlib import Path

from ..dataset import Transform
from .decode import IMAGE_EXTENSIONS, is_image_file
from .image_files import ImageFileDataset, Sample
from .wnids import readable_name


def image_files_under(folder: Path) -> list[Path]:
    """Every image file below ``folder`` (subfolders included), sorted by path."""
    return sorted(p for p in folder.rglob("*") if is_image_file(p) and p.is_file())


def scan(root: Path) -> tuple[list[str], list[Sample]]:
    """The sorted class folder names of ``root`` and the ``(path, label)`` of every image.

    Raises:
        FileNotFoundError: ``root`` is missing, has no class folders, or a class folder has
            no image files (naming it).
    """
    if not root.is_dir():
        raise FileNotFoundError(f"dataset folder {root} does not exist")
    names = sorted(e.name for e in os.scandir(root) if e.is_dir() and not e.name.startswith("."))
    if not names:
        raise FileNotFoundError(f"{root} has no class folders; expected root/<class>/<images>")
    samples: list[Sample] = []
    for label, name in enumerate(names):
        files = image_files_under(root / name)
        if not files:
            raise FileNotFoundError(f"class folder {root / name} has no image files "
                                    f"({', '.join(IMAGE_EXTENSIONS)})")
        samples += [(path, label) for path in files]
    return names, samples


class ImageFolder(ImageFileDataset):
    """Images in ``root/<class>/...`` (e.g. ImageNet's ``train/n01440764/x.JPEG``).

    Class folders are sorted by name and numbered from 0; ``.wnids`` are the folder names,
    ``.classes`` readable names where the WordNet id is an Imagenette or Imagewoof class
    (else the folder name), ``.samples`` the ``(path, label)`` pairs and ``.targets`` the
    labels. Files count as images by extension (``.jpg``, ``.jpeg``, ``.png``, any case);
    other files are ignored. Items are uint8 ``H×W×3`` RGB arrays before ``transform``.

    ``on_error``, ``cache_dir`` and ``cache_short_side``: see :class:`ImageFileDataset`.
    """

    def __init__(self, root: str | os.PathLike[str], transform: Transform | None = None,
                 on_error: str = "raise", cache_dir: str | os.PathLike[str] | None = None,
                 cache_short_side: int | None = None) -> None:
        wnids, samples = scan(Path(root))
        super().__init__(samples, wnids, [readable_name(w) for w in wnids], root, transform,
                         on_error, cache_dir, cache_short_side)
