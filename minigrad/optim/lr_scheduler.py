"""Learning-rate schedulers: set each parameter group's ``lr`` as a function of the step count.

Usage matches ``torch.optim.lr_scheduler``::

    scheduler = StepLR(optimizer, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(...)          # calls optimizer.step()
        scheduler.step()

Creating a scheduler applies epoch 0's learning rate at once. Each scheduler
computes the rate from a closed formula of ``last_epoch`` and the initial rates
(``base_lrs``); these give PyTorch's values (PyTorch updates most rates
recursively, which only differs by rounding).
"""
from __future__ import annotations

import copy
import math
from bisect import bisect_right
from typing import Any, Callable, Iterable, Sequence, TypedDict

from .optimizer import Optimizer, ParamGroup


def _check_optimizer(optimizer: object) -> None:
    """Schedulers drive a minigrad Optimizer; anything else is a TypeError."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")


class LRScheduler:
    """Base class: sets ``group["lr"]`` for every parameter group at each :meth:`step`.

    On creation it records each group's starting rate as ``group["initial_lr"]``
    (kept if already there) and in ``base_lrs``, then runs the first step, so
    ``last_epoch`` is 0 and the optimizer holds epoch 0's rates. Subclasses
    implement :meth:`get_lr`.
    """

    def __init__(self, optimizer: Optimizer) -> None:
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()

    def get_lr(self) -> list[float]:
        """The learning rate of each parameter group at epoch ``last_epoch``."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_lr")

    def step(self) -> None:
        """Advance one epoch (or one batch, for per-batch schedules) and set the new rates.
        Call it after ``optimizer.step()``."""
        self._set_epoch(self.last_epoch + 1)

    def _set_epoch(self, epoch: int) -> None:
        """Jump to ``epoch`` and write its learning rates into the optimizer."""
        self.last_epoch = epoch
        lrs = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = list(lrs)

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the latest step, one per parameter group."""
        return list(self._last_lr)

    # Any: the scheduler's attributes, whatever their types (numbers, lists, dicts).
    def state_dict(self) -> dict[str, Any]:
        """A copy of the scheduler's attributes (everything but the optimizer)."""
        return {k: copy.deepcopy(v) for k, v in vars(self).items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore attributes saved by :meth:`state_dict`. The optimizer's current
        rates are not touched: they come back with the optimizer's own state dict."""
        vars(self).update(copy.deepcopy(state_dict))


class StepLR(LRScheduler):
    """Multiply the rate by ``gamma`` every ``step_size`` epochs:
    ``lr = base_lr · gamma^⌊epoch / step_size⌋``."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        """``base_lr · gamma^⌊last_epoch / step_size⌋`` for each group."""
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size)
                for base_lr in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the rate by ``gamma`` at each milestone epoch:
    ``lr = base_lr · gamma^(number of milestones <= epoch)``. A milestone listed
    twice counts twice."""

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int],
                 gamma: float = 0.1) -> None:
        self.milestones = sorted(milestones)
        self.gamma = gamma
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        """``base_lr · gamma^(milestones passed)`` for each group."""
        return [base_lr * self.gamma ** bisect_right(self.milestones, self.last_epoch)
                for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing from ``base_lr`` down to ``eta_min`` over ``T_max`` epochs
    (SGDR without restarts; past ``T_max`` the cosine continues, rising again):
    ``lr = eta_min + (base_lr - eta_min) · (1 + cos(π · epoch / T_max)) / 2``."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        """The cosine formula above at ``last_epoch``, for each group."""
        angle = math.pi * self.last_epoch / self.T_max
        return [self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(angle)) / 2
                for base_lr in self.base_lrs]


class LinearLR(LRScheduler):
    """Scale the rate by a factor going linearly from ``start_factor`` to
    ``end_factor`` over ``total_iters`` epochs, then constant (a common warm-up):
    ``lr = base_lr · (start + (end - start) · min(epoch, total_iters) / total_iters)``."""

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3,
                 end_factor: float = 1.0, total_iters: int = 5) -> None:
        if not 0 < start_factor <= 1:
            raise ValueError("Starting multiplicative factor expected to be greater than 0 "
                             f"and less or equal to 1, got {start_factor}")
        if not 0 <= end_factor <= 1:
            raise ValueError(f"Ending multiplicative factor expected to be between 0 and 1, "
                             f"got {end_factor}")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        """The linearly interpolated factor at ``last_epoch`` times each group's base rate."""
        progress = min(self.total_iters, self.last_epoch) / self.total_iters
        return [base_lr * (self.start_factor + (self.end_factor - self.start_factor) * progress)
                for base_lr in self.base_lrs]


def _anneal_cos(start: float, end: float, pct: float) -> float:
    """Cosine interpolation from ``start`` (pct=0) to ``end`` (pct=1)."""
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


def _anneal_linear(start: float, end: float, pct: float) -> float:
    """Linear interpolation from ``start`` (pct=0) to ``end`` (pct=1)."""
    return (end - start) * pct + start


_ANNEAL: dict[str, Callable[[float, float, float], float]] = {
    "cos": _anneal_cos, "linear": _anneal_linear}


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin, 2017), stepped once per batch.

    The rate rises from ``max_lr / div_factor`` to ``max_lr`` over the first
    ``pct_start`` of ``total_steps``, then anneals to ``initial_lr /
    final_div_factor``. With ``three_phase=True`` it first comes back down to the
    initial rate symmetrically, and only then anneals to the minimum. With
    ``cycle_momentum``, momentum (SGD's ``momentum`` or Adam's β₁) moves the
    opposite way, between ``max_momentum`` and ``base_momentum``.

    Args:
        optimizer: the optimizer whose groups are scheduled.
        max_lr: peak rate, one number or one per group.
        total_steps: length of the cycle; or give ``epochs`` and ``steps_per_epoch``.
        pct_start: fraction of the cycle spent increasing the rate.
        anneal_strategy: ``"cos"`` or ``"linear"``.
        cycle_momentum, base_momentum, max_momentum: momentum cycling (each
            momentum bound is one number or one per group).
        div_factor: ``initial_lr = max_lr / div_factor``.
        final_div_factor: ``min_lr = initial_lr / final_div_factor``.
        three_phase: use the three-phase schedule of the original paper.

    Each group gets ``initial_lr``, ``max_lr``, ``min_lr`` (and, when cycling,
    ``max_momentum``, ``base_momentum``) entries, as in PyTorch. Stepping past
    ``total_steps`` raises ``ValueError``.
    """

    def __init__(self, optimizer: Optimizer, max_lr: float | Sequence[float],
                 total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float | Sequence[float] = 0.85,
                 max_momentum: float | Sequence[float] = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False) -> None:
        _check_optimizer(optimizer)
        self.total_steps = _total_steps(total_steps, epochs, steps_per_epoch)
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in _ANNEAL:
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', "
                             f"instead got {anneal_strategy!r}")
        self.anneal_strategy = anneal_strategy
        self._schedule_phases = _one_cycle_phases(self.total_steps, pct_start, three_phase)
        groups = optimizer.param_groups
        for group, peak in zip(groups, _per_group("max_lr", max_lr, groups)):
            group["initial_lr"] = peak / div_factor
            group["max_lr"] = peak
            group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError("optimizer must support momentum or beta1 with "
                                 "`cycle_momentum` option enabled")
            self.use_beta1 = "betas" in optimizer.defaults
            for group, top, bottom in zip(groups, _per_group("max_momentum", max_momentum, groups),
                                          _per_group("base_momentum", base_momentum, groups)):
                group["max_momentum"] = top
                group["base_momentum"] = bottom
        super().__init__(optimizer)

    def _position(self) -> tuple[_Phase, float]:
        """The phase that ``last_epoch`` falls in, and how far through it (0 to 1)."""
        if self.last_epoch > self.total_steps:
            raise ValueError(f"Tried to step {self.last_epoch} times. "
                             f"The specified number of total steps is {self.total_steps}")
        phase, start_step = self._schedule_phases[-1], 0.0
        for candidate in self._schedule_phases[:-1]:
            if self.last_epoch <= candidate["end_step"]:
                phase = candidate
                break
            start_step = candidate["end_step"]
        return phase, (self.last_epoch - start_step) / (phase["end_step"] - start_step)

    def get_lr(self) -> list[float]:
        """Each group's rate, interpolated within the current phase."""
        phase, pct = self._position()
        anneal = _ANNEAL[self.anneal_strategy]
        return [anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct)
                for group in self.optimizer.param_groups]

    def _set_epoch(self, epoch: int) -> None:
        """Set the rates as the base class does, then the cycled momentum."""
        super()._set_epoch(epoch)
        if self.cycle_momentum:
            phase, pct = self._position()
            anneal = _ANNEAL[self.anneal_strategy]
            for group in self.optimizer.param_groups:
                self._set_momentum(group, anneal(group[phase["start_momentum"]],
                                                 group[phase["end_momentum"]], pct))

    def _set_momentum(self, group: ParamGroup, momentum: float) -> None:
        """Write ``momentum`` as the group's β₁ (Adam-like) or ``momentum`` (SGD)."""
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum


