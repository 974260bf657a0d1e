"""Weight initialisation, in place on a Tensor's ``.data`` (PyTorch's ``torch.nn.init``).

Every function draws from the global generator (:func:`minigrad.random.generator`,
seeded by ``mg.manual_seed``) on the host, then writes the values into the
tensor on its own device; dtype and device are preserved. They return the tensor.

Fan in / fan out of a weight (``_calculate_fan_in_and_fan_out``):

* Linear weight ``(out_features, in_features)``: fan_in = in, fan_out = out.
* Conv weight ``(C_out, C_in/groups, kH, kW)``: fan_in = C_in/groups·kH·kW,
  fan_out = C_out·kH·kW.

The three schemes of the lecture, each one call for a whole model:

* :func:`init_alexnet_` — N(0, 0.01²) weights, biases 1 (Krizhevsky et al. 2012, §5).
* :func:`init_xavier_` — Var(W) = 2 / (fan_in + fan_out) (Glorot & Bengio 2010, eq. 16).
* :func:`init_kaiming_` — Var(W) = gain² / fan_in, gain √2 for ReLU (He et al. 2015, eq. 10).
"""
from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING, Callable, Iterator

import numpy as np

from . import backend, random
from .tensor import Tensor

if TYPE_CHECKING:  # layers sits a floor above the core; only type checkers read this
    from layers import Module

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d",
               "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")


# ---- gains and fans ----------------------------------------------------------------------
def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (PyTorch's table).

    linear / conv / sigmoid: 1; tanh: 5/3; relu: √2;
    leaky_relu: √(2 / (1 + negative_slope²)) with ``param`` the slope (default 0.01);
    selu: 3/4.
    """
    if nonlinearity in _LINEAR_FNS or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, numbers.Real) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(t: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel); see the module docstring."""
    if t.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than "
                         f"2 dimensions (got shape {t.shape})")
    receptive_field = math.prod(t.shape[2:])
    return t.shape[1] * receptive_field, t.shape[0] * receptive_field


def _calculate_correct_fan(t: Tensor, mode: str) -> int:
    """fan_in or fan_out of ``t`` as ``mode`` says."""
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(t)
    return fan_in if mode == "fan_in" else fan_out


# ---- basic fills --------------------------------------------------------------------------
def _fill(t: Tensor, values: np.ndarray) -> Tensor:
    """Write host ``values`` into ``t.data`` in place: cast to t's dtype, on t's device
    (an in-place change: graphs that saved t refuse to backward, as in PyTorch)."""
    t.data[...] = backend.to_device(values, t.device)
    t._bump_version()
    return t


