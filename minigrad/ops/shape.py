"""Shape ops: reshape, transpose, broadcast / sum-to, indexing, padding, concatenation.

None of these change values, so every backward is the "inverse" shape op:
reshape <-> reshape back, transpose <-> inverse permutation, broadcast_to <->
sum_to, indexing <-> scattering into zeros, pad <-> crop, concatenate <-> split.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .. import backend
from ..autograd import Function, Tensor
from ..backend import Array

# What goes in x[...]: ints, slices, None, Ellipsis, integer or boolean arrays/Tensors, or tuples.
Index = Any


# ---- reshape and transpose --------------------------------------------------------------
class Reshape(Function):
    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x: Array) -> Array:
        self.input_shape = x.shape
        return x.reshape(self.shape)

    def backward(self, gy: Tensor) -> Tensor:
        return reshape(gy, self.input_shape)


class Transpose(Function):
    def __init__(self, axes: tuple[int, ...]) -> None:
        self.axes = axes

    def forward(self, x: Array) -> Array:
        return x.transpose(self.axes)

    def backward(self, gy: Tensor) -> Tensor:
        return Transpose.apply(gy, axes=tuple(np.argsort(self.axes).tolist()))


def _shape_args(shape: tuple[int | Sequence[int], ...]) -> tuple[int, ...]:
    """Accept ``f(2, 3)`` as well as ``f((2, 3))``."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _resolve_shape(x_shape: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
    """Fill in one -1 entry of ``shape``; raise if the element counts differ."""
    size = math.prod(x_shape)
    unknown = [i for i, s in enumerate(shape) if s == -1]
    known = math.prod(s for s in shape if s != -1)
    if len(unknown) > 1 or any(s < -1 for s in shape):
        raise ValueError(f"invalid target shape {shape}: at most one -1 and no other negatives")
    if unknown and known and size % known == 0:
        shape = shape[:unknown[0]] + (size // known,) + shape[unknown[0] + 1:]
    if math.prod(shape) != size or (unknown and not known):
        raise ValueError(f"cannot reshape a tensor of shape {x_shape} ({size} elements) "
                         f"into shape {shape}")
    return shape


def reshape(x: Tensor, *shape: int | Sequence[int]) -> Tensor:
    """``x`` with a new shape (one entry may be -1); the element count must match."""
    shape = _resolve_shape(x.shape, _shape_args(shape))
    if shape == x.shape:
        return x
    return Reshape.apply(x, shape=shape)


def normalize_axis(axis: int, ndim: int, what: str = "axis") -> int:
    """``axis`` in [0, ndim); negative axes count from the end. A 0-d tensor accepts
    0 and -1 (as in PyTorch)."""
    size = max(ndim, 1)
    if not -size <= axis < size:
        raise ValueError(f"{what} {axis} is out of range for a tensor with {ndim} dimensions")
    return axis % size


def permute(x: Tensor, *dims: int | Sequence[int]) -> Tensor:
    """Reorder the axes: result axis i is ``x``'s axis ``dims[i]`` (``permute(2, 0, 1)``
    or ``permute((2, 0, 1))``; NumPy's ``transpose(axes)``). (2, 3, 4) -> (4, 2, 3)."""
    axes = tuple(normalize_axis(a, x.ndim) for a in _shape_args(dims))
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"dims {axes} are not a permutation of the {x.ndim} axes of {x.shape}")
    return Transpose.apply(x, axes=axes)


def transpose(x: Tensor, dim0: int | None = None, dim1: int | None = None, *more: int) -> Tensor:
    """Swap axes ``dim0`` and ``dim1`` (PyTorch's meaning): (2, 3, 4).transpose(0, 2) is
    (4, 3, 2). A full permutation is :func:`permute`; ``x.T`` reverses every axis."""
    if dim0 is None or dim1 is None or more:
        given = ", ".join(map(str, (dim0, dim1) + more))
        raise TypeError(f"transpose(dim0, dim1) swaps two axes, as in PyTorch; got "
                        f"transpose({given}). For a full permutation use permute(...); "
                        f"to reverse every axis use .T")
    axes = list(range(x.ndim))
    dim0, dim1 = normalize_axis(dim0, x.ndim, "dim0"), normalize_axis(dim1, x.ndim, "dim1")
    if x.ndim < 2 or dim0 == dim1:
        return x
    axes[dim0], axes[dim1] = dim1, dim0
    return Transpose.apply(x, axes=tuple(axes))


