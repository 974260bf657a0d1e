"""Accurate sums of raw float32/float16 arrays over any axes.

NumPy sums pairwise (error ~ log2(n) eps) only along the axis its inner loop runs over,
the innermost one in memory. Summing a C-ordered (N, C) array over axis 0 instead adds
row after row into one accumulator: the error grows like N eps, 4e-2 relative for
N = 5e6 in float32. :func:`accurate_sum` keeps that row-by-row accumulation short: when
more than ``NAIVE_ROWS`` rows would be added one after another, it adds the first half of
the largest such axis to the second half (a pairwise step, done as one vectorised add)
until at most ``FOLDED_ROWS`` are left, so the error stays ~ (FOLDED_ROWS + log2 N) eps.
The first fold costs about one pass over the data; the later ones are ever smaller.
Shorter runs (a batch of 256) are left to NumPy, whose error there is already small.
CuPy reduces with a tree already; float64 is left to NumPy.
"""
from __future__ import annotations

import math

import numpy as np

from ..backend import Array

NAIVE_ROWS = 1024  # longest run of row-by-row additions left to NumPy as it is
FOLDED_ROWS = 16  # what a longer run is folded down to


def accurate_sum(x: Array, axes: tuple[int, ...], keepdims: bool = False) -> Array:
    """``x.sum(axis=axes, keepdims=keepdims)`` without the large float32 error of long
    row-by-row accumulations. ``axes``: non-negative, sorted, unique.

    >>> x = np.full((3_000_000, 2), 0.1, dtype=np.float32)
    >>> round(float(accurate_sum(x, (0,))[0]), 1)     # NumPy's x.sum(axis=0): 290774.8
    300000.0
    """
    if (x.size <= NAIVE_ROWS or type(x) is not np.ndarray or x.dtype.kind != "f"
            or x.dtype.itemsize > 4):
        return x.sum(axis=axes, keepdims=keepdims)
    serial = _serial_axes(x, axes)
    if math.prod(x.shape[a] for a in serial) > NAIVE_ROWS:
        while math.prod(x.shape[a] for a in serial) > FOLDED_ROWS:
            x = _halve(x, max(serial, key=lambda a: x.shape[a]))
    return x.sum(axis=axes, keepdims=keepdims)


def _serial_axes(x: np.ndarray, axes: tuple[int, ...]) -> tuple[int, ...]:
    """The reduced axes NumPy accumulates row by row: all but the innermost run of reduced
    axes *in memory* (NumPy iterates in memory order and merges that run into its pairwise
    inner loop). For a C-ordered array the run is the trailing reduced axes; for a view such
    as a convolution's output (N, C, H, W) laid out as (C, N, H, W) it is N, H and W."""
    inner, run_stride = set(), x.itemsize
    for a in sorted(range(x.ndim), key=lambda a: abs(x.strides[a])):  # innermost first
        if x.shape[a] == 1:
            continue
        if a not in axes or abs(x.strides[a]) != run_stride:
            break
        inner.add(a)
        run_stride *= x.shape[a]
    return tuple(a for a in axes if a not in inner and x.shape[a] > 1)


def _halve(x: np.ndarray, axis: int) -> np.ndarray:
    """Fold ``axis`` in two: rows [0, n/2) plus rows [n/2, n) (an odd last row goes to row 0)."""
    n = x.shape[axis]
    half = n // 2
    lead = (slice(None),) * axis
    folded = x[lead + (slice(0, half),)] + x[lead + (slice(half, 2 * half),)]
    if n % 2:
        folded[lead + (slice(0, 1),)] += x[lead + (slice(n - 1, n),)]
    return folded
