"""FashionMNIST: search path, checks, downloading from a local server, and the real files."""
import gzip
import hashlib

import numpy as np
import pytest

from minigrad.data.datasets import FashionMNIST, fashion_mnist
from minigrad.data.download import file_md5


@pytest.fixture
def no_installed_copy(tmp_path, monkeypatch):
    """Hide every copy outside the test: no $MINIGRAD_DATA, an empty home, no Debian folder."""
    monkeypatch.delenv("MINIGRAD_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(fashion_mnist, "SYSTEM_FOLDER", tmp_path / "no-debian")


@pytest.mark.parametrize("gz", [True, False])
def test_loads_a_split_from_root(tmp_path, small_fashion, gz):
    images, labels = small_fashion(tmp_path, n=12, prefix="t10k", gz=gz)
    data = FashionMNIST(root=tmp_path, train=False)
    assert len(data) == 12 and data.root == tmp_path
    assert data.data.dtype == np.uint8 and data.data.shape == (12, 28, 28)
    assert data.targets.dtype == np.int64
    image, label = data[3]
    np.testing.assert_array_equal(image, images[3])
    assert type(label) is int and label == labels[3]
    assert data.classes[9] == "Ankle boot" and len(data.classes) == 10


def test_transform_is_applied(tmp_path, small_fashion):
    images, _ = small_fashion(tmp_path)
    data = FashionMNIST(root=tmp_path, transform=lambda x: x.astype(np.float32) / 255)
    np.testing.assert_allclose(data[0][0], images[0] / 255)


@pytest.mark.parametrize("subfolder", ["fashion-mnist", "FashionMNIST/raw"])
def test_finds_the_usual_subfolders(tmp_path, small_fashion, subfolder):
    small_fashion(tmp_path / subfolder)
    assert FashionMNIST(root=tmp_path).root == tmp_path / subfolder


def test_searches_minigrad_data_then_home_cache(tmp_path, small_fashion, no_installed_copy,
                                                monkeypatch):
    small_fashion(tmp_path / "home" / ".cache" / "minigrad" / "fashion-mnist", n=5)
    assert len(FashionMNIST()) == 5
    small_fashion(tmp_path / "shared", n=7)
    monkeypatch.setenv("MINIGRAD_DATA", str(tmp_path / "shared"))
    assert len(FashionMNIST()) == 7


def test_missing_files_list_every_place_and_the_cures(tmp_path, no_installed_copy):
    with pytest.raises(FileNotFoundError) as info:
        FashionMNIST(root=tmp_path / "mine")
    message = str(info.value)
    for folder in fashion_mnist.search_folders(tmp_path / "mine"):
        assert str(folder) in message
    assert "apt-get install dataset-fashion-mnist" in message and "download=True" in message


def test_count_mismatch(tmp_path, write_idx):
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((3, 28, 28), np.uint8))
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(4, np.uint8))
    with pytest.raises(ValueError, match="holds 3 images but .*train-labels-idx1-ubyte holds 4"):
        FashionMNIST(root=tmp_path)


def test_images_and_labels_swapped(tmp_path, write_idx):
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros(4, np.uint8))
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros((4, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="images-idx3-ubyte: magic number 2049, expected 2051"):
        FashionMNIST(root=tmp_path)


def test_wrong_image_size(tmp_path, write_idx):
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((2, 32, 32), np.uint8))
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(2, np.uint8))
    with pytest.raises(ValueError, match=r"images are \(32, 32\), expected \(28, 28\)"):
        FashionMNIST(root=tmp_path)


def test_label_out_of_range(tmp_path, write_idx):
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((2, 28, 28), np.uint8))
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.array([3, 10], np.uint8))
    with pytest.raises(ValueError, match="label 10 is not a Fashion-MNIST class"):
        FashionMNIST(root=tmp_path)


def test_download_from_a_mirror(tmp_path, http_server, small_fashion, no_installed_copy,
                                monkeypatch):
    base_url, served = http_server
    small_fashion(served, n=6, prefix="train")
    small_fashion(served, n=4, prefix="t10k")
    md5s = {name: file_md5(served / name) for name in fashion_mnist.GZ_MD5}
    monkeypatch.setattr(fashion_mnist, "GZ_MD5", md5s)  # the fixture files' own checksums
    root = tmp_path / "downloaded"
    train = FashionMNIST(root=root, download=True, base_url=base_url)
    assert len(train) == 6 and train.root == root
    assert sorted(p.name for p in root.iterdir()) == sorted(md5s)  # all four, no temp files
    assert len(FashionMNIST(root=root, train=False)) == 4


def test_download_defaults_to_the_home_cache(tmp_path, http_server, small_fashion,
                                             no_installed_copy, monkeypatch):
    base_url, served = http_server
    small_fashion(served, prefix="train")
    small_fashion(served, prefix="t10k")
    monkeypatch.setattr(fashion_mnist, "GZ_MD5",
                        {name: file_md5(served / name) for name in fashion_mnist.GZ_MD5})
    data = FashionMNIST(download=True, base_url=base_url)
    assert data.root == tmp_path / "home" / ".cache" / "minigrad" / "fashion-mnist"


def test_download_refuses_files_with_the_wrong_md5(tmp_path, http_server, small_fashion,
                                                   no_installed_copy):
    base_url, served = http_server
    small_fashion(served, prefix="train")
    small_fashion(served, prefix="t10k")  # not the official files: md5 mismatch
    root = tmp_path / "downloaded"
    with pytest.raises(RuntimeError, match="md5 mismatch"):
        FashionMNIST(root=root, download=True, base_url=base_url)
    assert list(root.iterdir()) == []


debian = fashion_mnist.SYSTEM_FOLDER
needs_debian = pytest.mark.skipif(not (debian / "train-images-idx3-ubyte.gz").exists(),
                                  reason="apt-get install dataset-fashion-mnist")


@needs_debian
def test_the_real_dataset():
    train, test = FashionMNIST(root=debian), FashionMNIST(root=debian, train=False)
    assert (len(train), len(test)) == (60000, 10000)
    assert train.data.shape == (60000, 28, 28) and train.data.dtype == np.uint8
    # Fashion-MNIST is balanced: 6,000 training and 1,000 test images per class.
    np.testing.assert_array_equal(np.bincount(train.targets), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(test.targets), [1000] * 10)


@needs_debian
@pytest.mark.parametrize("name", sorted(fashion_mnist.RAW_MD5))
def test_the_real_files_are_the_official_ones(name):
    path = debian / f"{name}.gz"
    if file_md5(path) != fashion_mnist.GZ_MD5[path.name]:
        # Debian recompressed the files: their gzip headers do not carry the file name
        # (flag FNAME, bit 3 of byte 3), so the .gz md5s differ from the official ones.
        assert path.read_bytes()[3] & 0x08 == 0
    # Whatever the compression, the decompressed bytes must be the official ones.
    raw = gzip.decompress(path.read_bytes())
    assert hashlib.md5(raw).hexdigest() == fashion_mnist.RAW_MD5[name]
