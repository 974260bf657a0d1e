"""Arithmetic with NumPy broadcasting: + - * / ** @ and negation.

Broadcasting rule for gradients: if ``a`` (shape (3, 1)) was broadcast to the
output shape (3, 4), its gradient is the upstream gradient summed back over
the broadcast axes (``sum_to``).
"""
from __future__ import annotations

from .. import backend
from ..backend import Array
from ..autograd import Function, Tensor, as_tensors
from .broadcasting import broadcast_apply, broadcastable, promote
from .conversion import astype
from .elementwise import log, where
from .shape import reshape, sum_to, swap_last_axes


class Add(Function):
    def forward(self, a: Array, b: Array) -> Array:
        self.shapes = (a.shape, b.shape)
        return a + b

    def backward(self, gy: Tensor) -> tuple[Tensor, Tensor]:
        return sum_to(gy, self.shapes[0]), sum_to(gy, self.shapes[1])


class Sub(Function):
    def forward(self, a: Array, b: Array) -> Array:
        self.shapes = (a.shape, b.shape)
        return a - b

    def backward(self, gy: Tensor) -> tuple[Tensor, Tensor | None]:
        gb = sum_to(-gy, self.shapes[1]) if self.needs_input_grad[1] else None
        return sum_to(gy, self.shapes[0]), gb


