"""The fully connected layer: y = x W^T + b."""
from __future__ import annotations

from ..autograd import Tensor


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b.

    x: (..., in_features); weight: (out_features, in_features); bias: (out_features,).
    Returns (..., out_features).
    """
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), "
                         f"got shape {weight.shape}")
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input has shape {x.shape} but the weight {weight.shape} "
                         f"expects in_features={weight.shape[1]} in the last axis")
    y = x @ weight.T
    return y + bias if bias is not None else y
