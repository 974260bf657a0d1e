"""Watch a network from the inside: activation and gradient statistics of chosen layers.

    monitor = LayerMonitor(model, layer_types=(nn.Linear,))
    with monitor:                       # hooks are attached inside the block only
        loss = F.cross_entropy(model(x), y)
        loss.backward()
    print(monitor.table())              # one row per layer, in model order
    rows = monitor.rows()               # the same as LayerStats dataclasses

For every chosen layer (a module whose type is in ``layer_types``, named as in
``model.named_modules()``) it records, for the *last* call of the layer:

* the output y (a forward hook): mean, std, L2 norm ‖y‖ = √Σy², the fraction of
  exact zeros (dead ReLUs), and the mean and variance of every channel (axis 1,
  i.e. over the batch and, for images, over H and W — what BatchNorm normalises);
* the gradient of the loss w.r.t. the output, ∂L/∂y (a full backward hook):
  the same four statistics. Backprop multiplies these by each layer's local
  Jacobian on the way down, so their norms show vanishing or exploding gradients;
* after backward, the norm ‖∂L/∂θ‖ of each of the layer's own parameters
  (read from ``.grad`` when ``rows()`` is called, so it includes any accumulation).

Over a whole training run it also keeps ‖∂L/∂y‖ of *every* backward pass, per layer
(``gradient_norms``), for a gradient-flow plot (:func:`minigrad.plot.gradient_flow`)::

    with LayerMonitor(model) as monitor:
        fit(model, loader, optimizer, epochs)
    gradient_flow({"my net": monitor.gradient_flow()}, "flow.png")   # conv1, conv2, fc1, …

The first layer's input usually needs no gradient; then its backward hook fires
with the output gradient only, and the hook machinery warns (as PyTorch does).
The monitor needs nothing more, so it silences that warning while attached.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from minigrad import backend
from minigrad.tensor import Tensor

from .conv import Conv2d
from .hooks import ForwardHook, FullBackwardHook, Grads, RemovableHandle
from .linear import Linear
from .module import Module

_NO_INPUT_GRAD_WARNING = "Full backward hook is firing when gradients are computed"
# What the forward hook keeps per layer: output shape, TensorStats, channel means, variances.
_ForwardRecord = tuple[tuple[int, ...], "TensorStats", np.ndarray, np.ndarray]


@dataclass(frozen=True)
class TensorStats:
    """Summary of one tensor: mean, standard deviation (population, ddof=0), L2 norm
    √Σv² over all elements, and the fraction of elements exactly equal to zero."""
    mean: float
    std: float
    norm: float
    zero_fraction: float

    @classmethod
    def of(cls, values: np.ndarray) -> TensorStats:
        """Statistics of a host array of any shape (computed in float64)."""
        values = np.asarray(values, dtype=np.float64)
        return cls(mean=float(values.mean()), std=float(values.std()), norm=l2_norm(values),
                   zero_fraction=float(np.mean(values == 0)))


@dataclass(frozen=True)
class LayerStats:
    """One row of the monitor's table: what one layer did in the last forward/backward.

    channel_mean, channel_var: shape (C,), the mean and the (biased) variance of each
        output channel over every other axis — for (N, C, H, W) over N, H and W.
    grad_output: statistics of ∂L/∂y, or None if no backward has reached the layer.
    param_grad_norms: ‖∂L/∂θ‖ for each own parameter θ (``"weight"``, ``"bias"``, ...)
        that has a ``.grad``.
    """
    name: str
    type: str
    output_shape: tuple[int, ...]
    activation: TensorStats
    channel_mean: np.ndarray
    channel_var: np.ndarray
    grad_output: TensorStats | None
    param_grad_norms: dict[str, float]

    @property
    def weight_grad_norm(self) -> float | None:
        """‖∂L/∂W‖ of the layer's ``weight``, or None (no weight, or no gradient yet)."""
        return self.param_grad_norms.get("weight")


def l2_norm(values: np.ndarray) -> float:
    """√Σv² over every element (the Frobenius norm), computed in float64."""
    return float(np.sqrt(np.square(np.asarray(values, dtype=np.float64)).sum()))


