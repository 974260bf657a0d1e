"""Normalization: batch norm (train and eval paths), group norm, layer norm, and local
response normalization (AlexNet).

The three standardising norms share one Function, ``Standardize``: x_hat = (x - mean) /
sqrt(var + eps) over some axes, with the biased variance. They differ only in the axes:

    batch_norm   (N, C, *)  over N and *, per channel          (statistics of the batch)
    group_norm   (N, C, *)  over C/G channels and *, per sample and group
    layer_norm   (N, ..., D1, ..., Dk)  over the trailing normalized_shape (D1, ..., Dk)
"""
from __future__ import annotations

import math

from kernels.threads import run_in_parts

from .. import backend
from ..backend import Array
from ..autograd import Function
from ..grad_mode import is_grad_enabled
from ..ops.arithmetic import check_same_dtype
from ..ops.summation import accurate_sum
from ..tensor import Tensor


def _stat_axes(ndim: int) -> tuple[int, ...]:
    """Axes batch norm normalises over: all but the channel axis 1 ((N, C) or (N, C, H, W) ...)."""
    return (0,) + tuple(range(2, ndim))


def _per_channel(t: Tensor | Array, ndim: int) -> Tensor | Array:
    """(C,) -> (1, C, 1, ...) to broadcast against an (N, C, ...) input (a Tensor or an
    array alike)."""
    return t.reshape((1, -1) + (1,) * (ndim - 2))


class Standardize(Function):
    """x_hat = (x - mean) / sqrt(var + eps), mean and biased variance over ``axes``.

    Backward (Ioffe & Szegedy 2015, with m values per mean):
        dx = (1 / sigma) * (dy - mean(dy) - x_hat * mean(dy * x_hat))
    written with Tensor ops on the saved x, so it is differentiable again.
    """

    def __init__(self, axes: tuple[int, ...], eps: float) -> None:
        self.axes, self.eps = axes, eps

    def forward(self, x: Array) -> Array:
        self.save_inputs(0)
        count = math.prod(x.shape[a] for a in self.axes)
        mean = accurate_sum(x, self.axes, keepdims=True) / count   # accurate on every axis
        centered = x - mean
        var = accurate_sum(centered * centered, self.axes, keepdims=True) / count
        self.record_statistics(mean, var, count)
        xp = backend.get_array_module(x)
        return centered / xp.sqrt(var + self.eps)

    def record_statistics(self, mean: Array, var: Array, count: int) -> None:
        """Called by forward with the statistics (arrays) of ``count`` values each; a hook
        for subclasses (BatchNormTrain keeps running estimates)."""

    def backward(self, gy: Tensor) -> Tensor:
        (x,) = self.saved_inputs
        centered = x - x.mean(axis=self.axes, keepdims=True)
        inv_std = 1.0 / ((centered * centered).mean(axis=self.axes, keepdims=True)
                         + self.eps).sqrt()
        x_hat = centered * inv_std
        return inv_std * (gy - gy.mean(axis=self.axes, keepdims=True)
                          - x_hat * (gy * x_hat).mean(axis=self.axes, keepdims=True))


