"""2-D convolutions: ``Conv2d`` and its adjoint ``ConvTranspose2d`` (NCHW layout)."""
from __future__ import annotations

import minigrad as mg
import minigrad.functional as F
from kernels.geometry import Pair, pair
from minigrad.tensor import Tensor

from .module import Module
from .parameter import Parameter
from .utils import check_input_shape, default_init_


class _Conv2dBase(Module):
    """What Conv2d and ConvTranspose2d share: settings, parameters, init and repr.

    ``kernel_size``, ``stride``, ``padding``, ``dilation`` and ``output_padding``
    are ints or pairs and are stored as pairs. ``groups`` splits the channels
    into that many independent convolutions. The constructor checks these settings
    (``ValueError``); ``F.conv2d`` / ``F.conv_transpose2d`` check each input.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | Pair,
                 stride: int | Pair, padding: int | Pair,
                 dilation: int | Pair, groups: int, bias: bool, transposed: bool,
                 output_padding: int | Pair = 0) -> None:
        super().__init__()
        if groups <= 0:
            raise ValueError(f"groups must be a positive integer, got {groups}")
        for name, channels in (("in_channels", in_channels), ("out_channels", out_channels)):
            if channels % groups:
                raise ValueError(f"{name} ({channels}) must be divisible by groups ({groups})")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = pair(kernel_size, "kernel_size")
        self.stride = pair(stride, "stride")
        self.padding = pair(padding, "padding")
        self.dilation = pair(dilation, "dilation")
        self.output_padding = pair(output_padding, "output_padding")
        self.groups = groups
        # Conv2d maps in -> out, so its weight is (C_out, C_in/groups, kH, kW); the
        # transposed conv is its adjoint, so the first two axes swap roles.
        channels = ((in_channels, out_channels // groups) if transposed
                    else (out_channels, in_channels // groups))
        self.weight = Parameter(mg.empty(*channels, *self.kernel_size))
        if bias:
            self.bias = Parameter(mg.empty(out_channels))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        default_init_(self.weight, self.bias)

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.output_padding != (0, 0):
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class Conv2d(_Conv2dBase):
    """2-D convolution (cross-correlation, as in every framework).

    Shapes: input (N, C_in, H, W) -> output (N, C_out, H_out, W_out) with
    H_out = ⌊(H + 2·padding − dilation·(kH − 1) − 1) / stride⌋ + 1 (W alike).
    Parameters: ``weight`` (C_out, C_in/groups, kH, kW), ``bias`` (C_out,) or None,
    both ~ U(-1/√fan_in, 1/√fan_in) with fan_in = C_in/groups·kH·kW.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | Pair,
                 stride: int | Pair = 1, padding: int | Pair = 0,
                 dilation: int | Pair = 1, groups: int = 1, bias: bool = True) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, transposed=False)

    def forward(self, x: Tensor) -> Tensor:
        check_input_shape(self, x, (4,), self.in_channels, "in_channels")
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)


class ConvTranspose2d(_Conv2dBase):
    """Transposed 2-D convolution: the gradient of Conv2d w.r.t. its input, used to upsample.

    Shapes: input (N, C_in, H, W) -> output (N, C_out, H_out, W_out) with
    H_out = (H − 1)·stride − 2·padding + dilation·(kH − 1) + output_padding + 1.
    Parameters: ``weight`` (C_in, C_out/groups, kH, kW), ``bias`` (C_out,) or None.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | Pair,
                 stride: int | Pair = 1, padding: int | Pair = 0,
                 output_padding: int | Pair = 0, groups: int = 1, bias: bool = True,
                 dilation: int | Pair = 1) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, transposed=True, output_padding=output_padding)

    def forward(self, x: Tensor) -> Tensor:
        check_input_shape(self, x, (4,), self.in_channels, "in_channels")
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding,
                                  self.output_padding, self.dilation, self.groups)