def channel_moments(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and biased variance of an (N, C, ...) array: reduce every axis but 1.

    A 1-D array is treated as one channel."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim < 2:
        return np.array([values.mean()]), np.array([values.var()])
    axes = tuple(a for a in range(values.ndim) if a != 1)
    return values.mean(axis=axes), values.var(axis=axes)


def _host(t: Tensor) -> np.ndarray:
    return backend.to_numpy(t.data)


class LayerMonitor:
    """Records activation and gradient statistics of a model's layers (see the module doc).

    Args:
        model: the network; its layers are found with ``named_modules()``.
        layer_types: which module types to watch (default: Linear and Conv2d).

    Use ``with LayerMonitor(model) as monitor: ...`` or ``attach()`` / ``detach()``.
    The recordings survive ``detach()``; ``clear()`` forgets them.
    """

    def __init__(self, model: Module,
                 layer_types: Sequence[type] | type = (Linear, Conv2d)) -> None:
        types = tuple(layer_types) if isinstance(layer_types, (tuple, list)) else (layer_types,)
        self.layers: list[tuple[str, Module]] = [
            (name or type(model).__name__, module) for name, module in model.named_modules()
            if isinstance(module, types)]
        if not self.layers:
            names = ", ".join(t.__name__ for t in types)
            raise ValueError(f"LayerMonitor: the model has no layer of type {names}")
        self._handles: list[RemovableHandle] = []
        self._warnings: warnings.catch_warnings | None = None
        self._forward: dict[str, _ForwardRecord] = {}
        self._backward: dict[str, TensorStats] = {}
        # ‖∂L/∂y‖ of every backward pass since the last clear(), per layer name
        self.gradient_norms: dict[str, list[float]] = {name: [] for name, _ in self.layers}

    # ---- attaching ------------------------------------------------------------------------------
    def attach(self) -> LayerMonitor:
        """Register a forward hook and a full backward hook on every watched layer."""
        if self._handles:
            raise RuntimeError("LayerMonitor is already attached")
        for name, module in self.layers:
            self._handles.append(module.register_forward_hook(self._forward_hook(name)))
            self._handles.append(module.register_full_backward_hook(self._backward_hook(name)))
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.filterwarnings("ignore", message=_NO_INPUT_GRAD_WARNING)
        return self

    def detach(self) -> None:
        """Remove every hook (the recordings are kept)."""
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
        if self._warnings is not None:
            self._warnings.__exit__(None, None, None)
            self._warnings = None

    def __enter__(self) -> LayerMonitor:
        return self.attach()

    def __exit__(self, *exc: object) -> None:
        self.detach()

    def clear(self) -> None:
        """Forget everything recorded so far."""
        self._forward.clear()
        self._backward.clear()
        for norms in self.gradient_norms.values():
            norms.clear()

    # ---- the hooks ------------------------------------------------------------------------------
    def _forward_hook(self, name: str) -> ForwardHook:
        def record(module: Module, inputs: tuple[Tensor, ...], output: Tensor) -> None:
            y = _host(output)
            self._forward[name] = (tuple(y.shape), TensorStats.of(y), *channel_moments(y))
        return record

    def _backward_hook(self, name: str) -> FullBackwardHook:
        def record(module: Module, grad_input: Grads, grad_output: Grads) -> None:
            if grad_output[0] is not None:
                self._backward[name] = stats = TensorStats.of(_host(grad_output[0]))
                self.gradient_norms[name].append(stats.norm)
        return record

    # ---- results --------------------------------------------------------------------------------
    def rows(self) -> list[LayerStats]:
        """One :class:`LayerStats` per watched layer that has run forward, in model order."""
        rows = []
        for name, module in self.layers:
            if name not in self._forward:
                continue
            shape, activation, channel_mean, channel_var = self._forward[name]
            grad_norms = {p_name: l2_norm(_host(p.grad))
                          for p_name, p in module.named_parameters(recurse=False)
                          if p.grad is not None}
            rows.append(LayerStats(name, type(module).__name__, shape, activation, channel_mean,
                                   channel_var, self._backward.get(name), grad_norms))
        return rows

    def table(self) -> str:
        """The rows as a fixed-width text table (norms are L2 norms)."""
        return format_table(self.rows())

    def labels(self) -> dict[str, str]:
        """Readable names for the watched layers, numbered per kind in model order:
        ``{"0": "conv1", "3": "conv2", "8": "fc1"}`` (see :func:`layer_labels`)."""
        return layer_labels(self.layers)

    def gradient_flow(self) -> dict[str, list[float]]:
        """``{readable layer name: [‖∂L/∂y‖ of every backward pass]}``, in model order."""
        labels = self.labels()
        return {labels[name]: list(norms) for name, norms in self.gradient_norms.items()}


# Short names of layer kinds for labels; other kinds use their class name in lower case.
_SHORT_NAMES = {"Conv2d": "conv", "Linear": "fc", "BatchNorm2d": "bn", "BatchNorm1d": "bn"}


def layer_labels(layers: Sequence[tuple[str, Module]]) -> dict[str, str]:
    """``{module path: kind + number}`` — the k-th Conv2d is ``conv{k}``, the k-th Linear
    ``fc{k}`` — so plots say "conv4" instead of "module 10"."""
    counts: dict[str, int] = {}
    labels = {}
    for name, module in layers:
        kind = _SHORT_NAMES.get(type(module).__name__, type(module).__name__.lower())
        counts[kind] = counts.get(kind, 0) + 1
        labels[name] = f"{kind}{counts[kind]}"
    return labels


def format_table(rows: Sequence[LayerStats]) -> str:
    """Render monitor rows: output statistics, ∂L/∂y statistics and ‖∂L/∂W‖ per layer."""
    header = (f"{'layer':<14} {'type':<12} {'output':>14} {'mean':>10} {'std':>10} "
              f"{'‖y‖':>10} {'zeros':>6} {'std ∂L/∂y':>10} {'‖∂L/∂y‖':>10} {'‖∂L/∂W‖':>10}")
    lines = [header, "-" * len(header)]
    for row in rows:
        a, g, w = row.activation, row.grad_output, row.weight_grad_norm
        shape = "×".join(map(str, row.output_shape))
        lines.append(
            f"{row.name:<14} {row.type:<12} {shape:>14} {a.mean:>10.3g} {a.std:>10.3g} "
            f"{a.norm:>10.3g} {a.zero_fraction:>6.1%} "
            f"{_fmt(g.std if g else None):>10} {_fmt(g.norm if g else None):>10} {_fmt(w):>10}")
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"
