"""state_dict keys and shapes equal torchvision's (timm's for MobileNetV1), written out
by hand from REFERENCE.md section 3, in torchvision's order."""
from __future__ import annotations

import numpy as np

from zoo_cache import built

BN = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


def bn(prefix: str, channels: int) -> list[tuple[str, tuple[int, ...]]]:
    """A BatchNorm's five entries; num_batches_tracked is 0-d."""
    return [(f"{prefix}.{name}", () if name == "num_batches_tracked" else (channels,))
            for name in BN]


def shapes(name: str, **kwargs) -> list[tuple[str, tuple[int, ...]]]:
    return [(key, value.shape) for key, value in built(name, **kwargs).state_dict().items()]


def test_alexnet():
    expected = [
        ("features.0.weight", (64, 3, 11, 11)), ("features.0.bias", (64,)),
        ("features.3.weight", (192, 64, 5, 5)), ("features.3.bias", (192,)),
        ("features.6.weight", (384, 192, 3, 3)), ("features.6.bias", (384,)),
        ("features.8.weight", (256, 384, 3, 3)), ("features.8.bias", (256,)),
        ("features.10.weight", (256, 256, 3, 3)), ("features.10.bias", (256,)),
        ("classifier.1.weight", (4096, 9216)), ("classifier.1.bias", (4096,)),
        ("classifier.4.weight", (4096, 4096)), ("classifier.4.bias", (4096,)),
        ("classifier.6.weight", (1000, 4096)), ("classifier.6.bias", (1000,)),
    ]
    assert shapes("alexnet") == expected
    assert len(expected) == 16


def test_alexnet_paper_grouped_shapes():
    paper = dict(shapes("alexnet", variant="paper"))
    assert paper["features.0.weight"] == (96, 3, 11, 11)
    assert paper["features.4.weight"] == (256, 48, 5, 5)     # groups=2: half the input maps
    assert paper["features.8.weight"] == (384, 256, 3, 3)    # conv3 sees both halves
    assert paper["features.10.weight"] == (384, 192, 3, 3)
    assert paper["features.12.weight"] == (256, 192, 3, 3)
    ungrouped = dict(shapes("alexnet", variant="paper_ungrouped"))
    assert ungrouped["features.4.weight"] == (256, 96, 5, 5)


VGG16_CONVS = [(0, 3, 64), (2, 64, 64), (5, 64, 128), (7, 128, 128), (10, 128, 256),
               (12, 256, 256), (14, 256, 256), (17, 256, 512), (19, 512, 512), (21, 512, 512),
               (24, 512, 512), (26, 512, 512), (28, 512, 512)]  # (index, C_in, C_out)
VGG_CLASSIFIER = [("classifier.0.weight", (4096, 25088)), ("classifier.0.bias", (4096,)),
                  ("classifier.3.weight", (4096, 4096)), ("classifier.3.bias", (4096,)),
                  ("classifier.6.weight", (1000, 4096)), ("classifier.6.bias", (1000,))]


def test_vgg16():
    expected = [entry for index, c_in, c_out in VGG16_CONVS
                for entry in ((f"features.{index}.weight", (c_out, c_in, 3, 3)),
                              (f"features.{index}.bias", (c_out,)))] + VGG_CLASSIFIER
    assert shapes("vgg16") == expected
    assert len(expected) == 32


def test_vgg16_bn():
    bn_indices = [0, 3, 7, 10, 14, 17, 20, 24, 27, 30, 34, 37, 40]
    expected = []
    for index, (_, c_in, c_out) in zip(bn_indices, VGG16_CONVS):
        expected += [(f"features.{index}.weight", (c_out, c_in, 3, 3)),
                     (f"features.{index}.bias", (c_out,))] + bn(f"features.{index + 1}", c_out)
    expected += VGG_CLASSIFIER
    assert shapes("vgg16_bn") == expected
    assert len(expected) == 97


