"""The default CNN of the training CLI: small, fast on a CPU, >91% on Fashion-MNIST.

Two VGG-style stages of two 3x3 conv + BatchNorm + ReLU layers each, a 2x2 max
pool after each stage, then a small fully connected head with dropout:

    (N, C, H, W) -> [conv-bn-relu x2, pool] w -> [conv-bn-relu x2, pool] 2w
                 -> adaptive avg pool to 7x7 -> FC 128 -> dropout -> FC num_classes
"""
from __future__ import annotations

from ..activation import ReLU
from ..container import Sequential
from ..conv import Conv2d
from ..dropout import Dropout
from ..flatten import Flatten
from ..linear import Linear
from ..normalization import BatchNorm2d
from ..pooling import AdaptiveAvgPool2d, MaxPool2d
from .registry import register_model


def _conv_bn_relu(c_in: int, c_out: int) -> list:
    return [Conv2d(c_in, c_out, 3, padding=1, bias=False), BatchNorm2d(c_out), ReLU()]


@register_model
def small_cnn(num_classes: int = 10, in_channels: int = 1, width: int = 16,
              dropout: float = 0.3, small_input: bool = True) -> Sequential:
    """A 4-conv BatchNorm CNN for 28-64 px images (about 0.2 M parameters at width 16).

    ``small_input`` is accepted for the zoo's common interface; this network is
    always built for small images."""
    return Sequential(
        *_conv_bn_relu(in_channels, width), *_conv_bn_relu(width, width), MaxPool2d(2),
        *_conv_bn_relu(width, 2 * width), *_conv_bn_relu(2 * width, 2 * width), MaxPool2d(2),
        AdaptiveAvgPool2d(7), Flatten(),
        Linear(2 * width * 49, 128), ReLU(), Dropout(dropout), Linear(128, num_classes))
