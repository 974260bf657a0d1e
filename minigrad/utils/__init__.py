"""``minigrad.utils``: PyTorch's ``torch.utils`` spelling, for code ported from PyTorch.

``minigrad.utils.data`` (``torch.utils.data``) is :mod:`minigrad.data`'s loading API. Like
``minigrad.data`` it is imported on first use (``mg.utils.data.DataLoader`` works after a
plain ``import minigrad``), so ``import minigrad`` still needs NumPy alone.
"""
import importlib
from types import ModuleType


def __getattr__(name: str) -> ModuleType:
    """``minigrad.utils.data``: imported the first time it is asked for."""
    if name == "data":
        return importlib.import_module(".data", __name__)
    raise AttributeError(f"module 'minigrad.utils' has no attribute '{name}'")