def swap_last_axes(x: Tensor) -> Tensor:
    """Swap the last two axes: (..., n, m) -> (..., m, n) (PyTorch's ``x.mT``)."""
    if x.ndim < 2:
        raise ValueError(f"swapping the last two axes needs at least 2 dimensions, got a "
                         f"tensor of shape {x.shape}")
    return transpose(x, -2, -1)


def reverse_axes(x: Tensor) -> Tensor:
    """All axes in reverse order (``x.T``): (2, 3, 4) -> (4, 3, 2)."""
    return permute(x, tuple(reversed(range(x.ndim))))


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge axes ``start_dim..end_dim`` into one: (N, C, H, W) -> (N, C*H*W) for start 1.
    A 0-d tensor becomes (1,)."""
    if x.ndim == 0:
        return reshape(x, (1,))
    start = normalize_axis(start_dim, x.ndim, "start_dim")
    end = normalize_axis(end_dim, x.ndim, "end_dim")
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                         f"for a tensor of shape {x.shape}")
    merged = math.prod(x.shape[start:end + 1])
    return reshape(x, x.shape[:start] + (merged,) + x.shape[end + 1:])


def squeeze(x: Tensor, dim: int | Sequence[int] | None = None, *,
            axis: int | Sequence[int] | None = None) -> Tensor:
    """Drop size-1 axes: all of them, or those among ``dim`` (``axis``); a named axis whose
    size is not 1 is left alone (PyTorch's rule). (3, 1, 4).squeeze(1) -> (3, 4)."""
    dim = dim if axis is None else axis
    if dim is None:
        axes = {i for i, s in enumerate(x.shape) if s == 1}
    else:
        axes = {normalize_axis(a, x.ndim, "dim") for a in ((dim,) if isinstance(dim, int) else dim)}
        axes = {a for a in axes if x.ndim and x.shape[a] == 1}
    return reshape(x, tuple(s for i, s in enumerate(x.shape) if i not in axes))


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """Insert a size-1 axis at ``dim`` (may be negative, counted on the result)."""
    dim = normalize_axis(dim, x.ndim + 1, "dim")
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


class Flip(Function):
    """Reverse the order along ``axes``; its own inverse, so backward flips gy."""

    def __init__(self, axes: tuple[int, ...]) -> None:
        self.axes = axes

    def forward(self, x: Array) -> Array:
        return backend.get_array_module(x).flip(x, axis=self.axes)

    def backward(self, gy: Tensor) -> Tensor:
        return Flip.apply(gy, axes=self.axes)


def flip(x: Tensor, dims: int | Sequence[int]) -> Tensor:
    """``x`` reversed along ``dims`` (an int or a sequence), shape unchanged."""
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    axes = tuple(normalize_axis(a, x.ndim, "dim") for a in dims)
    return Flip.apply(x, axes=axes) if x.ndim else x


# ---- broadcasting and its adjoint -------------------------------------------------------
class BroadcastTo(Function):
    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x: Array) -> Array:
        self.input_shape = x.shape
        xp = backend.get_array_module(x)
        return xp.broadcast_to(x, self.shape)

    def backward(self, gy: Tensor) -> Tensor:
        return sum_to(gy, self.input_shape)


class SumTo(Function):
    """Sum over the axes that broadcasting added or stretched, to get back ``shape``."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x: Array) -> Array:
        self.input_shape = x.shape
        lead = x.ndim - len(self.shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, s in enumerate(self.shape) if s == 1 and x.shape[lead + i] != 1)
        y = x.sum(axis=axes, keepdims=True) if axes else x
        return y.reshape(self.shape)

    def backward(self, gy: Tensor) -> Tensor:
        return broadcast_to(gy, self.input_shape)


def broadcast_to(x: Tensor, *shape: int | Sequence[int]) -> Tensor:
    """``x`` broadcast to ``shape`` (NumPy rules); -1 keeps a size."""
    shape = _shape_args(shape)
    lead = len(shape) - x.ndim
    if lead < 0:
        raise ValueError(f"cannot broadcast shape {x.shape} to fewer dimensions {shape}")
    shape = tuple(x.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(shape))
    for i, s in enumerate(x.shape):
        if s != 1 and s != shape[lead + i]:
            raise ValueError(f"cannot broadcast shape {x.shape} to {shape}")
    if shape == x.shape:
        return x
    return BroadcastTo.apply(x, shape=shape)


expand = broadcast_to


def sum_to(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum ``x`` down to ``shape`` (the adjoint of broadcasting ``shape`` up to x.shape)."""
    shape = tuple(shape)
    if x.shape == shape:
        return x
    return SumTo.apply(x, shape=shape)


