"""ResNet (He, Zhang, Ren & Sun 2015), torchvision's layout ("ResNet v1.5").

A stem (7×7 stride-2 conv, BN, ReLU, 3×3 stride-2 max pool) is followed by four
stages (``layer1``..``layer4``, 64-128-256-512 base widths) of residual blocks, then
global average pooling and one FC layer (``fc``). Each block computes
``relu(F(x) + shortcut(x))`` (the paper's eq. 1): the shortcut is the identity, or a
1×1 conv + BN (``downsample``) when the block changes the stride or the channel count.

* ResNet-18/34 use :class:`BasicBlock` (two 3×3 convs).
* ResNet-50/101/152 use :class:`Bottleneck` (1×1 reduce, 3×3, 1×1 expand ×4). torchvision
  strides the 3×3 conv ("v1.5"); the paper strides the first 1×1 (pass
  ``stride_in_1x1=True``, :class:`PaperBottleneck`), which costs fewer MACs — R50
  3,857,973,248 instead of 4,089,184,256 — and sees a larger receptive field (483 vs 427 px).
"""
from __future__ import annotations

from minigrad import init
from minigrad.tensor import Tensor

from ..activation import ReLU
from ..container import Sequential
from ..conv import Conv2d
from ..linear import Identity, Linear
from ..module import Module
from ..normalization import BatchNorm2d
from ..pooling import AdaptiveAvgPool2d, MaxPool2d
from .registry import register_model


def conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> Conv2d:
    """3×3 conv, padding 1, no bias (the BN after it has one)."""
    return Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)


def conv1x1(in_channels: int, out_channels: int, stride: int = 1) -> Conv2d:
    """1×1 conv, no bias."""
    return Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)


class BasicBlock(Module):
    """relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), two 3×3 convs.

    Shapes: (N, in_channels, H, W) -> (N, planes, H/stride, W/stride).
    """

    expansion = 1

    def __init__(self, in_channels: int, planes: int, stride: int = 1,
                 downsample: Module | None = None) -> None:
        super().__init__()
        self.conv1 = conv3x3(in_channels, planes, stride)
        self.bn1 = BatchNorm2d(planes)
        self.relu = ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return self.relu(out + shortcut)


class Bottleneck(Module):
    """1×1 reduce to ``planes`` -> 3×3 -> 1×1 expand to ``4·planes``, each with BN; ReLU
    after the first two and after the residual add. The stride sits on the 3×3 conv.

    Shapes: (N, in_channels, H, W) -> (N, 4·planes, H/stride, W/stride).
    """

    expansion = 4
    stride_in_1x1 = False  # where the block's stride goes: the 3×3 conv here (v1.5)

    def __init__(self, in_channels: int, planes: int, stride: int = 1,
                 downsample: Module | None = None) -> None:
        super().__init__()
        stride_1x1, stride_3x3 = (stride, 1) if self.stride_in_1x1 else (1, stride)
        self.conv1 = conv1x1(in_channels, planes, stride_1x1)
        self.bn1 = BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride_3x3)
        self.bn2 = BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, planes * self.expansion)
        self.bn3 = BatchNorm2d(planes * self.expansion)
        self.relu = ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return self.relu(out + shortcut)


class PaperBottleneck(Bottleneck):
    """The original bottleneck (He et al. 2015, and Caffe's released models): the stride
    sits on the first 1×1 conv. Same parameters and state-dict keys as :class:`Bottleneck`."""

    stride_in_1x1 = True


Block = type[BasicBlock] | type[Bottleneck]


