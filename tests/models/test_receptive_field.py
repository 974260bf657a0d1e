"""Receptive fields from ``summary`` against REFERENCE.md section 5 (google-research
receptive_field library and the recurrence), and the summary's rules on small nets."""
from __future__ import annotations

import pytest

import layers as nn
import minigrad as mg
from layers.summary import ReceptiveField, summary
from zoo_cache import summarized


def fields(report, types=("Conv2d", "MaxPool2d")):
    """(r, j, P) of every conv/pool row, height axis (all zoo kernels are square)."""
    return [(row.receptive_field.size[0], row.receptive_field.jump[0],
             row.receptive_field.padding[0]) for row in report.rows if row.type in types]


# conv1, pool1, conv2, pool2, conv3, conv4, conv5, pool5
ALEXNET_PAPER = [(11, 4, 0), (19, 8, 0), (51, 8, 16), (67, 16, 16), (99, 16, 32),
                 (131, 16, 48), (163, 16, 64), (195, 32, 64)]


def test_alexnet_paper():
    report = summarized("alexnet", 227, variant="paper")
    assert fields(report) == ALEXNET_PAPER
    conv5 = report["features.12"].receptive_field
    assert conv5.center(0) == 17  # REFERENCE test vector: conv5 output (0, 0) centred at 17
    assert conv5.start == (-64, -64)


def test_alexnet_torchvision_adds_two_to_every_padding():
    report = summarized("alexnet", 224)
    assert fields(report) == [(r, j, p + 2) for r, j, p in ALEXNET_PAPER]


def test_vgg16():
    by_layer = dict(zip(
        ["conv1_1", "conv1_2", "pool1", "conv2_1", "conv2_2", "pool2", "conv3_1", "conv3_2",
         "conv3_3", "pool3", "conv4_1", "conv4_2", "conv4_3", "pool4", "conv5_1", "conv5_2",
         "conv5_3", "pool5"], fields(summarized("vgg16", 224))))
    assert by_layer["conv1_2"] == (5, 1, 2)
    assert [by_layer[f"pool{i}"] for i in (1, 2, 3, 4)] == [(6, 2, 2), (16, 4, 6), (44, 8, 18),
                                                           (100, 16, 42)]
    assert by_layer["conv5_1"] == (132, 16, 58)
    assert by_layer["conv5_2"] == (164, 16, 74)
    assert by_layer["conv5_3"] == (196, 16, 90)
    assert by_layer["pool5"] == (212, 32, 90)
    assert summarized("vgg16", 224)["features.30"].receptive_field.center(0) == 15.5


def test_vgg16_bn_same_fields():
    assert fields(summarized("vgg16_bn", 224)) == fields(summarized("vgg16", 224))


def test_resnet50_paper_block_483():
    """He et al.'s bottleneck (stride on the 1×1): r = 483, j = 32 as in the RF library.
    The library's P is 239 because TF's SAME max pool pads only at the bottom/right;
    PyTorch's pads both sides by 1 (× jump 2), so P = 241 here."""
    final = summarized("resnet50", 224, stride_in_1x1=True)["layer4.2.conv3"].receptive_field
    assert final == ReceptiveField((483, 483), (32, 32), (241, 241))


def test_resnet50_torchvision_v1_5():
    """torchvision strides the 3×3 conv, where the stride no longer multiplies that
    conv's own kernel: each stage's first 3×3 adds 2·j instead of 2·2j (CALC: 427)."""
    report = summarized("resnet50", 224)
    final = report["layer4.2.conv3"].receptive_field
    assert (final.size, final.jump, final.padding) == ((427, 427), (32, 32), (213, 213))
    # the residual add merges main path (r = 427) and shortcut: the merge takes the larger
    assert report.rows[-3].name == "layer4.2.relu"
    assert report.rows[-3].receptive_field == final


def test_mobilenet_v1_315():
    """r = 315, j = 32 as in the RF library; P = 157 with timm's symmetric padding
    (the library's 126 comes from TF SAME padding, which pads stride-2 layers only at
    the bottom/right)."""
    report = summarized("mobilenet_v1", 224)
    assert report["blocks.4.1.conv_pw"].receptive_field == ReceptiveField(
        (315, 315), (32, 32), (157, 157))


def test_googlenet_concatenation_takes_the_largest_branch():
    report = summarized("googlenet", 224)
    branch2 = report["inception5b.branch2.1.conv"].receptive_field
    assert branch2.size == (379, 379)
    # 5b's input is 5a's concatenation: the largest of 5a's branches (its 3×3s)
    assert report["inception5b.branch1.conv"].receptive_field == \
        report["inception5a.branch2.1.conv"].receptive_field
    assert report["fc"].receptive_field is None


# ---- the rules, on small nets -----------------------------------------------------------
def test_stacked_3x3_convs_see_like_one_big_conv():
    for depth in (2, 3):
        stack = nn.Sequential(*[nn.Conv2d(1, 1, 3, padding=1, bias=False) for _ in range(depth)])
        big = nn.Conv2d(1, 1, 2 * depth + 1, padding=depth, bias=False)
        stack_rf = summary(stack, (1, 16, 16)).rows[-1].receptive_field
        big_report = summary(big, (1, 16, 16))
        assert stack_rf == big_report.rows[-1].receptive_field
        assert stack_rf.size == (2 * depth + 1,) * 2
        assert summary(stack, (1, 16, 16)).total_params == 9 * depth
        assert big_report.total_params == (2 * depth + 1) ** 2


