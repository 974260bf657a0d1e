"""Arithmetic with NumPy broadcasting: + - * / ** @ and negation.

Broadcasting rule for gradients: if ``a`` (shape (3, 1)) was broadcast to the
output shape (3, 4), its gradient is the upstream gradient summed back over
the broadcast axes (``sum_to``).
"""
from __future__ import annotations

from .. import backend
from ..backend import Array
from ..autograd import Function, Tensor, as_tensors
from .broadcasting import broadcast_apply, broadcastable
from .conversion import astype
from .elementwise import log
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
    """a ** b. d/da = b a^(b-1); d/db = a^b log(a) (only computed when needed)."""

    def forward(self, a: Array, b: Array) -> Array:
        self.save_inputs(0, 1)
        self.save_outputs(0)
        return a ** b

    def backward(self, gy: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = self.saved_inputs
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = sum_to(gy * b * a ** (b - 1), a.shape)
        if self.needs_input_grad[1]:
            (y,) = self.saved_outputs
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
    """a / b with broadcasting (true division)."""
    a, b = as_tensors((a, b))
    if a.dtype.kind != "f" and b.dtype.kind != "f":
        a = astype(a, backend.DEFAULT_FLOAT)
    return broadcast_apply(Div, a, b)


def neg(a: Tensor) -> Tensor:
    """-a."""
    return Neg.apply(a)


def pow(a: Tensor | float, b: Tensor | float) -> Tensor:
    """a ** b with broadcasting (either may be a Python number)."""
    return broadcast_apply(Pow, a, b)


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product with NumPy's ``@`` rules, 1-D operands included.

    Shapes: (n, k) @ (k, m) -> (n, m); (B, n, k) @ (k, m) -> (B, n, m);
    (k,) @ (k, m) -> (m,); (n, k) @ (k,) -> (n,).
    """
    a, b = as_tensors((a, b))
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul needs at least 1-D operands, got shapes {a.shape} and {b.shape}")
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not match "
                         f"(inner sizes {k_a} != {k_b})")
    if a.ndim == 1:
        return reshape(matmul(reshape(a, (1, k_a)), b), b.shape[:-2] + b.shape[-1:])
    if b.ndim == 1:
        return reshape(matmul(a, reshape(b, (k_b, 1))), a.shape[:-1])
    if not broadcastable(a.shape[:-2], b.shape[:-2]):
        raise ValueError(f"matmul: batch shapes of {a.shape} and {b.shape} cannot be broadcast")
    return MatMul.apply(a, b)
