"""Activation functions: relu, relu6, leaky_relu, sigmoid, tanh, softmax, log_softmax.

softmax and log_softmax are computed stably (shifted by the maximum)."""
from __future__ import annotations

from .. import backend
from ..autograd import Function, Tensor
from ..backend import Array
from ..grad_mode import is_grad_enabled
from .elementwise import exp
from .reduction import sum
from .shape import normalize_axis, reshape


class ReLU(Function):
    """max(x, 0); the gradient at exactly 0 is 0 (PyTorch's convention)."""

    def forward(self, x: Array) -> Array:
        xp = backend.get_array_module(x)
        self.save_outputs(0)
        return xp.maximum(x, 0)

    def backward(self, gy: Tensor) -> Tensor:
        (y,) = self.saved_outputs
        return _times_mask(gy, y.data > 0)


class ReLU6(Function):
    """min(max(x, 0), 6); the gradient is 1 strictly inside (0, 6) and 0 at both kinks
    (PyTorch's ``relu6``, which is ``hardtanh(x, 0, 6)``; ``clamp``'s gradient would be 1
    there)."""

    def forward(self, x: Array) -> Array:
        xp = backend.get_array_module(x)
        self.save_outputs(0)
        return xp.clip(x, 0, 6).astype(x.dtype, copy=False)

    def backward(self, gy: Tensor) -> Tensor:
        (y,) = self.saved_outputs
        # 0 < y < 6 exactly where 0 < x < 6, so the output serves as well as the input
        inside = y.data > 0
        inside &= y.data < 6
        return _times_mask(gy, inside)


def _times_mask(gy: Tensor, mask: Array) -> Tensor:
    """gy where ``mask`` (a boolean array of gy's shape) is True, 0 elsewhere.

    With ``create_graph`` a differentiable product with the mask as a constant. Otherwise
    one multiply that casts the mask inside its loop, with no float copy of it (a
    memory-bound op: every pass over the array counts)."""
    if is_grad_enabled():
        return gy * Tensor._make(mask.astype(gy.dtype))
    xp = backend.get_array_module(gy.data)
    return Tensor._make(xp.multiply(gy.data, mask, dtype=gy.dtype))


class LeakyReLU(Function):
    """x for x > 0, slope * x otherwise."""

    def __init__(self, slope: float) -> None:
        self.slope = slope

    def forward(self, x: Array) -> Array:
        self.save_inputs(0)
        return x * self._local_grad(x)

    def backward(self, gy: Tensor) -> Tensor:
        (x,) = self.saved_inputs
        return gy * Tensor._make(self._local_grad(x.data))

    def _local_grad(self, x: Array) -> Array:
        """dy/dx: 1 where x > 0, the slope elsewhere."""
        return backend.get_array_module(x).where(x > 0, 1.0, self.slope).astype(x.dtype)


class Sigmoid(Function):
    """1 / (1 + e^-x), evaluated without overflow for large |x|."""

    def forward(self, x: Array) -> Array:
        xp = backend.get_array_module(x)
        self.save_outputs(0)
        e = xp.exp(-xp.abs(x))  # in (0, 1]: never overflows
        return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)

    def backward(self, gy: Tensor) -> Tensor:
        (y,) = self.saved_outputs
        return gy * y * (1.0 - y)  # sigma' = sigma (1 - sigma)


class Tanh(Function):
    def forward(self, x: Array) -> Array:
        xp = backend.get_array_module(x)
        self.save_outputs(0)
        return xp.tanh(x)

    def backward(self, gy: Tensor) -> Tensor:
        (y,) = self.saved_outputs
        return gy * (1.0 - y * y)  # tanh' = 1 - tanh^2


class Softmax(Function):
    """softmax(x)_i = e^(x_i - max x) / sum_j e^(x_j - max x) along ``axis``."""

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x: Array) -> Array:
        xp = backend.get_array_module(x)
        self.save_outputs(0)
        e = xp.exp(_shifted(x, self.axis))
        return e / e.sum(axis=self.axis, keepdims=True)

    def backward(self, gy: Tensor) -> Tensor:
        (y,) = self.saved_outputs
        # Jacobian-vector product: dx = y * (gy - sum(gy * y))
        return y * (gy - sum(gy * y, axis=self.axis, keepdims=True))


class LogSoftmax(Function):
    """log_softmax(x) = x - max - log(sum(e^(x - max))) along ``axis``."""

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x: Array) -> Array:
        xp = backend.get_array_module(x)
        self.save_outputs(0)
        shifted = _shifted(x, self.axis)
        return shifted - xp.log(xp.exp(shifted).sum(axis=self.axis, keepdims=True))

    def backward(self, gy: Tensor) -> Tensor:
        (y,) = self.saved_outputs
        # dx = gy - softmax(x) * sum(gy)
        return gy - exp(y) * sum(gy, axis=self.axis, keepdims=True)


def _shifted(x: Array, axis: int) -> Array:
    """x minus its maximum along ``axis`` (so exp cannot overflow); an empty x as it is."""
    return x - x.max(axis=axis, keepdims=True) if x.size else x


def relu(x: Tensor) -> Tensor:
    """max(x, 0)."""
    return ReLU.apply(x)


def relu6(x: Tensor) -> Tensor:
    """min(max(x, 0), 6): ReLU capped at 6 (MobileNet's activation); gradient 0 at 0 and 6."""
    return ReLU6.apply(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x if x > 0 else negative_slope * x."""
    return LeakyReLU.apply(x, slope=float(negative_slope))


def sigmoid(x: Tensor) -> Tensor:
    """Logistic sigmoid."""
    return Sigmoid.apply(x)


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return Tanh.apply(x)


def softmax(x: Tensor, dim: int = -1, *, axis: int | None = None) -> Tensor:
    """Softmax along ``dim`` (``axis``; default the last): e^x_i / sum_j e^x_j.
    Shape unchanged; a 0-d tensor gives 1, an empty one an empty result."""
    return _along_axis(Softmax, x, dim if axis is None else axis)


def log_softmax(x: Tensor, dim: int = -1, *, axis: int | None = None) -> Tensor:
    """Log of softmax along ``dim`` (``axis``; default the last), computed stably.

    >>> import minigrad as mg
    >>> round(mg.tensor([0.0, 0.0]).log_softmax(dim=0)[0].item(), 4)
    -0.6931
    """
    return _along_axis(LogSoftmax, x, dim if axis is None else axis)


def _along_axis(op: type[Function], x: Tensor, axis: int) -> Tensor:
    """Apply softmax-like ``op`` along ``axis`` (a 0-d tensor is treated as one of shape (1,))."""
    axis = normalize_axis(axis, x.ndim, "dim")
    if x.ndim == 0:
        return reshape(op.apply(reshape(x, (1,)), axis=0), ())
    return op.apply(x, axis=axis)
