"""PyTorch's ``F.pad``: constant, reflect, replicate and circular padding of the last dimensions.

``pad`` is PyTorch's flat tuple, read from the last dimension backwards:
``(left, right)`` pads the last axis, ``(left, right, top, bottom)`` the last two, and so on.
Negative amounts crop.

Every mode is a composition of differentiable ops, so gradients of any order come for free:
constant padding is ``Tensor.pad`` (after a crop for negative amounts); the other modes build
each padded axis from at most three *basic slices* of the input, joined by ``concatenate``.
Along an axis of size S the output position ``j`` (input coordinates, ``-left <= j < S +
right``) reads

    reflect    x[-j] for j < 0,  x[j] inside,  x[2 (S - 1) - j] for j >= S  (edge not repeated)
    replicate  x[0]  for j < 0,  x[j] inside,  x[S - 1] for j >= S
    circular   x[j mod S]  (after cropping negative amounts first, as PyTorch does)

and each of those runs of ``j`` is one slice (reversed for reflect, broadcast for replicate).
The backward passes are therefore slice-adds, not scatters.
"""
from __future__ import annotations

import operator
from collections.abc import Sequence

from ..ops.shape import broadcast_to, concatenate
from ..tensor import Tensor

PAD_MODES = ("constant", "reflect", "replicate", "circular")


