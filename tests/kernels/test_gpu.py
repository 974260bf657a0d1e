"""The CuPy kernels against the NumPy ones and against the generic path (the CPU code with
xp = cupy); skipped without CuPy and a GPU."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import kernels
from kernel_cases import SETTINGS, cases, tolerance

cupy = pytest.importorskip("cupy")
try:
    cupy.cuda.runtime.getDeviceCount()
except cupy.cuda.runtime.CUDARuntimeError:
    pytest.skip("CuPy is installed but sees no GPU", allow_module_level=True)


def noncontiguous_on_gpu(a: np.ndarray):
    """A CuPy transposed view holding the values of ``a``."""
    return cupy.ascontiguousarray(cupy.asarray(a).swapaxes(-1, -2)).swapaxes(-1, -2)


def assert_same_on_gpu(fn, arrays: tuple[np.ndarray, ...], *args, exact: bool = False):
    """fn on CuPy copies of ``arrays`` (also non-contiguous ones) must match fn on NumPy."""
    expected = fn(*arrays, *args)
    for prepare in (cupy.asarray, noncontiguous_on_gpu):
        inputs = [prepare(a) for a in arrays]
        before = [a.copy() for a in inputs]
        result = fn(*inputs, *args)
        for r, e in zip(result if isinstance(result, tuple) else (result,),
                        expected if isinstance(expected, tuple) else (expected,)):
            assert type(r).__module__.startswith("cupy") and r.dtype == e.dtype
            if exact:
                np.testing.assert_array_equal(cupy.asnumpy(r), e)
            else:
                np.testing.assert_allclose(cupy.asnumpy(r), e, **tolerance(arrays[0].dtype))
        for a, b in zip(inputs, before):
            np.testing.assert_array_equal(cupy.asnumpy(a), cupy.asnumpy(b),
                                          err_msg="kernel modified its input")
        # the generic path (CPU code, xp = cupy) must agree with the custom kernel too
        previous = kernels.use_custom_gpu_kernels(False)
        try:
            generic = fn(*inputs, *args)
        finally:
            kernels.use_custom_gpu_kernels(previous)
        for r, g in zip(result if isinstance(result, tuple) else (result,),
                        generic if isinstance(generic, tuple) else (generic,)):
            assert type(g).__module__.startswith("cupy") and g.dtype == r.dtype
            np.testing.assert_allclose(cupy.asnumpy(g), cupy.asnumpy(r),
                                       **tolerance(arrays[0].dtype))


@SETTINGS
@given(cases())
def test_im2col_col2im(case):
    x = case.normal(case.x_shape)
    assert_same_on_gpu(kernels.im2col, (x,), *case.geometry, exact=True)
    col = case.normal((case.c, *case.kernel, case.n, *case.out_hw))
    assert_same_on_gpu(kernels.col2im, (col,), case.x_shape, *case.geometry)


@SETTINGS
@given(cases(pool=True))
def test_max_pool(case):
    x = case.rng.integers(0, 3, case.x_shape).astype(case.dtype)  # many ties
    x[case.rng.random(x.shape) < 0.05] = np.nan
    assert_same_on_gpu(kernels.max_pool2d_forward, (x,), *case.geometry, exact=True)
    _, argmax = kernels.max_pool2d_forward(x, *case.geometry)
    gy = case.normal(argmax.shape)
    assert_same_on_gpu(kernels.max_pool2d_backward, (gy, argmax), case.x_shape, *case.geometry)
    assert_same_on_gpu(kernels.max_pool2d_select, (case.normal(case.x_shape), argmax),
                       *case.geometry, exact=True)


@SETTINGS
@given(cases(pool=True, dilation=False), st.booleans())
def test_avg_pool(case, count_include_pad):
    geometry = (case.kernel, case.stride, case.padding, count_include_pad)
    assert_same_on_gpu(kernels.avg_pool2d_forward, (case.normal(case.x_shape),), *geometry)
    gy = case.normal((case.n, case.c, *case.out_hw))
    assert_same_on_gpu(kernels.avg_pool2d_backward, (gy,), case.x_shape, *geometry)


@SETTINGS
@given(cases(), st.integers(1, 3))
def test_depthwise(case, m):
    geometry = (case.stride, case.padding, case.dilation)
    x = case.normal(case.x_shape)
    weight = case.normal((case.c * m, 1, *case.kernel))
    gy = case.normal((case.n, case.c * m, *case.out_hw))
    assert_same_on_gpu(kernels.depthwise_conv2d_forward, (x, weight), *geometry)
    assert_same_on_gpu(kernels.depthwise_conv2d_backward_input, (gy, weight), case.x_shape,
                       *geometry)
    assert_same_on_gpu(kernels.depthwise_conv2d_backward_weight, (gy, x), weight.shape, *geometry)
