"""``layers``: the Module system and the neural-network layers (PyTorch's ``torch.nn``).

    import layers as nn
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))

Every layer computes with ``minigrad.functional``; names, constructor arguments,
default initialisation and ``state_dict`` keys follow PyTorch.
"""
from .activation import LeakyReLU, ReLU, ReLU6, Sigmoid, Softmax, Tanh
from .container import ModuleDict, ModuleList, Sequential
from .conv import Conv2d, ConvTranspose2d
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import CrossEntropyLoss, MSELoss, NLLLoss
from .module import IncompatibleKeys, Module
from .monitor import LayerMonitor
from .normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm, LocalResponseNorm
from .parameter import Parameter
from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d

from . import models
from .summary import Summary, summary

__all__ = [
    "AdaptiveAvgPool2d", "AvgPool2d", "BatchNorm1d", "BatchNorm2d", "Conv2d", "ConvTranspose2d",
    "CrossEntropyLoss", "Dropout", "Flatten", "GroupNorm", "Identity", "IncompatibleKeys",
    "LeakyReLU", "LayerMonitor", "LayerNorm", "Linear", "LocalResponseNorm", "MSELoss",
    "MaxPool2d", "Module", "ModuleDict", "ModuleList",
    "NLLLoss", "Parameter", "ReLU", "ReLU6", "Sequential", "Sigmoid", "Softmax", "Summary",
    "Tanh", "models", "summary",
]
