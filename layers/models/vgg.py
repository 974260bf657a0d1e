"""VGG (Simonyan & Zisserman 2015): five stages of 3×3 convs, each followed by a 2×2 max pool.

The configurations of the paper's Table 1 differ only in how many convs each stage has:

    VGG-11 (A) 1-1-2-2-2   VGG-13 (B) 2-2-2-2-2   VGG-16 (D) 2-2-3-3-3   VGG-19 (E) 2-2-4-4-4

with 64-128-256-512-512 channels. ``*_bn`` variants put a BatchNorm2d after every conv
(not in the paper; torchvision's). The layout and initialisation follow torchvision,
so its weights load unchanged: VGG-16 has 138,357,544 parameters, VGG-16-BN 138,365,992.
"""
from __future__ import annotations

from minigrad import init
from minigrad.tensor import Tensor

from ..activation import ReLU
from ..container import Sequential
from ..conv import Conv2d
from ..dropout import Dropout
from ..linear import Identity, Linear
from ..module import Module
from ..normalization import BatchNorm2d
from ..pooling import AdaptiveAvgPool2d, MaxPool2d
from .registry import register_model

STAGE_WIDTHS = (64, 128, 256, 512, 512)
STAGE_DEPTHS = {  # convs per stage, the paper's Table 1
    "A": (1, 1, 2, 2, 2),
    "B": (2, 2, 2, 2, 2),
    "D": (2, 2, 3, 3, 3),
    "E": (2, 2, 4, 4, 4),
}
# small_input: the pools after stages 4 and 5 become Identity, so the network downsamples
# by 8 instead of 32 (28 px -> 3×3, 64 px -> 8×8 maps instead of nothing / 2×2).
SMALL_INPUT_SKIPPED_POOLS = (3, 4)


def make_features(depths: tuple[int, ...], batch_norm: bool, in_channels: int,
                  small_input: bool) -> Sequential:
    """The conv part: (N, in_channels, H, W) -> (N, 512, H/32, W/32) (H/8 if small_input).

    Indices match torchvision's (conv, [bn,] relu, ..., pool), so ``features.0.weight``
    is the first conv; a skipped pool stays in the list as an Identity to keep them.
    """
    layers: list[Module] = []
    for stage, (width, depth) in enumerate(zip(STAGE_WIDTHS, depths)):
        for _ in range(depth):
            layers.append(Conv2d(in_channels, width, kernel_size=3, padding=1))
            if batch_norm:
                layers.append(BatchNorm2d(width))
            layers.append(ReLU(inplace=True))
            in_channels = width
        skip_pool = small_input and stage in SMALL_INPUT_SKIPPED_POOLS
        layers.append(Identity() if skip_pool else MaxPool2d(kernel_size=2, stride=2))
    return Sequential(*layers)


class VGG(Module):
    """VGG: ``features`` -> ``avgpool`` to 7×7 -> ``classifier`` (FC 4096-4096-classes).

    Shapes: (N, in_channels, H, W) -> (N, num_classes) logits.
    """

    def __init__(self, features: Sequential, num_classes: int = 1000,
                 dropout: float = 0.5) -> None:
        super().__init__()
        self.features = features
        self.avgpool = AdaptiveAvgPool2d((7, 7))
        self.classifier = Sequential(
            Linear(512 * 7 * 7, 4096),
            ReLU(inplace=True),
            Dropout(dropout),
            Linear(4096, 4096),
            ReLU(inplace=True),
            Dropout(dropout),
            Linear(4096, num_classes),
        )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """torchvision's initialisation: convs He-normal with fan_out (He et al. 2015),
        BatchNorm γ = 1, β = 0, FC weights N(0, 0.01²); every bias 0."""
        for module in self.modules():
            if isinstance(module, Conv2d):
                init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
                init.zeros_(module.bias)
            elif isinstance(module, BatchNorm2d):
                init.ones_(module.weight)
                init.zeros_(module.bias)
            elif isinstance(module, Linear):
                init.normal_(module.weight, 0.0, 0.01)
                init.zeros_(module.bias)

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


def build_vgg(config: str, batch_norm: bool, num_classes: int, in_channels: int,
              small_input: bool) -> VGG:
    """A VGG of configuration ``config`` ("A", "B", "D" or "E")."""
    return VGG(make_features(STAGE_DEPTHS[config], batch_norm, in_channels, small_input),
               num_classes)


# The public constructors. small_input=True: see SMALL_INPUT_SKIPPED_POOLS above.
@register_model
def vgg11(num_classes: int = 1000, in_channels: int = 3, small_input: bool = False) -> VGG:
    """VGG-11 (configuration A): 132,863,336 parameters."""
    return build_vgg("A", False, num_classes, in_channels, small_input)


@register_model
def vgg11_bn(num_classes: int = 1000, in_channels: int = 3, small_input: bool = False) -> VGG:
    """VGG-11 with BatchNorm after every conv."""
    return build_vgg("A", True, num_classes, in_channels, small_input)


@register_model
def vgg13(num_classes: int = 1000, in_channels: int = 3, small_input: bool = False) -> VGG:
    """VGG-13 (configuration B): 133,047,848 parameters."""
    return build_vgg("B", False, num_classes, in_channels, small_input)


@register_model
def vgg13_bn(num_classes: int = 1000, in_channels: int = 3, small_input: bool = False) -> VGG:
    """VGG-13 with BatchNorm after every conv."""
    return build_vgg("B", True, num_classes, in_channels, small_input)


@register_model
def vgg16(num_classes: int = 1000, in_channels: int = 3, small_input: bool = False) -> VGG:
    """VGG-16 (configuration D): 138,357,544 parameters, 15,470,264,320 MACs at 224 px."""
    return build_vgg("D", False, num_classes, in_channels, small_input)


@register_model
def vgg16_bn(num_classes: int = 1000, in_channels: int = 3, small_input: bool = False) -> VGG:
    """VGG-16 with BatchNorm after every conv: 138,365,992 parameters."""
    return build_vgg("D", True, num_classes, in_channels, small_input)


@register_model
def vgg19(num_classes: int = 1000, in_channels: int = 3, small_input: bool = False) -> VGG:
    """VGG-19 (configuration E): 143,667,240 parameters."""
    return build_vgg("E", False, num_classes, in_channels, small_input)


@register_model
def vgg19_bn(num_classes: int = 1000, in_channels: int = 3, small_input: bool = False) -> VGG:
    """VGG-19 with BatchNorm after every conv."""
    return build_vgg("E", True, num_classes, in_channels, small_input)
