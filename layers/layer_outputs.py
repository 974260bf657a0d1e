"""``layer_outputs``: the full output maps of chosen layers, for many images at once.

Forward hooks (``register_forward_hook``) copy what the named modules output while the
images go through the model in eval mode, without autograd, a batch at a time::

    maps = layer_outputs(model, images, ["2", "12"])  # {"2": (N, 16, 28, 28), "12": ...}

The lesson on filter visualisation uses it for activation maps and for the units'
strongest responses. (``layers.features.extract_features`` gives flattened *inputs* of
one layer, e.g. the penultimate features for a linear probe; ``layers.monitor`` keeps
statistics only.)
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import minigrad as mg
from minigrad.tensor import Tensor

from .hooks import ForwardHook
from .module import Module


def layer_outputs(model: Module, images: np.ndarray, names: Sequence[str],
                  batch_size: int = 256) -> dict[str, np.ndarray]:
    """What each module in ``names`` outputs for ``images`` (N, C, H, W), in eval mode.

    names: module names as ``model.named_modules()`` gives them (e.g. ``"12"`` or
        ``"layer1.0.relu"``); a module called several times keeps its last output per batch.
    Returns ``{name: array (N, ...)}`` as host NumPy arrays. The model's train/eval mode
    is restored afterwards.
    """
    modules = dict(model.named_modules())
    missing = [name for name in names if name not in modules]
    if missing:
        raise KeyError(f"no module named {missing}; the model has {[n for n in modules if n]}")
    latest: dict[str, np.ndarray] = {}

    def keeper(name: str) -> ForwardHook:
        def keep(module: Module, inputs: tuple[Tensor, ...], output: Tensor) -> None:
            latest[name] = output.numpy().copy()  # a copy: a later in-place op may reuse it
        return keep

    collected: dict[str, list[np.ndarray]] = {name: [] for name in names}
    handles = [modules[name].register_forward_hook(keeper(name)) for name in names]
    was_training = model.training
    model.eval()
    try:
        with mg.no_grad():
            for start in range(0, len(images), batch_size):
                model(mg.tensor(images[start:start + batch_size]))
                for name in names:
                    collected[name].append(latest[name])
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    return {name: np.concatenate(parts) for name, parts in collected.items()}
