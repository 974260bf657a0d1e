"""Batch normalisation (Ioffe & Szegedy 2015): ``BatchNorm1d`` and ``BatchNorm2d``.

y = (x − mean) / √(var + eps) · weight + bias, per channel (axis 1). In training
the mean and variance are the batch's, and the running estimates are updated
(``running = (1 − momentum)·running + momentum·batch``, unbiased batch variance);
in eval mode the running estimates are used.
"""
from __future__ import annotations

import numpy as np

import minigrad as mg
import minigrad.functional as F
from minigrad.tensor import Tensor

from .module import Module
from .parameter import Parameter
from .utils import check_input_shape


class _BatchNorm(Module):
    """Shared by BatchNorm1d and BatchNorm2d, which differ only in the input ranks allowed.

    Parameters (if ``affine``): ``weight`` = 1 and ``bias`` = 0 (unless ``bias=False``),
    shape (num_features,).
    Buffers (if ``track_running_stats``): ``running_mean`` = 0, ``running_var`` = 1,
    shape (num_features,), and ``num_batches_tracked`` = 0 (0-d int64), the number of
    training batches seen. ``momentum=None`` averages all batches equally (a
    cumulative moving average, momentum 1/num_batches_tracked).
    """

    _input_ndims: tuple[int, ...] = ()  # set by the subclasses
    # Checkpoints from PyTorch < 0.4 have no num_batches_tracked: load them anyway.
    _optional_buffers = frozenset({"num_batches_tracked"})

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, *,
                 bias: bool = True) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        self.register_parameter("weight", Parameter(mg.ones(num_features)) if affine else None)
        self.register_parameter("bias", Parameter(mg.zeros(num_features))
                                if affine and bias else None)
        if track_running_stats:
            self.register_buffer("running_mean", mg.zeros(num_features))
            self.register_buffer("running_var", mg.ones(num_features))
            self.register_buffer("num_batches_tracked", mg.tensor(0, dtype=np.int64))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def forward(self, x: Tensor) -> Tensor:
        check_input_shape(self, x, self._input_ndims, self.num_features)
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data += 1
            if self.momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked)
        # Without running statistics even eval mode must normalise with the batch's.
        use_batch_stats = self.training or self.running_mean is None
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            use_batch_stats, momentum, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L) inputs; statistics per channel C. Output: same shape."""

    _input_ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) inputs; statistics per channel over N, H, W.
    Output: same shape."""

    _input_ndims = (4,)
