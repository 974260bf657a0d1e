"""The IDX reader on small generated files: shapes, gzip, and clear errors for bad files."""
import gzip

import numpy as np
import pytest

from minigrad.data.datasets.idx import read_idx


@pytest.mark.parametrize("name", ["images-idx3-ubyte", "images-idx3-ubyte.gz"])
def test_reads_raw_and_gzipped(tmp_path, write_idx, name):
    images = np.arange(5 * 28 * 28, dtype=np.int64).reshape(5, 28, 28).astype(np.uint8)
    array = read_idx(write_idx(tmp_path / name, images), expected_magic=2051)
    assert array.dtype == np.uint8 and array.shape == (5, 28, 28)
    np.testing.assert_array_equal(array, images)


def test_gzip_is_recognised_by_content_not_name(tmp_path, write_idx):
    path = write_idx(tmp_path / "labels.gz", np.arange(7, dtype=np.uint8))
    renamed = path.rename(tmp_path / "labels-idx1-ubyte")
    np.testing.assert_array_equal(read_idx(renamed, expected_magic=2049), np.arange(7))


def test_wrong_magic_names_the_file(tmp_path, write_idx):
    path = write_idx(tmp_path / "labels", np.zeros(3, np.uint8))  # magic 2049
    with pytest.raises(ValueError, match=r"labels: magic number 2049, expected 2051"):
        read_idx(path, expected_magic=2051)


def test_not_an_idx_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello world, this is text")
    with pytest.raises(ValueError, match="not a valid IDX header"):
        read_idx(path)


@pytest.mark.parametrize("cut", [1, 100])
def test_truncated_data(tmp_path, write_idx, cut):
    path = write_idx(tmp_path / "images", np.zeros((4, 28, 28), np.uint8))
    path.write_bytes(path.read_bytes()[:-cut])
    with pytest.raises(ValueError, match=r"images: file is truncated: .*shape \(4, 28, 28\)"):
        read_idx(path)


def test_trailing_bytes(tmp_path, write_idx):
    path = write_idx(tmp_path / "labels", np.zeros(4, np.uint8))
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ValueError, match="longer than its header says"):
        read_idx(path)


def test_truncated_header(tmp_path, write_idx):
    path = write_idx(tmp_path / "images", np.zeros((1, 2, 2), np.uint8))
    path.write_bytes(path.read_bytes()[:9])
    with pytest.raises(ValueError, match="truncated IDX header"):
        read_idx(path)


def test_truncated_gzip_names_the_file(tmp_path, write_idx):
    path = write_idx(tmp_path / "images.gz", np.ones((50, 28, 28), np.uint8))
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(ValueError, match=r"images.gz: corrupt or truncated gzip"):
        read_idx(path)


def test_wider_types_are_big_endian(tmp_path):
    values = np.array([[1, -2], [300000, 7]], dtype=">i4")
    path = tmp_path / "ints"
    path.write_bytes(bytes([0, 0, 0x0C, 2]) + (2).to_bytes(4, "big") * 2 + values.tobytes())
    array = read_idx(path)
    assert array.dtype == np.int32 and array.dtype.isnative
    np.testing.assert_array_equal(array, values)


def test_gzip_round_trip_of_empty_split(tmp_path):
    path = tmp_path / "empty.gz"
    path.write_bytes(gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 0])))
    assert read_idx(path, expected_magic=2049).shape == (0,)
