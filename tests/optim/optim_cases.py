"""Shared fixtures for the optimizer tests: option combinations, parameters and gradients.

Each run uses four parameters (float32 and float64, one 0-d) in two parameter
groups with different learning rates; the last parameter gets no gradient on
every other step, so "parameters without .grad are skipped" is always exercised.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import minigrad as mg
from minigrad import optim

STEPS = 10
SHAPES_AND_DTYPES = [((3, 4), np.float32), ((5,), np.float64), ((2, 3), np.float32),
                     ((), np.float64)]
SECOND_GROUP_LR = 0.03

# (optimizer name, options): every option and the interesting combinations.
CASES: list[tuple[str, dict[str, Any]]] = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=1e-2)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=1e-3)),
    ("SGD", dict(lr=0.1, momentum=0.5, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=1e-2, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=1e-2, amsgrad=True, maximize=True)),
    ("AdamW", dict(lr=1e-2)),
    ("AdamW", dict(lr=1e-2, betas=(0.5, 0.9), weight_decay=0.1, amsgrad=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=1e-2, alpha=0.9, eps=1e-6, weight_decay=0.1)),
    ("RMSprop", dict(lr=1e-2, momentum=0.9, centered=True)),
    ("RMSprop", dict(lr=1e-3, alpha=0.5, momentum=0.5, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-6, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.5, eps=1e-4, weight_decay=0.1)),
    ("Adadelta", dict(rho=0.95, maximize=True)),
]
CASE_IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in opts.items()) or 'defaults'}"
            for name, opts in CASES]


def initial_values(seed: int = 0) -> list[np.ndarray]:
    """Starting values of the four parameters."""
    rng = np.random.default_rng(seed)
    return [np.asarray(rng.standard_normal(shape), dtype=dtype)
                 for shape, dtype in SHAPES_AND_DTYPES]


def gradient_sequence(seed: int = 1) -> list[list[np.ndarray | None]]:
    """STEPS lists of gradients, one per parameter (None: no gradient that step)."""
    rng = np.random.default_rng(seed)
    steps = []
    for step in range(STEPS):
        grads = [np.asarray(rng.standard_normal(shape), dtype=dtype)
                 for shape, dtype in SHAPES_AND_DTYPES]
        if step % 2 == 0:
            grads[-1] = None
        steps.append(grads)
    return steps


def groups(params: list[Any]) -> list[dict[str, Any]]:
    """Two parameter groups; the second overrides the learning rate."""
    return [{"params": params[:2]}, {"params": params[2:], "lr": SECOND_GROUP_LR}]


def make_minigrad(name: str, options: dict[str, Any], values: list[np.ndarray],
                  device: str = "cpu") -> tuple[list[mg.Tensor], optim.Optimizer]:
    """Fresh minigrad parameters (copies of ``values``) and their optimizer."""
    params = [mg.tensor(v.copy(), requires_grad=True, device=device) for v in values]
    return params, getattr(optim, name)(groups(params), **options)


def set_grads(params: list[mg.Tensor], grads: list[np.ndarray | None]) -> None:
    """Give each parameter its gradient for this step (or none)."""
    for p, g in zip(params, grads):
        p.grad = None if g is None else mg.tensor(g.copy(), device=p.device)


def run(params: list[mg.Tensor], opt: optim.Optimizer,
        grads_per_step: list[list[np.ndarray | None]]) -> None:
    """One optimizer step per entry of ``grads_per_step``."""
    for grads in grads_per_step:
        set_grads(params, grads)
        opt.step()