# ---- indexing ---------------------------------------------------------------------------
class GetItem(Function):
    """``x[index]``. Backward scatters the gradient into zeros of x's shape."""

    def __init__(self, index: Index) -> None:
        self.index = index

    def forward(self, x: Array) -> Array:
        self.input_shape = x.shape
        return x[self.index]

    def backward(self, gy: Tensor) -> Tensor:
        return IndexAdd.apply(gy, index=self.index, shape=self.input_shape)


class IndexAdd(Function):
    """Zeros of ``shape`` with ``g`` added at ``index`` (repeated indices accumulate)."""

    def __init__(self, index: Index, shape: tuple[int, ...]) -> None:
        self.index = index
        self.shape = shape

    def forward(self, g: Array) -> Array:
        xp = backend.get_array_module(g)
        out = xp.zeros(self.shape, dtype=g.dtype)
        if _is_basic(self.index):
            out[self.index] = g  # slices never repeat an element
        else:
            xp.add.at(out, self.index, g)  # NumPy's and CuPy's ufunc.at alike
        return out

    def backward(self, ggx: Tensor) -> Tensor:
        return GetItem.apply(ggx, index=self.index)


def _is_basic(index: Index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, slice)) for i in items)


def _normalize_index(x: Tensor, index: Index) -> Index:
    """Unwrap Tensors / lists in an index, check dtypes and devices.

    An index Tensor or device (CuPy) array must be on x's device (a RuntimeError names
    both otherwise); host data (lists, NumPy arrays) is copied to x's device.
    """
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for item in items:
        if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            out.append(int(item))
        elif item is None or item is Ellipsis or isinstance(item, slice):
            out.append(item)
        else:
            out.append(_index_array(x, item))
    return tuple(out) if isinstance(index, tuple) else out[0]


def _index_array(x: Tensor, item: Tensor | Array | Sequence[int] | bool) -> Array:
    """One array entry of an index, as an integer or bool array on x's device."""
    if isinstance(item, Tensor) or backend.is_cupy_array(item):
        array = item.data if isinstance(item, Tensor) else item
        device = backend.device_of(array)
        if device != x.device:
            raise RuntimeError(f"the index is on {device} but the indexed tensor (shape "
                               f"{x.shape}) is on {x.device}; move the index with "
                               f".to({x.device!r})")
    else:
        array = np.asarray(item)
        if x.device != "cpu":
            array = backend.to_device(array, x.device)
    if array.dtype.kind not in "iub":
        raise IndexError(f"tensors used as indices must be integer or bool, "
                         f"got dtype {array.dtype}")
    return array


def _integers_first(index: tuple) -> tuple[tuple, tuple]:
    """Split an index mixing integers and arrays into two applied one after the other:
    the integers (and slices, None) first, then the arrays on what is left.

    This is PyTorch's rule: an integer selects before advanced indexing, so for x of
    shape (2, 3, 4) and i of shape (5,), ``x[0, :, i]`` has shape (3, 5). NumPy counts
    the integer as an advanced index too, and as the two are separated by a slice it
    puts the indexed axis first: (5, 3).
    """
    basic, advanced = [], []
    for item in index:
        if isinstance(item, int):
            basic.append(item)
        elif item is None or isinstance(item, slice):
            basic.append(item)
            advanced.append(slice(None))
        elif item is Ellipsis:
            basic.append(item)
            advanced.append(item)
        else:  # an integer or boolean array, over one axis or (bool) over item.ndim axes
            basic.extend([slice(None)] * (item.ndim if item.dtype.kind == "b" else 1))
            advanced.append(item)
    return tuple(basic), tuple(advanced)