class BatchNormTrain(Function):
    """Training-mode batch norm with its affine part, as one Function:
    y = weight * x_hat + bias, x_hat standardised per channel over (N, *) with this batch's
    mean and biased variance. It also updates the running statistics in place (PyTorch's
    convention: running = (1 - momentum) running + momentum batch, with the *unbiased*
    batch variance). ``weight`` and ``bias`` are optional inputs: (x,), (x, w) or (x, w, b).

    One Function instead of Standardize, a multiply and an add so that forward and backward
    each make few passes over the (N, C, H, W) arrays, reusing their buffers in place
    (the op is memory-bound). Backward, with m values per channel (Ioffe & Szegedy 2015):

        dbias = Σ dy,   dweight = Σ dy x_hat,
        dx = weight / sigma * (dy - dbias / m - x_hat * dweight / m)

    With ``create_graph`` it runs the same formula as Tensor ops, differentiable again.
    """

    def __init__(self, eps: float, momentum: float, running_mean: Array | None,
                 running_var: Array | None) -> None:
        self.eps, self.momentum = eps, momentum
        self.running_mean, self.running_var = running_mean, running_var

    def forward(self, x: Array, weight: Array | None = None, bias: Array | None = None) -> Array:
        self.save_inputs(*range(1 + (weight is not None) + (bias is not None)))
        xp = backend.get_array_module(x)
        self.axes = _stat_axes(x.ndim)
        count = x.size // x.shape[1]
        stats_shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        self.mean = xp.empty(stats_shape, dtype=x.dtype)
        self.inv_std = xp.empty(stats_shape, dtype=x.dtype)
        var = xp.empty(stats_shape, dtype=x.dtype)
        y = xp.empty_like(x)                  # x's memory layout (a conv's is channel-major)

        def normalize_channels(c: slice) -> None:
            mean = accurate_sum(x[:, c], self.axes, keepdims=True) / count   # accurate on every axis
            self.mean[:, c] = mean
            centred = xp.subtract(x[:, c], mean, out=y[:, c])
            var[:, c] = accurate_sum(centred * centred, self.axes, keepdims=True) / count
            self.inv_std[:, c] = 1.0 / xp.sqrt(var[:, c] + self.eps)
            centred *= self.inv_std[:, c] if weight is None else \
                self.inv_std[:, c] * _per_channel(weight[c], x.ndim)
            if bias is not None:
                centred += _per_channel(bias[c], x.ndim)
        run_in_parts(normalize_channels, x.shape[1], x.nbytes, xp)   # channels are independent
        self._update_running(self.mean, var, count)
        return y

    def _update_running(self, mean: Array, var: Array, count: int) -> None:
        if self.running_mean is None:
            return
        m = self.momentum
        self.running_mean *= 1.0 - m
        self.running_mean += m * mean.reshape(-1).astype(self.running_mean.dtype)
        self.running_var *= 1.0 - m
        self.running_var += (m * count / (count - 1)) * var.reshape(-1).astype(
            self.running_var.dtype)

    def backward(self, gy: Tensor) -> tuple[Tensor | None, ...]:
        x, *affine = self.saved_inputs
        if is_grad_enabled():  # create_graph: differentiable Tensor ops
            return self._backward_differentiable(gy, x, affine)
        wanted = self.needs_input_grad
        xp = backend.get_array_module(gy.data)
        count = x.size // x.shape[1]
        stats_shape = self.mean.shape
        gy_sum = xp.empty(stats_shape, dtype=gy.dtype)           # dbias
        gy_x_hat_sum = xp.empty(stats_shape, dtype=gy.dtype)     # dweight
        grad_y = _in_layout_of(x.data, gy.data)
        gx = xp.empty_like(grad_y) if wanted[0] else None

        def backward_channels(c: slice) -> None:
            g = grad_y[:, c]
            x_hat = xp.subtract(x.data[:, c], self.mean[:, c],   # into dx's buffer, if wanted
                                out=None if gx is None else gx[:, c])
            x_hat *= self.inv_std[:, c]
            gy_sum[:, c] = accurate_sum(g, self.axes, keepdims=True)
            gy_x_hat_sum[:, c] = accurate_sum(g * x_hat, self.axes, keepdims=True)
            if gx is None:
                return
            scale = self.inv_std[:, c] if not affine else self.inv_std[:, c] * _per_channel(
                affine[0].data[c], x.ndim)
            x_hat *= gy_x_hat_sum[:, c] / count                  # dx, in place
            xp.subtract(g, x_hat, out=x_hat)
            x_hat -= gy_sum[:, c] / count
            x_hat *= scale
        run_in_parts(backward_channels, x.shape[1], grad_y.nbytes, xp)
        grads: list[Tensor | None] = [None] * len(wanted)
        if wanted[0]:
            grads[0] = Tensor._make(gx)
        if len(wanted) > 1 and wanted[1]:
            grads[1] = Tensor._make(gy_x_hat_sum.reshape(-1).astype(gy.dtype, copy=False))
        if len(wanted) > 2 and wanted[2]:
            grads[2] = Tensor._make(gy_sum.reshape(-1).astype(gy.dtype, copy=False))
        return tuple(grads)

    def _backward_differentiable(self, gy: Tensor, x: Tensor,
                                 affine: list[Tensor]) -> tuple[Tensor | None, ...]:
        axes = self.axes
        centered = x - x.mean(axis=axes, keepdims=True)
        inv_std = 1.0 / ((centered * centered).mean(axis=axes, keepdims=True) + self.eps).sqrt()
        x_hat = centered * inv_std
        g_hat = gy if not affine else gy * _per_channel(affine[0], x.ndim)   # dL/dx_hat
        gx = inv_std * (g_hat - g_hat.mean(axis=axes, keepdims=True)
                        - x_hat * (g_hat * x_hat).mean(axis=axes, keepdims=True))
        grads = [gx]
        if affine:
            grads.append((gy * x_hat).sum(axis=axes))
        if len(affine) > 1:
            grads.append(gy.sum(axis=axes))
        return tuple(grads)


