"""2-D convolutions: ``Conv2d`` and its adjoint ``ConvTranspose2d`` (NCHW layout)."""
from __future__ import annotations

import minigrad as mg
import minigrad.functional as F
from kernels.geometry import Pair, pair
from minigrad.functional.conv import conv_padding
from minigrad.tensor import Tensor

from .module import Module
from .parameter import Parameter
from .utils import check_input_shape, default_init_


PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _Conv2dBase(Module):
    """What Conv2d and ConvTranspose2d share: settings, parameters, init and repr.

    ``kernel_size``, ``stride``, ``padding``, ``dilation`` and ``output_padding``
    are ints or pairs and are stored as pairs (Conv2d's ``padding`` may also be
    ``"same"`` or ``"valid"``, stored as given). ``groups`` splits the channels
    into that many independent convolutions. The constructor checks these settings
    (``ValueError``); ``F.conv2d`` / ``F.conv_transpose2d`` check each input.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | Pair,
                 stride: int | Pair, padding: int | Pair | str,
                 dilation: int | Pair, groups: int, bias: bool, transposed: bool,
                 output_padding: int | Pair = 0, padding_mode: str = "zeros") -> None:
        super().__init__()
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {PADDING_MODES}, got "
                             f"{padding_mode!r}")
        if groups <= 0:
            raise ValueError(f"groups must be a positive integer, got {groups}")
        for name, channels in (("in_channels", in_channels), ("out_channels", out_channels)):
            if channels % groups:
                raise ValueError(f"{name} ({channels}) must be divisible by groups ({groups})")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = pair(kernel_size, "kernel_size")
        self.stride = pair(stride, "stride")
        self.dilation = pair(dilation, "dilation")
        # (before, after) per axis; checks a padding string and its stride
        self._padding_sides = conv_padding(padding, self.kernel_size, self.stride,
                                           self.dilation, type(self).__name__)
        self.padding = padding if isinstance(padding, str) else pair(padding, "padding")
        self.padding_mode = padding_mode
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
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv2d(_Conv2dBase):
    """2-D convolution (cross-correlation, as in every framework).

    Shapes: input (N, C_in, H, W) -> output (N, C_out, H_out, W_out) with
    H_out = ⌊(H + 2·padding − dilation·(kH − 1) − 1) / stride⌋ + 1 (W alike).
    ``padding``: an int, a pair, ``"valid"`` or ``"same"`` (stride 1: H_out = H, W_out = W).
    ``padding_mode``: what the padding holds: ``"zeros"``, or ``"reflect"``, ``"replicate"``,
    ``"circular"`` (as ``F.pad``).
    Parameters: ``weight`` (C_out, C_in/groups, kH, kW), ``bias`` (C_out,) or None,
    both ~ U(-1/√fan_in, 1/√fan_in) with fan_in = C_in/groups·kH·kW.

    >>> import layers, minigrad as mg
    >>> conv = layers.Conv2d(3, 8, 4, padding="same", padding_mode="reflect")
    >>> conv
    Conv2d(3, 8, kernel_size=(4, 4), stride=(1, 1), padding=same, padding_mode=reflect)
    >>> conv(mg.zeros(2, 3, 9, 9)).shape
    (2, 8, 9, 9)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | Pair,
                 stride: int | Pair = 1, padding: int | Pair | str = 0,
                 dilation: int | Pair = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros") -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, transposed=False, padding_mode=padding_mode)

    def forward(self, x: Tensor) -> Tensor:
        check_input_shape(self, x, (4,), self.in_channels, "in_channels")
        if self.padding_mode == "zeros":
            return F.conv2d(x, self.weight, self.bias, self.stride, self.padding,
                            self.dilation, self.groups)
        (top, left), (bottom, right) = self._padding_sides
        x = F.pad(x, (left, right, top, bottom), mode=self.padding_mode)
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


class ConvTranspose2d(_Conv2dBase):
    """Transposed 2-D convolution: the gradient of Conv2d w.r.t. its input, used to upsample.

    Shapes: input (N, C_in, H, W) -> output (N, C_out, H_out, W_out) with
    H_out = (H − 1)·stride − 2·padding + dilation·(kH − 1) + output_padding + 1.
    ``padding_mode`` is ``"zeros"`` only (as in PyTorch).
    Parameters: ``weight`` (C_in, C_out/groups, kH, kW), ``bias`` (C_out,) or None.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | Pair,
                 stride: int | Pair = 1, padding: int | Pair = 0,
                 output_padding: int | Pair = 0, groups: int = 1, bias: bool = True,
                 dilation: int | Pair = 1, padding_mode: str = "zeros") -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for ConvTranspose2d, '
                             f'got {padding_mode!r}')
        if isinstance(padding, str):
            raise ValueError(f"ConvTranspose2d: padding must be an int or a pair of ints, got "
                             f"{padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, transposed=True, output_padding=output_padding)

    def forward(self, x: Tensor) -> Tensor:
        check_input_shape(self, x, (4,), self.in_channels, "in_channels")
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding,
                                  self.output_padding, self.dilation, self.groups)