def _mixes_integers_and_arrays(index: Index) -> bool:
    return (isinstance(index, tuple) and any(isinstance(i, int) for i in index)
            and any(hasattr(i, "dtype") for i in index))


def getitem(x: Tensor, index: Index) -> Tensor:
    """``x[index]``: slices, integers, None, Ellipsis, integer and boolean arrays, with
    PyTorch's result shape when integers and arrays are mixed (see ``_integers_first``)."""
    index = _normalize_index(x, index)
    if _mixes_integers_and_arrays(index):
        basic, advanced = _integers_first(index)
        return getitem(getitem(x, basic), advanced)
    try:
        return GetItem.apply(x, index=index)
    except IndexError as e:
        raise IndexError(f"index {index!r} is invalid for a tensor of shape {x.shape}: "
                         f"{e}") from None


# ---- padding ----------------------------------------------------------------------------
class Pad(Function):
    def __init__(self, pad_width: tuple[tuple[int, int], ...], value: float) -> None:
        self.pad_width = pad_width
        self.value = value

    def forward(self, x: Array) -> Array:
        xp = backend.get_array_module(x)
        return xp.pad(x, self.pad_width, mode="constant", constant_values=self.value)

    def backward(self, gy: Tensor) -> Tensor:
        crop = tuple(slice(before, gy.shape[i] - after)
                     for i, (before, after) in enumerate(self.pad_width))
        return GetItem.apply(gy, index=crop)


def pad(x: Tensor, pad_width: int | Sequence[int] | Sequence[Sequence[int]], value: float = 0.0) -> Tensor:
    """Constant padding with NumPy's ``pad_width``: an int, a (before, after)
    pair for every axis, or a sequence of pairs, one per axis."""
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2)) \
        if np.ndim(pad_width) <= 1 else np.asarray(pad_width, dtype=np.int64)
    if widths.shape != (x.ndim, 2) or (widths < 0).any():
        raise ValueError(f"pad_width {pad_width!r} does not fit a tensor of shape {x.shape}: "
                         f"need non-negative (before, after) pairs for {x.ndim} axes")
    return Pad.apply(x, pad_width=tuple(map(tuple, widths.tolist())), value=value)


# ---- concatenation ----------------------------------------------------------------------
class Concatenate(Function):
    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *xs: Array) -> Array:
        xp = backend.get_array_module(xs[0])
        self.sizes = [x.shape[self.axis] for x in xs]
        return xp.concatenate(xs, axis=self.axis)

    def backward(self, gy: Tensor) -> tuple[Tensor, ...]:
        grads, start = [], 0
        lead = (slice(None),) * self.axis
        for size in self.sizes:
            grads.append(GetItem.apply(gy, index=lead + (slice(start, start + size),)))
            start += size
        return tuple(grads)


