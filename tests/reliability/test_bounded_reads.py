"""Hostile or damaged data files cost no more than their honest size and fail naming the
file: image decompression bombs, dataset index files that point outside the dataset,
damaged decoded-image caches, gzip bombs and damaged Fashion-MNIST files. (The ``.npz``
bomb given to ``load_weights`` is in test_file_fuzz.py.)"""
from __future__ import annotations

import gzip
import shutil
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from minigrad.data.datasets import FashionMNIST, ImageDecodeError, ImageFolder, TinyImageNet
from minigrad.data.datasets import fashion_mnist
from minigrad.data.datasets.idx import read_bytes


def save_image(path: Path, size: int = 16, seed: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 256, (size, size, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return path


def png_bomb(path: Path, width: int, height: int) -> Path:
    """A 100-byte PNG whose header declares ``width × height`` pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))
    return path


# ---- image decompression bombs ----------------------------------------------------------
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # then our error
@pytest.mark.parametrize("side", [20_000,   # over twice the limit: Pillow's own error
                                  10_000])  # over the limit: Pillow only warns
def test_image_bomb_is_an_image_decode_error_naming_the_file(tmp_path, side):
    root = tmp_path / "images"
    save_image(root / "a" / "good.png")
    bomb = png_bomb(root / "b" / "bomb.png", side, side)
    assert bomb.stat().st_size < 200
    data = ImageFolder(root)
    with pytest.raises(ImageDecodeError, match=f"{bomb}.*decompression bomb"):
        data[1]
    with pytest.warns(UserWarning, match="skipped 1 image file.*bomb.png"):
        kept = ImageFolder(tmp_path / "images", on_error="skip")
    assert [path.name for path, _ in kept.samples] == ["good.png"]
    with pytest.warns(UserWarning, match="bomb.png"):  # the decoded cache skips it too
        cached = ImageFolder(root, on_error="skip", cache_dir=tmp_path / "cache",
                             cache_short_side=8)
    assert len(cached) == 1


# ---- index files may only name files inside the dataset -------------------------------------
def tiny_imagenet(root: Path, annotation: str = "val_0.JPEG", wnid_line: str = "n01") -> Path:
    (root / "val" / "images").mkdir(parents=True)
    (root / "wnids.txt").write_text(wnid_line + "\n")
    (root / "words.txt").write_text("n01\tgoldfish\n")
    save_image(root / "train" / "n01" / "images" / "n01_0.JPEG")
    save_image(root / "val" / "images" / "val_0.JPEG")
    (root / "val" / "val_annotations.txt").write_text(f"{annotation}\tn01\t0\t0\t8\t8\n")
    return root


@pytest.mark.parametrize("name", ["/etc/passwd", "../../secret.JPEG", "..", "sub/val_0.JPEG",
                                  "..\\..\\secret.JPEG"])
def test_val_annotations_cannot_name_files_outside_the_dataset(tmp_path, name):
    save_image(tmp_path / "secret.JPEG")
    root = tiny_imagenet(tmp_path / "tiny", annotation=name)
    with pytest.raises(ValueError, match=r"val_annotations.txt, line 1: .* is not a plain file"):
        TinyImageNet(root, split="val")


@pytest.mark.parametrize("wnid", ["../../outside", "/tmp", ".."])
def test_wnids_cannot_name_folders_outside_the_dataset(tmp_path, wnid):
    root = tiny_imagenet(tmp_path / "tiny", wnid_line=wnid)
    with pytest.raises(ValueError, match=r"wnids.txt: .* is not a plain file"):
        TinyImageNet(root)


def test_a_plain_annotation_still_loads(tmp_path):
    data = TinyImageNet(tiny_imagenet(tmp_path / "tiny"), split="val")
    assert data[0][0].shape == (16, 16, 3)


# ---- a damaged decoded-image cache ---------------------------------------------------------
DAMAGES = {
    "negative index": lambda kept, images: np.save(kept, np.array([0, -1], np.int64)),
    "index past the end": lambda kept, images: np.save(kept, np.array([0, 7], np.int64)),
    "repeated index": lambda kept, images: np.save(kept, np.array([1, 1], np.int64)),
    "float indices": lambda kept, images: np.save(kept, np.array([0.0, 1.0])),
    "not a .npy file": lambda kept, images: kept.write_bytes(b"garbage" * 10),
    "truncated images": lambda kept, images: images.write_bytes(images.read_bytes()[:300]),
    "images of another size": lambda kept, images: np.save(images, np.zeros((2, 4, 4, 3),
                                                                            np.uint8)),
    "images file missing": lambda kept, images: images.unlink(),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_decoded_cache_is_a_clear_error(tmp_path, damage):
    root = tmp_path / "images"
    for k in range(2):
        save_image(root / f"class{k}" / f"{k}.png", seed=k)
    cache = tmp_path / "cache"
    ImageFolder(root, cache_dir=cache, cache_short_side=8)
    (kept,) = cache.glob("*.kept.npy")
    images = kept.with_name(kept.name.replace(".kept", ""))
    DAMAGES[damage](kept, images)
    with pytest.raises(ValueError, match="decoded-image cache .* is damaged .*delete both"):
        ImageFolder(root, cache_dir=cache, cache_short_side=8)


# ---- compressed and official files ---------------------------------------------------------
def test_gzip_bomb_stops_at_the_limit(tmp_path):
    path = tmp_path / "bomb-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(bytes(10**6)))
    assert len(read_bytes(path)) == 10**6
    with pytest.raises(ValueError, match="bomb-idx3-ubyte.gz: inflates to more than 1,000"):
        read_bytes(path, max_bytes=1000)


@pytest.mark.skipif(not fashion_mnist.SYSTEM_FOLDER.is_dir(),
                    reason="Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
@pytest.mark.parametrize("compressed", [True, False])
def test_a_damaged_fashion_mnist_file_fails_its_md5(tmp_path, compressed):
    """One changed pixel byte in the official test images: refused, naming the file."""
    for name in fashion_mnist.SPLIT_FILES["test"]:
        raw = gzip.decompress((fashion_mnist.SYSTEM_FOLDER / f"{name}.gz").read_bytes())
        if "images" in name:
            raw = raw[:5000] + bytes([raw[5000] ^ 1]) + raw[5001:]
        target = tmp_path / (f"{name}.gz" if compressed else name)
        target.write_bytes(gzip.compress(raw, 1) if compressed else raw)
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte.*not its md5 "
                                         + fashion_mnist.RAW_MD5["t10k-images-idx3-ubyte"]):
        FashionMNIST(tmp_path, train=False)
    (tmp_path / "t10k-images-idx3-ubyte").unlink(missing_ok=True)
    shutil.copy(fashion_mnist.SYSTEM_FOLDER / "t10k-images-idx3-ubyte.gz", tmp_path)
    assert len(FashionMNIST(tmp_path, train=False)) == 10_000  # the intact file loads
