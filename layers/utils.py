"""Small helpers shared by the layers: dotted names, input-shape checks, default init."""
from __future__ import annotations

import math
from minigrad import init
from minigrad.tensor import Tensor

__all__ = ["check_input_shape", "default_init_", "join_name"]

# How an input of each rank is laid out, for error messages.
_LAYOUTS = {2: "(N, C)", 3: "(N, C, L)", 4: "(N, C, H, W)"}


def join_name(prefix: str, name: str) -> str:
    """Dotted path in a module tree: ``"features", "0" -> "features.0"``; ``"", "fc" -> "fc"``."""
    return f"{prefix}.{name}" if prefix else name


def check_input_shape(layer: object, x: Tensor, ndims: tuple[int, ...],
                      channels: int | None = None, channels_name: str = "num_features") -> None:
    """Raise ValueError, naming ``layer``, unless ``x`` has one of the ranks ``ndims`` and,
    if ``channels`` is given, that many channels on axis 1."""
    name = type(layer).__name__
    if x.ndim not in ndims:
        expected = " or ".join(f"{n}-D {_LAYOUTS[n]}" for n in ndims)
        raise ValueError(f"{name}: expected a {expected} input, got shape {tuple(x.shape)}")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"{name}: expected {channels} channels ({channels_name}) on axis 1 of "
                         f"the input, got shape {tuple(x.shape)} with {x.shape[1]}")


def default_init_(weight: Tensor, bias: Tensor | None) -> None:
    """PyTorch's default for Linear and Conv layers (their ``reset_parameters``).

    weight: ``kaiming_uniform_(a=√5)``, i.e. U(-b, b) with b = √3·√(2/(1+5))/√fan_in
    = 1/√fan_in; bias: U(-1/√fan_in, 1/√fan_in).
    """
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        init.uniform_(bias, -bound, bound)
