"""GoogLeNet (Szegedy et al. 2015, "Going deeper with convolutions"), torchvision's version.

torchvision's GoogLeNet differs from the paper's: every conv is followed by
BatchNorm (eps 0.001, as in the TF port its weights come from), and the "5×5" branch
of each Inception module uses a 3×3 conv (a known quirk kept for weight
compatibility). 6,624,904 parameters; 13,004,888 with the two auxiliary classifiers;
1,498,376,192 MACs at 224 px.

torchvision's pretrained GoogLeNet is built with ``transform_input=True``, which maps
ImageNet-normalised images to the mean = std = 0.5 normalisation its (TF-ported) weights
expect. That option is not reproduced here: with those weights, normalise the input with
mean = std = (0.5, 0.5, 0.5) instead.

An Inception module runs four branches on the same input and concatenates them along
the channels (Fig. 2b): 1×1 | 1×1 -> 3×3 | 1×1 -> 3×3 | 3×3 max pool -> 1×1. The 1×1
convs before the 3×3s reduce the channels first, which is what keeps the module cheap.
"""
from __future__ import annotations

from typing import NamedTuple

import minigrad as mg
from minigrad import init
from minigrad.tensor import Tensor

from ..activation import ReLU
from ..container import Sequential
from ..conv import Conv2d
from ..dropout import Dropout
from ..flatten import Flatten
from ..linear import Identity, Linear
from ..module import Module
from ..normalization import BatchNorm2d
from ..pooling import AdaptiveAvgPool2d, MaxPool2d
from .registry import register_model


