"""Exercises graded by gradcheck: write the backward of linear, ReLU, softmax-cross-entropy,
max-pool, im2col conv and BatchNorm.

Each exercise is a file here (``linear.py``, ``relu.py``, ``softmax_cross_entropy.py``,
``max_pool.py``, ``conv2d.py``, ``batch_norm.py``) with the forward written and the
backward left out: fill in ``backward_arrays`` (NumPy in, NumPy out), then run

    python -m minigrad.exercises check conv2d     # forward vs minigrad, gradcheck per input
    python -m minigrad.exercises check all
    python -m minigrad.exercises list

Reference solutions live apart, in ``minigrad/exercises/solutions/`` (``--solution``
grades those). The package imports minigrad's core and kernels only; it is not loaded
by ``import minigrad``.
"""
from .checker import EXERCISES, Report, check, load_function

__all__ = ["EXERCISES", "Report", "check", "load_function"]
