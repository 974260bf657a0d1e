"""The fully connected layer: y = x W^T + b."""
from __future__ import annotations

from ..autograd import Tensor
from ..ops.arithmetic import check_same_dtype, matmul
from ..ops.shape import swap_last_axes


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
    y = matmul(x, swap_last_axes(weight))
    if bias is None:
        return y
    check_same_dtype("linear", ("input", x), ("bias", bias))
    return y + bias