def _amounts(pad: Sequence[int], ndim: int) -> list[tuple[int, int, int]]:
    """PyTorch's flat ``pad`` as ``(axis, before, after)`` triples, last axis first."""
    try:
        flat = [operator.index(p) for p in pad]
    except TypeError:
        raise TypeError(f"pad must be a sequence of ints, got {pad!r}") from None
    if len(flat) % 2:
        raise ValueError(f"pad: the padding length must be divisible by 2, got {len(flat)} "
                         f"values {tuple(flat)}")
    if len(flat) > 2 * ndim:
        raise ValueError(f"pad: {len(flat)} padding values pad {len(flat) // 2} dimensions, but "
                         f"the input has only {ndim}")
    return [(ndim - 1 - k, flat[2 * k], flat[2 * k + 1]) for k in range(len(flat) // 2)]


def _along(axis: int, index: slice) -> tuple[slice, ...]:
    """An index selecting ``index`` on ``axis`` and everything on the axes before it."""
    return (slice(None),) * axis + (index,)


def _crop(x: Tensor, axis: int, before: int, after: int) -> Tensor:
    """Drop ``-before`` leading and ``-after`` trailing entries of ``axis`` (negative amounts)."""
    if before >= 0 and after >= 0:
        return x
    size = x.shape[axis]
    return x[_along(axis, slice(max(-before, 0), size - max(-after, 0)))]


def _repeat_edge(x: Tensor, axis: int, edge: int, count: int) -> Tensor:
    """``count`` copies of entry ``edge`` of ``axis`` (replicate mode)."""
    shape = list(x.shape)
    shape[axis] = count
    return broadcast_to(x[_along(axis, slice(edge, edge + 1))], tuple(shape))


def _reflected(x: Tensor, axis: int, start: int, stop: int) -> Tensor:
    """Entries start, start - 1, ..., stop + 1 of ``axis`` (a reversed run; stop may be -1)."""
    return x[_along(axis, slice(start, stop if stop >= 0 else None, -1))]


def _pieces(x: Tensor, axis: int, before: int, after: int, mode: str) -> list[Tensor]:
    """The runs of the padded axis for reflect / replicate, in input coordinates
    ``lo = -before <= j < hi = size + after`` (see the module docstring)."""
    size = x.shape[axis]
    lo, hi = -before, size + after
    pieces = []
    if lo < 0:  # j in [lo, min(0, hi))
        left_end = min(0, hi)
        pieces.append(_reflected(x, axis, -lo, -left_end) if mode == "reflect"
                      else _repeat_edge(x, axis, 0, left_end - lo))
    if max(lo, 0) < min(hi, size):
        pieces.append(x[_along(axis, slice(max(lo, 0), min(hi, size)))])
    if hi > size:  # j in [max(lo, size), hi)
        right_start = max(lo, size)
        pieces.append(_reflected(x, axis, 2 * (size - 1) - right_start, 2 * (size - 1) - hi)
                      if mode == "reflect"
                      else _repeat_edge(x, axis, size - 1, hi - right_start))
    return pieces


def _check_mode_fits(shape: tuple[int, ...], axis: int, before: int, after: int,
                     mode: str) -> None:
    """Reflect needs amounts < the size, circular <= the (cropped) size, replicate a non-empty
    axis — PyTorch's limits — and no mode may crop an axis below size 0."""
    size = shape[axis]
    if size + before + after < 0:
        raise ValueError(f"pad: padding ({before}, {after}) of dimension {axis} would give a "
                         f"negative size for input of shape {shape}")
    if mode == "reflect" and (before >= size or after >= size):
        raise ValueError(f"pad: reflect padding ({before}, {after}) of dimension {axis} must be "
                         f"smaller than its size {size} (input shape {shape})")
    if mode == "replicate" and size == 0 and (before > 0 or after > 0):
        raise ValueError(f"pad: replicate padding needs a non-empty dimension {axis}, input "
                         f"shape {shape}")
    cropped = size - max(-before, 0) - max(-after, 0)
    if mode == "circular" and (before > cropped or after > cropped):
        raise ValueError(f"pad: circular padding ({before}, {after}) of dimension {axis} wraps "
                         f"around more than once: it must be at most the size {cropped} "
                         f"(input shape {shape})")


def pad(x: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None
        ) -> Tensor:
    """Pad (or, with negative amounts, crop) the last ``len(pad) // 2`` dimensions of ``x``.

    x: any shape (..., D_k, ..., D_1); pad: ``(left_1, right_1, left_2, right_2, ...)``, the
    last dimension first. Output: each D_i becomes ``D_i + left_i + right_i``.
    mode: ``"constant"`` (fill with ``value``, default 0), ``"reflect"`` (mirror without
    repeating the edge; amounts < D_i), ``"replicate"`` (repeat the edge), ``"circular"``
    (wrap around; amounts <= D_i). Unlike PyTorch, the non-constant modes accept any number
    of leading dimensions. Differentiable to any order.

    >>> import minigrad as mg, minigrad.functional as F
    >>> x = mg.tensor([[1.0, 2.0, 3.0]])
    >>> for mode in ("constant", "reflect", "replicate", "circular"):
    ...     print(mode, F.pad(x, (2, 1), mode=mode).tolist())
    constant [[0.0, 0.0, 1.0, 2.0, 3.0, 0.0]]
    reflect [[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]]
    replicate [[1.0, 1.0, 1.0, 2.0, 3.0, 3.0]]
    circular [[2.0, 3.0, 1.0, 2.0, 3.0, 1.0]]
    >>> F.pad(mg.zeros(8, 3, 32, 32), (1, 1, 2, 2)).shape   # W + 1 + 1, H + 2 + 2
    (8, 3, 36, 34)
    >>> F.pad(x, (-1, 0), value=9.0).tolist()               # a negative amount crops
    [[2.0, 3.0]]
    """
    if mode not in PAD_MODES:
        raise ValueError(f"pad: mode must be one of {PAD_MODES}, got {mode!r}")
    if mode != "constant" and value not in (None, 0):  # PyTorch accepts value=0 here
        raise ValueError(f"pad: value={value} is only used by mode 'constant', not {mode!r}")
    amounts = _amounts(pad, x.ndim)
    for axis, before, after in amounts:
        _check_mode_fits(x.shape, axis, before, after, mode)
    if mode == "constant":
        for axis, before, after in amounts:
            x = _crop(x, axis, before, after)
        widths = [(0, 0)] * x.ndim
        for axis, before, after in amounts:
            widths[axis] = (max(before, 0), max(after, 0))
        if any(before or after for before, after in widths):
            x = x.pad(widths, value=0.0 if value is None else value)
        return x
    for axis, before, after in amounts:
        if before == 0 and after == 0:
            continue
        if mode == "circular":
            x = _crop(x, axis, before, after)
            before, after, size = max(before, 0), max(after, 0), x.shape[axis]
            pieces = [x[_along(axis, slice(size - before, size))], x,
                      x[_along(axis, slice(0, after))]]
        else:
            pieces = _pieces(x, axis, before, after, mode)
        pieces = [piece for piece in pieces if piece.shape[axis]] \
            or [x[_along(axis, slice(0, 0))]]  # everything cropped: an empty axis
        x = concatenate(pieces, axis=axis) if len(pieces) > 1 else pieces[0]
    return x
