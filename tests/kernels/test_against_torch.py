"""Cross-check the kernels against PyTorch's CPU ops; skipped when torch is not importable."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kernel_cases import SETTINGS, cases, tolerance
from kernels import (avg_pool2d_backward, avg_pool2d_forward, depthwise_conv2d_backward_input,
                     depthwise_conv2d_backward_weight, depthwise_conv2d_forward, im2col,
                     max_pool2d_backward, max_pool2d_forward)

torch = pytest.importorskip("torch")
F = torch.nn.functional


def every_window_reads_the_image(case) -> bool:
    """False if some window lies wholly in the padding (possible with dilation): torch returns
    -inf there but routes its gradient to an arbitrary pixel (or out of bounds)."""
    def axis_ok(size, out, k, s, p, d):
        return all(any(0 <= o * s - p + t * d < size for t in range(k)) for o in range(out))
    return all(axis_ok(*axis) for axis in zip(case.hw, case.out_hw, case.kernel, case.stride,
                                              case.padding, case.dilation))


def forward_and_grads(fn, inputs: tuple[np.ndarray, ...], gy: np.ndarray):
    """Run ``fn`` on torch copies of ``inputs``; return its output and the input gradients."""
    leaves = [torch.from_numpy(a.copy()).requires_grad_() for a in inputs]
    y = fn(*leaves)
    y.backward(torch.from_numpy(gy))
    return y.detach().numpy(), [leaf.grad.numpy() for leaf in leaves]


@SETTINGS
@given(cases())
def test_im2col_matches_unfold(case):
    x = case.normal(case.x_shape)
    kernel, stride, padding, dilation = case.geometry
    unfolded = F.unfold(torch.from_numpy(x), kernel, dilation=dilation, padding=padding,
                        stride=stride).numpy()                   # (N, C*kH*kW, L)
    col = im2col(x, *case.geometry)                                  # (C, kH, kW, N, H_out, W_out)
    np.testing.assert_array_equal(col.reshape(-1, case.n, unfolded.shape[-1]).transpose(1, 0, 2),
                                  unfolded)


@SETTINGS
@given(cases(pool=True))
def test_max_pool_matches_torch(case):
    assume(every_window_reads_the_image(case))
    x = case.normal(case.x_shape)  # continuous values: no ties, where torch's rule is unstated
    y, argmax = max_pool2d_forward(x, *case.geometry)
    gy = case.normal(y.shape)
    kernel, stride, padding, dilation = case.geometry
    expected_y, (expected_gx,) = forward_and_grads(
        lambda t: F.max_pool2d(t, kernel, stride, padding, dilation), (x,), gy)
    np.testing.assert_array_equal(y, expected_y)
    np.testing.assert_allclose(max_pool2d_backward(gy, argmax, x.shape, *case.geometry),
                               expected_gx, **tolerance(case.dtype))


@SETTINGS
@given(cases(pool=True, dilation=False), st.booleans())
def test_avg_pool_matches_torch(case, count_include_pad):
    x = case.normal(case.x_shape)
    geometry = (case.kernel, case.stride, case.padding, count_include_pad)
    y = avg_pool2d_forward(x, *geometry)
    gy = case.normal(y.shape)
    expected_y, (expected_gx,) = forward_and_grads(
        lambda t: F.avg_pool2d(t, case.kernel, case.stride, case.padding,
                               count_include_pad=count_include_pad), (x,), gy)
    np.testing.assert_allclose(y, expected_y, **tolerance(case.dtype))
    np.testing.assert_allclose(avg_pool2d_backward(gy, x.shape, *geometry), expected_gx,
                               **tolerance(case.dtype))


@SETTINGS
@given(cases(), st.integers(1, 3))
def test_depthwise_conv_matches_torch(case, m):
    x = case.normal(case.x_shape)
    weight = case.normal((case.c * m, 1, *case.kernel))
    geometry = (case.stride, case.padding, case.dilation)
    y = depthwise_conv2d_forward(x, weight, *geometry)
    gy = case.normal(y.shape)
    expected_y, (expected_gx, expected_gw) = forward_and_grads(
        lambda a, b: F.conv2d(a, b, None, *geometry, groups=case.c), (x, weight), gy)
    np.testing.assert_allclose(y, expected_y, **tolerance(case.dtype))
    np.testing.assert_allclose(depthwise_conv2d_backward_input(gy, weight, x.shape, *geometry),
                               expected_gx, **tolerance(case.dtype))
    np.testing.assert_allclose(depthwise_conv2d_backward_weight(gy, x, weight.shape, *geometry),
                               expected_gw, **tolerance(case.dtype))
