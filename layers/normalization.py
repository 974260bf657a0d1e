"""The normalization layers: ``BatchNorm1d``, ``BatchNorm2d``, ``GroupNorm``, ``LayerNorm``
and ``LocalResponseNorm``.

The first four standardise, y = (x − mean) / √(var + eps) · weight + bias, and differ in
what the mean and variance are taken over:

    BatchNorm   per channel, over the batch and the positions (running estimates for eval)
    GroupNorm   per sample and group of channels, over the group and the positions
    LayerNorm   per sample, over the trailing ``normalized_shape`` dimensions

LocalResponseNorm (AlexNet) divides by the activity of the neighbouring channels instead.
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

    Batch normalisation (Ioffe & Szegedy 2015), per channel (axis 1). In training the mean
    and variance are the batch's, and the running estimates are updated
    (``running = (1 − momentum)·running + momentum·batch``, unbiased batch variance);
    in eval mode the running estimates are used.

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


class GroupNorm(Module):
    """Group normalisation (Wu & He 2018): the ``num_channels`` channels are split into
    ``num_groups`` groups, each sample's group standardised over its channels and positions;
    the same in training and eval (no running statistics).

    Shapes: input (N, C, *) with C = num_channels -> output of the same shape.
    Parameters (if ``affine``): ``weight`` = 1 and ``bias`` = 0 (unless ``bias=False``),
    shape (num_channels,).
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, *, bias: bool = True) -> None:
        super().__init__()
        if num_groups < 1 or num_channels < 1:
            raise ValueError(f"GroupNorm: num_groups ({num_groups}) and num_channels "
                             f"({num_channels}) must be positive")
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        self.register_parameter("weight", Parameter(mg.ones(num_channels)) if affine else None)
        self.register_parameter("bias", Parameter(mg.zeros(num_channels))
                                if affine and bias else None)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ValueError(f"GroupNorm: expected an (N, C, *) input with C = "
                             f"{self.num_channels} (num_channels), got shape {tuple(x.shape)}")
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


class LayerNorm(Module):
    """Layer normalisation (Ba et al. 2016): each sample standardised over its trailing
    ``normalized_shape`` dimensions; the same in training and eval.

    Shapes: input (*, *normalized_shape) -> output of the same shape (an int
    normalized_shape D means (D,): the last dimension).
    Parameters (if ``elementwise_affine``): ``weight`` = 1 and ``bias`` = 0 (unless
    ``bias=False``), shape normalized_shape.
    """

    def __init__(self, normalized_shape: int | tuple[int, ...], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True) -> None:
        super().__init__()
        shape = ((normalized_shape,) if isinstance(normalized_shape, int)
                 else tuple(normalized_shape))
        if not shape or not all(isinstance(d, int) and d > 0 for d in shape):
            raise ValueError(f"LayerNorm: normalized_shape must be a positive int or a "
                             f"non-empty tuple of them, got {normalized_shape!r}")
        self.normalized_shape = shape
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        self.register_parameter("weight", Parameter(mg.ones(shape))
                                if elementwise_affine else None)
        self.register_parameter("bias", Parameter(mg.zeros(shape))
                                if elementwise_affine and bias else None)

    def forward(self, x: Tensor) -> Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class LocalResponseNorm(Module):
    """b_c = a_c / (k + alpha/size · Σ a_c'²)^beta, the sum over the ``size`` channels
    around c (Krizhevsky et al. 2012, §3.3, with PyTorch's alpha/size scaling).

    Shapes: input (N, C, H, W) -> output of the same shape. No parameters.
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, x: Tensor) -> Tensor:
        return F.local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