def concatenate(tensors: Sequence[Tensor], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join tensors along the existing axis ``dim`` (``axis``); all other sizes must agree.
    (2, 3) and (2, 1) along dim 1 -> (2, 4)."""
    axis = dim if axis is None else axis
    tensors = list(tensors)
    if not tensors:
        raise ValueError("concatenate needs at least one tensor")
    first = tensors[0]
    axis = normalize_axis(axis, first.ndim)
    for t in tensors[1:]:
        if t.ndim != first.ndim or any(a != b for i, (a, b) in enumerate(zip(t.shape, first.shape))
                                       if i != axis):
            raise ValueError(f"concatenate along axis {axis}: shapes {first.shape} and {t.shape} "
                             f"differ outside that axis")
        if t.dtype != first.dtype:
            raise TypeError(f"concatenate: dtypes {first.dtype} and {t.dtype} differ")
    return Concatenate.apply(*tensors, axis=axis)


cat = concatenate


def stack(tensors: Sequence[Tensor], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join equally-shaped tensors along a new axis ``dim`` (``axis``): k tensors of shape
    (2, 3) stacked at dim 1 -> (2, k, 3)."""
    axis = dim if axis is None else axis
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack needs at least one tensor")
    for t in tensors[1:]:
        if t.shape != tensors[0].shape:
            raise ValueError(f"stack: shapes {tensors[0].shape} and {t.shape} differ")
    axis = normalize_axis(axis, tensors[0].ndim + 1)
    return concatenate([unsqueeze(t, axis) for t in tensors], axis=axis)


def split(x: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0
          ) -> tuple[Tensor, ...]:
    """Cut ``x`` along ``dim`` into pieces of ``split_size`` (the last may be smaller) or of
    the given sizes (which must add up to ``x.shape[dim]``), as ``torch.split``. Each piece
    is a differentiable slice of ``x``: (5, 2) split by 2 -> (2, 2), (2, 2), (1, 2)."""
    if x.ndim == 0:
        raise ValueError("split needs a tensor with at least one dimension, got a 0-d tensor")
    dim = normalize_axis(dim, x.ndim, "dim")
    size = x.shape[dim]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step < 1:
            raise ValueError(f"split_size must be positive, got {step}")
        sizes = [min(step, size - start) for start in range(0, size, step)] or [0]
    else:
        sizes = [int(n) for n in split_size_or_sections]
        if sum(sizes) != size or any(n < 0 for n in sizes):
            raise ValueError(f"split sizes {sizes} do not add up to {size}, the size of dim "
                             f"{dim} of a tensor of shape {x.shape}")
    lead = (slice(None),) * dim
    ends = np.cumsum(sizes).tolist()
    return tuple(getitem(x, lead + (slice(end - n, end),)) for n, end in zip(sizes, ends))


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Cut ``x`` along ``dim`` into ``chunks`` pieces of ``ceil(size / chunks)`` each, the
    last smaller, as ``torch.chunk`` (so there may be fewer than ``chunks`` pieces)."""
    if int(chunks) < 1:
        raise ValueError(f"chunks must be positive, got {chunks}")
    size = x.shape[normalize_axis(dim, x.ndim, "dim")] if x.ndim else 0
    return split(x, max(math.ceil(size / int(chunks)), 1), dim)


def repeat(x: Tensor, *repeats: int | Sequence[int]) -> Tensor:
    """PyTorch's ``repeat`` (NumPy's ``tile``): ``x`` copied ``repeats[i]`` times along axis
    i; with more repeats than axes, x gets leading axes of size 1 first. (2, 3).repeat(2, 1, 2)
    is (2, 2, 6). Differentiable: each copy's gradient is summed back.

    Built from a broadcast: x of shape (s0, s1) is viewed as (1, s0, 1, s1), broadcast to
    (r0, s0, r1, s1) and merged into (r0 s0, r1 s1), so backward is the sum over the copies.
    """
    repeats = _shape_args(repeats)
    if len(repeats) < x.ndim or any(r < 0 for r in repeats):
        raise ValueError(f"repeat: need one non-negative count per dimension of {x.shape} (or "
                         f"more), got {repeats}")
    sizes = (1,) * (len(repeats) - x.ndim) + x.shape
    interleaved = tuple(n for size in sizes for n in (1, size))
    spread = tuple(n for r, size in zip(repeats, sizes) for n in (r, size))
    copies = broadcast_to(reshape(x, interleaved), spread)
    return reshape(copies, tuple(r * size for r, size in zip(repeats, sizes)))


def gather(x: Tensor, dim: int, index: Tensor | Array) -> Tensor:
    """PyTorch's ``gather``: ``out[i][j][k] = x[index[i][j][k]][j][k]`` for dim 0 (and so on).

    index: an integer tensor with x's number of dimensions and sizes no larger than x's
    outside ``dim``; the result has index's shape. Differentiable in x (the gradient is
    scattered back, repeated indices adding up), as it is built on ``x[...]``.
    """
    data = index.data if isinstance(index, Tensor) or backend.is_cupy_array(index) \
        else np.asarray(index)
    if data.dtype.kind not in "iu" or data.ndim != x.ndim:
        raise ValueError(f"gather: index must be an integer tensor with {x.ndim} dimensions "
                         f"like the input {x.shape}, got dtype {data.dtype} and shape "
                         f"{data.shape}")
    if x.ndim == 0:
        return x
    dim = normalize_axis(dim, x.ndim, "dim")
    xp = backend.get_array_module(data)
    positions = tuple(data if a == dim else
                      xp.arange(n).reshape((1,) * a + (n,) + (1,) * (x.ndim - a - 1))
                      for a, n in enumerate(data.shape))
    return getitem(x, positions)
