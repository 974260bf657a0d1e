"""Extracting a network's intermediate features (for linear probes and transfer learning)."""
from __future__ import annotations

from typing import Iterable

import numpy as np

import minigrad as mg
from minigrad.tensor import Tensor

from .linear import Linear
from .module import Module


def classifier_input_layer(model: Module) -> str:
    """Name of the last Linear layer (the classifier head) of ``model``."""
    names = [name for name, m in model.named_modules() if isinstance(m, Linear)]
    if not names:
        raise ValueError(f"{type(model).__name__} has no Linear layer")
    return names[-1]


def extract_features(model: Module, loader: Iterable[tuple[Tensor, Tensor]],
                     layer: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Run ``model`` over ``loader`` once and keep what enters module ``layer``.

    layer: a name from ``model.named_modules()``; default the classifier head,
        so the features are the penultimate representation.
    Returns features (N, D) float32 (each sample flattened) and labels (N,) int64,
    computed in eval mode without a graph; the model's mode is restored.
    """
    layer = layer or classifier_input_layer(model)
    modules = dict(model.named_modules())
    if layer not in modules:
        raise KeyError(f"no layer named {layer!r}; choose one of {list(modules)[1:]}")
    captured: list[np.ndarray] = []

    def keep_input(module: Module, inputs: tuple[Tensor, ...], output: Tensor) -> None:
        captured.append(inputs[0].numpy().reshape(inputs[0].shape[0], -1))

    handle = modules[layer].register_forward_hook(keep_input)
    was_training = model.training
    model.eval()
    labels = []
    try:
        with mg.no_grad():
            for images, targets in loader:
                model(images)
                labels.append(targets.numpy())
    finally:
        handle.remove()
        model.train(was_training)
    return np.concatenate(captured).astype(np.float32), np.concatenate(labels).astype(np.int64)