def test_resnet18():
    expected = [("conv1.weight", (64, 3, 7, 7))] + bn("bn1", 64)
    in_channels = 64
    for stage, width in enumerate((64, 128, 256, 512), start=1):
        for block in (0, 1):
            prefix = f"layer{stage}.{block}"
            expected += [(f"{prefix}.conv1.weight", (width, in_channels, 3, 3))]
            expected += bn(f"{prefix}.bn1", width)
            expected += [(f"{prefix}.conv2.weight", (width, width, 3, 3))]
            expected += bn(f"{prefix}.bn2", width)
            if block == 0 and stage > 1:
                expected += [(f"{prefix}.downsample.0.weight", (width, width // 2, 1, 1))]
                expected += bn(f"{prefix}.downsample.1", width)
            in_channels = width
    expected += [("fc.weight", (1000, 512)), ("fc.bias", (1000,))]
    assert shapes("resnet18") == expected
    assert len(expected) == 122


def test_resnet50():
    expected = [("conv1.weight", (64, 3, 7, 7))] + bn("bn1", 64)
    in_channels = 64
    for stage, (width, blocks) in enumerate(zip((64, 128, 256, 512), (3, 4, 6, 3)), start=1):
        for block in range(blocks):
            prefix = f"layer{stage}.{block}"
            expected += [(f"{prefix}.conv1.weight", (width, in_channels, 1, 1))]
            expected += bn(f"{prefix}.bn1", width)
            expected += [(f"{prefix}.conv2.weight", (width, width, 3, 3))]
            expected += bn(f"{prefix}.bn2", width)
            expected += [(f"{prefix}.conv3.weight", (4 * width, width, 1, 1))]
            expected += bn(f"{prefix}.bn3", 4 * width)
            if block == 0:
                expected += [(f"{prefix}.downsample.0.weight", (4 * width, in_channels, 1, 1))]
                expected += bn(f"{prefix}.downsample.1", 4 * width)
            in_channels = 4 * width
    expected += [("fc.weight", (1000, 2048)), ("fc.bias", (1000,))]
    assert shapes("resnet50") == expected
    assert len(expected) == 320
    assert dict(expected)["layer1.0.downsample.0.weight"] == (256, 64, 1, 1)


def test_mobilenet_v1_timm_names():
    expected = [("conv_stem.weight", (32, 3, 3, 3))] + bn("bn1", 32)
    channels = 32
    for stage, (blocks, out_channels) in enumerate(((1, 64), (2, 128), (2, 256), (6, 512),
                                                    (2, 1024))):
        for block in range(blocks):
            prefix = f"blocks.{stage}.{block}"
            expected += [(f"{prefix}.conv_dw.weight", (channels, 1, 3, 3))]
            expected += bn(f"{prefix}.bn1", channels)
            expected += [(f"{prefix}.conv_pw.weight", (out_channels, channels, 1, 1))]
            expected += bn(f"{prefix}.bn2", out_channels)
            channels = out_channels
    expected += [("classifier.weight", (1000, 1024)), ("classifier.bias", (1000,))]
    assert shapes("mobilenet_v1") == expected
    assert len(expected) == 164


# torchvision's GoogLeNet Inception settings: in, 1x1, 3x3 reduce, 3x3, "5x5" reduce, "5x5", pool
INCEPTIONS = {"3a": (192, 64, 96, 128, 16, 32, 32), "3b": (256, 128, 128, 192, 32, 96, 64),
              "4a": (480, 192, 96, 208, 16, 48, 64), "4b": (512, 160, 112, 224, 24, 64, 64),
              "4c": (512, 128, 128, 256, 24, 64, 64), "4d": (512, 112, 144, 288, 32, 64, 64),
              "4e": (528, 256, 160, 320, 32, 128, 128), "5a": (832, 256, 160, 320, 32, 128, 128),
              "5b": (832, 384, 192, 384, 48, 128, 128)}


def basic_conv(prefix: str, c_out: int, c_in: int, kernel: int) -> list:
    return [(f"{prefix}.conv.weight", (c_out, c_in, kernel, kernel))] + bn(f"{prefix}.bn", c_out)


def test_googlenet():
    expected = (basic_conv("conv1", 64, 3, 7) + basic_conv("conv2", 64, 64, 1)
                + basic_conv("conv3", 192, 64, 3))
    for name, (c_in, c1, c3r, c3, c5r, c5, pool) in INCEPTIONS.items():
        prefix = f"inception{name}"
        expected += basic_conv(f"{prefix}.branch1", c1, c_in, 1)
        expected += basic_conv(f"{prefix}.branch2.0", c3r, c_in, 1)
        expected += basic_conv(f"{prefix}.branch2.1", c3, c3r, 3)
        expected += basic_conv(f"{prefix}.branch3.0", c5r, c_in, 1)
        expected += basic_conv(f"{prefix}.branch3.1", c5, c5r, 3)   # torchvision's 3×3
        expected += basic_conv(f"{prefix}.branch4.1", pool, c_in, 1)
    head = [("fc.weight", (1000, 1024)), ("fc.bias", (1000,))]
    assert shapes("googlenet") == expected + head
    assert len(expected + head) == 344
    aux = []
    for name, c_in in (("aux1", 512), ("aux2", 528)):
        aux += basic_conv(f"{name}.conv", 128, c_in, 1)
        aux += [(f"{name}.fc1.weight", (1024, 2048)), (f"{name}.fc1.bias", (1024,)),
                (f"{name}.fc2.weight", (1000, 1024)), (f"{name}.fc2.bias", (1000,))]
    assert shapes("googlenet", aux_logits=True) == expected + aux + head


def test_batch_norm_buffers_are_torchvision_typed():
    state = built("resnet18").state_dict()
    assert state["bn1.num_batches_tracked"].dtype == np.int64
    assert state["bn1.num_batches_tracked"].shape == ()
    assert all(v.dtype == np.float32 for k, v in state.items()
               if not k.endswith("num_batches_tracked"))


def test_googlenet_batch_norm_eps():
    assert built("googlenet").conv1.bn.eps == 0.001
    assert built("resnet18").bn1.eps == 1e-5
