"""Batch normalization (train and eval paths) and local response normalization (AlexNet)."""
from __future__ import annotations

from typing import Any

from .. import backend
from ..autograd import Function
from ..ops.math import sqrt
from ..ops.shape import pad
from ..tensor import Tensor


def _stat_axes(ndim: int) -> tuple[int, ...]:
    """Axes normalised over: all but the channel axis 1 ((N, C) or (N, C, H, W) ...)."""
    return (0,) + tuple(range(2, ndim))


def _per_channel(t: Tensor, ndim: int) -> Tensor:
    """(C,) -> (1, C, 1, ...) to broadcast against an (N, C, ...) input."""
    return t.reshape((1, -1) + (1,) * (ndim - 2))


class BatchNormTrain(Function):
    """Training-mode batch norm without the affine part:
    x_hat = (x - mean_B) / sqrt(var_B + eps), statistics over (N, H, W) per channel.

    Backward (Ioffe & Szegedy 2015, with m values per channel):
        dx = (1 / sigma) * (dy - mean(dy) - x_hat * mean(dy * x_hat))
    written with Tensor ops on x, so it is differentiable again. The running
    statistics are updated in place during forward (PyTorch's convention:
    running = (1 - momentum) running + momentum batch, with the *unbiased*
    batch variance).
    """

    def __init__(self, eps: float, momentum: float, running_mean: Any, running_var: Any) -> None:
        self.eps, self.momentum = eps, momentum
        self.running_mean, self.running_var = running_mean, running_var

    def forward(self, x: Any) -> Any:
        self.save_inputs(0)
        axes = _stat_axes(x.ndim)
        mean = x.mean(axis=axes, keepdims=True)
        centered = x - mean
        var = (centered * centered).mean(axis=axes, keepdims=True)
        if self.running_mean is not None:
            count = x.size // x.shape[1]
            m = self.momentum
            self.running_mean *= 1.0 - m
            self.running_mean += m * mean.reshape(-1).astype(self.running_mean.dtype)
            self.running_var *= 1.0 - m
            self.running_var += (m * count / (count - 1)) * var.reshape(-1).astype(
                self.running_var.dtype)
        xp = backend.get_array_module(x)
        return centered / xp.sqrt(var + self.eps)

    def backward(self, gy: Tensor) -> Tensor:
        (x,) = self.saved_inputs
        axes = _stat_axes(x.ndim)
        centered = x - x.mean(axis=axes, keepdims=True)
        inv_std = 1.0 / sqrt((centered * centered).mean(axis=axes, keepdims=True) + self.eps)
        x_hat = centered * inv_std
        return inv_std * (gy - gy.mean(axis=axes, keepdims=True)
                          - x_hat * (gy * x_hat).mean(axis=axes, keepdims=True))


def batch_norm(x: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalization over the channel axis 1 of (N, C) or (N, C, H, W) input.

    training: normalise with this batch's statistics and update the running
        statistics in place (if given); eval: normalise with the running ones.
    y = weight * x_hat + bias, with weight/bias (C,) optional.
    """
    if x.ndim < 2:
        raise ValueError(f"batch_norm expects (N, C) or (N, C, ...) input, got shape {x.shape}")
    channels = x.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.shape != (channels,):
            raise ValueError(f"batch_norm: input has {channels} channels (shape {x.shape}) but "
                             f"{name} has shape {t.shape}")
    if training:
        per_channel = x.size // channels
        if per_channel <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {x.shape}")
        x_hat = BatchNormTrain.apply(
            x, eps=float(eps), momentum=float(momentum),
            running_mean=running_mean.data if running_mean is not None else None,
            running_var=running_var.data if running_var is not None else None)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm in eval mode needs running_mean and running_var")
        xp = backend.get_array_module(running_var.data)
        mean = Tensor._make(running_mean.data.astype(x.dtype, copy=False))
        inv_std = Tensor._make((1.0 / xp.sqrt(running_var.data + eps)).astype(x.dtype, copy=False))
        x_hat = (x - _per_channel(mean, x.ndim)) * _per_channel(inv_std, x.ndim)
    if weight is not None:
        x_hat = x_hat * _per_channel(weight, x.ndim)
    if bias is not None:
        x_hat = x_hat + _per_channel(bias, x.ndim)
    return x_hat


def local_response_norm(x: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """AlexNet's local response normalization across channels (PyTorch's formula):

        y_c = x_c / (k + alpha / size * sum_{c' in window(c)} x_{c'}^2) ^ beta

    with a window of ``size`` channels centred on c (zero beyond the edges).
    x: (N, C, ...) -> same shape.
    """
    if x.ndim < 3:
        raise ValueError(f"local_response_norm expects (N, C, ...) input with at least 3 "
                         f"dimensions, got shape {x.shape}")
    if size < 1:
        raise ValueError(f"local_response_norm: size must be >= 1, got {size}")
    channels = x.shape[1]
    squares = pad(x * x, [(0, 0), (size // 2, (size - 1) // 2)] + [(0, 0)] * (x.ndim - 2))
    window_sum = squares[:, 0:channels]
    for offset in range(1, size):
        window_sum = window_sum + squares[:, offset:offset + channels]
    return x / (window_sum * (alpha / size) + k) ** beta