def _in_layout_of(x: Array, a: Array) -> Array:
    """``a`` itself if it is laid out in memory as ``x`` is, else a copy in x's layout.

    Elementwise passes over two arrays of different layouts (a convolution's channel-major
    output and a gradient in NCHW) walk one of them with large strides: BatchNorm's backward
    at (32, 1024, 2, 2) took 3.4 ms that way, 0.9 ms with the copy first."""
    def axis_order(t: Array) -> list[int]:   # outermost first; axes of length 1 don't count
        return sorted((axis for axis in range(t.ndim) if t.shape[axis] > 1),
                      key=lambda axis: (-abs(t.strides[axis]), axis))
    if a.ndim < 3 or axis_order(a) == axis_order(x):
        return a
    xp = backend.get_array_module(a)
    same = xp.empty_like(x, dtype=a.dtype)   # x's memory order (empty_like keeps strides)
    same[...] = a
    return same


def _check_affine_shapes(op: str, x: Tensor, expected: tuple[int, ...], what: str,
                         **tensors: Tensor | None) -> None:
    """Raise ValueError unless every given tensor has shape ``expected``."""
    for name, t in tensors.items():
        if t is not None and t.shape != expected:
            raise ValueError(f"{op}: input has {what} (shape {x.shape}) but {name} has shape "
                             f"{t.shape}, expected {expected}")


