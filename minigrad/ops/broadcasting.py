"""Binary elementwise ops: PyTorch's type promotion, then NumPy broadcasting with a clear
error when shapes clash."""
from __future__ import annotations

from typing import Any

from ..autograd import Function, Tensor, as_tensors, result_dtype
from .conversion import astype


def promote(a: Tensor | float, b: Tensor | float) -> tuple[Tensor, Tensor]:
    """``a`` and ``b`` as Tensors of one dtype, chosen by PyTorch's rules
    (:func:`minigrad.autograd.result_dtype`): ``int_tensor * 0.5`` is float32, and a
    Python number never widens a tensor (``float16_tensor * 2.0`` stays float16)."""
    a, b = as_tensors((a, b))
    if a.dtype != b.dtype:
        dtype = result_dtype(a, b)
        a, b = astype(a, dtype), astype(b, dtype)
    return a, b


def broadcast_apply(op: type[Function], a: Tensor | float, b: Tensor | float,
                    **settings: Any) -> Tensor:
    """Apply a binary elementwise Function to ``a`` and ``b`` (Tensors or Python numbers)."""
    a, b = promote(a, b)
    try:
        return op.apply(a, b, **settings)
    except ValueError:
        if not broadcastable(a.shape, b.shape):
            raise ValueError(f"{op.__name__}: operands of shapes {a.shape} and {b.shape} "
                             f"cannot be broadcast together") from None
        raise


def broadcastable(shape_a: tuple[int, ...], shape_b: tuple[int, ...]) -> bool:
    """NumPy's rule: aligned from the right, each pair of sizes is equal or contains a 1."""
    return all(x == y or x == 1 or y == 1 for x, y in zip(reversed(shape_a), reversed(shape_b)))
