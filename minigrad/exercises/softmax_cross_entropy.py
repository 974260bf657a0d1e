"""Exercise: the backward of softmax followed by the cross-entropy loss, averaged over N.

Forward: p = softmax(z) row by row, loss = −(1/N) Σ_n log p[n, y_n].
Shapes: logits z (N, K), labels y (N,) integers (a setting, not differentiated), loss ().
Given g = ∂L/∂loss (a scalar array), return ∂L/∂z (N, K).
Hint: ∂loss/∂z[n, k] = (p[n, k] − [k = y_n]) / N — derive it from
log p[n, y] = z[n, y] − log Σ_k exp z[n, k]. Check:
``python -m minigrad.exercises check softmax_cross_entropy``.
"""
from __future__ import annotations

import numpy as np

from minigrad.backend import Array

from .base import ArrayFunction


class SoftmaxCrossEntropyFunction(ArrayFunction):
    """Mean cross-entropy of softmax(logits) against integer ``labels``."""

    def __init__(self, labels: Array) -> None:
        self.labels = np.asarray(labels)

    def forward(self, logits: Array) -> Array:
        shifted = logits - logits.max(axis=1, keepdims=True)   # same softmax, no overflow
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self.probabilities = np.exp(log_p)
        return -log_p[np.arange(len(logits)), self.labels].mean()

    def backward_arrays(self, grad_output: Array) -> Array:
        """∂L/∂logits (N, K) from ∂L/∂loss (a 0-d array)."""
        raise NotImplementedError("SoftmaxCrossEntropyFunction.backward_arrays: your code here")
