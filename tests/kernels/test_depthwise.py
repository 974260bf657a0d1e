"""Depthwise convolution against loop references, adjointness, and batch chunking."""

from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import kernels.depthwise
from kernel_cases import SETTINGS, cases, checked_call, padded, tolerance, window
from kernels import (depthwise_conv2d_backward_input, depthwise_conv2d_backward_weight,
                     depthwise_conv2d_forward)

multipliers = st.integers(1, 3)
# Tiny chunks force the CPU path through several batch chunks, the last one ragged.
chunk_sizes = st.sampled_from([1, 200, kernels.depthwise._CHUNK_BYTES])
# From how many channels on the one-einsum path runs: 1 forces it, a huge number the per-tap
# passes (multiplier 1 only: other multipliers always take the per-tap passes).
one_call_from = st.sampled_from([1, 10**9])


def weight_shape(case, m: int) -> tuple[int, int, int, int]:
    return (case.c * m, 1, *case.kernel)


def windows_per_output_channel(x_padded: np.ndarray, case, m: int, oh: int, ow: int):
    """The window of output pixel (oh, ow) for each output channel c*m + k: (N, C*m, kH, kW)."""
    return np.repeat(x_padded[(..., *window(case, oh, ow))], m, axis=1)


def reference_forward(x, weight, case, m):
    x_padded = padded(x, case.padding)
    y = np.empty((case.n, case.c * m, *case.out_hw))
    for oh, ow in np.ndindex(*case.out_hw):
        patches = windows_per_output_channel(x_padded, case, m, oh, ow)
        y[:, :, oh, ow] = (patches * weight[:, 0]).sum(axis=(2, 3))
    return y


def reference_backward_input(gy, weight, case, m):
    gx_padded = padded(np.zeros(case.x_shape), case.padding)
    for oh, ow in np.ndindex(*case.out_hw):
        per_output_channel = gy[:, :, oh, ow, None, None] * weight[:, 0]    # (N, C*m, kH, kW)
        summed_over_k = per_output_channel.reshape(case.n, case.c, m, *case.kernel).sum(axis=2)
        gx_padded[(..., *window(case, oh, ow))] += summed_over_k
    p_h, p_w = case.padding
    return gx_padded[:, :, p_h:p_h + case.hw[0], p_w:p_w + case.hw[1]]


def reference_backward_weight(gy, x, case, m):
    x_padded = padded(x, case.padding)
    gw = np.zeros(weight_shape(case, m))
    for oh, ow in np.ndindex(*case.out_hw):
        patches = windows_per_output_channel(x_padded, case, m, oh, ow)
        gw[:, 0] += (gy[:, :, oh, ow, None, None] * patches).sum(axis=0)
    return gw


def depthwise_geometry(case):
    return case.stride, case.padding, case.dilation


@SETTINGS
@given(cases(), multipliers, chunk_sizes, one_call_from)
def test_forward_matches_reference(case, m, chunk_bytes, channels):
    x, weight = case.normal(case.x_shape), case.normal(weight_shape(case, m))
    with mock.patch.object(kernels.depthwise, "_CHUNK_BYTES", chunk_bytes), \
            mock.patch.object(kernels.depthwise, "_ONE_CALL_CHANNELS", channels):
        y = checked_call(depthwise_conv2d_forward, (x, weight), *depthwise_geometry(case))
    np.testing.assert_allclose(y, reference_forward(x, weight, case, m), **tolerance(case.dtype))


@SETTINGS
@given(cases(), multipliers, chunk_sizes, one_call_from)
def test_backward_input_matches_reference(case, m, chunk_bytes, channels):
    gy = case.normal((case.n, case.c * m, *case.out_hw))
    weight = case.normal(weight_shape(case, m))
    with mock.patch.object(kernels.depthwise, "_CHUNK_BYTES", chunk_bytes), \
            mock.patch.object(kernels.depthwise, "_ONE_CALL_CHANNELS", channels):
        gx = checked_call(depthwise_conv2d_backward_input, (gy, weight), case.x_shape,
                          *depthwise_geometry(case))
    np.testing.assert_allclose(gx, reference_backward_input(gy, weight, case, m),
                               **tolerance(case.dtype))


@SETTINGS
@given(cases(), multipliers, chunk_sizes)
def test_backward_weight_matches_reference(case, m, chunk_bytes):
    gy = case.normal((case.n, case.c * m, *case.out_hw))
    x = case.normal(case.x_shape)
    with mock.patch.object(kernels.depthwise, "_CHUNK_BYTES", chunk_bytes):
        gw = checked_call(depthwise_conv2d_backward_weight, (gy, x), weight_shape(case, m),
                          *depthwise_geometry(case))
    np.testing.assert_allclose(gw, reference_backward_weight(gy, x, case, m),
                               **tolerance(case.dtype))


@SETTINGS
@given(cases(), multipliers)
def test_backward_passes_are_adjoints_of_forward(case, m):
    # <conv(x, w), g> = <x, backward_input(g, w)> = <w, backward_weight(g, x)>
    x = case.normal(case.x_shape).astype(np.float64)
    weight = case.normal(weight_shape(case, m)).astype(np.float64)
    gy = case.normal((case.n, case.c * m, *case.out_hw)).astype(np.float64)
    geometry = depthwise_geometry(case)
    forward = np.vdot(depthwise_conv2d_forward(x, weight, *geometry), gy)
    via_input = np.vdot(x, depthwise_conv2d_backward_input(gy, weight, x.shape, *geometry))
    via_weight = np.vdot(weight, depthwise_conv2d_backward_weight(gy, x, weight.shape, *geometry))
    np.testing.assert_allclose([via_input, via_weight], [forward, forward], rtol=1e-12, atol=1e-12)


def test_asserts_a_depthwise_weight():
    """Kernels only assert their preconditions; F.conv2d gives users the clear error."""
    x = np.zeros((1, 4, 5, 5))
    with pytest.raises(AssertionError, match=r"\(C\*m, 1, kH, kW\)"):
        depthwise_conv2d_forward(x, np.zeros((6, 1, 3, 3)), (1, 1), (1, 1), (1, 1))


def test_outputs_are_channel_major_like_the_gemm_convolution():
    """BatchNorm after a depthwise layer then reads the same layout as after a GEMM conv."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, 6, 6))
    weight = rng.standard_normal((8, 1, 3, 3))
    y = depthwise_conv2d_forward(x, weight, (1, 1), (1, 1), (1, 1))
    gx = depthwise_conv2d_backward_input(rng.standard_normal(y.shape), weight, x.shape,
                                         (1, 1), (1, 1), (1, 1))
    for result in (y, gx):
        assert result.transpose(1, 0, 2, 3).flags.c_contiguous
