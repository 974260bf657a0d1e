"""RMSprop: divide the gradient by a running root mean square of recent gradients."""
from __future__ import annotations

import numpy as np

from ..backend import Array, get_array_module
from .optimizer import (Optimizer, ParamGroup, Params, ParamState, check_non_negative,
                        direction_with_l2)


class RMSprop(Optimizer):
    r"""RMSprop (Hinton's lecture 6e; centered form from Graves, 2013), exactly as
    ``torch.optim.RMSprop``.

    For each parameter θ with gradient g::

        g ← -g                                   if maximize
        g ← g + λ θ                              if weight_decay != 0
        v ← α v + (1 - α) g²                     mean square
        ḡ ← α ḡ + (1 - α) g                      if centered (mean gradient)
        d ← √(v - ḡ²) + ε   if centered,  else  √v + ε
        b ← μ b + g / d,  θ ← θ - γ b            if momentum > 0
        θ ← θ - γ g / d                          otherwise

    Args:
        params: Tensors or parameter groups (see :class:`Optimizer`).
        lr: learning rate γ.
        alpha: α, the smoothing constant of the running averages.
        eps: ε, added to the denominator for numerical stability.
        weight_decay: λ (an L2 penalty added to the gradient).
        momentum: μ (0 turns momentum off).
        centered: divide by an estimate of the gradient's variance, ``v - ḡ²``,
            instead of its uncentered second moment ``v``.
        maximize: ascend the objective instead of descending it.

    State per parameter: ``"step"`` (a host float32 scalar array),
    ``"square_avg"`` (v), ``"momentum_buffer"`` (b, when momentum > 0) and
    ``"grad_avg"`` (ḡ, when centered), the arrays shaped like the parameter.
    """

    def __init__(self, params: Params, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, *, maximize: bool = False) -> None:
        check_non_negative(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay,
                           alpha=alpha)
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, param: Array, grad: Array, state: ParamState, group: ParamGroup) -> None:
        xp = get_array_module(param)
        # Python floats keep float32 arrays float32 (a NumPy float64 scalar would upcast).
        lr, alpha, eps, momentum = (float(group[k]) for k in ("lr", "alpha", "eps", "momentum"))
        if not state:
            state["step"] = np.zeros((), dtype=np.float32)
            state["square_avg"] = xp.zeros_like(param)
        state["step"] += 1
        grad = direction_with_l2(param, grad, group)      # g ← ±g + λθ
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad             # v ← αv + (1-α)g²
        if group["centered"]:
            if "grad_avg" not in state:                     # created when first needed
                state["grad_avg"] = xp.zeros_like(param)
            grad_avg = state["grad_avg"]
            grad_avg += (1 - alpha) * (grad - grad_avg)     # ḡ ← αḡ + (1-α)g
            denom = xp.sqrt(square_avg - grad_avg * grad_avg) + eps
        else:
            denom = xp.sqrt(square_avg) + eps               # d
        if momentum > 0:
            if "momentum_buffer" not in state:              # (a schedule may turn it on)
                state["momentum_buffer"] = xp.zeros_like(param)
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += grad / denom                             # b ← μb + g/d
            param -= lr * buf                               # θ ← θ - γb
        else:
            param -= lr * (grad / denom)                    # θ ← θ - γg/d
