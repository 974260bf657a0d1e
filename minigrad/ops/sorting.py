"""Sorting: sort, argsort and topk along one axis (PyTorch's names and arguments).

``sort`` and ``topk`` return ``(values, indices)``; the values are gathered from x at the
indices, so they are differentiable (the gradient goes back to the positions it came
from) and the indices are int64 constants. NaN sorts as the largest value, as in PyTorch.
"""
from __future__ import annotations

from .. import backend
from ..autograd import Tensor
from .reduction import ValuesIndices
from .shape import gather, getitem, normalize_axis


def argsort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """Indices (int64, x's shape) that sort x along ``dim``; equal values keep their order.

    >>> import minigrad as mg
    >>> mg.tensor([3.0, 1.0, 2.0]).argsort(descending=True).tolist()
    [0, 2, 1]
    """
    xp = backend.get_array_module(x.data)
    axis = normalize_axis(dim, x.ndim, "dim")
    if x.ndim == 0:
        return Tensor._make(xp.zeros((), dtype="int64"))
    if not descending:
        return Tensor._make(xp.argsort(x.data, axis=axis, kind="stable").astype("int64"))
    # stable descending order: sort the reversed values ascending, then read backwards
    n = x.shape[axis]
    reversed_order = xp.argsort(xp.flip(x.data, axis), axis=axis, kind="stable")
    return Tensor._make((n - 1 - xp.flip(reversed_order, axis)).astype("int64"))


def sort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False
         ) -> ValuesIndices:
    """``(values, indices)``: x sorted along ``dim`` (both of x's shape).

    >>> import minigrad as mg
    >>> mg.tensor([3.0, 1.0, 2.0]).sort().values.tolist()
    [1.0, 2.0, 3.0]
    """
    indices = argsort(x, dim, descending, stable)
    return ValuesIndices(gather(x, dim, indices), indices)


def topk(x: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True
         ) -> ValuesIndices:
    """``(values, indices)`` of the ``k`` largest (``largest=False``: smallest) elements
    along ``dim``, in order; the result has x's shape with ``dim`` of size k.

    >>> import minigrad as mg
    >>> values, indices = mg.tensor([1.0, 9.0, 4.0, 7.0]).topk(2)
    >>> values.tolist(), indices.tolist()
    ([9.0, 7.0], [1, 3])
    """
    axis = normalize_axis(dim, x.ndim, "dim")
    size = x.shape[axis] if x.ndim else 1
    if not 0 <= k <= size:
        raise ValueError(f"topk: k={k} is out of range for dim {dim} of size {size} "
                         f"(tensor of shape {x.shape})")
    order = argsort(x, dim, descending=largest)
    if x.ndim == 0:
        return ValuesIndices(x, order)
    indices = getitem(order, (slice(None),) * axis + (slice(0, k),))
    return ValuesIndices(gather(x, axis, indices), indices)
