"""Shared test fixtures: the devices to run on, and a seeded RNG."""
import numpy as np
import pytest

import minigrad as mg

DEVICES = ["cpu"] + (["cuda"] if mg.cuda_is_available() else [])


@pytest.fixture(params=DEVICES)
def device(request):
    """Every available device: always 'cpu', and 'cuda' when CuPy sees a GPU."""
    return request.param


@pytest.fixture
def rng():
    return np.random.default_rng(1234)

# conftest.py files hold fixtures, not doctests: collecting them as doctest modules would
# import them all under the one name "conftest", which fails when several test folders are
# passed at once (pytest tests/data tests/distributed).
collect_ignore_glob = ["*/conftest.py"]
