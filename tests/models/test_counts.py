"""Parameter counts and multiply-adds of the zoo against the published figures
(REFERENCE.md section 1: torchvision 0.28 / timm 1.0.31 models and exact CALC MACs)."""
from __future__ import annotations

import pytest

from layers import models
from zoo_cache import built, summarized

PARAMS = [
    ("alexnet", {}, 61_100_840),
    ("alexnet", {"variant": "paper"}, 60_965_224),
    ("alexnet", {"variant": "paper_ungrouped"}, 62_378_344),
    ("vgg16", {}, 138_357_544),
    ("vgg16_bn", {}, 138_365_992),
    ("resnet18", {}, 11_689_512),
    ("resnet34", {}, 21_797_672),
    ("resnet50", {}, 25_557_032),
    ("resnet101", {}, 44_549_160),
    ("resnet152", {}, 60_192_808),
    ("mobilenet_v1", {}, 4_231_976),
    ("mobilenet_v1", {"width_mult": 0.75}, 2_585_560),
    ("mobilenet_v1", {"width_mult": 0.5}, 1_331_592),
    ("mobilenet_v1", {"width_mult": 0.25}, 470_072),
    ("googlenet", {}, 6_624_904),
    ("googlenet", {"aux_logits": True}, 13_004_888),
]

# name, kwargs, input side, MACs for one image
MACS = [
    ("alexnet", {}, 224, 714_188_480),
    ("alexnet", {"variant": "paper"}, 227, 724_406_816),
    ("alexnet", {"variant": "paper_ungrouped"}, 227, 1_135_256_096),
    ("vgg16", {}, 224, 15_470_264_320),
    ("vgg16_bn", {}, 224, 15_470_264_320),
    ("resnet18", {}, 224, 1_814_073_344),
    ("resnet34", {}, 224, 3_663_761_408),
    ("resnet50", {}, 224, 4_089_184_256),
    ("resnet101", {}, 224, 7_801_405_440),
    ("resnet152", {}, 224, 11_513_626_624),
    # the paper's bottleneck (stride on the first 1×1) matches He et al. Table 1
    ("resnet50", {"stride_in_1x1": True}, 224, 3_857_973_248),
    ("mobilenet_v1", {}, 224, 568_740_352),
    ("mobilenet_v1", {"width_mult": 0.75}, 224, 325_400_448),
    ("mobilenet_v1", {"width_mult": 0.5}, 160, 76_524_800),
    ("mobilenet_v1", {"width_mult": 0.25}, 128, 13_570_048),
    ("googlenet", {}, 224, 1_498_376_192),
]


def _id(case: tuple) -> str:
    return "-".join([case[0], *(f"{k}={v}" for k, v in case[1].items()), *map(str, case[2:-1])])


@pytest.mark.parametrize("name, kwargs, expected", PARAMS, ids=map(_id, PARAMS))
def test_parameter_count(name, kwargs, expected):
    model = built(name, **kwargs)
    assert sum(p.numel() for p in model.parameters()) == expected


@pytest.mark.parametrize("name, kwargs, side, expected", MACS, ids=map(_id, MACS))
def test_multiply_adds(name, kwargs, side, expected):
    report = summarized(name, side, **kwargs)
    assert report.total_macs == expected
    assert report.total_params == report.trainable_params == sum(
        p.numel() for p in built(name, **kwargs).parameters())


def test_alexnet_fully_connected_layers():
    """FC6 = 6·6·256·4096 + 4096 and its neighbours (REFERENCE.md section 1)."""
    for variant in ("torchvision", "paper", "paper_ungrouped"):
        report = summarized("alexnet", 224 if variant == "torchvision" else 227, variant=variant)
        fc = [row.params for row in report.rows if row.type == "Linear"]
        assert fc == [37_752_832, 16_781_312, 4_097_000]
    convs = [row.params for row in summarized("alexnet", 227, variant="paper").rows
             if row.type == "Conv2d"]
    assert sum(convs) == 2_334_080


def test_vgg16_conv_and_fc_split():
    report = summarized("vgg16", 224)
    conv_params = sum(row.params for row in report.rows if row.type == "Conv2d")
    conv_macs = sum(row.macs for row in report.rows if row.type == "Conv2d")
    assert (conv_params, report.total_params - conv_params) == (14_714_688, 123_642_856)
    assert conv_macs == 15_346_630_656  # the MobileNets paper's "15300 M" is conv only


def test_vgg11():
    """torchvision's count (VGG-13 and VGG-19 differ only in the number of 3×3 convs, and
    each VGG build initialises ~130 M weights, so they are not built here)."""
    assert sum(p.numel() for p in built("vgg11").parameters()) == 132_863_336


def test_batch_norm_variants_add_gamma_beta_per_conv_channel():
    """VGG-*-BN = VGG + 2 parameters per conv output channel (γ and β), e.g. 8,448 for
    VGG16, checked on the conv parts only to avoid building four more classifiers."""
    from layers.models import vgg
    for config in vgg.STAGE_DEPTHS:
        plain, with_bn = (vgg.make_features(vgg.STAGE_DEPTHS[config], bn, 3, False)
                          for bn in (False, True))
        channels = sum(w * d for w, d in zip(vgg.STAGE_WIDTHS, vgg.STAGE_DEPTHS[config]))
        extra = sum(p.numel() for p in with_bn.parameters()) - sum(
            p.numel() for p in plain.parameters())
        assert extra == 2 * channels
        if config == "D":
            assert extra == 8_448


def test_num_classes_and_in_channels_change_only_the_ends():
    model = models.resnet18(num_classes=10, in_channels=1)
    shapes = {k: v.shape for k, v in model.state_dict().items()}
    assert shapes["conv1.weight"] == (64, 1, 7, 7)
    assert shapes["fc.weight"] == (10, 512)
    assert sum(p.numel() for p in model.parameters()) == (
        11_689_512 - 64 * 2 * 49 - 990 * 513)


def test_registry():
    names = models.list_models()
    assert names == sorted(names)
    assert {"alexnet", "vgg16_bn", "resnet152", "mobilenet_v1", "googlenet"} <= set(names)
    model = models.get_model("mobilenet_v1", width_mult=0.25, num_classes=7)
    assert isinstance(model, models.MobileNetV1)
    assert model.classifier.weight.shape == (7, 256)
    with pytest.raises(ValueError, match="unknown model 'resnet9'.*resnet18"):
        models.get_model("resnet9")
    with pytest.raises(ValueError, match="unknown AlexNet variant"):
        models.alexnet(variant="caffe")
