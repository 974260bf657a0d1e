"""Elementwise math: exp, log, sqrt, sin, cos, abs, clip, maximum, minimum, where,
masked_fill."""
from __future__ import annotations

from .. import backend
from ..backend import Array
from ..autograd import Function, Tensor, as_tensor_like
from .broadcasting import broadcast_apply, promote
from .conversion import astype
from .shape import sum_to


def _constant(array: Array) -> Tensor:
    """A graph-free Tensor (masks and other constants used in backward)."""
    return Tensor._make(array)


class Exp(Function):
    def forward(self, x: Array) -> Array:
        self.save_outputs(0)
        xp = backend.get_array_module(x)
        return xp.exp(x)

    def backward(self, gy: Tensor) -> Tensor:
        (y,) = self.saved_outputs
        return gy * y  # d exp(x)/dx = exp(x)


class Log(Function):
    def forward(self, x: Array) -> Array:
        self.save_inputs(0)
        xp = backend.get_array_module(x)
        return xp.log(x)

    def backward(self, gy: Tensor) -> Tensor:
        (x,) = self.saved_inputs
        return gy / x


class Sqrt(Function):
    def forward(self, x: Array) -> Array:
        self.save_outputs(0)
        xp = backend.get_array_module(x)
        return xp.sqrt(x)

    def backward(self, gy: Tensor) -> Tensor:
        (y,) = self.saved_outputs
        return gy / (y * 2.0)  # d sqrt(x)/dx = 1 / (2 sqrt(x))


class Sin(Function):
    def forward(self, x: Array) -> Array:
        self.save_inputs(0)
        return backend.get_array_module(x).sin(x)

    def backward(self, gy: Tensor) -> Tensor:
        (x,) = self.saved_inputs
        return gy * cos(x)  # d sin(x)/dx = cos(x)


class Cos(Function):
    def forward(self, x: Array) -> Array:
        self.save_inputs(0)
        return backend.get_array_module(x).cos(x)

    def backward(self, gy: Tensor) -> Tensor:
        (x,) = self.saved_inputs
        return -gy * sin(x)  # d cos(x)/dx = -sin(x)


class Abs(Function):
    """|x|; the gradient at 0 is 0 (sign(0) = 0, as in PyTorch)."""

    def forward(self, x: Array) -> Array:
        self.save_inputs(0)
        return backend.get_array_module(x).abs(x)

    def backward(self, gy: Tensor) -> Tensor:
        (x,) = self.saved_inputs
        return gy * _constant(backend.get_array_module(x.data).sign(x.data))


class Clip(Function):
    """Clamp into [low, high]; gradient 1 inside (bounds included), 0 outside."""

    def __init__(self, low: float | None, high: float | None) -> None:
        self.low = low
        self.high = high

    def forward(self, x: Array) -> Array:
        self.save_inputs(0)
        xp = backend.get_array_module(x)
        return xp.clip(x, self.low, self.high).astype(x.dtype, copy=False)

    def backward(self, gy: Tensor) -> Tensor:
        (x,) = self.saved_inputs
        inside = backend.get_array_module(x.data).ones(x.shape, dtype=bool)
        if self.low is not None:
            inside &= x.data >= self.low
        if self.high is not None:
            inside &= x.data <= self.high
        return gy * _constant(inside.astype(x.dtype))


class Maximum(Function):
    """max(a, b) elementwise; at ties each input gets half the gradient."""

    def forward(self, a: Array, b: Array) -> Array:
        self.save_inputs(0, 1)
        return backend.get_array_module(a).maximum(a, b)

    def backward(self, gy: Tensor) -> tuple[Tensor, Tensor]:
        a, b = self.saved_inputs
        return _share_by_winner(gy, a, b, a_wins=a.data > b.data)


class Minimum(Function):
    """min(a, b) elementwise; at ties each input gets half the gradient."""

    def forward(self, a: Array, b: Array) -> Array:
        self.save_inputs(0, 1)
        return backend.get_array_module(a).minimum(a, b)

    def backward(self, gy: Tensor) -> tuple[Tensor, Tensor]:
        a, b = self.saved_inputs
        return _share_by_winner(gy, a, b, a_wins=a.data < b.data)


def _share_by_winner(gy: Tensor, a: Tensor, b: Tensor, a_wins: Array) -> tuple[Tensor, Tensor]:
    """Route ``gy`` to whichever of a, b was chosen (half each at ties), summed to their shapes."""
    share_a = _constant(a_wins.astype(gy.dtype) + 0.5 * (a.data == b.data).astype(gy.dtype))
    return sum_to(gy * share_a, a.shape), sum_to(gy * (1.0 - share_a), b.shape)


class Where(Function):
    """``where(condition, a, b)``: a where condition holds, else b."""

    def __init__(self, condition: Array) -> None:
        self.condition = condition

    def forward(self, a: Array, b: Array) -> Array:
        xp = backend.get_array_module(a)
        self.shapes = (a.shape, b.shape)
        return xp.where(self.condition, a, b)

    def backward(self, gy: Tensor) -> tuple[Tensor, Tensor]:
        chosen = _constant(self.condition.astype(gy.dtype))
        return sum_to(gy * chosen, self.shapes[0]), sum_to(gy * (1.0 - chosen), self.shapes[1])