class Mul(Function):
    def forward(self, a: Array, b: Array) -> Array:
        self.save_inputs(0, 1)
        return a * b

    def backward(self, gy: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = self.saved_inputs
        ga = sum_to(gy * b, a.shape) if self.needs_input_grad[0] else None
        gb = sum_to(gy * a, b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    def forward(self, a: Array, b: Array) -> Array:
        self.save_inputs(0, 1)
        return a / b

    def backward(self, gy: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = self.saved_inputs
        ga = sum_to(gy / b, a.shape) if self.needs_input_grad[0] else None
        # d(a/b)/db = -a / b^2
        gb = sum_to(-gy * a / (b * b), b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Neg(Function):
    def forward(self, a: Array) -> Array:
        return -a

    def backward(self, gy: Tensor) -> Tensor:
        return -gy


class Pow(Function):
    """a ** b. d/da = b a^(b-1); d/db = a^b log(a) (only computed when needed).

    At a = 0 both formulas hit 0 * inf; PyTorch's values are used instead: d/da = 0
    where b = 0 (a ** 0 is constant), and d/db = 0 where a = 0 and b >= 0.
    """

    def forward(self, a: Array, b: Array) -> Array:
        self.save_inputs(0, 1)
        self.save_outputs(0)
        return a ** b

    def backward(self, gy: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = self.saved_inputs
        ga = gb = None
        # The masks are applied everywhere, not only when some element needs them: asking
        # "any?" would pull a value off the GPU (a sync) at every backward.
        if self.needs_input_grad[0]:
            constant = Tensor._make(b.data == 0)
            ga = sum_to(gy * where(constant, 0.0, b * a ** (b - 1)), a.shape)
        if self.needs_input_grad[1]:
            (y,) = self.saved_outputs
            zero_base = Tensor._make((a.data == 0) & (b.data >= 0))
            a = where(zero_base, 1.0, a)   # y log(a) -> y log(1) = 0 there
            gb = sum_to(gy * y * log(a), b.shape)
        return ga, gb


class MatMul(Function):
    """Matrix product of (..., n, k) and (..., k, m) with broadcast batch axes.

    dA = dY @ B^T and dB = A^T @ dY, each summed back over broadcast batch axes.
    """

    def forward(self, a: Array, b: Array) -> Array:
        self.save_inputs(0, 1)
        return a @ b

    def backward(self, gy: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = self.saved_inputs
        ga = sum_to(matmul(gy, swap_last_axes(b)), a.shape) if self.needs_input_grad[0] else None
        gb = sum_to(matmul(swap_last_axes(a), gy), b.shape) if self.needs_input_grad[1] else None
        return ga, gb


def add(a: Tensor | float, b: Tensor | float) -> Tensor:
    """a + b with broadcasting."""
    return broadcast_apply(Add, a, b)


def sub(a: Tensor | float, b: Tensor | float) -> Tensor:
    """a - b with broadcasting."""
    return broadcast_apply(Sub, a, b)


def mul(a: Tensor | float, b: Tensor | float) -> Tensor:
    """a * b with broadcasting."""
    return broadcast_apply(Mul, a, b)


def div(a: Tensor | float, b: Tensor | float) -> Tensor:
    """a / b with broadcasting (true division: integers give the default float dtype)."""
    return broadcast_apply(Div, _dividend(a, b), _dividend(b, a))


def _dividend(t: Tensor | float, other: Tensor | float) -> Tensor | float:
    """An integer tensor ``t`` in a true division, as the default float dtype unless
    ``other`` is a float tensor (whose dtype then wins: int / float64 -> float64)."""
    if isinstance(t, Tensor) and t.dtype.kind != "f" and not (
            isinstance(other, Tensor) and other.dtype.kind == "f"):
        return astype(t, backend.DEFAULT_FLOAT)
    return t


def neg(a: Tensor) -> Tensor:
    """-a."""
    return Neg.apply(a)


def pow(a: Tensor | float, b: Tensor | float) -> Tensor:
    """a ** b with broadcasting (either may be a Python number): ``2 ** int_tensor`` stays
    integer, ``0.5 ** int_tensor`` is float32; bool ** bool and integers to negative integer
    powers are refused, as in PyTorch."""
    if isinstance(a, Tensor) and a.dtype.kind in "iu" and isinstance(b, int) and b < 0:
        raise ValueError(f"integers to negative integer powers are not allowed ({a.dtype} "
                         f"tensor ** {b}); use a float base, e.g. x.float() ** {b}")
    a, b = promote(a, b)
    if a.dtype.kind == "b":
        raise TypeError("pow is not defined for bool tensors (as in PyTorch); convert one "
                        "operand first, e.g. x.int()")
    return broadcast_apply(Pow, a, b)


def check_same_dtype(op: str, first: tuple[str, Tensor], second: tuple[str, Tensor]) -> None:
    """Raise TypeError naming both dtypes unless the two (name, tensor) pairs share one
    (PyTorch refuses mixed float32/float64 matrix products instead of promoting)."""
    (name_a, a), (name_b, b) = first, second
    if a.dtype != b.dtype:
        raise TypeError(f"{op}: the {name_a} is {a.dtype} but the {name_b} is {b.dtype}; "
                        f"convert one of them (e.g. {name_b}.to({a.dtype}))")


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product with NumPy's ``@`` rules, 1-D operands included; both operands must
    have one dtype.

    Shapes: (n, k) @ (k, m) -> (n, m); (B, n, k) @ (k, m) -> (B, n, m);
    (k,) @ (k, m) -> (m,); (n, k) @ (k,) -> (n,); (k,) @ (k,) -> () (the dot product).

    >>> import minigrad as mg
    >>> (mg.tensor([1.0, 2.0, 3.0]) @ mg.tensor([1.0, 1.0, 1.0])).item()
    6.0
    """
    a, b = as_tensors((a, b))
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul needs at least 1-D operands, got shapes {a.shape} and {b.shape}")
    check_same_dtype("matmul", ("first operand", a), ("second operand", b))
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not match "
                         f"(inner sizes {k_a} != {k_b})")
    if a.ndim == 1 or b.ndim == 1:   # as a (1, k) row / (k, 1) column, that axis dropped after
        rows = reshape(a, (1, k_a)) if a.ndim == 1 else a
        columns = reshape(b, (k_b, 1)) if b.ndim == 1 else b
        y = matmul(rows, columns)
        return reshape(y, y.shape[:-2] + y.shape[-2:-1] * (a.ndim > 1)
                       + y.shape[-1:] * (b.ndim > 1))
    if not broadcastable(a.shape[:-2], b.shape[:-2]):
        raise ValueError(f"matmul: batch shapes of {a.shape} and {b.shape} cannot be broadcast")
    return MatMul.apply(a, b)
