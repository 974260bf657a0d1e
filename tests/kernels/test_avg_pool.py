"""Average pooling against loop references, for both divisor rules."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel_cases import SETTINGS, cases, checked_call, padded, tolerance, window
from kernels import avg_pool2d_backward, avg_pool2d_forward

avg_cases = cases(pool=True, dilation=False)


def divisors(case, count_include_pad: bool) -> np.ndarray:
    """kH*kW, or the number of real pixels per window counted on a padded mask of ones."""
    if count_include_pad:
        return np.full(case.out_hw, case.kernel[0] * case.kernel[1])
    mask = padded(np.ones((1, 1, *case.hw)), case.padding)
    return np.array([[mask[(..., *window(case, oh, ow))].sum() for ow in range(case.out_hw[1])]
                     for oh in range(case.out_hw[0])])


def reference_forward(x: np.ndarray, case, count_include_pad: bool) -> np.ndarray:
    x_padded = padded(x, case.padding)
    sums = np.empty((case.n, case.c, *case.out_hw))
    for oh, ow in np.ndindex(*case.out_hw):
        sums[:, :, oh, ow] = x_padded[(..., *window(case, oh, ow))].sum(axis=(2, 3))
    return sums / divisors(case, count_include_pad)


def reference_backward(gy: np.ndarray, case, count_include_pad: bool) -> np.ndarray:
    share = gy / divisors(case, count_include_pad)
    gx_padded = padded(np.zeros(case.x_shape), case.padding)
    for oh, ow in np.ndindex(*case.out_hw):
        gx_padded[(..., *window(case, oh, ow))] += share[:, :, oh, ow, None, None]
    p_h, p_w = case.padding
    return gx_padded[:, :, p_h:p_h + case.hw[0], p_w:p_w + case.hw[1]]


@SETTINGS
@given(avg_cases, st.booleans())
def test_forward_matches_reference(case, count_include_pad):
    x = case.normal(case.x_shape)
    y = checked_call(avg_pool2d_forward, (x,), case.kernel, case.stride, case.padding,
                     count_include_pad)
    np.testing.assert_allclose(y, reference_forward(x, case, count_include_pad),
                               **tolerance(case.dtype))


@SETTINGS
@given(avg_cases, st.booleans())
def test_backward_matches_reference(case, count_include_pad):
    gy = case.normal((case.n, case.c, *case.out_hw))
    gx = checked_call(avg_pool2d_backward, (gy,), case.x_shape, case.kernel, case.stride,
                      case.padding, count_include_pad)
    np.testing.assert_allclose(gx, reference_backward(gy, case, count_include_pad),
                               **tolerance(case.dtype))


@SETTINGS
@given(avg_cases, st.booleans())
def test_backward_is_the_adjoint_of_forward(case, count_include_pad):
    geometry = (case.kernel, case.stride, case.padding, count_include_pad)
    x = case.normal(case.x_shape).astype(np.float64)
    gy = case.normal((case.n, case.c, *case.out_hw)).astype(np.float64)
    lhs = np.vdot(avg_pool2d_forward(x, *geometry), gy)
    rhs = np.vdot(x, avg_pool2d_backward(gy, case.x_shape, *geometry))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("count_include_pad, corner", [(True, 12 / 9), (False, 12 / 4)])
def test_divisor_at_a_padded_corner(count_include_pad, corner):
    # 3x3 window, padding 1: the corner window holds 4 real pixels (1 + 2 + 4 + 5 = 12).
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    y = avg_pool2d_forward(x, (3, 3), (1, 1), (1, 1), count_include_pad)
    assert y[0, 0, 0, 0] == pytest.approx(corner)
    assert y[0, 0, 1, 1] == pytest.approx(5.0)  # the centre window has no padding
