"""im2col and col2im against loop references, and their adjointness."""

import numpy as np
from hypothesis import given

from kernel_cases import SETTINGS, cases, checked_call, padded, tolerance
from kernels import col2im, im2col


def reference_im2col(x: np.ndarray, case) -> np.ndarray:
    x_padded = padded(x, case.padding)
    (k_h, k_w), (s_h, s_w), (d_h, d_w) = case.kernel, case.stride, case.dilation
    col = np.zeros((case.c, k_h, k_w, case.n, *case.out_hw), dtype=x.dtype)
    for oh, ow in np.ndindex(*case.out_hw):
        for i, j in np.ndindex(k_h, k_w):
            col[:, i, j, :, oh, ow] = x_padded[:, :, oh * s_h + i * d_h, ow * s_w + j * d_w].T
    return col


def reference_col2im(col: np.ndarray, case) -> np.ndarray:
    (k_h, k_w), (s_h, s_w), (d_h, d_w) = case.kernel, case.stride, case.dilation
    x_padded = padded(np.zeros(case.x_shape, dtype=col.dtype), case.padding)
    for oh, ow in np.ndindex(*case.out_hw):
        for i, j in np.ndindex(k_h, k_w):
            x_padded[:, :, oh * s_h + i * d_h, ow * s_w + j * d_w] += col[:, i, j, :, oh, ow].T
    p_h, p_w = case.padding
    return x_padded[:, :, p_h:p_h + case.hw[0], p_w:p_w + case.hw[1]]


def col_shape(case) -> tuple[int, ...]:
    return (case.c, *case.kernel, case.n, *case.out_hw)


@SETTINGS
@given(cases())
def test_im2col_matches_reference(case):
    x = case.normal(case.x_shape)
    col = checked_call(im2col, (x,), *case.geometry)
    np.testing.assert_array_equal(col, reference_im2col(x, case))


@SETTINGS
@given(cases())
def test_col2im_matches_reference(case):
    col = case.normal(col_shape(case))
    x = checked_call(col2im, (col,), case.x_shape, *case.geometry)
    np.testing.assert_allclose(x, reference_col2im(col, case), **tolerance(case.dtype))


@SETTINGS
@given(cases())
def test_col2im_is_the_adjoint_of_im2col(case):
    x = case.normal(case.x_shape).astype(np.float64)
    col = case.normal(col_shape(case)).astype(np.float64)
    lhs = np.vdot(im2col(x, *case.geometry), col)
    rhs = np.vdot(x, col2im(col, case.x_shape, *case.geometry))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12, atol=1e-12)


def test_col2im_sums_overlapping_windows():
    # 3x3 kernel, stride 1 on a 4x4 image: the centre pixels are read by 4 windows.
    col = np.ones((1, 3, 3, 1, 2, 2))  # (C, kH, kW, N, H_out, W_out)
    counts = col2im(col, (1, 1, 4, 4), (3, 3), (1, 1), (0, 0), (1, 1))
    expected = np.array([[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]])
    np.testing.assert_array_equal(counts[0, 0], expected)
