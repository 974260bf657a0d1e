"""Solution: ∂L/∂z = g · (p − onehot(y)) / N."""
from __future__ import annotations

import numpy as np

from minigrad.backend import Array

from .. import softmax_cross_entropy


class SoftmaxCrossEntropyFunction(softmax_cross_entropy.SoftmaxCrossEntropyFunction):
    """The reference solution: the backward of the module docstring."""

    def backward_arrays(self, grad_output: Array) -> Array:
        grad = self.probabilities.copy()
        grad[np.arange(len(grad)), self.labels] -= 1.0
        return grad_output * grad / len(grad)
