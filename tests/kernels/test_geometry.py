"""kernels/geometry.py: pair(), dilated_span(), and conv_output_size / output_hw against a
brute-force count of window positions."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernels.geometry import conv_output_size, dilated_span, output_hw, pair


@pytest.mark.parametrize("value, expected", [
    (3, (3, 3)),
    ((3, 5), (3, 5)),
    ([2, 1], (2, 1)),
    (np.int64(4), (4, 4)),
    ((np.int32(1), 2), (1, 2)),
])
def test_pair_accepts_an_int_or_two_ints(value, expected):
    result = pair(value, "stride")
    assert result == expected and all(type(v) is int for v in result)


@pytest.mark.parametrize("value", [(3, 3, 3), (3,), 2.0, (2.0, 2), "ab", None])
def test_pair_rejects_anything_else_naming_the_argument(value):
    with pytest.raises(ValueError, match=r"kernel_size must be an int or a pair of ints, got"):
        pair(value, "kernel_size")


@given(kernel=st.integers(1, 9), dilation=st.integers(1, 4))
def test_dilated_span_is_the_distance_from_first_to_last_tap(kernel, dilation):
    taps = [i * dilation for i in range(kernel)]
    assert dilated_span(kernel, dilation) == taps[-1] - taps[0] + 1
    assert dilated_span(kernel, 1) == kernel


@given(size=st.integers(1, 40), kernel=st.integers(1, 7), stride=st.integers(1, 4),
       padding=st.integers(0, 3), dilation=st.integers(1, 3))
def test_conv_output_size_counts_window_positions(size, kernel, stride, padding, dilation):
    padded = size + 2 * padding
    last_tap = dilation * (kernel - 1)
    positions = sum(1 for start in range(0, padded, stride) if start + last_tap < padded)
    assert max(conv_output_size(size, kernel, stride, padding, dilation), 0) == positions


@pytest.mark.parametrize("args, expected", [
    ((28, 3, 1, 1, 1), 28),   # "same" 3x3
    ((7, 3, 2, 1, 1), 4),
    ((7, 3, 1, 0, 2), 3),     # dilation 2: the kernel spans 5 pixels
    ((224, 7, 2, 3, 1), 112),
])
def test_conv_output_size_examples(args, expected):
    assert conv_output_size(*args) == expected


@pytest.mark.parametrize("args, floor, ceil", [  # output sizes of PyTorch's max_pool2d
    ((5, 2, 2, 0, 1), 2, 3),  # ceil_mode adds a window over the last row
    ((6, 2, 2, 0, 1), 3, 3),  # exact fit: nothing to round
    ((4, 3, 2, 1, 1), 2, 3),
    ((6, 3, 3, 1, 1), 2, 3),
    ((5, 2, 3, 1, 2), 2, 2),  # the extra window would start in the right padding: dropped
])
def test_conv_output_size_ceil_mode(args, floor, ceil):
    assert conv_output_size(*args) == floor
    assert conv_output_size(*args, ceil_mode=True) == ceil


def test_output_hw_asserts_that_the_window_fits():
    """Kernels only assert; the functional layer gives users the clear error."""
    assert output_hw((5, 6), (3, 3), (1, 2), (0, 1), (1, 1)) == (3, 3)
    with pytest.raises(AssertionError, match="does not fit"):
        output_hw((2, 9), (3, 3), (1, 1), (0, 0), (1, 1))
