"""Sequential, ModuleList and ModuleDict."""
from collections import OrderedDict

import numpy as np
import pytest

import layers as nn
import minigrad as mg


def test_sequential_runs_in_order_and_indexes():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    model = nn.Sequential(a, b, c)
    x = mg.randn(4, 2)
    assert np.allclose(model(x).numpy(), c(b(a(x))).numpy())
    assert len(model) == 3 and list(model) == [a, b, c]
    assert model[0] is a and model[-1] is c
    head = model[1:]
    assert isinstance(head, nn.Sequential) and list(head) == [b, c]
    assert list(head._modules) == ["1", "2"]                 # names are kept, like PyTorch
    with pytest.raises(IndexError, match="out of range"):
        model[3]


def test_sequential_from_ordered_dict_append_and_setitem():
    model = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert model.fc is model[0] and list(model._modules) == ["fc", "act"]
    assert model.append(nn.Sigmoid()) is model and isinstance(model[2], nn.Sigmoid)
    assert list(model.state_dict()) == ["fc.weight", "fc.bias"]
    model[1] = nn.ReLU()
    assert isinstance(model.act, nn.ReLU)


def test_module_list_behaves_like_a_list():
    blocks = nn.ModuleList([nn.Linear(2, 2), nn.ReLU()])
    blocks.append(nn.Tanh())
    blocks.extend([nn.Sigmoid()])
    blocks.insert(1, nn.Identity())
    assert [type(m).__name__ for m in blocks] == ["Linear", "Identity", "ReLU", "Tanh", "Sigmoid"]
    assert list(blocks._modules) == ["0", "1", "2", "3", "4"]
    assert isinstance(blocks[-1], nn.Sigmoid) and len(blocks) == 5
    assert isinstance(blocks[1:3], nn.ModuleList) and len(blocks[1:3]) == 2
    blocks.insert(-100, nn.Flatten())                          # clamped like list.insert
    assert isinstance(blocks[0], nn.Flatten)
    blocks[0] = nn.Dropout()
    assert isinstance(blocks[0], nn.Dropout)
    assert list(blocks.state_dict()) == ["1.weight", "1.bias"]
    with pytest.raises(NotImplementedError):
        blocks(mg.zeros(1))


def test_module_dict():
    heads = nn.ModuleDict({"a": nn.Linear(2, 1)})
    heads["b"] = nn.Linear(2, 3)
    assert list(heads) == ["a", "b"] and "b" in heads and len(heads) == 2
    assert [k for k, _ in heads.items()] == list(heads.keys())
    assert list(heads.state_dict()) == ["a.weight", "a.bias", "b.weight", "b.bias"]
    del heads["a"]
    assert list(heads.keys()) == ["b"] and heads["b"] is list(heads.values())[0]


def test_containers_register_their_modules_for_the_parent():
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList(nn.Linear(2, 2) for _ in range(3))

        def forward(self, x):
            for block in self.blocks:
                x = block(x)
            return x

    model = Model()
    assert len(list(model.parameters())) == 6
    model(mg.randn(1, 2)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