class ResNet(Module):
    """Stem -> ``layer1..4`` -> global average pool -> ``fc``.

    Shapes: (N, in_channels, H, W) -> (N, num_classes) logits. The feature maps
    shrink by 32 (by 8 with ``small_input``): 224 px -> 7×7 before the pooling.
    """

    def __init__(self, block: Block, blocks_per_stage: tuple[int, int, int, int],
                 num_classes: int = 1000, in_channels: int = 3,
                 small_input: bool = False) -> None:
        super().__init__()
        self.in_planes = 64  # channels entering the next block, updated by _make_stage
        if small_input:
            # For 28–64 px images (the CIFAR ResNets of He et al. §4.2): a 3×3 stride-1
            # stem and no max pool, so 28 px ends at 4×4 and 64 px at 8×8.
            self.conv1 = conv3x3(in_channels, 64)
        else:
            self.conv1 = Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = BatchNorm2d(64)
        self.relu = ReLU(inplace=True)
        self.maxpool = Identity() if small_input else MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_stage(block, 64, blocks_per_stage[0], stride=1)
        self.layer2 = self._make_stage(block, 128, blocks_per_stage[1], stride=2)
        self.layer3 = self._make_stage(block, 256, blocks_per_stage[2], stride=2)
        self.layer4 = self._make_stage(block, 512, blocks_per_stage[3], stride=2)
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.fc = Linear(512 * block.expansion, num_classes)
        self.reset_parameters()

    def _make_stage(self, block: Block, planes: int, num_blocks: int, stride: int) -> Sequential:
        """``num_blocks`` blocks; the first one applies ``stride`` and the channel change,
        so only it needs a projection shortcut."""
        out_channels = planes * block.expansion
        downsample = None
        if stride != 1 or self.in_planes != out_channels:
            downsample = Sequential(conv1x1(self.in_planes, out_channels, stride),
                                    BatchNorm2d(out_channels))
        blocks = [block(self.in_planes, planes, stride, downsample)]
        blocks += [block(out_channels, planes) for _ in range(num_blocks - 1)]
        self.in_planes = out_channels
        return Sequential(*blocks)

    def reset_parameters(self) -> None:
        """torchvision's initialisation: convs He-normal with fan_out (He et al. 2015),
        BatchNorm γ = 1, β = 0; ``fc`` keeps Linear's default."""
        for module in self.modules():
            if isinstance(module, Conv2d):
                init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, BatchNorm2d):
                init.ones_(module.weight)
                init.zeros_(module.bias)

    def forward(self, x: Tensor) -> Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.avgpool(x).flatten(1))


def bottleneck(stride_in_1x1: bool) -> type[Bottleneck]:
    """Which bottleneck: the paper's (stride on the 1×1) or torchvision's (on the 3×3)."""
    return PaperBottleneck if stride_in_1x1 else Bottleneck


# The public constructors. small_input=True: 3×3 stride-1 stem without max pool
# (see ResNet.__init__); state-dict keys unchanged, conv1.weight is (64, C, 3, 3).
@register_model
def resnet18(num_classes: int = 1000, in_channels: int = 3, small_input: bool = False) -> ResNet:
    """ResNet-18: 11,689,512 parameters, 1,814,073,344 MACs at 224 px."""
    return ResNet(BasicBlock, (2, 2, 2, 2), num_classes, in_channels, small_input)


@register_model
def resnet34(num_classes: int = 1000, in_channels: int = 3, small_input: bool = False) -> ResNet:
    """ResNet-34: 21,797,672 parameters, 3,663,761,408 MACs at 224 px."""
    return ResNet(BasicBlock, (3, 4, 6, 3), num_classes, in_channels, small_input)


@register_model
def resnet50(num_classes: int = 1000, in_channels: int = 3, small_input: bool = False,
             stride_in_1x1: bool = False) -> ResNet:
    """ResNet-50: 25,557,032 parameters, 4,089,184,256 MACs at 224 px
    (3,857,973,248 with ``stride_in_1x1=True``, the paper's block)."""
    return ResNet(bottleneck(stride_in_1x1), (3, 4, 6, 3), num_classes, in_channels,
                  small_input)


@register_model
def resnet101(num_classes: int = 1000, in_channels: int = 3, small_input: bool = False,
              stride_in_1x1: bool = False) -> ResNet:
    """ResNet-101: 44,549,160 parameters, 7,801,405,440 MACs at 224 px."""
    return ResNet(bottleneck(stride_in_1x1), (3, 4, 23, 3), num_classes, in_channels,
                  small_input)


@register_model
def resnet152(num_classes: int = 1000, in_channels: int = 3, small_input: bool = False,
              stride_in_1x1: bool = False) -> ResNet:
    """ResNet-152: 60,192,808 parameters, 11,513,626,624 MACs at 224 px."""
    return ResNet(bottleneck(stride_in_1x1), (3, 8, 36, 3), num_classes, in_channels,
                  small_input)
