"""ImageFolder and TinyImageNet on trees of real image files written with Pillow."""
import numpy as np
import pytest
from PIL import Image

from minigrad.data.datasets import ImageDecodeError, ImageFolder, TinyImageNet


@pytest.fixture
def tree(tmp_path, save_image):
    """Three classes: RGB JPEGs; grayscale + CMYK JPEGs and a PNG; a palette PNG + a .txt."""
    root = tmp_path / "imagenette"
    save_image(root / "n01440764" / "b.JPEG", (24, 32), "RGB", seed=1)
    save_image(root / "n01440764" / "a.JPEG", (30, 20), "RGB", seed=2)
    save_image(root / "n02102040" / "gray.jpg", (16, 16), "L", seed=3)
    save_image(root / "n02102040" / "cmyk.jpeg", (18, 22), "CMYK", seed=4)
    save_image(root / "n02102040" / "deeper" / "rgba.png", (10, 12), "RGBA", seed=5)
    save_image(root / "zzz_custom" / "palette.PNG", (12, 14), "P", seed=6)
    (root / "zzz_custom" / "notes.txt").write_text("not an image")
    (root / "zzz_custom" / "._palette.PNG").write_bytes(b"\0\5\26\7 macOS metadata")
    return root


def test_classes_and_samples(tree):
    data = ImageFolder(tree)
    assert data.wnids == ["n01440764", "n02102040", "zzz_custom"]
    assert data.classes == ["tench", "English springer", "zzz_custom"]
    assert data.class_to_idx == {"n01440764": 0, "n02102040": 1, "zzz_custom": 2}
    names = [path.name for path, _ in data.samples]
    assert names == ["a.JPEG", "b.JPEG", "cmyk.jpeg", "rgba.png", "gray.jpg", "palette.PNG"]
    assert data.targets == [0, 0, 1, 1, 1, 2] and len(data) == 6


def test_every_mode_decodes_to_rgb_uint8(tree):
    data = ImageFolder(tree)
    shapes = []
    for image, _ in (data[i] for i in range(len(data))):
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
        shapes.append(image.shape[:2])
    assert shapes == [(30, 20), (24, 32), (18, 22), (10, 12), (16, 16), (12, 14)]
    gray = data[4][0]
    assert (gray[..., 0] == gray[..., 1]).all() and (gray[..., 1] == gray[..., 2]).all()
    expected = np.asarray(Image.open(tree / "zzz_custom" / "palette.PNG").convert("RGB"))
    np.testing.assert_array_equal(data[5][0], expected)


def test_transform_and_negative_index(tree):
    data = ImageFolder(tree, transform=lambda image: image.shape)
    assert data[-1] == ((12, 14, 3), 2)


def test_corrupt_image_raises_naming_it(tree):
    bad = tree / "n01440764" / "c_corrupt.JPEG"
    bad.write_bytes(b"\xff\xd8\xff\xe0 definitely not a JPEG" * 10)
    data = ImageFolder(tree)  # discovered lazily: listing does not decode
    with pytest.raises(ImageDecodeError, match="c_corrupt.JPEG"):
        data[2]


def test_truncated_jpeg_raises(tree):
    path = tree / "n01440764" / "b.JPEG"
    path.write_bytes(path.read_bytes()[:len(path.read_bytes()) * 2 // 3])
    with pytest.raises(ImageDecodeError, match="b.JPEG"):
        ImageFolder(tree)[1]


def test_skip_drops_bad_files_with_one_warning(tree):
    (tree / "n01440764" / "c_corrupt.JPEG").write_bytes(b"garbage" * 50)
    truncated = tree / "n02102040" / "cmyk.jpeg"  # cut inside the compressed pixel data
    truncated.write_bytes(truncated.read_bytes()[:len(truncated.read_bytes()) * 2 // 3])
    with pytest.warns(UserWarning, match=r"skipped 2 image.*c_corrupt.JPEG.*cmyk.jpeg"):
        data = ImageFolder(tree, on_error="skip")
    names = [path.name for path, _ in data.samples]
    assert names == ["a.JPEG", "b.JPEG", "rgba.png", "gray.jpg", "palette.PNG"]
    assert data.targets == [0, 0, 1, 1, 2] and len(data) == 5


def test_empty_class_folder_is_named(tree):
    (tree / "n03000684").mkdir()
    (tree / "n03000684" / "readme.txt").write_text("no images")
    with pytest.raises(FileNotFoundError, match="n03000684 has no image files"):
        ImageFolder(tree)


def test_missing_or_empty_root(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        ImageFolder(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="no class folders"):
        ImageFolder(tmp_path)


def test_bad_arguments(tree, tmp_path):
    with pytest.raises(ValueError, match="on_error"):
        ImageFolder(tree, on_error="ignore")
    with pytest.raises(ValueError, match="both cache_dir and cache_short_side"):
        ImageFolder(tree, cache_dir=tmp_path)


# ---- Tiny ImageNet --------------------------------------------------------------------
@pytest.fixture
def tiny(tmp_path, save_image):
    root = tmp_path / "tiny-imagenet-200"
    wnids = ["n09999999", "n01443537", "n02085620"]  # unsorted, as in the real wnids.txt
    root.mkdir()
    (root / "wnids.txt").write_text("\n".join(wnids) + "\n")
    (root / "words.txt").write_text("n01443537\tgoldfish, Carassius auratus\n"
                                    "n02085620\tChihuahua\n"
                                    "n00000001\tsomething else\n")
    for k, wnid in enumerate(wnids):
        for i in range(2):
            mode = "L" if (k, i) == (1, 1) else "RGB"
            save_image(root / "train" / wnid / "images" / f"{wnid}_{i}.JPEG", (64, 64), mode, k)
        (root / "train" / wnid / f"{wnid}_boxes.txt").write_text("boxes\n")
    lines = []
    for i, wnid in enumerate(["n02085620", "n01443537", "n09999999", "n02085620"]):
        save_image(root / "val" / "images" / f"val_{i}.JPEG", (64, 64), "RGB", 10 + i)
        lines.append(f"val_{i}.JPEG\t{wnid}\t0\t32\t44\t62")
    (root / "val" / "val_annotations.txt").write_text("\n".join(lines) + "\n")
    return root


def test_tiny_imagenet_train(tiny):
    data = TinyImageNet(tiny)
    assert data.wnids == ["n01443537", "n02085620", "n09999999"]
    assert data.classes == ["goldfish", "Chihuahua", "n09999999"]
    assert len(data) == 6 and data.targets == [0, 0, 1, 1, 2, 2]
    for i in range(len(data)):
        image, _ = data[i]
        assert image.shape == (64, 64, 3) and image.dtype == np.uint8
    assert ImageFolder(tiny / "train").targets == data.targets  # same numbering


def test_tiny_imagenet_val(tiny):
    data = TinyImageNet(tiny, split="val")
    assert [p.name for p, _ in data.samples] == [f"val_{i}.JPEG" for i in range(4)]
    assert data.targets == [1, 0, 2, 1]
    assert data[0][0].shape == (64, 64, 3)


def test_tiny_imagenet_errors(tiny):
    with pytest.raises(ValueError, match="test has no labels"):
        TinyImageNet(tiny, split="test")
    with open(tiny / "val" / "val_annotations.txt", "a") as file:
        file.write("val_9.JPEG\tn00000000\t0\t0\t1\t1\n")
    with pytest.raises(ValueError, match="val_annotations.txt, line 5"):
        TinyImageNet(tiny, split="val")
    (tiny / "wnids.txt").unlink()
    with pytest.raises(FileNotFoundError, match="wnids.txt"):
        TinyImageNet(tiny)
