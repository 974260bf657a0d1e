"""SGD, Adam and AdamW against torch.optim, step by step, and checkpoints in torch's format."""
import numpy as np
import pytest

from optim_cases import (CASE_IDS, CASES, STEPS, gradient_sequence, groups, initial_values,
                         make_minigrad, run, set_grads)

torch = pytest.importorskip("torch")


def tolerance(dtype):
    return dict(rtol=1e-6, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-7)


def make_torch(name, options, values):
    params = [torch.tensor(v.copy(), requires_grad=True) for v in values]
    return params, getattr(torch.optim, name)(groups(params), **options)


def torch_step(params, opt, grads):
    for p, g in zip(params, grads):
        p.grad = None if g is None else torch.from_numpy(g.copy())
    opt.step()


def assert_same_params(ours, theirs, step):
    for i, (p, q) in enumerate(zip(ours, theirs)):
        expected = q.detach().numpy()
        assert p.dtype == expected.dtype
        np.testing.assert_allclose(p.numpy(), expected, **tolerance(p.dtype),
                                   err_msg=f"parameter {i} after step {step}")


def to_torch_state_dict(state_dict):
    """Our state_dict with arrays as torch tensors (what torch.load would give)."""
    state = {i: {k: torch.from_numpy(np.array(v)) if isinstance(v, np.ndarray) else v
                 for k, v in s.items()} for i, s in state_dict["state"].items()}
    return {"state": state, "param_groups": state_dict["param_groups"]}


@pytest.mark.parametrize("name, options", CASES, ids=CASE_IDS)
def test_matches_torch_after_every_step(name, options):
    values = initial_values()
    ours, opt = make_minigrad(name, options, values)
    theirs, torch_opt = make_torch(name, options, values)
    arrays = [p.data for p in ours]
    for step, grads in enumerate(gradient_sequence(), start=1):
        set_grads(ours, grads)
        opt.step()
        torch_step(theirs, torch_opt, grads)
        assert_same_params(ours, theirs, step)
    assert all(p.data is a for p, a in zip(ours, arrays)), "updates must be in place"


@pytest.mark.parametrize("name, options", CASES, ids=CASE_IDS)
def test_state_dict_has_torch_layout_and_loads_into_torch(name, options):
    values, grads = initial_values(), gradient_sequence()
    ours, opt = make_minigrad(name, options, values)
    run(ours, opt, grads[:3])
    ours_sd = opt.state_dict()
    torch_params, torch_opt = make_torch(name, options, values)
    for grads_now in grads[:3]:
        torch_step(torch_params, torch_opt, grads_now)
    torch_sd = torch_opt.state_dict()
    assert ours_sd["state"].keys() == torch_sd["state"].keys()
    for index, state in ours_sd["state"].items():
        assert state.keys() == torch_sd["state"][index].keys()
    for ours_group, torch_group in zip(ours_sd["param_groups"], torch_sd["param_groups"]):
        assert ours_group["params"] == torch_group["params"]
        assert set(ours_group) <= set(torch_group)

    # A fresh torch optimizer continues from our checkpoint exactly as we do.
    resumed, resumed_opt = make_torch(name, options, [p.numpy() for p in ours])
    resumed_opt.load_state_dict(to_torch_state_dict(ours_sd))
    for step, grads_now in enumerate(grads[3:], start=4):
        set_grads(ours, grads_now)
        opt.step()
        torch_step(resumed, resumed_opt, grads_now)
        assert_same_params(ours, resumed, step)


def test_loads_a_torch_checkpoint():
    values, grads = initial_values(), gradient_sequence()
    torch_params, torch_opt = make_torch("Adam", dict(lr=1e-2, amsgrad=True), values)
    for grads_now in grads[:3]:
        torch_step(torch_params, torch_opt, grads_now)
    torch_sd = torch_opt.state_dict()
    as_numpy = {"state": {i: {k: v.numpy() for k, v in s.items()}
                          for i, s in torch_sd["state"].items()},
                "param_groups": torch_sd["param_groups"]}
    ours, opt = make_minigrad("Adam", dict(lr=1e-2, amsgrad=True),
                              [p.detach().numpy() for p in torch_params])
    opt.load_state_dict(as_numpy)
    for step in range(3, STEPS):
        set_grads(ours, grads[step])
        opt.step()
        torch_step(torch_params, torch_opt, grads[step])
        assert_same_params(ours, torch_params, step + 1)
