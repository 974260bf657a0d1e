"""Adam and AdamW: adaptive moment estimation, with L2 or decoupled weight decay."""
from __future__ import annotations

import numpy as np

from ..backend import Array, get_array_module
from .optimizer import Optimizer, ParamGroup, Params, ParamState, check_non_negative


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), exactly as ``torch.optim.Adam``.

    For each parameter θ with gradient g, at step t = 1, 2, ...::

        g ← -g                                   if maximize
        θ ← θ (1 - γ λ)                          if decoupled_weight_decay (AdamW)
        g ← g + λ θ                              otherwise, if weight_decay != 0
        m ← β₁ m + (1 - β₁) g                    first moment
        v ← β₂ v + (1 - β₂) g²                   second moment
        v̂ ← max(v̂, v)  and use v̂ for v below    if amsgrad
        θ ← θ - (γ / (1 - β₁ᵗ)) · m / (√v / √(1 - β₂ᵗ) + ε)

    The last line is the bias-corrected update ``θ ← θ - γ m̂ / (√v̂ + ε)`` with
    ``m̂ = m / (1 - β₁ᵗ)`` and ``v̂ = v / (1 - β₂ᵗ)``, grouped as PyTorch does.

    Args:
        params: Tensors or parameter groups (see :class:`Optimizer`).
        lr: learning rate γ.
        betas: (β₁, β₂), decay rates of the moment estimates, each in [0, 1).
        eps: ε, added to the denominator for numerical stability.
        weight_decay: λ.
        amsgrad: use the maximum of past second moments (AMSGrad variant).
        maximize: ascend the objective instead of descending it.
        decoupled_weight_decay: shrink θ directly instead of adding λθ to the
            gradient; ``True`` is AdamW.

    State per parameter: ``"step"`` (t, a host float32 scalar array, as in
    PyTorch), ``"exp_avg"`` (m), ``"exp_avg_sq"`` (v) and, with amsgrad,
    ``"max_exp_avg_sq"`` (v̂); the arrays are shaped like the parameter.
    """

    def __init__(self, params: Params, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False) -> None:
        check_non_negative(lr=lr, eps=eps, weight_decay=weight_decay)
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _update(self, param: Array, grad: Array, state: ParamState, group: ParamGroup) -> None:
        xp = get_array_module(param)
        # Python floats keep float32 arrays float32 (a NumPy float64 scalar would upcast).
        lr, eps, weight_decay = (float(group[k]) for k in ("lr", "eps", "weight_decay"))
        beta1, beta2 = (float(b) for b in group["betas"])
        if not state:
            state["step"] = np.zeros((), dtype=np.float32)
            state["exp_avg"] = xp.zeros_like(param)
            state["exp_avg_sq"] = xp.zeros_like(param)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = xp.zeros_like(param)
        if group["maximize"]:
            grad = -grad                                    # g ← -g
        state["step"] += 1
        step = float(state["step"])                         # t
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                param *= 1 - lr * weight_decay              # θ ← θ(1 - γλ)
            else:
                grad = grad + weight_decay * param          # g ← g + λθ
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg += (1 - beta1) * (grad - exp_avg)           # m ← β₁m + (1-β₁)g
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad             # v ← β₂v + (1-β₂)g²
        if group["amsgrad"]:
            xp.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
            exp_avg_sq = state["max_exp_avg_sq"]            # v̂ ← max(v̂, v)
        step_size = lr / (1 - beta1 ** step)                # γ / (1 - β₁ᵗ)
        bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5  # √(1 - β₂ᵗ)
        denom = xp.sqrt(exp_avg_sq) / bias_correction2_sqrt + eps
        param -= step_size * (exp_avg / denom)


class AdamW(Adam):
    """AdamW (Loshchilov & Hutter, 2019), exactly as ``torch.optim.AdamW``: Adam
    with decoupled weight decay, ``θ ← θ(1 - γλ)`` before each update, instead
    of adding ``λθ`` to the gradient. Arguments and state as :class:`Adam`;
    note the default ``weight_decay=1e-2``.
    """

    def __init__(self, params: Params, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)
