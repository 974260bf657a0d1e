"""Max pooling against loop references: values, argmax tie rule, gradient routing, select."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from kernel_cases import DTYPES, SETTINGS, Case, cases, checked_call, padded, tolerance, window
from kernels import max_pool2d_backward, max_pool2d_forward, max_pool2d_select
from kernels.max_pool import MIN_TILED_TAPS


def reference_forward(x: np.ndarray, case) -> tuple[np.ndarray, np.ndarray]:
    """np.max / np.argmax over each window: argmax is the first maximum (and the first NaN)."""
    x_padded = padded(x, case.padding, fill=-np.inf)
    y = np.empty((case.n, case.c, *case.out_hw), dtype=x.dtype)
    argmax = np.empty(y.shape, dtype=np.int64)
    for oh, ow in np.ndindex(*case.out_hw):
        values = x_padded[(..., *window(case, oh, ow))].reshape(case.n, case.c, -1)
        y[:, :, oh, ow] = values.max(axis=-1)
        argmax[:, :, oh, ow] = values.argmax(axis=-1)
    return y, argmax


def reference_backward(gy: np.ndarray, argmax: np.ndarray, case) -> np.ndarray:
    (_, k_w), (s_h, s_w), (d_h, d_w) = case.kernel, case.stride, case.dilation
    gx_padded = padded(np.zeros(case.x_shape, dtype=gy.dtype), case.padding)
    for n, c, oh, ow in np.ndindex(gy.shape):
        i, j = divmod(int(argmax[n, c, oh, ow]), k_w)
        gx_padded[n, c, oh * s_h + i * d_h, ow * s_w + j * d_w] += gy[n, c, oh, ow]
    p_h, p_w = case.padding
    return gx_padded[:, :, p_h:p_h + case.hw[0], p_w:p_w + case.hw[1]]


def reference_select(x: np.ndarray, argmax: np.ndarray, case) -> np.ndarray:
    (_, k_w), (s_h, s_w), (d_h, d_w) = case.kernel, case.stride, case.dilation
    x_padded = padded(x, case.padding)
    y = np.empty(argmax.shape, dtype=x.dtype)
    for n, c, oh, ow in np.ndindex(argmax.shape):
        i, j = divmod(int(argmax[n, c, oh, ow]), k_w)
        y[n, c, oh, ow] = x_padded[n, c, oh * s_h + i * d_h, ow * s_w + j * d_w]
    return y


def tie_prone(case) -> np.ndarray:
    """Input drawn from {0, 1, 2}: windows often hold several maxima."""
    return case.rng.integers(0, 3, case.x_shape).astype(case.dtype)


def random_argmax(case) -> np.ndarray:
    taps = case.kernel[0] * case.kernel[1]
    return case.rng.integers(0, taps, (case.n, case.c, *case.out_hw)).astype(np.int32)


@SETTINGS
@given(cases(pool=True))
def test_forward_matches_reference_and_keeps_the_first_maximum(case):
    x = tie_prone(case)
    y, argmax = checked_call(max_pool2d_forward, (x,), *case.geometry)
    expected_y, expected_argmax = reference_forward(x, case)
    np.testing.assert_array_equal(y, expected_y)
    np.testing.assert_array_equal(argmax, expected_argmax)
    assert argmax.dtype == np.int32


@SETTINGS
@given(cases(pool=True))
def test_backward_matches_reference(case):
    x = tie_prone(case)
    _, argmax = max_pool2d_forward(x, *case.geometry)
    gy = case.normal(argmax.shape)
    gx = checked_call(max_pool2d_backward, (gy, argmax), case.x_shape, *case.geometry)
    np.testing.assert_allclose(gx, reference_backward(gy, argmax, case), **tolerance(case.dtype))


@SETTINGS
@given(cases(pool=True))
def test_select_matches_reference_for_any_argmax(case):
    x = case.normal(case.x_shape)
    argmax = random_argmax(case)
    y = checked_call(max_pool2d_select, (x, argmax), *case.geometry)
    np.testing.assert_array_equal(y, reference_select(x, argmax, case))


@SETTINGS
@given(cases(pool=True))
def test_select_at_the_forward_argmax_reproduces_the_forward_output(case):
    x = case.normal(case.x_shape)
    y, argmax = max_pool2d_forward(x, *case.geometry)
    selected = max_pool2d_select(x, argmax, *case.geometry)
    real = np.isfinite(y)  # windows lying wholly in the padding give -inf forward, 0 selected
    np.testing.assert_array_equal(selected[real], y[real])


@SETTINGS
@given(cases(pool=True))
def test_select_is_the_adjoint_of_backward(case):
    x = case.normal(case.x_shape).astype(np.float64)
    gy = case.normal((case.n, case.c, *case.out_hw)).astype(np.float64)
    argmax = random_argmax(case)
    lhs = np.vdot(max_pool2d_backward(gy, argmax, case.x_shape, *case.geometry), x)
    rhs = np.vdot(gy, max_pool2d_select(x, argmax, *case.geometry))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12, atol=1e-12)


def test_constant_input_ties_go_to_the_first_tap():
    x = np.full((2, 3, 7, 8), 1.5, dtype=np.float32)
    for geometry in [((3, 2), (2, 1), (0, 0), (1, 1)), ((2, 3), (1, 2), (0, 0), (2, 1))]:
        (s_h, s_w) = geometry[1]
        y, argmax = max_pool2d_forward(x, *geometry)
        assert np.all(argmax == 0) and np.all(y == 1.5)
        # So each window's gradient goes to its top-left pixel, and to nothing else.
        gx = max_pool2d_backward(np.ones_like(y), argmax, x.shape, *geometry)
        expected = np.zeros_like(x)
        expected[:, :, :s_h * y.shape[2]:s_h, :s_w * y.shape[3]:s_w] = 1
        np.testing.assert_array_equal(gx, expected)


def test_overlapping_windows_accumulate_gradient():
    # The centre of a 3x3 image is the maximum of all four 2x2 windows (stride 1).
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 5.0
    geometry = ((2, 2), (1, 1), (0, 0), (1, 1))
    y, argmax = max_pool2d_forward(x, *geometry)
    gy = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    gx = max_pool2d_backward(gy, argmax, x.shape, *geometry)
    expected = np.zeros((3, 3))
    expected[1, 1] = 10.0
    np.testing.assert_array_equal(gx[0, 0], expected)


def test_nan_propagates_and_the_first_nan_wins():
    x = np.array([[[[1.0, np.nan, 3.0, np.nan]]]])
    y, argmax = max_pool2d_forward(x, (1, 4), (1, 1), (0, 0), (1, 1))
    assert np.isnan(y[0, 0, 0, 0]) and argmax[0, 0, 0, 0] == 1


def test_window_wholly_in_the_padding():
    # H = 2, kernel 2, dilation 3, padding 1: the single window reads rows -1 and 2, both padding.
    x = np.ones((1, 1, 2, 2))
    geometry = ((2, 1), (1, 1), (1, 0), (3, 1))
    y, argmax = max_pool2d_forward(x, *geometry)
    assert y.shape == (1, 1, 1, 2) and np.all(y == -np.inf) and np.all(argmax == 0)
    assert np.all(max_pool2d_backward(np.ones_like(y), argmax, x.shape, *geometry) == 0)
    assert np.all(max_pool2d_select(x, argmax, *geometry) == 0)


@st.composite
def tiling_cases(draw) -> Case:
    """stride = kernel >= MIN_TILED_TAPS taps, no padding or dilation: the reshape fast path,
    on sizes that often leave rows and columns past the last window."""
    kernel = draw(st.tuples(st.integers(1, 6), st.integers(1, 6)).filter(
        lambda k: k[0] * k[1] >= MIN_TILED_TAPS))
    hw = tuple(draw(st.integers(k, 13)) for k in kernel)
    return Case(n=draw(st.integers(1, 3)), c=draw(st.integers(1, 4)), hw=hw, kernel=kernel,
                stride=kernel, padding=(0, 0), dilation=(1, 1),
                dtype=draw(st.sampled_from(DTYPES)), seed=draw(st.integers(0, 2**31)))


@SETTINGS
@given(tiling_cases(), st.booleans())
def test_tiled_fast_path_matches_the_references(case, with_nan):
    x = tie_prone(case)
    if with_nan:  # a NaN wins its window, and the first NaN of a window wins
        x[case.rng.random(x.shape) < 0.1] = np.nan
    x = np.asfortranarray(x)  # not C-contiguous: the reshape must copy, not reinterpret
    y, argmax = max_pool2d_forward(x, *case.geometry)
    expected_y, expected_argmax = reference_forward(x, case)
    np.testing.assert_array_equal(y, expected_y)
    np.testing.assert_array_equal(argmax, expected_argmax)
    gy = case.normal(y.shape)
    np.testing.assert_array_equal(max_pool2d_backward(gy, argmax, case.x_shape, *case.geometry),
                                  reference_backward(gy, argmax, case))


@st.composite
def two_by_two_cases(draw) -> Case:
    """2×2 windows with stride 2, no padding: the tournament fast path, on odd and even sizes
    (a last row or column past the last window) and batch 1."""
    return Case(n=draw(st.integers(1, 3)), c=draw(st.integers(1, 4)),
                hw=(draw(st.integers(2, 11)), draw(st.integers(2, 11))), kernel=(2, 2),
                stride=(2, 2), padding=(0, 0), dilation=(1, 1),
                dtype=draw(st.sampled_from(DTYPES)), seed=draw(st.integers(0, 2**31)))


@SETTINGS
@given(two_by_two_cases(), st.sampled_from(["C", "F", "channel-major"]),
       st.sampled_from([0.0, 0.1, 1.0]))
def test_two_by_two_fast_path_matches_the_references(case, layout, nan_fraction):
    x = tie_prone(case)                          # ties in most windows: the first tap wins
    x[case.rng.random(x.shape) < nan_fraction] = np.nan       # the first NaN wins, as well
    x[case.rng.random(x.shape) < 0.1] = -np.inf
    if layout == "F":
        x = np.asfortranarray(x)
    elif layout == "channel-major":
        x = np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    y, argmax = max_pool2d_forward(x, *case.geometry)
    expected_y, expected_argmax = reference_forward(x, case)
    np.testing.assert_array_equal(y, expected_y)
    np.testing.assert_array_equal(argmax, expected_argmax)
    assert argmax.dtype == np.int32
    gy = case.normal(y.shape)
    if nan_fraction == 1.0:       # an infinite gradient reaches its argmax only, 0 elsewhere
        gy[case.rng.random(gy.shape) < 0.3] = np.inf
    if layout == "channel-major":
        gy = np.ascontiguousarray(gy.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    np.testing.assert_array_equal(max_pool2d_backward(gy, argmax, case.x_shape, *case.geometry),
                                  reference_backward(gy, argmax, case))


def test_global_pool_of_a_large_image_is_one_reduction():
    x = np.random.default_rng(0).standard_normal((2, 3, 448, 448)).astype(np.float32)
    y, argmax = max_pool2d_forward(x, (448, 448), (448, 448), (0, 0), (1, 1))
    np.testing.assert_array_equal(y[..., 0, 0], x.max(axis=(2, 3)))
    np.testing.assert_array_equal(argmax[..., 0, 0], x.reshape(2, 3, -1).argmax(axis=-1))


def test_backward_keeps_the_channel_major_layout_of_its_gradient():
    """After a convolution everything is channel-major; a pool's gradient that came back in
    NCHW would make the next elementwise backward walk two layouts."""
    rng = np.random.default_rng(0)
    for geometry in [((2, 2), (2, 2), (0, 0), (1, 1)), ((3, 3), (2, 2), (1, 1), (1, 1))]:
        x = rng.standard_normal((3, 4, 9, 8))
        y, argmax = max_pool2d_forward(x, *geometry)
        gy = rng.standard_normal(y.shape)
        gy_channel_major = np.ascontiguousarray(gy.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
        gx = max_pool2d_backward(gy_channel_major, argmax, x.shape, *geometry)
        assert gx.transpose(1, 0, 2, 3).flags.c_contiguous
        np.testing.assert_array_equal(gx, max_pool2d_backward(gy, argmax, x.shape, *geometry))
