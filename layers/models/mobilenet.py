"""MobileNetV1 (Howard et al. 2017, arXiv 1704.04861), with timm's ``mobilenetv1_100`` names.

Every 3×3 conv after the stem is *depthwise separable* (§3.1): a 3×3 depthwise conv
(one filter per channel, ``groups=C``) then a 1×1 pointwise conv that mixes channels,
each followed by BatchNorm and ReLU6. This costs 1/C_out + 1/9 of a standard 3×3
conv's multiply-adds (eq. 5).

Layout (the paper's Table 1; 224 px shapes), with timm's state-dict keys:

    conv_stem, bn1          3×3/2, 32             -> 112×112
    blocks.0.0              dw/1, pw 64           -> 112×112
    blocks.1.{0,1}          dw/2, pw 128; dw/1    ->  56×56
    blocks.2.{0,1}          dw/2, pw 256; dw/1    ->  28×28
    blocks.3.{0..5}         dw/2, pw 512; 5× dw/1 ->  14×14
    blocks.4.{0,1}          dw/2, pw 1024; dw/1   ->   7×7
    classifier              global average pool, FC 1024 -> classes

Each block is ``conv_dw, bn1, conv_pw, bn2``. The paper's Table 1 marks the last
depthwise conv "s2", which cannot be right at 7×7; implementations use stride 1, as
here. Convs have no bias; BN eps 1e-5. MobileNet 1.0-224: 4,231,976 parameters,
568,740,352 MACs. timm's ``mobilenetv1_100`` weights expect inputs normalised with
mean = std = 0.5.
"""
from __future__ import annotations

import math

from minigrad import init
from minigrad.tensor import Tensor

from ..activation import ReLU6
from ..container import Sequential
from ..conv import Conv2d
from ..flatten import Flatten
from ..linear import Linear
from ..module import Module
from ..normalization import BatchNorm2d
from ..pooling import AdaptiveAvgPool2d
from .registry import register_model

STEM_CHANNELS = 32
# (blocks, output channels, stride of the first block) per stage, the paper's Table 1.
STAGES = ((1, 64, 1), (2, 128, 2), (2, 256, 2), (6, 512, 2), (2, 1024, 2))


def round_channels(channels: int, width_mult: float, divisor: int = 8) -> int:
    """``channels · width_mult`` rounded to a multiple of ``divisor`` (timm's
    ``make_divisible``): to the nearest multiple, at least ``divisor``, and never
    more than 10% below the exact value."""
    exact = channels * width_mult
    rounded = max(divisor, int(exact + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * exact else rounded


class DepthwiseSeparableConv(Module):
    """3×3 depthwise conv -> BN -> ReLU6 -> 1×1 pointwise conv -> BN -> ReLU6 (Fig. 3).

    Shapes: (N, in_channels, H, W) -> (N, out_channels, H/stride, W/stride).
    Parameters: 9·C_in (dw) + C_in·C_out (pw) + 2·(C_in + C_out) (BN).
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv_dw = Conv2d(in_channels, in_channels, 3, stride=stride, padding=1,
                              groups=in_channels, bias=False)
        self.bn1 = BatchNorm2d(in_channels)
        self.act1 = ReLU6(inplace=True)
        self.conv_pw = Conv2d(in_channels, out_channels, 1, bias=False)
        self.bn2 = BatchNorm2d(out_channels)
        self.act2 = ReLU6(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        x = self.act1(self.bn1(self.conv_dw(x)))
        return self.act2(self.bn2(self.conv_pw(x)))


class MobileNetV1(Module):
    """Stem -> 13 depthwise separable blocks in 5 stages -> global pool -> ``classifier``.

    Shapes: (N, in_channels, H, W) -> (N, num_classes) logits; the maps shrink by 32
    (by 8 with ``small_input``).
    """

    def __init__(self, width_mult: float = 1.0, num_classes: int = 1000, in_channels: int = 3,
                 small_input: bool = False) -> None:
        super().__init__()
        channels = round_channels(STEM_CHANNELS, width_mult)
        # small_input (28–64 px): the stem and the first block of stage 1 keep stride 1,
        # so 28 px ends at 4×4 and 64 px at 8×8 instead of 1×1 and 2×2.
        self.conv_stem = Conv2d(in_channels, channels, 3, stride=1 if small_input else 2,
                                padding=1, bias=False)
        self.bn1 = BatchNorm2d(channels)
        self.act1 = ReLU6(inplace=True)
        stages = []
        for index, (num_blocks, stage_channels, stage_stride) in enumerate(STAGES):
            out_channels = round_channels(stage_channels, width_mult)
            first_stride = 1 if small_input and index == 1 else stage_stride
            blocks = [DepthwiseSeparableConv(channels, out_channels, first_stride)]
            blocks += [DepthwiseSeparableConv(out_channels, out_channels)
                       for _ in range(num_blocks - 1)]
            stages.append(Sequential(*blocks))
            channels = out_channels
        self.blocks = Sequential(*stages)
        self.global_pool = AdaptiveAvgPool2d(1)
        self.flatten = Flatten(1)
        self.classifier = Linear(channels, num_classes)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """timm's initialisation for this family (``_init_weight_goog``, after TF's):
        conv weights N(0, 2/fan_out) with fan_out = k²·C_out/groups (so 9 for a depthwise
        conv), BN γ = 1, β = 0, FC weights U(±1/√out_features) and bias 0."""
        for module in self.modules():
            if isinstance(module, Conv2d):
                kernel_h, kernel_w = module.kernel_size
                fan_out = kernel_h * kernel_w * module.out_channels // module.groups
                init.normal_(module.weight, 0.0, math.sqrt(2.0 / fan_out))
            elif isinstance(module, BatchNorm2d):
                init.ones_(module.weight)
                init.zeros_(module.bias)
            elif isinstance(module, Linear):
                bound = 1.0 / math.sqrt(module.out_features)
                init.uniform_(module.weight, -bound, bound)
                init.zeros_(module.bias)

    def forward(self, x: Tensor) -> Tensor:
        x = self.blocks(self.act1(self.bn1(self.conv_stem(x))))
        return self.classifier(self.flatten(self.global_pool(x)))


@register_model
def mobilenet_v1(width_mult: float = 1.0, num_classes: int = 1000, in_channels: int = 3,
                 small_input: bool = False) -> MobileNetV1:
    """MobileNetV1 with every layer's channels scaled by ``width_mult`` (the paper's α,
    §3.3): 1.0 -> 4,231,976 parameters, 0.75 -> 2,585,560, 0.5 -> 1,331,592,
    0.25 -> 470,072. Resolution (the paper's ρ) is just the input size."""
    return MobileNetV1(width_mult, num_classes, in_channels, small_input)
