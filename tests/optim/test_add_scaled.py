"""add_scaled_: the blocked in-place update equals the plain one bit for bit."""
import numpy as np

from minigrad.optim.optimizer import BLOCK, add_scaled_


def test_blocked_update_is_identical_to_the_plain_one():
    rng = np.random.default_rng(0)
    shape = (3, BLOCK + 12345)                       # more than two blocks, a ragged last one
    target = rng.standard_normal(shape).astype(np.float32)
    x = rng.standard_normal(shape).astype(np.float32)
    expected = target - 0.0173 * x
    add_scaled_(target, -0.0173, x)
    np.testing.assert_array_equal(target, expected)


def test_non_contiguous_arrays_take_the_plain_path():
    rng = np.random.default_rng(1)
    target = rng.standard_normal((BLOCK + 7, 2)).astype(np.float32).T   # a transposed view
    x = rng.standard_normal(target.shape).astype(np.float32)
    expected = target + 0.5 * x
    add_scaled_(target, 0.5, x)
    np.testing.assert_array_equal(target, expected)
