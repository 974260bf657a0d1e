"""``mg.backends``: the backend flags PyTorch programs check or set.

minigrad has no Apple-GPU (MPS) backend, so ``mg.backends.mps.is_available()`` is False and a
tutorial's ``"cuda" if ... else "mps" if mg.backends.mps.is_available() else "cpu"`` picks CUDA
or the CPU. minigrad does not use cuDNN (its GPU convolutions are im2col + cuBLAS and its own
kernels), so ``mg.backends.cudnn.is_available()`` is False and setting
``mg.backends.cudnn.benchmark`` or ``.deterministic`` is accepted and changes nothing.
"""
from __future__ import annotations

from types import SimpleNamespace

mps = SimpleNamespace(is_available=lambda: False, is_built=lambda: False)
cudnn = SimpleNamespace(is_available=lambda: False, enabled=False, benchmark=False,
                        deterministic=False)
