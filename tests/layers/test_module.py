"""Module mechanics: registration, traversal, modes, dtype/device moves, repr."""
import numpy as np
import pytest

import layers as nn
import minigrad as mg


class Affine(nn.Module):
    """y = x·scale + shift, with a buffer counting calls (a tiny test module)."""

    def __init__(self, n):
        super().__init__()
        self.scale = nn.Parameter(mg.ones(n))
        self.shift = nn.Parameter(mg.zeros(n))
        self.register_buffer("calls", mg.tensor(0, dtype=np.int64))
        self.register_buffer("scratch", mg.zeros(n), persistent=False)

    def forward(self, x):
        self.calls.data += 1
        return x * self.scale + self.shift


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = Affine(3)
        self.head = nn.Sequential(Affine(3), nn.ReLU())
        self.plain_list = [Affine(3)]          # a plain list is not registered
        self.factor = 2.0                       # a plain attribute

    def forward(self, x):
        return self.head(self.first(x)) * self.factor


def test_parameter_is_a_leaf_tensor_that_shares_data():
    array = np.ones(3, dtype=np.float32)
    p = nn.Parameter(mg.from_numpy(array))
    assert isinstance(p, mg.Tensor) and p.requires_grad and p.is_leaf
    array[0] = 5.0
    assert p.numpy()[0] == 5.0                                   # shares memory
    assert not nn.Parameter(mg.zeros(2), requires_grad=False).requires_grad
    assert repr(p).startswith("Parameter containing:\ntensor(")
    assert type(p * 2) is mg.Tensor                              # results are plain Tensors


def test_registration_by_assignment():
    net = Net()
    assert list(net._modules) == ["first", "head"]
    assert [n for n, _ in net.named_parameters()] == [
        "first.scale", "first.shift", "head.0.scale", "head.0.shift"]
    assert [n for n, _ in net.named_buffers()] == [
        "first.calls", "first.scratch", "head.0.calls", "head.0.scratch"]
    assert net.first.scale is net._modules["first"]._parameters["scale"]
    assert net.factor == 2.0 and "factor" not in net._parameters


def test_assigning_none_and_wrong_types():
    m = Affine(2)
    m.shift = None                        # a registered parameter may become None
    assert "shift" in m._parameters and m.shift is None
    assert [n for n, _ in m.named_parameters()] == ["scale"]
    with pytest.raises(TypeError, match="Parameter or None expected"):
        m.scale = mg.zeros(2)
    m.calls = mg.tensor(5)                # a buffer accepts any Tensor
    assert int(m.calls) == 5
    with pytest.raises(TypeError, match="Tensor or None expected"):
        m.calls = 3
    m.scale = nn.Parameter(mg.ones(2) * 3)  # re-assigning keeps its state_dict position
    assert list(m.state_dict()) == ["scale", "calls"]


def test_reassigning_a_name_moves_it_between_kinds():
    m = Affine(2)
    m.calls = nn.Parameter(mg.zeros(1))   # a buffer name becomes a parameter
    assert "calls" in m._parameters and "calls" not in m._buffers
    m.scale = nn.Identity()
    assert "scale" in m._modules and "scale" not in m._parameters


def test_register_errors():
    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(mg.zeros(1))     # before super().__init__()

    with pytest.raises(AttributeError, match=r"before Module.__init__\(\) call"):
        Early()
    m = Affine(2)
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("scale", mg.zeros(2))
    with pytest.raises(KeyError, match="contain"):
        m.register_parameter("a.b", None)
    with pytest.raises(TypeError, match="Parameter or None required"):
        m.register_parameter("w", mg.zeros(1))
    with pytest.raises(TypeError, match="not a Module"):
        m.add_module("sub", 3)


def test_getattr_and_delattr():
    net = Net()
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'nope'"):
        net.nope
    del net.first.shift
    del net.head
    del net.factor
    assert "shift" not in net.first._parameters and "head" not in net._modules
    assert not hasattr(net, "factor")
    assert [n for n, _ in net.named_parameters()] == ["first.scale"]


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(mg.zeros(1))


def test_shared_modules_and_parameters_are_listed_once():
    shared = nn.Linear(3, 3)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.parameters())) == 2
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert len(list(model.modules())) == 3                     # Sequential, Linear, ReLU
    assert [n for n, _ in model.named_children()] == ["0", "1"]
    # Tied weights: one Parameter in two modules.
    other = nn.Linear(3, 3)
    other.weight = shared.weight
    pair = nn.Sequential(shared, other)
    assert [n for n, _ in pair.named_parameters()] == ["0.weight", "0.bias", "1.bias"]
    assert len(list(pair.named_parameters(remove_duplicate=False))) == 4


def test_named_modules_children_and_recurse_flag():
    net = Net()
    assert [n for n, _ in net.named_modules()] == ["", "first", "head", "head.0", "head.1"]
    assert [n for n, _ in net.named_modules(prefix="net")][:2] == ["net", "net.first"]
    assert [type(m).__name__ for m in net.children()] == ["Affine", "Sequential"]
    assert list(net.parameters(recurse=False)) == []
    assert len(list(net.first.parameters(recurse=False))) == 2


def test_train_and_eval_reach_every_submodule():
    net = nn.Sequential(Net(), nn.ModuleList([nn.Dropout(), nn.Sequential(nn.BatchNorm1d(3))]))
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="boolean"):
        net.train("no")


def test_apply_visits_children_first():
    net = Net()
    visited = []
    assert net.apply(lambda m: visited.append(type(m).__name__)) is net
    assert visited == ["Affine", "Affine", "ReLU", "Sequential", "Net"]


def test_requires_grad_and_zero_grad():
    net = Net()
    net(mg.randn(4, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.numpy() == 0) for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    assert net.requires_grad_(False) is net
    assert not any(p.requires_grad for p in net.parameters())


def test_to_dtype_keeps_parameter_objects_and_moves_grads_and_buffers():
    net = Net()
    net(mg.randn(4, 3)).sum().backward()
    params_before = list(net.parameters())
    assert net.to(np.float64) is net
    assert all(a is b for a, b in zip(net.parameters(), params_before))
    for p in net.parameters():
        assert p.dtype == np.float64 and p.grad.dtype == np.float64
    assert net.first.scratch.dtype == np.float64
    assert net.first.calls.dtype == np.int64                 # integer buffers are not cast
    assert net(mg.randn(2, 3, dtype=np.float64)).dtype == np.float64
    assert net.float() is net and net.first.scale.dtype == np.float32
    assert net.double().first.shift.dtype == np.float64
    with pytest.raises(TypeError, match="floating point"):
        net.to(np.int32)


def test_to_device_moves_everything(device):
    net = Net()
    net(mg.randn(4, 3)).sum().backward()
    params_before = list(net.parameters())
    net.to(device)
    expected = mg.zeros(1, device=device).device
    assert all(a is b for a, b in zip(net.parameters(), params_before))
    assert all(p.device == expected and p.grad.device == expected for p in net.parameters())
    assert all(b.device == expected for b in net.buffers())
    assert net(mg.randn(2, 3, device=device)).device == expected
    assert net.cpu().first.scale.device == "cpu"


def test_repr_matches_pytorch_layout():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Identity()))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): Sequential(\n"
        "    (0): ReLU()\n"
        "    (1): Identity()\n"
        "  )\n"
        ")")
