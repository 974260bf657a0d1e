"""Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay."""
from __future__ import annotations

from ..backend import Array, get_array_module
from .optimizer import (Optimizer, ParamGroup, Params, ParamState, add_scaled_,
                        check_non_negative, direction_with_l2)


class SGD(Optimizer):
    r"""Stochastic gradient descent, exactly as ``torch.optim.SGD``.

    For each parameter :math:`\theta` with gradient :math:`g`, learning rate
    :math:`\gamma`, momentum :math:`\mu`, dampening :math:`\tau`, weight decay
    :math:`\lambda`::

        g ← -g                        if maximize
        g ← g + λ θ                   if weight_decay != 0  (L2 penalty)
        b ← g                         on the first step     (momentum buffer)
        b ← μ b + (1 - τ) g           on later steps
        g ← g + μ b  (nesterov)  or  g ← b               if momentum != 0
        θ ← θ - γ g

    Args:
        params: Tensors or parameter groups (see :class:`Optimizer`).
        lr: learning rate γ (>= 0).
        momentum: momentum factor μ (>= 0; 0 turns momentum off).
        dampening: τ, scales down the new gradient in the momentum buffer.
        weight_decay: λ (>= 0).
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: ascend the objective instead of descending it.

    State per parameter: ``"momentum_buffer"`` (an array shaped like the
    parameter), present once a step has run with momentum.
    """

    def __init__(self, params: Params, lr: float, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False) -> None:
        check_non_negative(lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, param: Array, grad: Array, state: ParamState, group: ParamGroup) -> None:
        # Python floats keep float32 arrays float32 (a NumPy float64 scalar would upcast).
        lr, momentum, dampening = (float(group[k]) for k in ("lr", "momentum", "dampening"))
        grad = direction_with_l2(param, grad, group)      # g ← ±g + λθ
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                # b ← g on the first step. array() copies, and gives a real (mutable)
                # array even for 0-d parameters, where NumPy arithmetic returns scalars.
                buf = state["momentum_buffer"] = get_array_module(param).array(grad)
            else:
                buf *= momentum
                add_scaled_(buf, 1 - dampening, grad)       # b ← μb + (1-τ)g
            if group["nesterov"]:
                grad = grad + momentum * buf                # g ← g + μb
            else:
                grad = buf                                  # g ← b
        add_scaled_(param, -lr, grad)                       # θ ← θ - γg
