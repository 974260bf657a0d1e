"""Schedulers without PyTorch: hand-computed schedules, checkpoints and clear errors."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim
from minigrad.optim import lr_scheduler
from scheduler_cases import CASE_IDS, CASES, STEPS, make_minigrad_optimizer


def sgd(lr=0.1, momentum=0.0):
    return optim.SGD([mg.zeros(1, requires_grad=True)], lr=lr, momentum=momentum)


def schedule(scheduler, steps):
    """The rate at epoch 0 and after each of ``steps`` steps."""
    lrs = [scheduler.get_last_lr()[0]]
    for _ in range(steps):
        scheduler.optimizer.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0])
    return lrs


def test_step_lr_by_hand():
    scheduler = lr_scheduler.StepLR(sgd(0.1), step_size=2, gamma=0.5)
    assert schedule(scheduler, 5) == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025])
    assert scheduler.last_epoch == 5
    assert scheduler.optimizer.param_groups[0]["lr"] == scheduler.get_last_lr()[0]


def test_multistep_and_linear_by_hand():
    multi = lr_scheduler.MultiStepLR(sgd(1.0), milestones=[1, 3], gamma=0.1)
    assert schedule(multi, 4) == pytest.approx([1.0, 0.1, 0.1, 0.01, 0.01])
    linear = lr_scheduler.LinearLR(sgd(1.0), start_factor=0.5, total_iters=2)
    assert schedule(linear, 3) == pytest.approx([0.5, 0.75, 1.0, 1.0])


def test_cosine_by_hand():
    scheduler = lr_scheduler.CosineAnnealingLR(sgd(1.0), T_max=4, eta_min=0.2)
    expected = [0.2 + 0.8 * (1 + math.cos(math.pi * t / 4)) / 2 for t in range(5)]
    assert schedule(scheduler, 4) == pytest.approx(expected)


def test_sequential_warmup_then_cosine_by_hand():
    opt = sgd(1.0)
    warmup = lr_scheduler.LinearLR(opt, start_factor=0.5, total_iters=2)
    cosine = lr_scheduler.CosineAnnealingLR(opt, T_max=2)
    scheduler = lr_scheduler.SequentialLR(opt, [warmup, cosine], milestones=[2])
    assert schedule(scheduler, 4) == pytest.approx([0.5, 0.75, 1.0, 0.5, 0.0], abs=1e-15)


def test_one_cycle_by_hand():
    opt = sgd(momentum=0.9)
    scheduler = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10, anneal_strategy="linear",
                                        div_factor=10.0, final_div_factor=10.0)
    group = opt.param_groups[0]
    assert (group["initial_lr"], group["max_lr"]) == (0.1, 1.0)
    assert group["min_lr"] == pytest.approx(0.01)
    lrs = schedule(scheduler, 10)
    assert lrs[0] == pytest.approx(0.1) and lrs[2] == pytest.approx(1.0)  # peak at step 0.3*10 - 1
    assert lrs[9] == pytest.approx(0.01) and group["momentum"] == pytest.approx(0.95 + 0.10 / 7)
    with pytest.raises(ValueError, match="Tried to step 11 times"):
        scheduler.step()


def test_initial_lr_is_recorded_once():
    opt = sgd(0.1)
    lr_scheduler.StepLR(opt, step_size=1, gamma=0.5).step()
    second = lr_scheduler.StepLR(opt, step_size=1)
    assert opt.param_groups[0]["initial_lr"] == 0.1 and second.base_lrs == [0.1]


@pytest.mark.parametrize("_, name, options, make", CASES, ids=CASE_IDS)
def test_state_dict_round_trip(_, name, options, make):
    opt = make_minigrad_optimizer(name, options)
    scheduler = make(lr_scheduler, opt)
    schedule(scheduler, 10)
    opt_state, sched_state = opt.state_dict(), scheduler.state_dict()
    rest = schedule(scheduler, STEPS - 10)

    resumed_opt = make_minigrad_optimizer(name, options)
    resumed = make(lr_scheduler, resumed_opt)            # create first: it resets the rates
    resumed_opt.load_state_dict(opt_state)
    resumed.load_state_dict(sched_state)
    assert resumed.last_epoch == 10
    assert schedule(resumed, STEPS - 10) == rest
    assert resumed_opt.param_groups[0]["lr"] == opt.param_groups[0]["lr"]


def test_state_dict_is_a_copy():
    scheduler = lr_scheduler.MultiStepLR(sgd(), milestones=[2, 4])
    state = scheduler.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 0
    state["milestones"].append(1)
    assert scheduler.milestones == [2, 4]


@pytest.mark.parametrize("make, error, message", [
    (lambda o: lr_scheduler.StepLR("not an optimizer", 1), TypeError, "not an Optimizer"),
    (lambda o: lr_scheduler.LinearLR(o, start_factor=0.0), ValueError, "Starting multiplicative"),
    (lambda o: lr_scheduler.LinearLR(o, end_factor=1.5), ValueError, "Ending multiplicative"),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0), ValueError, "total_steps OR"),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=0), ValueError, "total_steps"),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=10, pct_start=1),
     ValueError, "pct_start"),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=10, anneal_strategy="exp"),
     ValueError, "anneal_strategy"),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=[1.0, 2.0], total_steps=10),
     ValueError, "max_lr has 2 values, param_groups has 1"),
    (lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.StepLR(o, 2)], milestones=[3]),
     ValueError, "one milestone fewer"),
    (lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.StepLR(sgd(), 2)], milestones=[]),
     ValueError, "same optimizer"),
    (lambda o: lr_scheduler.SequentialLR(o, [], milestones=[]), ValueError, "at least one"),
])
def test_bad_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make(sgd())


def test_one_cycle_needs_an_optimizer_with_momentum():
    class Plain(optim.Optimizer):
        def _update(self, param, grad, state, group):
            param -= group["lr"] * grad

    opt = Plain([mg.zeros(1, requires_grad=True)], dict(lr=0.1))
    with pytest.raises(ValueError, match="momentum or beta1"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    scheduler = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10, cycle_momentum=False)
    assert np.isclose(scheduler.get_last_lr()[0], 1.0 / 25)
