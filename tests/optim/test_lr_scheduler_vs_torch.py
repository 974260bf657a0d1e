"""Every scheduler against torch.optim.lr_scheduler for 30 steps: rates, and cycled momentum."""
import numpy as np
import pytest

from minigrad.optim import lr_scheduler
from scheduler_cases import (CASE_IDS, CASES, GROUP_LRS, STEPS, make_minigrad_optimizer,
                             optimizer_groups)

torch = pytest.importorskip("torch")


def momenta(optimizer):
    """Each group's momentum (SGD) or beta1 (Adam family)."""
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in optimizer.param_groups]


def assert_same_schedule(ours, theirs, step):
    for name, a, b in [("get_last_lr", ours.get_last_lr(), theirs.get_last_lr()),
                       ("group lr", [g["lr"] for g in ours.optimizer.param_groups],
                        [g["lr"] for g in theirs.optimizer.param_groups]),
                       ("momentum", momenta(ours.optimizer), momenta(theirs.optimizer))]:
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0, err_msg=f"{name} at step {step}")


@pytest.mark.parametrize("_, name, options, make", CASES, ids=CASE_IDS)
def test_matches_torch_for_30_steps(_, name, options, make):
    torch_groups = optimizer_groups(lambda: torch.zeros(2, requires_grad=True))
    torch_opt = getattr(torch.optim, name)(torch_groups, lr=GROUP_LRS[0], **options)
    ours = make(lr_scheduler, make_minigrad_optimizer(name, options))
    theirs = make(torch.optim.lr_scheduler, torch_opt)
    assert_same_schedule(ours, theirs, 0)
    for step in range(1, STEPS + 1):
        ours.optimizer.step()
        theirs.optimizer.step()
        ours.step()
        theirs.step()
        assert_same_schedule(ours, theirs, step)
