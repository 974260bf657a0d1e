"""Sliding-window geometry shared by convolution and pooling: the one home of ``Pair``,
``pair()``, ``dilated_span()`` and the output-size formula, used by ``kernels``, ``minigrad``
and ``layers`` alike.

Vocabulary used across ``kernels/``:

* a *tap* is one offset ``(i, j)`` of the kernel window, ``0 <= i < kH``, ``0 <= j < kW``;
  taps are numbered row-major, ``tap = i * kW + j``;
* padding is symmetric, so a padded image has shape ``(H + 2 pH, W + 2 pW)``;
* output pixel ``(oh, ow)`` reads, at tap ``(i, j)``, the padded pixel
  ``(oh * sH + i * dH,  ow * sW + j * dW)``.                                   (1)

Because (1) is affine in ``(oh, ow)``, the pixels one tap reads for *all* output pixels form a
strided slice of the padded image (:func:`tap_window`). The CPU kernels loop over the kH*kW taps
and move one such slice per tap, so NumPy does all stride arithmetic.
"""

import operator
from collections.abc import Iterable

# Spatial parameters, always (height, width): kernel size, stride, padding, dilation.
Pair = tuple[int, int]

NO_DILATION: Pair = (1, 1)


def pair(value: int | Iterable[int], name: str = "value") -> Pair:
    """An int-or-pair argument as a (height, width) pair: ``3 -> (3, 3)``, ``(3, 5) -> (3, 5)``.

    Ints are anything ``operator.index`` accepts (Python and NumPy integers). Anything else
    (a float, a triple, ...) raises a ``ValueError`` naming ``name``. Signs are not checked.
    """
    try:
        size = operator.index(value)  # type: ignore[arg-type]
        return (size, size)
    except TypeError:
        pass
    try:
        height, width = value  # type: ignore[misc]
        return (operator.index(height), operator.index(width))
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}") from None


def dilated_span(kernel: int, dilation: int) -> int:
    """How many input pixels a kernel of ``kernel`` taps, ``dilation`` apart, covers along one
    axis: ``dilation * (kernel - 1) + 1`` (its first and last tap included)."""
    return dilation * (kernel - 1) + 1


def conv_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int,
                     ceil_mode: bool = False) -> int:
    """Output length of a sliding window along one axis.

    The window spans ``dilated_span(kernel, dilation)`` input pixels and fits at
    ``floor((size + 2 padding - span) / stride) + 1`` positions of the padded axis; the result
    is < 1 when it does not fit at all. ``ceil_mode`` (pooling) rounds the division up instead,
    but, as in PyTorch, drops a last window that would start in the right padding.
    """
    room = size + 2 * padding - dilated_span(kernel, dilation)
    if not ceil_mode:
        return room // stride + 1
    out = -(-room // stride) + 1
    return out - 1 if (out - 1) * stride >= size + padding else out


def output_hw(input_hw: tuple[int, ...], kernel_size: Pair, stride: Pair, padding: Pair,
              dilation: Pair = NO_DILATION, ceil_mode: bool = False) -> Pair:
    """(H_out, W_out) for an input of spatial size ``input_hw`` = (H, W); ``ceil_mode`` as in
    :func:`conv_output_size`.

    The window must fit (an output size >= 1): callers check their arguments first, this
    only asserts it.
    """
    assert len(input_hw) == 2, f"expected a spatial size (H, W), got {tuple(input_hw)}"
    out_h, out_w = (conv_output_size(*axis, ceil_mode=ceil_mode)
                    for axis in zip(input_hw, kernel_size, stride, padding, dilation))
    assert out_h >= 1 and out_w >= 1, (
        f"window does not fit: input {tuple(input_hw)}, kernel {kernel_size}, stride {stride}, "
        f"padding {padding}, dilation {dilation} give output size {(out_h, out_w)}")
    return out_h, out_w


def tap_window(i: int, j: int, out_hw: Pair, stride: Pair, dilation: Pair) -> tuple[slice, slice]:
    """Row and column slices of a *padded* image holding what tap (i, j) reads.

    ``padded[..., rows, cols]`` has shape ``(..., H_out, W_out)``; its element ``(oh, ow)`` is the
    padded pixel that output ``(oh, ow)`` reads at this tap, equation (1) of the module docstring.
    """
    (out_h, out_w), (s_h, s_w), (d_h, d_w) = out_hw, stride, dilation
    rows = slice(i * d_h, i * d_h + s_h * (out_h - 1) + 1, s_h)
    cols = slice(j * d_w, j * d_w + s_w * (out_w - 1) + 1, s_w)
    return rows, cols

