"""The reliability tests' shared fixture: the tiny run trained straight through."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from tiny_run import TINY_RUN


@pytest.fixture(scope="session")
def uninterrupted_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    """The tiny run trained straight through (in this process), and its wall time."""
    from minigrad.training import train_cli
    out = tmp_path_factory.mktemp("uninterrupted") / "run"
    start = time.perf_counter()
    assert train_cli.main(TINY_RUN + ["--workers", "0", "--out", str(out)]) == 0
    return out, time.perf_counter() - start