class BasicConv2d(Module):
    """Conv (no bias) -> BatchNorm (eps 0.001) -> ReLU; (N, C_in, H, W) -> (N, C_out, H', W')."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: int = 0) -> None:
        super().__init__()
        self.conv = Conv2d(in_channels, out_channels, kernel_size, stride, padding, bias=False)
        self.bn = BatchNorm2d(out_channels, eps=0.001)
        self.relu = ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        return self.relu(self.bn(self.conv(x)))


class Inception(Module):
    """Four parallel branches concatenated on the channel axis (the paper's Table 1 columns):

    (N, in_channels, H, W) -> (N, ch1x1 + ch3x3 + ch5x5 + pool_proj, H, W).
    """

    def __init__(self, in_channels: int, ch1x1: int, ch3x3red: int, ch3x3: int, ch5x5red: int,
                 ch5x5: int, pool_proj: int) -> None:
        super().__init__()
        self.branch1 = BasicConv2d(in_channels, ch1x1, kernel_size=1)
        self.branch2 = Sequential(BasicConv2d(in_channels, ch3x3red, kernel_size=1),
                                  BasicConv2d(ch3x3red, ch3x3, kernel_size=3, padding=1))
        # torchvision's "5×5" branch has a 3×3 conv (see the module docstring).
        self.branch3 = Sequential(BasicConv2d(in_channels, ch5x5red, kernel_size=1),
                                  BasicConv2d(ch5x5red, ch5x5, kernel_size=3, padding=1))
        self.branch4 = Sequential(MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
                                  BasicConv2d(in_channels, pool_proj, kernel_size=1))

    def forward(self, x: Tensor) -> Tensor:
        branches = (self.branch1, self.branch2, self.branch3, self.branch4)
        return mg.cat([branch(x) for branch in branches], axis=1)


class InceptionAux(Module):
    """Auxiliary classifier on an intermediate map (§5): average pool to 4×4, 1×1 conv to
    128 channels, FC 2048 -> 1024, ReLU, dropout 0.7, FC -> classes.

    Shapes: (N, in_channels, H, W) -> (N, num_classes).
    """

    def __init__(self, in_channels: int, num_classes: int, dropout: float = 0.7) -> None:
        super().__init__()
        self.pool = AdaptiveAvgPool2d((4, 4))
        self.conv = BasicConv2d(in_channels, 128, kernel_size=1)
        self.flatten = Flatten(1)
        self.fc1 = Linear(128 * 4 * 4, 1024)
        self.relu = ReLU(inplace=True)
        self.dropout = Dropout(dropout)
        self.fc2 = Linear(1024, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = self.flatten(self.conv(self.pool(x)))
        return self.fc2(self.dropout(self.relu(self.fc1(x))))


class GoogLeNetOutputs(NamedTuple):
    """What GoogLeNet returns in training mode with ``aux_logits=True`` (torchvision's order)."""

    logits: Tensor
    aux_logits2: Tensor
    aux_logits1: Tensor


class GoogLeNet(Module):
    """Stem -> Inception 3a-3b -> pool -> 4a-4e -> pool -> 5a-5b -> global pool -> ``fc``.

    Shapes: (N, in_channels, H, W) -> (N, num_classes) logits; in training mode with
    ``aux_logits`` a :class:`GoogLeNetOutputs` (the loss adds the auxiliary ones with
    weight 0.3, §5). The maps shrink by 32 (by 8 with ``small_input``).
    """

    def __init__(self, num_classes: int = 1000, aux_logits: bool = False, in_channels: int = 3,
                 small_input: bool = False, dropout: float = 0.2) -> None:
        super().__init__()
        self.aux_logits = aux_logits
        if small_input:
            # 28–64 px: a 3×3 stride-1 first conv and no first max pool, so 28 px reaches
            # the Inception modules at 14×14 (not 4×4) and ends at 4×4.
            self.conv1 = BasicConv2d(in_channels, 64, kernel_size=3, padding=1)
            self.maxpool1 = Identity()
        else:
            self.conv1 = BasicConv2d(in_channels, 64, kernel_size=7, stride=2, padding=3)
            # ceil_mode rounds the output size up, keeping a last partial window:
            # 112 -> 56 here (55 when rounding down), as in the paper's Table 1.
            self.maxpool1 = MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = BasicConv2d(64, 64, kernel_size=1)
        self.conv3 = BasicConv2d(64, 192, kernel_size=3, padding=1)
        self.maxpool2 = MaxPool2d(3, stride=2, ceil_mode=True)

        self.inception3a = Inception(192, 64, 96, 128, 16, 32, 32)
        self.inception3b = Inception(256, 128, 128, 192, 32, 96, 64)
        self.maxpool3 = MaxPool2d(3, stride=2, ceil_mode=True)

        self.inception4a = Inception(480, 192, 96, 208, 16, 48, 64)
        self.inception4b = Inception(512, 160, 112, 224, 24, 64, 64)
        self.inception4c = Inception(512, 128, 128, 256, 24, 64, 64)
        self.inception4d = Inception(512, 112, 144, 288, 32, 64, 64)
        self.inception4e = Inception(528, 256, 160, 320, 32, 128, 128)
        self.maxpool4 = MaxPool2d(2, stride=2, ceil_mode=True)

        self.inception5a = Inception(832, 256, 160, 320, 32, 128, 128)
        self.inception5b = Inception(832, 384, 192, 384, 48, 128, 128)

        if aux_logits:
            self.aux1 = InceptionAux(512, num_classes)
            self.aux2 = InceptionAux(528, num_classes)
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.flatten = Flatten(1)
        self.dropout = Dropout(dropout)
        self.fc = Linear(1024, num_classes)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """torchvision's initialisation: conv and FC weights from N(0, 0.01²) truncated
        to [−2, 2], BN γ = 1, β = 0 (FC biases keep Linear's default)."""
        for module in self.modules():
            if isinstance(module, (Conv2d, Linear)):
                init.trunc_normal_(module.weight, mean=0.0, std=0.01, a=-2.0, b=2.0)
            elif isinstance(module, BatchNorm2d):
                init.ones_(module.weight)
                init.zeros_(module.bias)

    def forward(self, x: Tensor) -> Tensor | GoogLeNetOutputs:
        x = self.maxpool1(self.conv1(x))
        x = self.maxpool2(self.conv3(self.conv2(x)))
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        x = self.inception4a(x)
        with_aux = self.aux_logits and self.training
        aux1 = self.aux1(x) if with_aux else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))
        aux2 = self.aux2(x) if with_aux else None
        x = self.maxpool4(self.inception4e(x))
        x = self.inception5b(self.inception5a(x))
        logits = self.fc(self.dropout(self.flatten(self.avgpool(x))))
        return GoogLeNetOutputs(logits, aux2, aux1) if with_aux else logits


@register_model
def googlenet(num_classes: int = 1000, aux_logits: bool = False, in_channels: int = 3,
              small_input: bool = False) -> GoogLeNet:
    """GoogLeNet (torchvision's BN variant); ``aux_logits=True`` adds the two auxiliary
    classifiers (``aux1`` after 4a, ``aux2`` after 4d), used in training only.

    ``small_input=True``: see :class:`GoogLeNet` (3×3 stride-1 conv1, no maxpool1).
    """
    return GoogLeNet(num_classes, aux_logits, in_channels, small_input)
