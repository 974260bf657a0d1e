"""conv_output_size / output_hw against a brute-force count of window positions."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernels import conv_output_size, output_hw


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


def test_output_hw_rejects_windows_that_do_not_fit():
    assert output_hw((5, 6), (3, 3), (1, 2), (0, 1), (1, 1)) == (3, 3)
    with pytest.raises(ValueError, match="does not fit"):
        output_hw((2, 9), (3, 3), (1, 1), (0, 0), (1, 1))
