"""state_dict keys, values and dtypes; load_state_dict's checks; weights to and from PyTorch."""
from collections import OrderedDict

import numpy as np
import pytest

import layers
import minigrad as mg


def build_nested(nn):
    """The same nested model in minigrad (``nn=layers``) or PyTorch (``nn=torch.nn``)."""
    shared = nn.Linear(4, 4)
    return nn.Sequential(OrderedDict([
        ("stem", nn.Sequential(nn.Conv2d(3, 4, 3, bias=False), nn.BatchNorm2d(4), nn.ReLU())),
        ("pool", nn.AdaptiveAvgPool2d(1)),
        ("flat", nn.Flatten()),
        ("blocks", nn.ModuleList([
            shared,
            nn.Sequential(nn.Linear(4, 2), nn.BatchNorm1d(2, affine=False), nn.Linear(2, 4)),
            shared,                                          # reachable under two names
        ])),
        ("heads", nn.ModuleDict({"cls": nn.Linear(4, 3),
                                 "aux": nn.BatchNorm1d(4, track_running_stats=False)})),
        ("up", nn.ConvTranspose2d(4, 2, 2, stride=2, groups=2)),
    ]))


def test_state_dict_keys_shapes_and_dtypes_equal_pytorchs():
    torch = pytest.importorskip("torch")
    ours = build_nested(layers).state_dict()
    theirs = build_nested(torch.nn).state_dict()
    assert list(ours) == list(theirs)
    for key, value in theirs.items():
        assert ours[key].shape == tuple(value.shape), key
        assert ours[key].dtype == value.numpy().dtype, key


def test_state_dict_values_are_host_copies(device):
    model = build_nested(layers).to(device)
    state = model.state_dict()
    assert isinstance(state, OrderedDict)
    assert all(type(v) is np.ndarray for v in state.values())
    bn = state["stem.1.num_batches_tracked"]
    assert bn.shape == () and bn.dtype == np.int64
    state["heads.cls.weight"][...] = 123.0                   # a copy: the model is unchanged
    assert not np.any(model.heads["cls"].weight.numpy() == 123.0)


def test_state_dict_skips_none_and_non_persistent():
    class WithExtras(layers.Module):
        def __init__(self):
            super().__init__()
            self.fc = layers.Linear(2, 2, bias=False)
            self.register_buffer("kept", mg.zeros(1))
            self.register_buffer("temporary", mg.zeros(1), persistent=False)
            self.register_buffer("empty", None)

    model = WithExtras()
    assert list(model.state_dict()) == ["kept", "fc.weight"]   # own entries before children
    assert [n for n, _ in model.named_buffers()] == ["kept", "temporary"]


def test_round_trip_restores_every_value():
    source, target = build_nested(layers), build_nested(layers)
    result = target.load_state_dict(source.state_dict())
    assert result == ([], []) and result.missing_keys == [] and result.unexpected_keys == []
    for (key, a), b in zip(source.state_dict().items(), target.state_dict().values()):
        assert np.array_equal(a, b), key


def test_load_copies_in_place_onto_dtype_and_device(device):
    model = layers.Linear(3, 2).to(device)
    weight, array = model.weight, model.weight.data
    values = {"weight": np.arange(6, dtype=np.float64).reshape(2, 3),
              "bias": mg.tensor([1.0, 2.0], dtype=np.float64)}        # arrays or Tensors
    model.load_state_dict(values)
    assert model.weight is weight and model.weight.data is array     # same objects
    assert model.weight.dtype == np.float32 and model.weight.device == weight.device
    assert np.array_equal(model.weight.numpy(), values["weight"].astype(np.float32))
    assert np.array_equal(model.bias.numpy(), [1.0, 2.0])


def test_strict_load_lists_missing_and_unexpected_keys():
    model = layers.Sequential(layers.Linear(3, 2), layers.BatchNorm1d(2))
    state = model.state_dict()
    del state["0.bias"], state["1.running_var"]
    state["2.weight"] = np.zeros(1)
    with pytest.raises(RuntimeError) as error:
        model.load_state_dict(state)
    message = str(error.value)
    assert "Error(s) in loading state_dict for Sequential" in message
    assert 'Missing key(s) in state_dict: "0.bias", "1.running_var".' in message
    assert 'Unexpected key(s) in state_dict: "2.weight".' in message


def test_non_strict_load_reports_and_loads_the_rest():
    model = layers.Sequential(layers.Linear(3, 2), layers.BatchNorm1d(2))
    state = model.state_dict()
    del state["0.bias"]
    state["extra"] = np.zeros(1)
    state["0.weight"] = np.ones((2, 3))
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert missing == ["0.bias"] and unexpected == ["extra"]
    assert np.all(model[0].weight.numpy() == 1.0)


@pytest.mark.parametrize("strict", [True, False])
def test_shape_mismatch_raises_naming_key_and_shapes_and_changes_nothing(strict):
    model = layers.Sequential(layers.Linear(3, 2))
    before = model.state_dict()
    state = {"0.weight": np.ones((3, 3)), "0.bias": np.ones(2)}
    with pytest.raises(RuntimeError, match=r"size mismatch for 0\.weight: copying a param with "
                                           r"shape \(3, 3\) from checkpoint, the shape in current "
                                           r"model is \(2, 3\)"):
        model.load_state_dict(state, strict=strict)
    assert np.array_equal(model[0].bias.numpy(), before["0.bias"])   # bias was not loaded


def test_num_batches_tracked_loads_and_may_be_absent():
    bn = layers.BatchNorm2d(3)
    state = bn.state_dict()
    state["num_batches_tracked"] = np.array(42)
    bn.load_state_dict(state)
    assert bn.num_batches_tracked.dtype == np.int64 and int(bn.num_batches_tracked) == 42
    del state["num_batches_tracked"]                # checkpoints from PyTorch < 0.4
    assert bn.load_state_dict(state) == ([], [])
    assert int(bn.num_batches_tracked) == 42


def _trained_torch_model(torch):
    """A torch Conv/BN/Linear model whose BN running statistics are no longer 0 and 1."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 6, 3, padding=1), torch.nn.BatchNorm2d(6), torch.nn.ReLU(),
        torch.nn.MaxPool2d(2), torch.nn.Conv2d(6, 4, 3, stride=2, groups=2),
        torch.nn.BatchNorm2d(4), torch.nn.Flatten(), torch.nn.Linear(16, 5),
        torch.nn.BatchNorm1d(5))
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(8, 3, 10, 10) * 2 + 1)
    return model.eval()


def _same_model_in_minigrad():
    return layers.Sequential(
        layers.Conv2d(3, 6, 3, padding=1), layers.BatchNorm2d(6), layers.ReLU(),
        layers.MaxPool2d(2), layers.Conv2d(6, 4, 3, stride=2, groups=2),
        layers.BatchNorm2d(4), layers.Flatten(), layers.Linear(16, 5), layers.BatchNorm1d(5))


def test_torch_weights_give_identical_outputs_in_eval_mode():
    torch = pytest.importorskip("torch")
    theirs = _trained_torch_model(torch)
    ours = _same_model_in_minigrad()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    ours.eval()
    x = np.random.default_rng(0).standard_normal((4, 3, 10, 10)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(mg.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-5)
    assert int(ours[1].num_batches_tracked) == 3


def test_our_state_dict_loads_into_torch():
    torch = pytest.importorskip("torch")
    ours = _same_model_in_minigrad()
    theirs = _trained_torch_model(torch)
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((2, 3, 10, 10)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours.eval()(mg.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-5)
