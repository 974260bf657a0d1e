"""``mg.device``: PyTorch's ``torch.device`` over minigrad's device strings.

minigrad names devices with strings, ``"cpu"`` or ``"cuda:N"`` (``tensor.device`` is one).
PyTorch code writes ``torch.device("cuda")``; :class:`device` makes that work by *being* such
a string, normalised: it goes wherever a device string goes (``.to(...)``, ``device=``),
prints as one and compares equal to one, and has PyTorch's ``.type`` and ``.index``.

>>> import minigrad as mg
>>> mg.device("cpu") == "cpu", mg.device("cuda", 1)
(True, device(type='cuda', index=1))
>>> mg.tensor([1.0]).to(mg.device("cpu")).device
'cpu'
"""
from __future__ import annotations

from .backend import normalize_device


class device(str):  # noqa: N801 (PyTorch's name)
    """A device: ``device("cpu")``, ``device("cuda")`` (GPU 0), ``device("cuda:1")`` or
    ``device("cuda", 1)``. A ``str`` equal to its canonical name (``"cuda"`` becomes
    ``"cuda:0"``; unlike PyTorch, there is no index-less CUDA device)."""

    def __new__(cls, type: str, index: int | None = None) -> device:  # noqa: A002
        name = str(type) if index is None else f"{type}:{index}"
        return super().__new__(cls, normalize_device(name))

    @property
    def type(self) -> str:
        """``"cpu"`` or ``"cuda"``."""
        return self.partition(":")[0]

    @property
    def index(self) -> int | None:
        """The GPU number, or None on the CPU."""
        number = self.partition(":")[2]
        return int(number) if number else None

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"
