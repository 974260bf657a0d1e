"""Input checks shared by the 2-D sliding-window ops (convolution, pooling).

The geometry itself (``Pair``, ``pair()``, ``dilated_span()``, output sizes) lives in
``kernels/geometry.py``. The functional ops check their inputs here and raise the clear
``ValueError`` a user should see, so the kernels below them only assert.
"""
from __future__ import annotations

from kernels.geometry import Pair, dilated_span

from ..tensor import Tensor


def check_nchw(x: Tensor, op: str) -> None:
    """A 2-D op needs a 4-D (N, C, H, W) input."""
    if x.ndim != 4:
        raise ValueError(f"{op} expects a 4-D input (N, C, H, W), got shape {x.shape}")


def check_positive(values: dict[str, Pair], op: str, allow_zero: tuple[str, ...] = ()) -> None:
    """Strides, kernel sizes and dilations must be >= 1; paddings (``allow_zero``) >= 0."""
    for name, v in values.items():
        low = 0 if name in allow_zero else 1
        if min(v) < low:
            raise ValueError(f"{op}: {name} must be >= {low}, got {v}")


def check_fits(x_shape: tuple[int, ...], kernel: Pair, padding: Pair, dilation: Pair,
               op: str) -> None:
    """The dilated kernel must fit in the padded (N, C, H, W) input: at least one output pixel."""
    padded = (x_shape[2] + 2 * padding[0], x_shape[3] + 2 * padding[1])
    span = (dilated_span(kernel[0], dilation[0]), dilated_span(kernel[1], dilation[1]))
    if span[0] > padded[0] or span[1] > padded[1]:
        raise ValueError(f"{op}: the window does not fit: kernel size {tuple(kernel)} (dilated "
                         f"extent {span}) is larger than the padded input {padded} of input "
                         f"shape {tuple(x_shape)} with padding {padding}")
