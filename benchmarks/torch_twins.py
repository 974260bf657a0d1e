"""The zoo's networks written in plain ``torch.nn``, layer for layer as in ``layers.models``
(torchvision is not needed). The benchmarks check each twin's parameter count against
minigrad's before timing, so the two frameworks are known to run the same architecture.
"""
from __future__ import annotations


def small_cnn(torch, width: int = 16, num_classes: int = 10):
    """``layers.models.small_cnn``: 4 conv-BN-ReLU, 2 max pools, a 2-layer head."""
    nn = torch.nn

    def block(c_in, c_out):
        return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]
    return nn.Sequential(*block(1, width), *block(width, width), nn.MaxPool2d(2),
                         *block(width, 2 * width), *block(2 * width, 2 * width), nn.MaxPool2d(2),
                         nn.AdaptiveAvgPool2d(7), nn.Flatten(), nn.Linear(2 * width * 49, 128),
                         nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, num_classes))


def resnet18(torch, num_classes: int = 10):
    """``layers.models.resnet18`` (7×7/2 stem and max pool, BasicBlocks 2-2-2-2)."""
    nn = torch.nn

    class BasicBlock(nn.Module):
        def __init__(self, c_in, planes, stride=1):
            super().__init__()
            self.conv1 = nn.Conv2d(c_in, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = None
            if stride != 1 or c_in != planes:
                self.downsample = nn.Sequential(nn.Conv2d(c_in, planes, 1, stride, bias=False),
                                                nn.BatchNorm2d(planes))

        def forward(self, x):
            out = torch.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return torch.relu(out + (x if self.downsample is None else self.downsample(x)))

    stages, c_in = [], 64
    for index, width in enumerate((64, 128, 256, 512)):
        stride = 1 if index == 0 else 2
        stages += [BasicBlock(c_in, width, stride), BasicBlock(width, width)]
        c_in = width
    return nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
                         nn.MaxPool2d(3, 2, 1), *stages, nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(512, num_classes))


def mobilenet_v1(torch, num_classes: int = 10):
    """``layers.models.mobilenet_v1`` at width 1.0 (3×3/2 stem, 13 separable blocks)."""
    nn = torch.nn

    def conv_bn(c_in, c_out, kernel, stride, groups):
        return [nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, groups=groups, bias=False),
                nn.BatchNorm2d(c_out), nn.ReLU6()]

    layers, c_in = conv_bn(3, 32, 3, 2, 1), 32
    for blocks, c_out, stride in ((1, 64, 1), (2, 128, 2), (2, 256, 2), (6, 512, 2), (2, 1024, 2)):
        for index in range(blocks):
            layers += conv_bn(c_in, c_in, 3, stride if index == 0 else 1, c_in)
            layers += conv_bn(c_in, c_out, 1, 1, 1)
            c_in = c_out
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(1024, num_classes))


def vgg11_bn_small_input(torch, num_classes: int = 10):
    """``layers.models.vgg11_bn(small_input=True)``: no pools after stages 4 and 5."""
    nn = torch.nn
    layers, c_in = [], 3
    for stage, (width, depth) in enumerate(zip((64, 128, 256, 512, 512), (1, 1, 2, 2, 2))):
        for _ in range(depth):
            layers += [nn.Conv2d(c_in, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU()]
            c_in = width
        layers.append(nn.Identity() if stage in (3, 4) else nn.MaxPool2d(2, 2))
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(7), nn.Flatten(),
                         nn.Linear(512 * 49, 4096), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(4096, num_classes))