def batch_norm(x: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalization over the channel axis 1 of (N, C) or (N, C, *) input.

    training: normalise with this batch's statistics and update the running
        statistics in place (if given); eval: normalise with the running ones. An empty
        batch gives an empty result and leaves the running statistics alone (as PyTorch).
    The batch statistics are summed accurately on every axis (``accurate_sum``), so a
    large float32 batch loses no precision.
    y = weight * x_hat + bias, with weight/bias (C,) optional. Output: x's shape.

    >>> import minigrad as mg
    >>> import minigrad.functional as F
    >>> x = mg.tensor([[1.0, 10.0], [3.0, 30.0]])     # (N=2, C=2)
    >>> running_mean, running_var = mg.zeros(2), mg.ones(2)
    >>> F.batch_norm(x, running_mean, running_var, training=True, momentum=0.5,
    ...              eps=0.0).tolist()
    [[-1.0, -1.0], [1.0, 1.0]]
    >>> running_mean.tolist()          # (1 - momentum) * 0 + momentum * batch mean [2, 20]
    [1.0, 10.0]
    """
    if x.ndim < 2:
        raise ValueError(f"batch_norm expects (N, C) or (N, C, ...) input, got shape {x.shape}")
    channels = x.shape[1]
    _check_affine_shapes("batch_norm", x, (channels,), f"{channels} channels",
                         running_mean=running_mean, running_var=running_var,
                         weight=weight, bias=bias)
    if training and x.size == 0:    # an empty batch: an empty result, running stats kept
        x_hat = x * 1.0
    elif training:
        per_channel = x.size // channels
        if per_channel <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {x.shape}")
        if weight is None and bias is not None:  # the Function takes (x), (x, w) or (x, w, b)
            weight = Tensor._make(backend.get_array_module(x.data).ones(channels, x.dtype))
        affine = [t for t in (weight, bias) if t is not None]
        for name, t in zip(("weight", "bias"), affine):
            check_same_dtype("batch_norm", ("input", x), (name, t))
        return BatchNormTrain.apply(
            x, *affine, eps=float(eps), momentum=float(momentum),
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


def group_norm(x: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Group normalization (Wu & He 2018): the C channels of (N, C, *) input are split into
    ``num_groups`` groups of C / num_groups consecutive channels, and each sample's group
    is standardised over its channels and all of *. Statistics are per (sample, group), the
    same in training and eval.

    y = weight * x_hat + bias, with weight/bias (C,) optional (per channel). Output: x's shape.
    num_groups = 1 standardises each sample over everything (LayerNorm over (C, *));
    num_groups = C is instance norm.

    >>> import minigrad as mg
    >>> import minigrad.functional as F
    >>> x = mg.tensor([[[1.0], [3.0], [10.0], [30.0]]])     # (N=1, C=4, L=1)
    >>> F.group_norm(x, 2, eps=0.0).reshape(4).tolist()      # groups {1, 3}, {10, 30}
    [-1.0, 1.0, -1.0, 1.0]
    """
    if x.ndim < 2:
        raise ValueError(f"group_norm expects (N, C, ...) input, got shape {x.shape}")
    channels = x.shape[1]
    if num_groups < 1 or channels % num_groups:
        raise ValueError(f"group_norm: the number of channels must be divisible by num_groups, "
                         f"got input of shape {x.shape} ({channels} channels) and "
                         f"num_groups={num_groups}")
    _check_affine_shapes("group_norm", x, (channels,), f"{channels} channels",
                         weight=weight, bias=bias)
    grouped = x.reshape(x.shape[0], num_groups, -1)        # (N, G, C/G * prod(*))
    y = Standardize.apply(grouped, axes=(2,), eps=float(eps)).reshape(x.shape)
    if weight is not None:
        y = y * _per_channel(weight, x.ndim)
    if bias is not None:
        y = y + _per_channel(bias, x.ndim)
    return y


def layer_norm(x: Tensor, normalized_shape: int | tuple[int, ...],
               weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Layer normalization (Ba et al. 2016): standardise over the trailing dimensions
    ``normalized_shape`` = (D1, ..., Dk) of x, shape (*, D1, ..., Dk); statistics per
    leading index, the same in training and eval.

    y = weight * x_hat + bias, with weight/bias of shape normalized_shape optional
    (elementwise). Output: x's shape.

    >>> import minigrad as mg
    >>> import minigrad.functional as F
    >>> x = mg.tensor([[1.0, 3.0], [10.0, 30.0]])       # (N=2, D=2)
    >>> F.layer_norm(x, 2, eps=0.0).tolist()
    [[-1.0, 1.0], [-1.0, 1.0]]
    """
    normalized_shape = ((normalized_shape,) if isinstance(normalized_shape, int)
                        else tuple(normalized_shape))
    trailing = len(normalized_shape)
    if trailing == 0 or x.ndim < trailing or x.shape[x.ndim - trailing:] != normalized_shape:
        raise ValueError(f"layer_norm: normalized_shape={normalized_shape} expects input of "
                         f"shape (*, {', '.join(map(str, normalized_shape))}), got shape "
                         f"{x.shape}")
    _check_affine_shapes("layer_norm", x, normalized_shape,
                         f"normalized_shape={normalized_shape}", weight=weight, bias=bias)
    axes = tuple(range(x.ndim - trailing, x.ndim))
    y = Standardize.apply(x, axes=axes, eps=float(eps))
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


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
    squares = (x * x).pad([(0, 0), (size // 2, (size - 1) // 2)] + [(0, 0)] * (x.ndim - 2))
    window_sum = squares[:, 0:channels]
    for offset in range(1, size):
        window_sum = window_sum + squares[:, offset:offset + channels]
    return x / (window_sum * (alpha / size) + k) ** beta