def uniform_(t: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill ``t`` with samples from U(a, b)."""
    return _fill(t, random.generator().uniform(a, b, t.shape))


def normal_(t: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill ``t`` with samples from N(mean, std²)."""
    return _fill(t, random.generator().normal(mean, std, t.shape))


def trunc_normal_(t: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0) -> Tensor:
    """Fill ``t`` with N(mean, std²) samples restricted to [a, b] (absolute bounds).

    Rejection sampling: redraw every value outside [a, b] until none is left,
    which gives exactly the truncated distribution (slow only if [a, b] holds
    little of the probability mass).
    """
    if not a < b:
        raise ValueError(f"trunc_normal_: need a < b, got a={a}, b={b}")
    rng = random.generator()
    values = rng.normal(mean, std, t.shape)
    outside = (values < a) | (values > b)
    while outside.any():
        values[outside] = rng.normal(mean, std, int(outside.sum()))
        outside = (values < a) | (values > b)
    return _fill(t, values)


def constant_(t: Tensor, val: float) -> Tensor:
    """Fill ``t`` with ``val``."""
    t.data[...] = val
    t._bump_version()
    return t


def zeros_(t: Tensor) -> Tensor:
    """Fill ``t`` with 0."""
    return constant_(t, 0)


def ones_(t: Tensor) -> Tensor:
    """Fill ``t`` with 1."""
    return constant_(t, 1)


# ---- variance-scaling initialisers --------------------------------------------------------
def xavier_uniform_(t: Tensor, gain: float = 1.0) -> Tensor:
    """U(-a, a) with a = gain·√(6 / (fan_in + fan_out)) (Glorot & Bengio 2010)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(t)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    bound = math.sqrt(3.0) * std  # U(-a, a) has std a/√3
    return uniform_(t, -bound, bound)


def xavier_normal_(t: Tensor, gain: float = 1.0) -> Tensor:
    """N(0, std²) with std = gain·√(2 / (fan_in + fan_out)) (Glorot & Bengio 2010)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(t)
    return normal_(t, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def _kaiming_std(t: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    """std = gain / √fan with gain = calculate_gain(nonlinearity, a) (He et al. 2015)."""
    fan = _calculate_correct_fan(t, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(t: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> Tensor:
    """U(-bound, bound) with bound = √3·gain/√fan.

    ``a``: the negative slope of the leaky ReLU that follows (only used when
    ``nonlinearity="leaky_relu"``). ``mode="fan_in"`` keeps the forward
    activations' variance, ``"fan_out"`` the backward gradients'.
    """
    if t.size == 0:
        return t
    bound = math.sqrt(3.0) * _kaiming_std(t, a, mode, nonlinearity)
    return uniform_(t, -bound, bound)


def kaiming_normal_(t: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> Tensor:
    """N(0, std²) with std = gain/√fan; arguments as in :func:`kaiming_uniform_`."""
    if t.size == 0:
        return t
    return normal_(t, 0.0, _kaiming_std(t, a, mode, nonlinearity))


# ---- whole-model schemes -------------------------------------------------------------------
def _weighted_layers(model: Module) -> Iterator[Module]:
    """Linear and conv layers of ``model``: every submodule (from ``model.modules()``)
    whose ``.weight`` is a 2-D (linear) or 4-D (conv) Tensor. Duck-typed so that
    ``minigrad`` never imports ``layers``; BatchNorm weights (1-D) are skipped."""
    for module in model.modules():
        weight = getattr(module, "weight", None)
        if isinstance(weight, Tensor) and weight.ndim in (2, 4):
            yield module


def _fill_bias(module: Module, value: float) -> None:
    bias = getattr(module, "bias", None)
    if bias is not None:
        constant_(bias, value)


def init_alexnet_(model: Module, std: float = 0.01, bias: float = 1.0) -> Module:
    """AlexNet's scheme: every conv/linear weight ~ N(0, std²), every bias = ``bias``.

    The paper (Krizhevsky et al. 2012, §5) sets the biases of conv2, conv4,
    conv5 and the fully connected layers to 1 (so ReLUs start with positive
    inputs) and the others to 0; for simplicity this sets them all to ``bias``.
    Returns ``model``.
    """
    for module in _weighted_layers(model):
        normal_(module.weight, 0.0, std)
        _fill_bias(module, bias)
    return model


def init_xavier_(model: Module, distribution: str = "uniform", gain: float = 1.0) -> Module:
    """Glorot/Xavier: conv/linear weights with Var = gain²·2/(fan_in + fan_out), biases 0.

    ``distribution``: ``"uniform"`` (the paper's "normalized initialization")
    or ``"normal"``. Returns ``model``.
    """
    fill = _pick(distribution, xavier_uniform_, xavier_normal_)
    for module in _weighted_layers(model):
        fill(module.weight, gain=gain)
        _fill_bias(module, 0.0)
    return model


def init_kaiming_(model: Module, nonlinearity: str = "relu", mode: str = "fan_in",
                  distribution: str = "normal") -> Module:
    """He/Kaiming: conv/linear weights with std = gain/√fan (√(2/fan_in) for ReLU), biases 0.

    ``distribution``: ``"normal"`` (as in the paper) or ``"uniform"``. Returns ``model``.
    """
    fill = _pick(distribution, kaiming_uniform_, kaiming_normal_)
    for module in _weighted_layers(model):
        fill(module.weight, mode=mode, nonlinearity=nonlinearity)
        _fill_bias(module, 0.0)
    return model


def _pick(distribution: str, uniform: Callable, normal: Callable) -> Callable:
    if distribution not in ("uniform", "normal"):
        raise ValueError(f"distribution must be 'uniform' or 'normal', got {distribution!r}")
    return uniform if distribution == "uniform" else normal
