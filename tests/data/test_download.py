"""download_url against a real HTTP server on 127.0.0.1: checksums, atomic writes, failures."""
import hashlib
import http.client
import os
import urllib.error

import numpy as np
import pytest

from minigrad.atomic import atomic_write
from minigrad.data.download import download_url, file_md5


@pytest.fixture
def dest(tmp_path):
    """An empty folder for downloads (the served files live elsewhere in tmp_path)."""
    folder = tmp_path / "dest"
    folder.mkdir()
    return folder


@pytest.fixture
def served_file(http_server, write_idx):
    """A small IDX.gz fixture on the server: ``(url, bytes, md5, served folder)``."""
    base_url, served = http_server
    path = write_idx(served / "train-labels-idx1-ubyte.gz", np.arange(200, dtype=np.uint8) % 10)
    content = path.read_bytes()
    return base_url + path.name, content, hashlib.md5(content).hexdigest(), served


def test_downloads_and_verifies(dest, served_file):
    url, content, md5, _ = served_file
    target = dest / "new" / "folder" / "labels.gz"
    assert download_url(url, target, md5=md5) == target
    assert target.read_bytes() == content
    assert os.listdir(target.parent) == ["labels.gz"]  # no temporary file left


def test_existing_verified_file_is_not_fetched_again(dest, served_file):
    url, content, md5, served = served_file
    target = download_url(url, dest / "labels.gz", md5=md5)
    (served / "train-labels-idx1-ubyte.gz").unlink()  # a second fetch would now fail
    assert download_url(url, target, md5=md5) == target


def test_md5_mismatch_leaves_nothing_behind(dest, served_file):
    url, _, _, _ = served_file
    with pytest.raises(RuntimeError, match="md5 mismatch: expected 0+, got") as info:
        download_url(url, dest / "labels.gz", md5="0" * 32)
    assert any(url in note for note in info.value.__notes__)
    assert list(dest.iterdir()) == []


def test_failed_download_keeps_the_old_file(dest, served_file):
    url, _, _, _ = served_file
    target = dest / "labels.gz"
    target.write_bytes(b"previous version")
    with pytest.raises(RuntimeError, match="md5 mismatch"):
        download_url(url, target, md5="0" * 32)
    assert target.read_bytes() == b"previous version"
    assert list(dest.iterdir()) == [target]


def test_wrong_existing_file_is_replaced(dest, served_file):
    url, content, md5, _ = served_file
    target = dest / "labels.gz"
    target.write_bytes(b"corrupt")
    download_url(url, target, md5=md5)
    assert target.read_bytes() == content


def test_connection_cut_midway_leaves_nothing(dest, served_file):
    url, _, _, _ = served_file
    truncated_url = url.replace("/train-labels", "/truncated/train-labels")
    with pytest.raises(http.client.IncompleteRead) as info:
        download_url(truncated_url, dest / "labels.gz")  # no md5: the length check catches it
    assert any(truncated_url in note for note in info.value.__notes__)
    assert list(dest.iterdir()) == []


def test_missing_url_names_it(dest, http_server):
    base_url, _ = http_server
    with pytest.raises(urllib.error.HTTPError) as info:
        download_url(base_url + "nothing-here.gz", dest / "x.gz")
    assert info.value.code == 404
    assert any("nothing-here.gz" in note for note in info.value.__notes__)
    assert list(dest.iterdir()) == []


def test_atomic_write_publishes_only_on_success(tmp_path):
    target = tmp_path / "out.bin"
    with pytest.raises(KeyError), atomic_write(target) as temp:
        temp.write_bytes(b"half")
        assert not target.exists() and temp.parent == tmp_path
        raise KeyError("interrupted")
    assert list(tmp_path.iterdir()) == []
    with atomic_write(target) as temp:
        temp.write_bytes(b"whole")
    assert target.read_bytes() == b"whole" and list(tmp_path.iterdir()) == [target]


def test_file_md5(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"minigrad" * 300000)
    assert file_md5(path) == hashlib.md5(b"minigrad" * 300000).hexdigest()
