"""Decoding image files with Pillow, one by one or many at once on a thread pool."""
from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")


class ImageDecodeError(OSError):
    """A file with an image extension that Pillow cannot decode (the message names it)."""


def is_image_file(path: Path) -> bool:
    """An image by its extension (any case); hidden files such as macOS ``._x.JPEG`` are not."""
    return path.suffix.lower() in IMAGE_EXTENSIONS and not path.name.startswith(".")


def _decode_errors() -> tuple[type[BaseException], ...]:
    """What Pillow raises for bad data. DecompressionBombError (an image of over twice
    ``Image.MAX_IMAGE_PIXELS``, refused by ``Image.open``) derives from Exception alone."""
    from PIL import Image
    return (OSError, SyntaxError, ValueError, Image.DecompressionBombError)


@contextmanager
def open_image(path: Path) -> Iterator[Any]:
    """``PIL.Image.open(path)``, checked: any failure, and an image of more pixels than
    ``PIL.Image.MAX_IMAGE_PIXELS`` (a decompression bomb: a small file that would decode
    to gigabytes), is an :class:`ImageDecodeError` naming ``path``. Only the header is
    read here; the pixels are decoded inside the ``with`` block (errors there are
    converted too)."""
    from PIL import Image  # Pillow is optional: imported where used
    try:
        with Image.open(path) as image:
            limit = Image.MAX_IMAGE_PIXELS
            if limit is not None and image.width * image.height > limit:
                raise ImageDecodeError(
                    f"cannot decode image {path}: {image.width}×{image.height} pixels is over "
                    f"Pillow's limit of {limit:,} (PIL.Image.MAX_IMAGE_PIXELS), a possible "
                    f"decompression bomb")
            yield image
    except ImageDecodeError:
        raise
    except _decode_errors() as error:
        raise ImageDecodeError(f"cannot decode image {path}: {error}") from error


def decode_rgb(path: Path) -> np.ndarray:
    """Decode an image file to uint8 ``H×W×3`` RGB; grayscale, CMYK, palette... are converted.
    Raises :class:`ImageDecodeError` naming the file (see :func:`open_image`)."""
    with open_image(path) as image:
        return np.asarray(image.convert("RGB"))


def check_decodes(path: Path) -> bool:
    """True if ``path`` decodes, else :class:`ImageDecodeError`; cheap: JPEGs at 1/8 scale.

    ``draft`` lets libjpeg skip most of the inverse DCT, but it still reads every byte of
    the compressed data, so truncated files are caught.
    """
    with open_image(path) as image:
        image.draft(None, (1, 1))
        image.load()
    return True


def decode_all(paths: Sequence[Path], decode: Callable[[Path], Any], on_error: str,
               chunk: int = 256) -> Iterator[Any]:
    """``decode(path)`` for every path, in order, computed by a thread pool.

    A path whose decoding raises :class:`ImageDecodeError` stops everything when
    ``on_error="raise"``; with ``"skip"`` it yields None instead, and one warning at
    the end lists every skipped path. Work goes in chunks so memory stays bounded.
    """
    def attempt(path: Path) -> Any:
        try:
            return decode(path)
        except ImageDecodeError:
            if on_error == "raise":
                raise
            return None

    skipped = []
    pool = ThreadPoolExecutor(os.cpu_count() or 1, thread_name_prefix="decode")
    try:
        for start in range(0, len(paths), chunk):
            batch = paths[start:start + chunk]
            for path, result in zip(batch, pool.map(attempt, batch), strict=True):
                if result is None:
                    skipped.append(path)
                yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if skipped:
        warnings.warn(f"skipped {len(skipped)} image file(s) that failed to decode: "
                      + ", ".join(str(p) for p in skipped), stacklevel=3)
