"""Solution: ∂L/∂β = Σ G, ∂L/∂γ = Σ G x̂, ∂L/∂x = γ/√(σ²+ε) (G − mean G − x̂ mean(G x̂))."""
from __future__ import annotations

from minigrad.backend import Array

from .. import batch_norm
from ..batch_norm import CHANNEL_AXES


class BatchNormFunction(batch_norm.BatchNormFunction):
    """The reference solution: the backward of the module docstring."""

    def backward_arrays(self, grad_output: Array) -> tuple[Array, Array, Array]:
        grad_beta = grad_output.sum(axis=CHANNEL_AXES)
        grad_gamma = (grad_output * self.x_hat).sum(axis=CHANNEL_AXES)
        mean_grad = grad_output.mean(axis=CHANNEL_AXES, keepdims=True)
        mean_grad_x_hat = (grad_output * self.x_hat).mean(axis=CHANNEL_AXES, keepdims=True)
        grad_x = (self.gamma[None, :, None, None] * self.inv_std
                  * (grad_output - mean_grad - self.x_hat * mean_grad_x_hat))
        return grad_x, grad_gamma, grad_beta
