"""Scratch buffers: reused per name and thread, grown on demand; im2col writes into them."""
import threading

import numpy as np
import pytest

import kernels
from kernels import workspace


def test_scratch_reuses_memory_and_grows():
    workspace.release()
    a = workspace.scratch("test", (4, 5), np.float32)
    b = workspace.scratch("test", (2, 3), np.float64)
    assert np.shares_memory(a, b) and b.shape == (2, 3) and b.dtype == np.float64
    c = workspace.scratch("test", (100, 100), np.float32)      # larger: a new buffer
    assert not np.shares_memory(a, c) and c.flags.c_contiguous
    assert not np.shares_memory(c, workspace.scratch("other", (100, 100), np.float32))


def test_threads_get_their_own_buffers():
    mine = workspace.scratch("test", (8,), np.float32)
    theirs = []
    worker = threading.Thread(target=lambda: theirs.append(workspace.scratch("test", (8,),
                                                                             np.float32)))
    worker.start()
    worker.join()
    assert not np.shares_memory(mine, theirs[0])


def test_im2col_into_a_given_buffer_matches_a_fresh_one():
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 6)).astype(np.float32)
    geometry = ((3, 2), (2, 1), (1, 0), (1, 2))
    fresh = kernels.im2col(x, *geometry)
    out = np.full(fresh.shape, np.nan, dtype=np.float32)
    assert kernels.im2col(x, *geometry, out=out) is out
    np.testing.assert_array_equal(out, fresh)
    with pytest.raises(ValueError, match=r"out has shape \(1, 2\).*needs shape \(3, 3, 2, 2"):
        kernels.im2col(x, *geometry, out=np.empty((1, 2), np.float32))
