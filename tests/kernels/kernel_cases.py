"""Hypothesis strategies and checks shared by the kernel tests.

A *case* is one sliding-window geometry plus a dtype and a random generator. Sizes are tiny
(N 1-3, C 1-4, H and W 1-9, kernels 1-5) so the loop-based references in the tests stay fast.
"""

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st

from kernels.geometry import conv_output_size, dilated_span

# Every test draws about this many cases; the references are loops, so keep it moderate.
SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

DTYPES = (np.float32, np.float64)


@dataclass
class Case:
    n: int
    c: int
    hw: tuple[int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    dtype: type
    seed: int
    rng: np.random.Generator = field(init=False, repr=False)

    def __post_init__(self):
        self.rng = np.random.default_rng(self.seed)

    @property
    def x_shape(self) -> tuple[int, int, int, int]:
        return (self.n, self.c, *self.hw)

    @property
    def out_hw(self) -> tuple[int, int]:
        return tuple(conv_output_size(*axis) for axis in
                     zip(self.hw, self.kernel, self.stride, self.padding, self.dilation))

    @property
    def geometry(self) -> tuple:
        """(kernel_size, stride, padding, dilation), the trailing arguments of most kernels."""
        return self.kernel, self.stride, self.padding, self.dilation

    def normal(self, shape: tuple[int, ...]) -> np.ndarray:
        """Standard-normal array of this case's dtype, new draws on every call."""
        return self.rng.standard_normal(shape).astype(self.dtype)


def _int_pairs(low: int, high: int) -> st.SearchStrategy[tuple[int, int]]:
    return st.tuples(st.integers(low, high), st.integers(low, high))


@st.composite
def cases(draw, *, pool: bool = False, dilation: bool = True) -> Case:
    """A geometry whose output is at least 1x1.

    pool=True keeps padding <= kernel // 2 per axis (PyTorch's rule for pooling);
    dilation=False fixes dilation to 1 (average pooling has none).
    """
    kernel = draw(_int_pairs(1, 5))
    dil = draw(_int_pairs(1, 3)) if dilation else (1, 1)
    if pool:
        padding = tuple(draw(st.integers(0, min(2, k // 2))) for k in kernel)
    else:
        padding = draw(_int_pairs(0, 2))
    # Smallest input each axis needs for one output: span - 2 * padding.
    min_hw = [max(1, dilated_span(k, d) - 2 * p) for k, d, p in zip(kernel, dil, padding)]
    assume(max(min_hw) <= 9)
    hw = tuple(draw(st.integers(low, 9)) for low in min_hw)
    return Case(n=draw(st.integers(1, 3)), c=draw(st.integers(1, 4)), hw=hw, kernel=kernel,
                stride=draw(_int_pairs(1, 3)), padding=padding, dilation=dil,
                dtype=draw(st.sampled_from(DTYPES)), seed=draw(st.integers(0, 2**32 - 1)))


def tolerance(dtype: type) -> dict:
    """assert_allclose tolerances for results summed in ``dtype``."""
    return {"rtol": 1e-4, "atol": 1e-4} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}


def noncontiguous(a: np.ndarray) -> np.ndarray:
    """Same values as ``a``, but a transposed view: not C-contiguous."""
    return np.ascontiguousarray(np.swapaxes(a, -1, -2)).swapaxes(-1, -2) if a.ndim >= 2 else a


def checked_call(fn: Callable, arrays: tuple[np.ndarray, ...], *args):
    """Call ``fn(*arrays, *args)`` and check what every kernel promises about its array inputs:

    * it does not modify them,
    * non-contiguous views of the same values give the same results,
    * floating-point results keep the dtype of the first input.
    """
    before = [a.copy() for a in arrays]
    result = fn(*arrays, *args)
    for a, b in zip(arrays, before):
        np.testing.assert_array_equal(a, b, err_msg="kernel modified its input")
    again = fn(*(noncontiguous(a) for a in arrays), *args)
    for r, s in zip(_as_tuple(result), _as_tuple(again)):
        np.testing.assert_array_equal(r, s, err_msg="non-contiguous input changed the result")
    for r in _as_tuple(result):
        if r.dtype.kind == "f":
            assert r.dtype == arrays[0].dtype
    return result


def _as_tuple(result) -> tuple:
    return result if isinstance(result, tuple) else (result,)


def padded(x: np.ndarray, padding: tuple[int, int], fill: float = 0.0) -> np.ndarray:
    """np.pad of the two spatial axes, for the references."""
    p_h, p_w = padding
    return np.pad(x, ((0, 0), (0, 0), (p_h, p_h), (p_w, p_w)), constant_values=fill)


def window(case: Case, oh: int, ow: int) -> tuple[slice, slice]:
    """Rows and columns of the padded input read by output pixel (oh, ow), for the references."""
    (k_h, k_w), (s_h, s_w), (d_h, d_w) = case.kernel, case.stride, case.dilation
    return (slice(oh * s_h, oh * s_h + d_h * (k_h - 1) + 1, d_h),
            slice(ow * s_w, ow * s_w + d_w * (k_w - 1) + 1, d_w))
