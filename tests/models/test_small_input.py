"""``small_input=True``: the zoo on 28 px grayscale (Fashion-MNIST) and 64 px RGB (Tiny
ImageNet) images: logits of the right shape, and the final maps the docstrings promise."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from layers import models
from layers.summary import summary
from zoo_cache import built

FASHION_MNIST, TINY_IMAGENET = (1, 28), (3, 64)  # (in_channels, side)

# name, kwargs, input, side of the last feature map (the nets downsample by 8; AlexNet's
# 3×3 stride-2 pools round down). One VGG per input: each build initialises ~130 M weights.
CASES = [
    ("alexnet", {}, FASHION_MNIST, 2),
    ("alexnet", {}, TINY_IMAGENET, 7),
    ("alexnet", {"variant": "paper"}, FASHION_MNIST, 2),
    ("alexnet", {"variant": "paper_ungrouped"}, TINY_IMAGENET, 7),
    ("vgg11", {}, FASHION_MNIST, 3),
    ("vgg16_bn", {}, TINY_IMAGENET, 8),
    ("resnet18", {}, FASHION_MNIST, 4),
    ("resnet18", {}, TINY_IMAGENET, 8),
    ("resnet50", {}, FASHION_MNIST, 4),
    ("resnet50", {}, TINY_IMAGENET, 8),
    ("mobilenet_v1", {}, FASHION_MNIST, 4),
    ("mobilenet_v1", {"width_mult": 0.25}, TINY_IMAGENET, 8),
    ("googlenet", {}, FASHION_MNIST, 4),
    ("googlenet", {}, TINY_IMAGENET, 8),
]


def last_map_side(report) -> int:
    """Side of the last (C, H, W) output before the global pooling."""
    maps = [row.output_shape for row in report.rows
            if len(row.output_shape) == 3 and row.type != "AdaptiveAvgPool2d"]
    return maps[-1][-1]


def case_id(case) -> str:
    name, kwargs, (channels, side), _ = case
    return "-".join([name, *map(str, kwargs.values()), f"{channels}x{side}x{side}"])


@pytest.mark.parametrize("name, kwargs, image, expected_side", CASES, ids=map(case_id, CASES))
def test_small_input_forward(name, kwargs, image, expected_side):
    in_channels, side = image
    mg.manual_seed(0)
    model = models.get_model(name, num_classes=10, in_channels=in_channels, small_input=True,
                             **kwargs)
    model.eval()
    with mg.no_grad():
        logits = model(mg.randn(2, in_channels, side, side))
    assert logits.shape == (2, 10)
    assert np.isfinite(logits.numpy()).all()
    assert last_map_side(summary(model, image + (side,))) == expected_side
    assert list(model.state_dict()) == list(built(name, **kwargs).state_dict())  # same keys


def test_googlenet_aux_heads_in_training():
    model = models.googlenet(num_classes=10, aux_logits=True, in_channels=1, small_input=True)
    outputs = model(mg.randn(2, 1, 28, 28))
    assert isinstance(outputs, models.GoogLeNetOutputs)
    assert [o.shape for o in outputs] == [(2, 10)] * 3
    outputs.logits.sum().backward()  # trains end to end
    assert model.conv1.conv.weight.grad is not None
    model.eval()
    assert model(mg.randn(2, 1, 28, 28)).shape == (2, 10)