def test_dilation_stride_and_non_square_kernels():
    net = nn.Sequential(nn.Conv2d(1, 2, 3, dilation=2, padding=2),     # k' = 5
                        nn.AvgPool2d(2),                                # stride 2
                        nn.Conv2d(2, 2, (1, 3), padding=(0, 1)),
                        nn.MaxPool2d(3, stride=2, padding=1, dilation=2))  # k' = 5
    rfs = [row.receptive_field for row in summary(net, (1, 32, 32)).rows]
    assert rfs[0] == ReceptiveField((5, 5), (1, 1), (2, 2))
    assert rfs[1] == ReceptiveField((6, 6), (2, 2), (2, 2))
    assert rfs[2] == ReceptiveField((6, 10), (2, 2), (2, 4))
    assert rfs[3] == ReceptiveField((14, 18), (4, 4), (4, 6))
    assert "6×10" in str(summary(net, (1, 32, 32)))


class Residual(nn.Module):
    """x + conv3x3(conv3x3(x)) then ReLU, with a 1×1 conv on the shortcut."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(2, 2, 3, padding=1)
        self.b = nn.Conv2d(2, 2, 3, padding=1)
        self.shortcut = nn.Conv2d(2, 2, 1)
        self.relu = nn.ReLU()
        self.head = nn.Conv2d(2, 2, 3, padding=1)

    def forward(self, x):
        return self.head(self.relu(self.b(self.a(x)) + self.shortcut(x)))


def test_merge_takes_the_largest_input_field():
    report = summary(Residual(), (2, 8, 8))
    assert report["shortcut"].receptive_field.size == (1, 1)
    assert report["relu"].receptive_field.size == (5, 5)   # the add: max(5, 1)
    assert report["head"].receptive_field.size == (7, 7)


def test_global_layers_have_no_field():
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.AdaptiveAvgPool2d(2), nn.Flatten(),
                        nn.Linear(16, 3), nn.ReLU())
    rows = summary(net, (1, 10, 10)).rows
    assert rows[0].receptive_field.size == (3, 3)
    assert [row.receptive_field for row in rows[1:]] == [None] * 4
    same_size = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1), nn.AdaptiveAvgPool2d(5))
    assert summary(same_size, (1, 5, 5)).rows[1].receptive_field.size == (3, 3)
    linear_line = next(line for line in str(summary(net, (1, 10, 10))).splitlines()
                       if "Linear" in line)
    assert linear_line.split()[-3:] == ["-", "-", "-"]


def test_rows_macs_and_params():
    net = nn.Sequential(nn.Conv2d(4, 8, 3, padding=1, groups=2), nn.BatchNorm2d(8), nn.ReLU(),
                        nn.ConvTranspose2d(8, 2, 2, stride=2), nn.Flatten(),
                        nn.Linear(2 * 12 * 12, 5))
    report = summary(net, (4, 6, 6))
    assert [row.type for row in report.rows] == ["Conv2d", "BatchNorm2d", "ReLU",
                                                 "ConvTranspose2d", "Flatten", "Linear"]
    assert [row.output_shape for row in report.rows] == [(8, 6, 6), (8, 6, 6), (8, 6, 6),
                                                         (2, 12, 12), (288,), (5,)]
    assert [row.macs for row in report.rows] == [36 * 8 * 2 * 9, 0, 0, 36 * 8 * 2 * 4, 0,
                                                 288 * 5]
    assert [row.params for row in report.rows] == [8 * 2 * 9 + 8, 16, 0, 8 * 2 * 4 + 2, 0,
                                                   288 * 5 + 5]
    assert report.total_params == sum(row.params for row in report.rows)
    assert report.rows[3].receptive_field is None  # transposed conv: geometry not tracked


def test_summary_restores_modes_and_removes_hooks():
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Dropout(0.5))
    net.train()
    net[2].eval()
    net[1].weight.requires_grad_(False)
    report = summary(net, (1, 5, 5))
    assert [m.training for m in net.modules()] == [True, True, True, False]
    assert all(not m._forward_hooks for m in net.modules())
    assert report.trainable_params == report.total_params - 2
    assert int(net[1].num_batches_tracked.item()) == 0  # ran in eval mode
    text = str(report)
    assert "Total params: 24" in text and "Trainable params: 22" in text


def test_shared_module_called_twice_counts_params_once():
    conv = nn.Conv2d(2, 2, 3, padding=1)
    report = summary(nn.Sequential(conv, nn.ReLU(), conv), (2, 4, 4))
    assert len(report.rows) == 3
    assert report.total_params == 2 * 2 * 9 + 2
    assert report.total_macs == 2 * 16 * 2 * 2 * 9
    assert report.rows[2].receptive_field.size == (5, 5)


def test_summary_does_not_touch_the_random_stream():
    net = nn.Sequential(nn.Conv2d(1, 1, 3), nn.Dropout())
    mg.manual_seed(3)
    expected = mg.randn(4).numpy()
    mg.manual_seed(3)
    summary(net, (1, 5, 5))
    assert (mg.randn(4).numpy() == expected).all()


def test_unknown_row_name_raises():
    with pytest.raises(KeyError, match="no layer named 'fc9'"):
        summary(nn.Linear(2, 2), (2,))["fc9"]
