"""The model zoo: classic ImageNet CNNs with torchvision's (timm's for MobileNetV1)
state-dict keys and shapes, so their published weights load unchanged.

    from layers import models
    model = models.resnet18(num_classes=10, in_channels=1, small_input=True)
    model = models.get_model("vgg16_bn")
    models.load_weights(model, "vgg16_bn.safetensors")

Every constructor takes ``num_classes``, ``in_channels=3`` and ``small_input=False``;
``small_input=True`` adapts the network to 28–64 px images (Fashion-MNIST, Tiny
ImageNet) by downsampling 8× instead of 32× — each model's docstring says how.
"""
from .alexnet import AlexNet, alexnet
from .googlenet import GoogLeNet, GoogLeNetOutputs, googlenet
from .mobilenet import MobileNetV1, mobilenet_v1
from .registry import get_model, list_models, register_model
from .small_cnn import small_cnn
from .resnet import BasicBlock, Bottleneck, PaperBottleneck, ResNet, resnet18, resnet34, \
    resnet50, resnet101, resnet152
from .vgg import VGG, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn
from .weights import load_weights

__all__ = [
    "AlexNet", "BasicBlock", "Bottleneck", "GoogLeNet", "GoogLeNetOutputs", "MobileNetV1",
    "PaperBottleneck", "ResNet", "VGG", "alexnet", "get_model", "googlenet", "list_models",
    "load_weights", "mobilenet_v1", "register_model", "resnet18", "resnet34", "resnet50",
    "resnet101", "resnet152", "small_cnn", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16",
    "vgg16_bn", "vgg19", "vgg19_bn",
]