def _total_steps(total_steps: int | None, epochs: int | None,
                 steps_per_epoch: int | None) -> int:
    """OneCycleLR's cycle length: ``total_steps``, or ``epochs * steps_per_epoch``."""
    if total_steps is not None:
        if not isinstance(total_steps, int) or total_steps <= 0:
            raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
        return total_steps
    if epochs is None or steps_per_epoch is None:
        raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
    if not isinstance(epochs, int) or epochs <= 0:
        raise ValueError(f"Expected positive integer epochs, but got {epochs}")
    if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
        raise ValueError(f"Expected positive integer steps_per_epoch, but got {steps_per_epoch}")
    return epochs * steps_per_epoch


class _Phase(TypedDict):
    """One phase of OneCycleLR, as :func:`_one_cycle_phases` builds it."""
    end_step: float
    start_lr: str
    end_lr: str
    start_momentum: str
    end_momentum: str


def _one_cycle_phases(total_steps: int, pct_start: float, three_phase: bool) -> list[_Phase]:
    """OneCycleLR's phases: the step each ends on, and the group keys holding the
    rate and momentum it goes from and to."""
    def phase(end_step: float, lrs: tuple[str, str], momenta: tuple[str, str]) -> _Phase:
        return {"end_step": end_step, "start_lr": lrs[0], "end_lr": lrs[1],
                "start_momentum": momenta[0], "end_momentum": momenta[1]}

    warm_up = phase(float(pct_start * total_steps) - 1, ("initial_lr", "max_lr"),
                    ("max_momentum", "base_momentum"))
    if not three_phase:
        return [warm_up, phase(total_steps - 1, ("max_lr", "min_lr"),
                               ("base_momentum", "max_momentum"))]
    return [warm_up,
            phase(float(2 * pct_start * total_steps) - 2, ("max_lr", "initial_lr"),
                  ("base_momentum", "max_momentum")),
            phase(total_steps - 1, ("initial_lr", "min_lr"), ("max_momentum", "max_momentum"))]