class Round(Function):
    """Round half to even to ``decimals`` places; the gradient is 0 (a step function)."""

    def __init__(self, decimals: int) -> None:
        self.decimals = decimals

    def forward(self, x: Array) -> Array:
        return backend.get_array_module(x).round(x, self.decimals)

    def backward(self, gy: Tensor) -> Tensor:
        return gy * 0.0


def exp(x: Tensor) -> Tensor:
    """e ** x."""
    return Exp.apply(x)


def log(x: Tensor) -> Tensor:
    """Natural logarithm."""
    return Log.apply(x)


def sqrt(x: Tensor) -> Tensor:
    """Square root."""
    return Sqrt.apply(x)


def sin(x: Tensor) -> Tensor:
    """Sine (x in radians)."""
    return Sin.apply(x)


def cos(x: Tensor) -> Tensor:
    """Cosine (x in radians)."""
    return Cos.apply(x)


def abs(x: Tensor) -> Tensor:
    """Absolute value."""
    return Abs.apply(x)


def round(x: Tensor, decimals: int = 0) -> Tensor:
    """Round to ``decimals`` places, halves to even (``round(x)`` too, as PyTorch); the
    gradient is 0. Integer tensors are returned as they are."""
    if x.dtype.kind != "f":
        return x
    return Round.apply(x, decimals=int(decimals))


def clip(x: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
    """Clamp values into [min, max] (either bound may be None)."""
    if min is None and max is None:
        raise ValueError("clip needs at least one of min and max")
    return Clip.apply(x, low=min, high=max)


clamp = clip


def maximum(a: Tensor | float, b: Tensor | float) -> Tensor:
    """Elementwise larger of a and b (broadcasting)."""
    return broadcast_apply(Maximum, a, b)


def minimum(a: Tensor | float, b: Tensor | float) -> Tensor:
    """Elementwise smaller of a and b (broadcasting)."""
    return broadcast_apply(Minimum, a, b)


def where(condition: Tensor | Array, a: Tensor | float | None = None,
          b: Tensor | float | None = None) -> Tensor | tuple[Tensor, ...]:
    """Elementwise ``a if condition else b`` (all three broadcast together). ``a`` and
    ``b`` may be Python numbers, both of them too (``where(c, 4, 2)`` is int64).
    ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``, as in PyTorch.

    >>> import minigrad as mg
    >>> mg.where(mg.tensor([True, False]), 4, 2).tolist()
    [4, 2]
    """
    if a is None and b is None and isinstance(condition, Tensor):
        return nonzero(condition, as_tuple=True)
    if a is None or b is None:
        raise TypeError("where(condition, a, b) needs both a and b (or neither)")
    if not isinstance(a, Tensor) and not isinstance(b, Tensor) and isinstance(condition, Tensor):
        a = as_tensor_like(a, condition)       # numbers alone: int64 / float32, on its device
    a, b = promote(a, b)
    if isinstance(condition, Tensor):
        if condition.device != a.device:
            raise RuntimeError(f"where: condition is on {condition.device} but the values are "
                               f"on {a.device}")
        condition = condition.data
    else:
        condition = as_tensor_like(condition, a).data
    if condition.dtype.kind != "b":
        raise TypeError(f"where: condition must be a bool tensor, got dtype {condition.dtype}")
    return broadcast_apply(Where, a, b, condition=condition)


def masked_fill(x: Tensor, mask: Tensor, value: float | Tensor) -> Tensor:
    """``x`` with ``value`` where ``mask`` (a bool tensor broadcast to x) is True, keeping
    x's dtype and shape (``torch.masked_fill``). Differentiable in x (and in a Tensor value).

    >>> import minigrad as mg
    >>> mg.tensor([1.0, 2.0, 3.0]).masked_fill(mg.tensor([True, False, True]), 0).tolist()
    [0.0, 2.0, 0.0]
    """
    filled = where(mask, value, x)
    if filled.shape != x.shape:
        raise ValueError(f"masked_fill: a mask of shape {mask.shape} does not broadcast to "
                         f"the tensor's shape {x.shape}")
    return filled if filled.dtype == x.dtype else astype(filled, x.dtype)


def nonzero(x: Tensor, *, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:
    """Indices of the non-zero elements of ``x``: an int64 ``(count, x.ndim)`` tensor, one
    row per element in row-major order, or with ``as_tuple`` one ``(count,)`` tensor per axis
    (what ``x[...]`` takes). Not differentiable; the count is read from the device.

    >>> import minigrad as mg
    >>> mg.tensor([[0, 3], [5, 0]]).nonzero().tolist()
    [[0, 1], [1, 0]]
    """
    xp = backend.get_array_module(x.data)
    per_axis = xp.nonzero(x.data.reshape(1) if x.ndim == 0 else x.data)
    per_axis = [i.astype("int64", copy=False) for i in per_axis]
    if as_tuple:
        return tuple(_constant(i) for i in per_axis)
    if x.ndim == 0:  # one row per non-zero element, no columns (as PyTorch)
        return _constant(xp.zeros((per_axis[0].shape[0], 0), dtype="int64"))
    return _constant(xp.stack(per_axis, axis=1))
