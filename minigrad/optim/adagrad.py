"""Adagrad: per-coordinate learning rates that shrink with the sum of squared gradients."""
from __future__ import annotations

import numpy as np

from ..backend import Array, get_array_module
from .optimizer import (Optimizer, ParamGroup, Params, ParamState, check_non_negative,
                        direction_with_l2)


class Adagrad(Optimizer):
    r"""Adagrad (Duchi, Hazan & Singer, 2011), exactly as ``torch.optim.Adagrad``.

    For each parameter θ with gradient g, at step t = 1, 2, ...::

        g ← -g                                   if maximize
        g ← g + λ θ                              if weight_decay != 0
        γₜ ← γ / (1 + (t - 1) η)                 learning-rate decay
        s ← s + g²                               sum of squares, starts at s₀
        θ ← θ - γₜ g / (√s + ε)

    Args:
        params: Tensors or parameter groups (see :class:`Optimizer`).
        lr: learning rate γ.
        lr_decay: η.
        weight_decay: λ (an L2 penalty added to the gradient).
        initial_accumulator_value: s₀, the starting value of every sum.
        eps: ε, added to the denominator for numerical stability.
        maximize: ascend the objective instead of descending it.

    State per parameter: ``"step"`` (t, a host float32 scalar array) and
    ``"sum"`` (s, shaped like the parameter). PyTorch creates this state for
    every parameter when the optimizer is built; here it appears at a
    parameter's first step (with the same values), like the other optimizers'.
    """

    def __init__(self, params: Params, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, *, maximize: bool = False) -> None:
        check_non_negative(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                           initial_accumulator_value=initial_accumulator_value, eps=eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, param: Array, grad: Array, state: ParamState, group: ParamGroup) -> None:
        xp = get_array_module(param)
        # Python floats keep float32 arrays float32 (a NumPy float64 scalar would upcast).
        lr, lr_decay, eps = (float(group[k]) for k in ("lr", "lr_decay", "eps"))
        if not state:
            state["step"] = np.zeros((), dtype=np.float32)
            state["sum"] = xp.full_like(param, float(group["initial_accumulator_value"]))
        state["step"] += 1
        step = float(state["step"])                         # t
        grad = direction_with_l2(param, grad, group)      # g ← ±g + λθ
        decayed_lr = lr / (1 + (step - 1) * lr_decay)       # γₜ
        state_sum = state["sum"]
        state_sum += grad * grad                            # s ← s + g²
        param -= decayed_lr * (grad / (xp.sqrt(state_sum) + eps))
