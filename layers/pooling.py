"""2-D pooling over (N, C, H, W) inputs: ``MaxPool2d``, ``AvgPool2d``, ``AdaptiveAvgPool2d``.

Output size of the windowed pools (per spatial axis):
H_out = ⌊(H + 2·padding − dilation·(kernel_size − 1) − 1) / stride⌋ + 1.
"""
from __future__ import annotations

import minigrad.functional as F
from kernels.geometry import Pair, pair
from minigrad.tensor import Tensor

from .module import Module
from .utils import check_input_shape

Size2 = int | Pair


class _Pool2d(Module):
    """Settings shared by MaxPool2d and AvgPool2d; ``stride`` defaults to ``kernel_size``.

    The constructor checks that each setting is an int or a pair (``ValueError``); the
    values are stored as given, as PyTorch does. ``F.max_pool2d`` / ``F.avg_pool2d`` check
    their ranges against each input.
    """

    def __init__(self, kernel_size: Size2, stride: Size2 | None, padding: Size2,
                 ceil_mode: bool) -> None:
        super().__init__()
        pair(kernel_size, "kernel_size")
        pair(padding, "padding")
        if stride is not None:
            pair(stride, "stride")
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.ceil_mode = ceil_mode


class MaxPool2d(_Pool2d):
    """The maximum of each kernel_size window (padding counts as −∞); in backward the
    gradient goes to the first maximum of each window.

    Shapes: (N, C, H, W) -> (N, C, H_out, W_out).
    """

    def __init__(self, kernel_size: Size2, stride: Size2 | None = None, padding: Size2 = 0,
                 dilation: Size2 = 1, ceil_mode: bool = False) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)
        pair(dilation, "dilation")
        self.dilation = dilation

    def forward(self, x: Tensor) -> Tensor:
        check_input_shape(self, x, (4,))
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                            self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(_Pool2d):
    """The mean of each kernel_size window. Shapes: (N, C, H, W) -> (N, C, H_out, W_out).

    ``ceil_mode`` rounds the output size up; ``count_include_pad`` says whether padded zeros
    count in the divisor; ``divisor_override`` (a nonzero int) replaces the divisor. Same
    rules as ``F.avg_pool2d``.
    """

    def __init__(self, kernel_size: Size2, stride: Size2 | None = None, padding: Size2 = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, x: Tensor) -> Tensor:
        check_input_shape(self, x, (4,))
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling whose windows are chosen to give ``output_size`` (an int or a pair)
    whatever the input size: (N, C, H, W) -> (N, C, *output_size)."""

    def __init__(self, output_size: Size2 | None) -> None:
        super().__init__()
        if output_size is not None:  # None: keep the input's size
            pair(output_size, "output_size")
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        check_input_shape(self, x, (4,))
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
