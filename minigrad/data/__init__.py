"""minigrad.data: datasets, transforms and the DataLoader (PyTorch/torchvision names).

::

    from minigrad.data import DataLoader, datasets, transforms as T
    train = datasets.FashionMNIST(train=True, transform=T.ToArray())
    for images, labels in DataLoader(train, batch_size=128, shuffle=True, seed=0):
        ...   # images: float32 Tensor (128, 1, 28, 28); labels: int64 Tensor (128,)
"""
from . import datasets, transforms
from .collate import stack_batch
from .dataset import ArrayDataset, Dataset, Subset
from .download import download_url
from .loader import DataLoader

__all__ = ["ArrayDataset", "DataLoader", "Dataset", "Subset", "datasets", "download_url",
           "stack_batch", "transforms"]
