"""Datasets that yield ``(image, label)`` with uint8 ``H×W`` or ``H×W×3`` images."""
from .decode import ImageDecodeError
from .fashion_mnist import FashionMNIST
from .idx import read_idx
from .image_folder import ImageFolder
from .tiny_imagenet import TinyImageNet

__all__ = ["FashionMNIST", "ImageDecodeError", "ImageFolder", "TinyImageNet", "read_idx"]