def _per_group(name: str, value: float | Sequence[float],
               groups: list[ParamGroup]) -> list[float]:
    """One value per parameter group: a number is repeated, a list must match in length."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(groups):
            raise ValueError(f"{name} must have the same length as optimizer.param_groups. "
                             f"{name} has {len(value)} values, param_groups has {len(groups)}.")
        return list(value)
    return [value] * len(groups)


class SequentialLR(LRScheduler):
    """Run schedulers one after another, switching at the given epochs, e.g. a
    linear warm-up followed by cosine annealing::

        warmup = LinearLR(opt, start_factor=0.1, total_iters=5)
        cosine = CosineAnnealingLR(opt, T_max=95)
        scheduler = SequentialLR(opt, [warmup, cosine], milestones=[5])

    ``schedulers[i + 1]`` takes over at epoch ``milestones[i]``, starting from
    its own epoch 0. All schedulers must belong to ``optimizer``.
    """

    def __init__(self, optimizer: Optimizer, schedulers: Sequence[LRScheduler],
                 milestones: Sequence[int]) -> None:
        if len(schedulers) < 1:
            raise ValueError("SequentialLR expects at least one scheduler, but got no scheduler.")
        for i, scheduler in enumerate(schedulers):
            if getattr(scheduler, "optimizer", None) is not optimizer:
                raise ValueError(f"SequentialLR expects all schedulers to belong to the same "
                                 f"optimizer, but the scheduler at index {i} does not")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError("SequentialLR expects one milestone fewer than schedulers, but got "
                             f"{len(schedulers)} schedulers and {len(milestones)} milestones")
        self.optimizer = optimizer
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        # Creating each scheduler already applied its epoch 0. Undo that: back to the
        # initial rates, every scheduler not started, then start the one for epoch 0.
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for scheduler in self._schedulers:
            scheduler.last_epoch = -1
        self.last_epoch = 0
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first.step()
        self._last_lr = first.get_last_lr()

    def step(self) -> None:
        """Advance one epoch: step the scheduler in charge of it, or start the next
        scheduler at its epoch 0 when a milestone is reached."""
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._set_epoch(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        """Own attributes plus each scheduler's state dict under ``"_schedulers"``."""
        state = {k: copy.deepcopy(v) for k, v in vars(self).items()
                 if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore own attributes and every scheduler's state."""
        own = {k: v for k, v in state_dict.items() if k != "_schedulers"}
        vars(self).update(copy.deepcopy(own))
        for scheduler, saved in zip(self._schedulers, state_dict["_schedulers"]):
            scheduler.load_state_dict(saved)
