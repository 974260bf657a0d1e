"""Optimizer behaviour that needs no PyTorch: hand-computed updates, param groups,
zero_grad, dtypes, checkpoints (bit-for-bit resume) and clear errors."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import optim
from optim_cases import (CASE_IDS, CASES, gradient_sequence, initial_values,
                         make_minigrad, run)


def scalar_param(value, grad):
    p = mg.tensor(np.array(value, dtype=np.float64), requires_grad=True)
    p.grad = mg.tensor(np.array(grad, dtype=np.float64))
    return p


def test_sgd_momentum_by_hand():
    p = scalar_param(1.0, 1.0)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    opt.step()                      # b = 1,             p = 1 - 0.1 * 1     = 0.9
    opt.step()                      # b = 0.9 * 1 + 1,   p = 0.9 - 0.1 * 1.9 = 0.71
    assert p.item() == pytest.approx(0.71, abs=1e-15)
    assert opt.state[p]["momentum_buffer"] == pytest.approx(1.9)


def test_adam_first_step_moves_by_lr():
    p = scalar_param(1.0, 2.0)
    opt = optim.Adam([p], lr=0.1)
    opt.step()                      # m̂ = g, v̂ = g², so θ moves by lr * g / (|g| + eps)
    assert p.item() == pytest.approx(0.9, abs=1e-9)
    assert float(opt.state[p]["step"]) == 1.0 and opt.state[p]["step"].dtype == np.float32


def test_adamw_decays_weights_without_a_gradient_signal():
    p = scalar_param(2.0, 0.0)
    optim.AdamW([p], lr=0.1, weight_decay=0.5).step()
    assert p.item() == pytest.approx(2.0 * (1 - 0.1 * 0.5))


def test_rmsprop_first_step_by_hand():
    p = scalar_param(1.0, 2.0)
    opt = optim.RMSprop([p], lr=0.1, alpha=0.9)
    opt.step()                      # v = 0.1 * 2² = 0.4,  p = 1 - 0.1 * 2 / √0.4
    assert p.item() == pytest.approx(1 - 0.2 / 0.4 ** 0.5, rel=1e-7)
    assert set(opt.state[p]) == {"step", "square_avg"}


def test_rmsprop_centered_divides_by_the_variance():
    p = scalar_param(0.0, 2.0)
    opt = optim.RMSprop([p], lr=1.0, alpha=0.5, eps=0.0, centered=True)
    opt.step()                      # v = 2, ḡ = 1, so θ = -2 / √(2 - 1)
    assert p.item() == pytest.approx(-2.0, abs=1e-12)


def test_adagrad_lr_decay_by_hand():
    p = scalar_param(0.0, 1.0)
    opt = optim.Adagrad([p], lr=1.0, lr_decay=1.0, eps=0.0, initial_accumulator_value=3.0)
    opt.step()                      # s = 3 + 1,  p = -1 / √4
    opt.step()                      # γ₂ = 1 / 2, s = 5,  p = -0.5 - 0.5 / √5
    assert p.item() == pytest.approx(-0.5 - 0.5 / 5 ** 0.5, abs=1e-12)
    assert float(opt.state[p]["sum"]) == 5.0


def test_adadelta_first_step_is_sqrt_eps_over_rms_gradient():
    p = scalar_param(1.0, 3.0)
    optim.Adadelta([p], rho=0.5, eps=1e-2).step()   # Δ = √ε / √((1-ρ)g² + ε) · g
    assert p.item() == pytest.approx(1 - 0.1 / (4.5 + 1e-2) ** 0.5 * 3, abs=1e-12)


def test_rmsprop_momentum_switched_on_by_a_schedule_starts_a_buffer():
    p = scalar_param(0.0, 1.0)
    opt = optim.RMSprop([p], lr=1.0, alpha=0.0, eps=0.0)
    opt.step()                      # v = g² = 1: a step of -1, no buffer yet
    assert "momentum_buffer" not in opt.state[p] and p.item() == -1.0
    opt.param_groups[0]["momentum"] = 0.5
    opt.step()
    opt.step()                      # b = 1, then 0.5 · 1 + 1
    assert p.item() == pytest.approx(-1.0 - 1.0 - 1.5) and opt.state[p]["momentum_buffer"] == 1.5


@pytest.mark.parametrize("name, options", CASES, ids=CASE_IDS)
def test_updates_in_place_and_keep_dtype(name, options):
    values = initial_values()
    params, opt = make_minigrad(name, options, values)
    arrays = [p.data for p in params]
    run(params, opt, gradient_sequence()[:3])
    for p, a, v in zip(params, arrays, values):
        assert p.data is a and p.dtype == v.dtype
        assert not np.array_equal(p.numpy(), v)
    for p, state in opt.state.items():
        for key, value in state.items():
            if key != "step":
                assert value.dtype == p.dtype and value.shape == p.shape


def test_parameters_without_grad_are_skipped():
    a, b = mg.ones(2, requires_grad=True), mg.ones(2, requires_grad=True)
    a.grad = mg.ones(2)
    opt = optim.Adam([a, b])
    opt.step()
    np.testing.assert_array_equal(b.numpy(), [1, 1])
    assert b not in opt.state and a in opt.state


def test_param_groups_take_defaults_and_overrides():
    a, b, c = (mg.zeros(1, requires_grad=True) for _ in range(3))
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[0]["momentum"] == 0
    assert opt.param_groups[1]["params"] == [b] and opt.param_groups[1]["lr"] == 0.5
    opt.add_param_group({"params": [c], "weight_decay": 1e-4})
    assert opt.param_groups[2]["lr"] == 0.1 and opt.param_groups[2]["weight_decay"] == 1e-4


def test_zero_grad():
    p = mg.ones(3, requires_grad=True)
    p.grad = mg.ones(3)
    opt = optim.SGD([p], lr=0.1)
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad.numpy(), [0, 0, 0])
    opt.zero_grad()
    assert p.grad is None


def test_step_returns_the_closure_loss():
    p = mg.tensor([3.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with mg.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 9.0 and p.item() == pytest.approx(3.0 - 0.25 * 6.0)


@pytest.mark.parametrize("name, options", CASES, ids=CASE_IDS)
def test_state_dict_resume_is_bit_for_bit(name, options):
    grads = gradient_sequence()
    params, opt = make_minigrad(name, options, initial_values())
    run(params, opt, grads[:3])
    checkpoint = opt.state_dict()
    snapshot = [p.numpy().copy() for p in params]
    run(params, opt, grads[3:])                          # the uninterrupted run

    resumed, resumed_opt = make_minigrad(name, options, snapshot)
    resumed_opt.load_state_dict(checkpoint)
    run(resumed, resumed_opt, grads[3:])
    for p, q in zip(params, resumed):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    assert resumed_opt.param_groups[1]["lr"] == opt.param_groups[1]["lr"]


def test_state_dict_layout_and_independence():
    params, opt = make_minigrad("Adam", dict(amsgrad=True), initial_values())
    run(params, opt, gradient_sequence()[:1])
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert sorted(sd["state"]) == [0, 1, 2]              # parameter 3 had no gradient yet
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2, 3]]
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    saved = sd["state"][0]["exp_avg"]
    assert isinstance(saved, np.ndarray) and saved is not opt.state[params[0]]["exp_avg"]
    before = saved.copy()
    run(params, opt, gradient_sequence()[1:2])
    np.testing.assert_array_equal(saved, before)         # a snapshot, not a live view


def test_load_state_dict_copies_state():
    params, opt = make_minigrad("SGD", dict(lr=0.1, momentum=0.9), initial_values())
    run(params, opt, gradient_sequence()[:2])
    sd = opt.state_dict()
    other_params, other = make_minigrad("SGD", dict(lr=0.1, momentum=0.9), initial_values())
    other.load_state_dict(sd)
    buffer = other.state[other_params[0]]["momentum_buffer"]
    assert buffer is not sd["state"][0]["momentum_buffer"]
    np.testing.assert_array_equal(buffer, sd["state"][0]["momentum_buffer"])


def test_load_state_dict_errors_leave_optimizer_unchanged():
    params, opt = make_minigrad("Adam", {}, initial_values())
    run(params, opt, gradient_sequence()[:1])
    good = opt.state_dict()
    fresh_params, fresh = make_minigrad("Adam", {}, initial_values())

    with pytest.raises(ValueError, match="has 1 parameter groups, but this optimizer has 2"):
        fresh.load_state_dict({"state": {}, "param_groups": good["param_groups"][:1]})
    short = [good["param_groups"][0], dict(good["param_groups"][1], params=[2])]
    with pytest.raises(ValueError, match="group 1 has 1 parameters"):
        fresh.load_state_dict({"state": {}, "param_groups": short})
    bad_shape = {**good["state"], 0: dict(good["state"][0], exp_avg=np.zeros((4, 3)))}
    with pytest.raises(ValueError, match=r"'exp_avg' of parameter 0 has shape \(4, 3\)"):
        fresh.load_state_dict({"state": bad_shape, "param_groups": good["param_groups"]})
    with pytest.raises(ValueError, match="parameter 7"):
        fresh.load_state_dict({"state": {7: {}}, "param_groups": good["param_groups"]})
    assert len(fresh.state) == 0 and "initial_lr" not in fresh.param_groups[0]


def test_runs_on_every_device(device):
    grads = gradient_sequence()
    cpu_params, cpu_opt = make_minigrad("Adam", dict(amsgrad=True), initial_values())
    params, opt = make_minigrad("Adam", dict(amsgrad=True), initial_values(), device=device)
    run(cpu_params, cpu_opt, grads)
    run(params, opt, grads)
    for p, q in zip(params, cpu_params):
        assert p.device != "cpu" or device == "cpu"
        np.testing.assert_allclose(p.numpy(), q.numpy(), rtol=1e-5, atol=1e-7)
    sd = opt.state_dict()                                # host arrays: loadable on the CPU
    _, cpu_copy = make_minigrad("Adam", dict(amsgrad=True), [p.numpy() for p in params])
    cpu_copy.load_state_dict(sd)
    for saved in (sd["state"], {i: s for i, s in enumerate(cpu_copy.state.values())}):
        assert all(isinstance(v, np.ndarray) for s in saved.values() for v in s.values())


@pytest.mark.parametrize("make, message", [
    (lambda p: optim.SGD(p, lr=-0.1), "Invalid learning rate"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=-1), "Invalid momentum"),
    (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "Nesterov momentum requires"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
     "Nesterov momentum requires"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.999)), "beta parameter at index 0"),
    (lambda p: optim.Adam(p, eps=-1.0), "Invalid epsilon"),
    (lambda p: optim.AdamW(p, weight_decay=-1.0), "Invalid weight_decay"),
    (lambda p: optim.RMSprop(p, alpha=-0.5), "Invalid alpha value: -0.5"),
    (lambda p: optim.RMSprop(p, momentum=-0.5), "Invalid momentum value"),
    (lambda p: optim.Adagrad(p, lr_decay=-1), "Invalid lr_decay value"),
    (lambda p: optim.Adagrad(p, initial_accumulator_value=-1),
     "Invalid initial_accumulator_value value"),
    (lambda p: optim.Adagrad(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: optim.Adadelta(p, rho=1.5), "Invalid rho value: 1.5"),
    (lambda p: optim.Adadelta(p, eps=float("nan")), "Invalid epsilon value: nan"),
    (lambda p: optim.SGD([], lr=0.1), "empty parameter list"),
    (lambda p: optim.SGD(p + p, lr=0.1), "same parameter twice"),
    (lambda p: optim.SGD([{"params": p}, {"params": p}], lr=0.1), "more than one"),
    (lambda p: optim.SGD([p[0] * 2], lr=0.1), "non-leaf"),
])
def test_bad_arguments_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make([mg.zeros(2, requires_grad=True)])


@pytest.mark.parametrize("params", [mg.zeros(2), [{"params": {mg.zeros(2)}}], [np.zeros(2)]],
                         ids=["single-tensor", "set-group", "numpy-array"])
def test_bad_parameter_containers_raise_type_error(params):
    with pytest.raises(TypeError):
        optim.SGD(params, lr=0.1)

