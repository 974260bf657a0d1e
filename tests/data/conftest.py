"""Fixtures for the data tests: IDX writers, image trees and a local HTTP server."""
from __future__ import annotations

import functools
import gzip
import http.server
import struct
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image


def idx_bytes(array: np.ndarray, magic: int | None = None) -> bytes:
    """An IDX file holding a uint8 array; ``magic`` overrides the header's first word."""
    header = struct.pack(">HBB", 0, 0x08, array.ndim) if magic is None else struct.pack(">I", magic)
    return header + struct.pack(f">{array.ndim}I", *array.shape) + array.astype(np.uint8).tobytes()


@pytest.fixture
def write_idx() -> Callable[..., Path]:
    """``write_idx(path, array, magic=None)``: gzipped when ``path`` ends in ``.gz``."""
    def write(path: Path, array: np.ndarray, magic: int | None = None) -> Path:
        data = idx_bytes(array, magic)
        path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
        return path
    return write


@pytest.fixture
def small_fashion(write_idx: Callable[..., Path]) -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    """``small_fashion(folder, n, prefix="train", gz=True)`` writes a tiny Fashion-MNIST split."""
    def make(folder: Path, n: int = 12, prefix: str = "train", gz: bool = True
             ) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(n)
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n, dtype=np.uint8)
        suffix = ".gz" if gz else ""
        folder.mkdir(parents=True, exist_ok=True)
        write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", images)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", labels)
        return images, labels
    return make


@pytest.fixture
def save_image() -> Callable[..., Path]:
    """``save_image(path, size=(h, w), mode="RGB", seed=0)``: a random image, format from suffix."""
    def save(path: Path, size: tuple[int, int] = (24, 32), mode: str = "RGB",
             seed: int = 0) -> Path:
        rng = np.random.default_rng(seed)
        height, width = size
        rgb = Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))
        image = rgb.quantize(16) if mode == "P" else rgb.convert(mode)
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path)
        return path
    return save


class FixtureHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files; ``GET /truncated/<file>`` promises 100 bytes more than it sends."""

    def do_GET(self) -> None:
        if not self.path.startswith("/truncated/"):
            return super().do_GET()
        body = (Path(self.directory) / self.path.removeprefix("/truncated/")).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body) + 100))
        self.end_headers()
        self.wfile.write(body)  # then the connection closes early

    def log_message(self, format: str, *args: object) -> None:  # keep pytest output quiet
        pass


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on 127.0.0.1 (a free port) serving a new folder: ``(url, folder)``."""
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(FixtureHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", folder
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
