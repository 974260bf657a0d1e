"""Scheduler configurations shared by the scheduler tests.

Each case builds a scheduler from a module of scheduler classes (``minigrad.optim.
lr_scheduler`` or ``torch.optim.lr_scheduler``), so the same code drives both.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

import minigrad as mg
from minigrad import optim

STEPS = 30
GROUP_LRS = (0.1, 0.02)


def _sequential(s: Any, opt: Any) -> Any:
    warmup = s.LinearLR(opt, start_factor=0.1, total_iters=5)
    cosine = s.CosineAnnealingLR(opt, T_max=25, eta_min=1e-4)
    return s.SequentialLR(opt, [warmup, cosine], milestones=[5])


def _three_stage(s: Any, opt: Any) -> Any:
    stages = [s.LinearLR(opt, start_factor=0.5, total_iters=4),
              s.StepLR(opt, step_size=3, gamma=0.5),
              s.CosineAnnealingLR(opt, T_max=10)]
    return s.SequentialLR(opt, stages, milestones=[4, 12])


# (id, optimizer name, optimizer options, scheduler factory taking (module, optimizer)).
CASES: list[tuple[str, str, dict[str, Any], Callable[[Any, Any], Any]]] = [
    ("StepLR", "SGD", {}, lambda s, o: s.StepLR(o, step_size=7, gamma=0.5)),
    ("MultiStepLR", "SGD", {},
     lambda s, o: s.MultiStepLR(o, milestones=[10, 3, 20, 10], gamma=0.3)),
    ("CosineAnnealingLR-restarting", "SGD", {},
     lambda s, o: s.CosineAnnealingLR(o, T_max=12, eta_min=1e-3)),
    ("CosineAnnealingLR-to-zero", "SGD", {}, lambda s, o: s.CosineAnnealingLR(o, T_max=STEPS)),
    ("LinearLR-defaults", "SGD", {}, lambda s, o: s.LinearLR(o)),
    ("LinearLR", "SGD", {}, lambda s, o: s.LinearLR(o, start_factor=0.25, end_factor=0.9,
                                                    total_iters=8)),
    ("OneCycleLR-SGD-momentum", "SGD", dict(momentum=0.9),
     lambda s, o: s.OneCycleLR(o, max_lr=[1.0, 0.1], total_steps=STEPS)),
    ("OneCycleLR-Adam-three-phase-linear", "Adam", {},
     lambda s, o: s.OneCycleLR(o, max_lr=0.5, epochs=3, steps_per_epoch=10, pct_start=0.25,
                               anneal_strategy="linear", three_phase=True, div_factor=10.0,
                               final_div_factor=100.0, base_momentum=0.8, max_momentum=0.9)),
    ("OneCycleLR-RMSprop-momentum", "RMSprop", dict(momentum=0.9),
     lambda s, o: s.OneCycleLR(o, max_lr=0.2, total_steps=STEPS, base_momentum=0.5)),
    ("SequentialLR-warmup-cosine", "SGD", dict(momentum=0.9), _sequential),
    ("SequentialLR-three-stages", "AdamW", {}, _three_stage),
]
CASE_IDS = [case[0] for case in CASES]


def optimizer_groups(make_param: Callable[[], Any]) -> list[dict[str, Any]]:
    """Two parameter groups, one parameter each, with learning rates GROUP_LRS."""
    return [{"params": [make_param()], "lr": lr} for lr in GROUP_LRS]


def make_minigrad_optimizer(name: str, options: dict[str, Any]) -> optim.Optimizer:
    """A minigrad optimizer over two groups (see :func:`optimizer_groups`)."""
    groups = optimizer_groups(lambda: mg.tensor(np.zeros(2), requires_grad=True))
    return getattr(optim, name)(groups, lr=GROUP_LRS[0], **options)
