"""The decoded cache: built once, then read memory-mapped without decoding any file."""
import numpy as np
import pytest

from minigrad.data import transforms as T
from minigrad.data.datasets import ImageFolder, TinyImageNet
from minigrad.data.datasets.decode import decode_rgb


@pytest.fixture
def tree(tmp_path, save_image):
    root = tmp_path / "images"
    for k, size in enumerate([(40, 30), (30, 40), (16, 16), (64, 20)]):
        save_image(root / f"class{k % 2}" / f"{k}.JPEG", size, "RGB" if k else "L", seed=k)
    return root


def test_cache_holds_resized_center_crops(tree, tmp_path):
    expected = [T.CenterCrop(16)(T.Resize(16)(decode_rgb(path)))
                for path, _ in ImageFolder(tree).samples]
    data = ImageFolder(tree, cache_dir=tmp_path / "cache", cache_short_side=16)
    assert len(data) == 4 and data.targets == [0, 0, 1, 1]
    for i, image in enumerate(expected):
        got, _ = data[i]
        assert got.shape == (16, 16, 3) and got.dtype == np.uint8
        np.testing.assert_array_equal(got, image)
    kept, images = sorted((tmp_path / "cache").iterdir())
    assert images.name.startswith("images-16px-") and kept.name == images.stem + ".kept.npy"
    assert isinstance(data._cached_images, np.memmap)


def test_second_open_does_not_decode(tree, tmp_path):
    first = ImageFolder(tree, cache_dir=tmp_path / "cache", cache_short_side=12)
    images = [first[i][0].copy() for i in range(len(first))]
    for path, _ in first.samples:  # ruin every file, keeping its name and size
        path.write_bytes(b"\0" * path.stat().st_size)
    again = ImageFolder(tree, cache_dir=tmp_path / "cache", cache_short_side=12,
                        transform=T.ToArray())
    for i, image in enumerate(images):
        np.testing.assert_array_equal(again[i][0], T.ToArray()(image))


def test_changed_file_list_or_size_builds_a_new_cache(tree, tmp_path, save_image):
    cache = tmp_path / "cache"
    ImageFolder(tree, cache_dir=cache, cache_short_side=8)
    ImageFolder(tree, cache_dir=cache, cache_short_side=10)
    save_image(tree / "class1" / "4.JPEG", (20, 20), seed=9)
    assert len(ImageFolder(tree, cache_dir=cache, cache_short_side=8)) == 5
    assert len(list(cache.glob("*.kept.npy"))) == 3
    assert not list(cache.glob(".*"))  # no temporary files left


def test_cache_build_with_bad_files(tree, tmp_path):
    (tree / "class0" / "2_bad.JPEG").write_bytes(b"not a jpeg" * 20)
    with pytest.raises(OSError, match="2_bad.JPEG"):
        ImageFolder(tree, cache_dir=tmp_path / "cache", cache_short_side=8)
    assert not list((tmp_path / "cache").iterdir())  # the failed build left nothing
    with pytest.warns(UserWarning, match="2_bad.JPEG"):
        data = ImageFolder(tree, on_error="skip", cache_dir=tmp_path / "cache",
                           cache_short_side=8)
    assert [p.name for p, _ in data.samples] == ["0.JPEG", "2.JPEG", "1.JPEG", "3.JPEG"]
    reopened = ImageFolder(tree, on_error="skip", cache_dir=tmp_path / "cache",
                           cache_short_side=8)  # no warning: nothing is decoded
    assert reopened.samples == data.samples
    np.testing.assert_array_equal(reopened[3][0], data[3][0])


def test_tiny_imagenet_cache(tmp_path, save_image):
    root = tmp_path / "tiny"
    (root / "wnids.txt").parent.mkdir()
    (root / "wnids.txt").write_text("n1\n")
    (root / "words.txt").write_text("n1\tthing\n")
    save_image(root / "train" / "n1" / "images" / "n1_0.JPEG", (64, 64))
    data = TinyImageNet(root, cache_dir=tmp_path / "cache", cache_short_side=64)
    np.testing.assert_array_equal(data[0][0], decode_rgb(data.samples[0][0]))
