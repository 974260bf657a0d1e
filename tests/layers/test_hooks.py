"""Forward (pre-)hooks and full backward hooks, the latter against PyTorch's."""
import warnings

import numpy as np
import pytest

import layers as nn
import minigrad as mg


def test_forward_hook_sees_inputs_and_may_replace_the_output():
    layer = nn.Linear(3, 2)
    seen = []

    def record(module, inputs, output):
        seen.append((module, inputs, output.shape))

    handle = layer.register_forward_hook(record)
    replace = layer.register_forward_hook(lambda module, inputs, output: output * 0)
    x = mg.randn(4, 3)
    assert np.all(layer(x).numpy() == 0)
    assert seen[0][0] is layer and seen[0][1][0] is x and seen[0][2] == (4, 2)
    handle.remove()
    replace.remove()
    assert np.any(layer(x).numpy() != 0) and len(seen) == 1


def test_forward_pre_hook_may_replace_the_inputs():
    layer = nn.Identity()
    with layer.register_forward_pre_hook(lambda module, args: args[0] + 1):  # a context manager
        assert float(layer(mg.tensor(1.0))) == 2.0
    assert float(layer(mg.tensor(1.0))) == 1.0


def test_backward_hook_handles_non_tensor_arguments():
    class Scale(nn.Module):
        def forward(self, a, factor, b):
            return a * b * factor

    captured = {}
    module = Scale()
    module.register_full_backward_hook(
        lambda m, grad_input, grad_output: captured.update(gi=grad_input, go=grad_output))
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = mg.tensor([3.0, 4.0], requires_grad=True)
    module(a, 2.0, b).backward(mg.tensor([1.0, 10.0]))
    gi, go = captured["gi"], captured["go"]
    assert len(gi) == 3 and gi[1] is None
    assert np.allclose(gi[0].numpy(), [6.0, 80.0]) and np.allclose(gi[2].numpy(), [2.0, 40.0])
    assert len(go) == 1 and np.allclose(go[0].numpy(), [1.0, 10.0])


def test_backward_hook_may_replace_grad_input():
    layer = nn.Linear(3, 2)
    layer.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0 + 7,))
    x = mg.randn(4, 3, requires_grad=True)
    layer(x).sum().backward()
    assert np.all(x.grad.numpy() == 7)
    assert layer.weight.grad is not None                      # parameters are unaffected


def test_removed_backward_hook_does_not_run():
    layer = nn.Linear(3, 2)
    calls = []
    handle = layer.register_full_backward_hook(lambda *args: calls.append(1))
    handle.remove()
    layer(mg.randn(2, 3, requires_grad=True)).sum().backward()
    assert calls == []


# ---- against PyTorch --------------------------------------------------------------------------
def _twin_models(torch):
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    ours = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _grads(g):
    """A gradient (ours or torch's) as a NumPy array, or None."""
    return None if g is None else g.detach().numpy()


@pytest.mark.parametrize("input_requires_grad", [True, False])
def test_full_backward_hooks_get_what_torchs_get(input_requires_grad):
    torch = pytest.importorskip("torch")
    ours, theirs = _twin_models(torch)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 4)).astype(np.float32)
    upstream = rng.standard_normal((5, 2)).astype(np.float32)

    def run(model, tensor):
        calls = []
        for name, module in (("fc1", model[0]), ("fc2", model[2]), ("model", model)):
            module.register_full_backward_hook(
                lambda m, gi, go, name=name: calls.append(
                    (name, [_grads(g) for g in gi], [_grads(g) for g in go])))
        inp = tensor(x, requires_grad=input_requires_grad)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no inputs require gradients" (both frameworks)
            model(inp).backward(tensor(upstream))
        return calls

    ours_calls = run(ours, mg.tensor)
    theirs_calls = run(theirs, torch.tensor)
    assert [c[0] for c in ours_calls] == [c[0] for c in theirs_calls]
    for (name, gi, go), (_, tgi, tgo) in zip(ours_calls, theirs_calls):
        assert len(gi) == len(tgi) and len(go) == len(tgo), name
        for a, b in zip(gi + go, tgi + tgo):
            assert (a is None) == (b is None), name
            if a is not None:
                np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=name)


def test_no_grad_input_hook_fires_with_a_warning():
    layer = nn.Linear(3, 2)
    calls = []
    layer.register_full_backward_hook(lambda m, gi, go: calls.append(gi))
    with pytest.warns(UserWarning, match="no inputs require gradients"):
        layer(mg.randn(2, 3)).sum().backward()
    assert calls == [(None,)]
