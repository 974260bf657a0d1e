"""accurate_sum on layouts other than C order: exact enough, and no extra passes where NumPy's
own iteration is already pairwise."""
import numpy as np
import pytest

from minigrad.ops import summation


@pytest.mark.parametrize("memory_order", [(1, 0, 2, 3), (0, 1, 2, 3), (2, 3, 0, 1)])
def test_batch_norm_axes_are_accurate_in_any_memory_layout(memory_order):
    rng = np.random.default_rng(0)
    shape = (400, 3, 50, 50)                              # (N, C, H, W): 1e6 values a channel
    stored = (rng.random([shape[a] for a in memory_order]) * 10 + 100).astype(np.float32)
    x = stored.transpose(np.argsort(memory_order))        # an (N, C, H, W) view of that memory
    exact = x.astype(np.float64).sum(axis=(0, 2, 3))
    np.testing.assert_allclose(summation.accurate_sum(x, (0, 2, 3)), exact, rtol=1e-6)


def test_a_channel_major_view_needs_no_folding():
    # A convolution's output: (N, C, H, W) stored as (C, N, H, W). NumPy walks each channel's
    # N*H*W values as one pairwise inner loop, so accurate_sum adds no pass of its own.
    x = np.zeros((3, 64, 8, 8), dtype=np.float32).transpose(1, 0, 2, 3)
    assert summation._serial_axes(x, (0, 2, 3)) == ()
    assert summation._serial_axes(np.ascontiguousarray(x), (0, 2, 3)) == (0,)
    assert summation._serial_axes(np.zeros((5, 2), np.float32).T, (1,)) == (1,)
