"""AlexNet (Krizhevsky, Sutskever & Hinton 2012), in three variants.

* ``"torchvision"`` (default): torchvision's single-GPU AlexNet, from "One weird trick for
  parallelizing convolutional neural networks" (Krizhevsky 2014): 64-192-384-256-256
  channels, conv1 padding 2, no LRN. 61,100,840 parameters; 714,188,480 MACs at 224 px.
* ``"paper"``: the 2012 network as trained on two GPUs: 96-256-384-384-256 channels;
  conv2, conv4 and conv5 only see the kernel maps on their own GPU (``groups=2``, §3.2);
  local response normalisation after conv1 and conv2 (§3.3); 227×227 input (the paper
  says 224, but 55×55 maps after an 11×11 stride-4 conv without padding need 227).
  60,965,224 parameters; 724,406,816 MACs at 227 px.
* ``"paper_ungrouped"``: the paper's channels with every conv seeing all input maps:
  62,378,344 parameters (the lecture's "62.4 million"); 1,135,256,096 MACs at 227 px.

All three share torchvision's head: ``AdaptiveAvgPool2d(6)`` then
Dropout-FC6-ReLU-Dropout-FC7-ReLU-FC8 in ``classifier``, so FC6 is
(4096, 256·6·6) whatever the input size.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from minigrad.tensor import Tensor

from ..activation import ReLU
from ..container import Sequential
from ..conv import Conv2d
from ..dropout import Dropout
from ..linear import Linear
from ..module import Module
from ..normalization import LocalResponseNorm
from ..pooling import AdaptiveAvgPool2d, MaxPool2d
from .registry import register_model


@dataclass(frozen=True)
class ConvSpec:
    """One conv stage of ``features``: Conv2d -> ReLU [-> LRN] [-> MaxPool2d(3, 2)]."""

    out_channels: int
    kernel_size: int
    stride: int = 1
    padding: int = 0
    groups: int = 1
    lrn: bool = False    # local response normalisation after the ReLU (§3.3)
    pool: bool = False   # overlapping max pooling, 3×3 windows at stride 2 (§3.4)


VARIANTS: dict[str, tuple[ConvSpec, ...]] = {
    "torchvision": (
        ConvSpec(64, 11, stride=4, padding=2, pool=True),
        ConvSpec(192, 5, padding=2, pool=True),
        ConvSpec(384, 3, padding=1),
        ConvSpec(256, 3, padding=1),
        ConvSpec(256, 3, padding=1, pool=True),
    ),
    "paper": (
        ConvSpec(96, 11, stride=4, lrn=True, pool=True),
        ConvSpec(256, 5, padding=2, groups=2, lrn=True, pool=True),
        ConvSpec(384, 3, padding=1),               # conv3 sees both GPUs' maps
        ConvSpec(384, 3, padding=1, groups=2),
        ConvSpec(256, 3, padding=1, groups=2, pool=True),
    ),
}
VARIANTS["paper_ungrouped"] = tuple(dataclasses.replace(spec, groups=1)
                                    for spec in VARIANTS["paper"])

# For 28–64 px inputs conv1 becomes a 3×3 stride-1 conv: 11×11 at stride 4 would leave a
# 28 px image 6×6 after conv1 and nothing after pool2.
SMALL_INPUT_CONV1 = {"kernel_size": 3, "stride": 1, "padding": 1}


def local_response_norm() -> LocalResponseNorm:
    """The paper's LRN: b = a / (k + α·Σ a²)^β over n = 5 neighbouring maps, with k = 2,
    α = 1e-4, β = 0.75 (§3.3). PyTorch's (and minigrad's) layer divides α by n, so
    the paper's α·Σ is ``alpha = n · 1e-4``."""
    size = 5
    return LocalResponseNorm(size, alpha=size * 1e-4, beta=0.75, k=2.0)


def make_features(specs: tuple[ConvSpec, ...], in_channels: int) -> Sequential:
    """The conv part, (N, in_channels, H, W) -> (N, specs[-1].out_channels, H', W')."""
    layers: list[Module] = []
    for spec in specs:
        layers += [Conv2d(in_channels, spec.out_channels, spec.kernel_size, spec.stride,
                          spec.padding, groups=spec.groups),
                   ReLU(inplace=True)]
        if spec.lrn:
            layers.append(local_response_norm())
        if spec.pool:
            layers.append(MaxPool2d(kernel_size=3, stride=2))
        in_channels = spec.out_channels
    return Sequential(*layers)


class AlexNet(Module):
    """AlexNet: ``features`` (convs) -> ``avgpool`` to 6×6 -> ``classifier`` (three FCs).

    Shapes: (N, in_channels, H, W) -> (N, num_classes) logits.
    """

    def __init__(self, features: Sequential, feature_channels: int, num_classes: int = 1000,
                 dropout: float = 0.5) -> None:
        super().__init__()
        self.features = features
        self.avgpool = AdaptiveAvgPool2d((6, 6))
        self.classifier = Sequential(
            Dropout(dropout),
            Linear(feature_channels * 6 * 6, 4096),   # FC6
            ReLU(inplace=True),
            Dropout(dropout),
            Linear(4096, 4096),                       # FC7
            ReLU(inplace=True),
            Linear(4096, num_classes),                # FC8
        )

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


@register_model
def alexnet(num_classes: int = 1000, variant: str = "torchvision", in_channels: int = 3,
            small_input: bool = False) -> AlexNet:
    """AlexNet; ``variant`` is ``"torchvision"``, ``"paper"`` or ``"paper_ungrouped"``
    (see the module docstring). Weights keep PyTorch's default initialisation, as
    torchvision's do (``minigrad.init.init_alexnet_`` applies the paper's).

    ``small_input=True`` (28–64 px images): conv1 is 3×3 with stride 1 and padding 1, so
    the three max pools leave 2×2 (28 px) or 7×7 (64 px) maps; the adaptive pooling
    keeps the classifier's shapes. State-dict keys are unchanged; only conv1's kernel
    shape differs.
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown AlexNet variant {variant!r}; choose from "
                         f"{', '.join(VARIANTS)}")
    specs = VARIANTS[variant]
    if small_input:
        specs = (dataclasses.replace(specs[0], **SMALL_INPUT_CONV1),) + specs[1:]
    return AlexNet(make_features(specs, in_channels), specs[-1].out_channels, num_classes)
