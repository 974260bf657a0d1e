"""Adadelta: steps scaled by the ratio of running RMS updates to running RMS gradients."""
from __future__ import annotations

import numpy as np

from ..backend import Array, get_array_module
from .optimizer import (Optimizer, ParamGroup, Params, ParamState, check_non_negative,
                        direction_with_l2)


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, 2012), exactly as ``torch.optim.Adadelta``.

    For each parameter θ with gradient g::

        g ← -g                                   if maximize
        g ← g + λ θ                              if weight_decay != 0
        v ← ρ v + (1 - ρ) g²                     running mean of squared gradients
        Δ ← √(u + ε) / √(v + ε) · g              the update, in θ's units
        u ← ρ u + (1 - ρ) Δ²                     running mean of squared updates
        θ ← θ - γ Δ

    Args:
        params: Tensors or parameter groups (see :class:`Optimizer`).
        lr: γ, a factor on Δ (the method needs none: the default is 1.0).
        rho: ρ, the decay rate of both running means, in [0, 1].
        eps: ε, inside both square roots (it also sets the size of the first steps).
        weight_decay: λ (an L2 penalty added to the gradient).
        maximize: ascend the objective instead of descending it.

    State per parameter: ``"step"`` (a host float32 scalar array),
    ``"square_avg"`` (v) and ``"acc_delta"`` (u), shaped like the parameter.
    """

    def __init__(self, params: Params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, *, maximize: bool = False) -> None:
        check_non_negative(lr=lr, eps=eps, weight_decay=weight_decay)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, param: Array, grad: Array, state: ParamState, group: ParamGroup) -> None:
        xp = get_array_module(param)
        # Python floats keep float32 arrays float32 (a NumPy float64 scalar would upcast).
        lr, rho, eps = (float(group[k]) for k in ("lr", "rho", "eps"))
        if not state:
            state["step"] = np.zeros((), dtype=np.float32)
            state["square_avg"] = xp.zeros_like(param)
            state["acc_delta"] = xp.zeros_like(param)
        state["step"] += 1
        grad = direction_with_l2(param, grad, group)      # g ← ±g + λθ
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg *= rho
        square_avg += (1 - rho) * grad * grad               # v ← ρv + (1-ρ)g²
        delta = xp.sqrt(acc_delta + eps) / xp.sqrt(square_avg + eps) * grad   # Δ
        acc_delta *= rho
        acc_delta += (1 - rho) * delta * delta              # u ← ρu + (1-ρ)Δ²
        param -= lr * delta                                 # θ ← θ - γΔ
