"""The fully connected layer: y = x W^T + b."""
from __future__ import annotations

from ..autograd import Function, Tensor
from ..backend import Array
from ..ops.arithmetic import check_same_dtype, matmul
from ..ops.shape import reshape, swap_last_axes


class Linear(Function):
    """y = x Wᵀ (+ b) for x of shape (..., in_features), W of shape (out, in).

    One Function rather than matmul(x, W.T) + b so that each gradient is one GEMM in
    the layout it is needed in (as PyTorch's addmm): dx = gy W, dW = gyᵀ x (already
    (out, in): a transposed result would cost a copy as large as W), db = Σ gy.
    """

    def forward(self, x: Array, weight: Array, bias: Array | None = None) -> Array:
        self.save_inputs(0, 1)
        y = x @ weight.T
        if bias is not None:
            y += bias  # y is a fresh array: add in place, no temporary
        return y

    def backward(self, gy: Tensor) -> tuple[Tensor | None, ...]:
        x, weight = self.saved_inputs
        gy_rows = reshape(gy, (-1, weight.shape[0]))     # (batch, out)
        gx = matmul(gy, weight) if self.needs_input_grad[0] else None
        gw = (matmul(swap_last_axes(gy_rows), reshape(x, (-1, weight.shape[1])))
              if self.needs_input_grad[1] else None)
        if len(self.needs_input_grad) == 2:
            return gx, gw
        gb = gy_rows.sum(axis=0) if self.needs_input_grad[2] else None
        return gx, gw, gb


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b.

    x: (..., in_features); weight: (out_features, in_features); bias: (out_features,).
    Returns (..., out_features). All of one dtype (mixed float32/float64 is a TypeError
    naming both, as in PyTorch).
    """
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), "
                         f"got shape {weight.shape}")
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input has shape {x.shape} but the weight {weight.shape} "
                         f"expects in_features={weight.shape[1]} in the last axis")
    check_same_dtype("linear", ("input", x), ("weight", weight))
    if bias is None:
        return Linear.apply(x, weight)
    check_same_dtype("linear", ("input", x), ("bias", bias))
    if bias.shape != (weight.shape[0],):
        raise ValueError(f"linear: bias has shape {bias.shape} but the weight {weight.shape} "
                         f"needs ({weight.shape[0]},)")
    return Linear.apply(x, weight, bias)
