"""``load_weights``: bit-exact round trips through .safetensors and .npz, clear errors,
and torchvision-layout weights exported from PyTorch giving PyTorch's logits."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from layers import models


def small_resnet(seed: int, num_classes: int = 10):
    mg.manual_seed(seed)
    model = models.resnet18(num_classes=num_classes, small_input=True)
    rng = np.random.default_rng(seed)
    for name, buffer in model.named_buffers():  # non-trivial BN statistics
        if name.endswith("running_mean"):
            buffer.data[...] = rng.normal(0, 0.1, buffer.shape)
        elif name.endswith("running_var"):
            buffer.data[...] = rng.uniform(0.5, 2.0, buffer.shape)
        elif name.endswith("num_batches_tracked"):
            buffer.data[...] = seed
    return model


def assert_same_state(a, b):
    state_a, state_b = a.state_dict(), b.state_dict()
    assert list(state_a) == list(state_b)
    for key in state_a:
        assert state_a[key].dtype == state_b[key].dtype, key
        assert np.array_equal(state_a[key], state_b[key]), key


@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
def test_round_trip_is_bit_exact(tmp_path, suffix):
    source, target = small_resnet(1), small_resnet(2)
    path = tmp_path / f"resnet18{suffix}"
    mg.save(source.state_dict(), path)
    result = models.load_weights(target, path)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert_same_state(source, target)
    x = mg.randn(2, 3, 32, 32)
    source.eval(), target.eval()
    with mg.no_grad():
        assert np.array_equal(source(x).numpy(), target(x).numpy())


def test_files_written_by_other_programs(tmp_path):
    """A plain safetensors file (as exported from torchvision) and a plain np.savez."""
    from safetensors.numpy import save_file
    source, target = small_resnet(1), small_resnet(2)
    save_file(dict(source.state_dict()), str(tmp_path / "plain.safetensors"))
    models.load_weights(target, tmp_path / "plain.safetensors")
    assert_same_state(source, target)
    target = small_resnet(3)
    np.savez(tmp_path / "plain.npz", **source.state_dict())
    models.load_weights(target, tmp_path / "plain.npz")
    assert_same_state(source, target)


@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
def test_truncated_file_names_the_path(tmp_path, suffix):
    path = tmp_path / f"weights{suffix}"
    mg.save(small_resnet(1).state_dict(), path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ValueError, match="weights" + suffix.replace(".", r"\.")):
        models.load_weights(small_resnet(2), path)


def test_garbage_and_missing_files(tmp_path):
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"\xff" * 100)
    with pytest.raises(ValueError, match="garbage.safetensors"):
        models.load_weights(small_resnet(1), garbage)
    with pytest.raises(FileNotFoundError, match="absent.safetensors"):
        models.load_weights(small_resnet(1), tmp_path / "absent.safetensors")


def test_shape_mismatch_names_key_and_both_shapes(tmp_path):
    path = tmp_path / "ten_classes.safetensors"
    mg.save(small_resnet(1, num_classes=10).state_dict(), path)
    target = small_resnet(2, num_classes=7)
    before = target.state_dict()
    with pytest.raises(RuntimeError) as error:
        models.load_weights(target, path)
    message = str(error.value)
    assert "ten_classes.safetensors" in message and "ResNet" in message
    assert "fc.weight" in message and "(10, 512)" in message and "(7, 512)" in message
    assert "fc.bias" in message
    for key, value in target.state_dict().items():  # nothing was loaded
        assert np.array_equal(value, before[key])
    with pytest.raises(RuntimeError, match="fc.weight"):  # strict=False still checks shapes
        models.load_weights(target, path, strict=False)


def test_missing_and_unexpected_keys(tmp_path):
    source = small_resnet(1)
    state = dict(source.state_dict())
    del state["fc.bias"]
    state["fc.extra"] = np.zeros(3, np.float32)
    path = tmp_path / "edited.safetensors"
    mg.save(state, path)
    target = small_resnet(2)
    with pytest.raises(RuntimeError) as error:
        models.load_weights(target, path)
    message = str(error.value)
    assert 'Missing key(s) in state_dict: "fc.bias"' in message
    assert 'Unexpected key(s) in state_dict: "fc.extra"' in message
    result = models.load_weights(target, path, strict=False)
    assert result.missing_keys == ["fc.bias"] and result.unexpected_keys == ["fc.extra"]
    assert np.array_equal(target.fc.weight.numpy(), source.fc.weight.numpy())
    assert not np.array_equal(target.fc.bias.numpy(), source.fc.bias.numpy())


# ---- against PyTorch ----------------------------------------------------------------------
def torch_resnet18():
    """ResNet-18 in plain torch.nn with torchvision's structure and state-dict names."""
    torch = pytest.importorskip("torch")
    nn = torch.nn

    class BasicBlock(nn.Module):
        def __init__(self, in_channels, planes, stride=1):
            super().__init__()
            self.conv1 = nn.Conv2d(in_channels, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = None
            if stride != 1 or in_channels != planes:
                self.downsample = nn.Sequential(nn.Conv2d(in_channels, planes, 1, stride,
                                                          bias=False), nn.BatchNorm2d(planes))

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            identity = x if self.downsample is None else self.downsample(x)
            return self.relu(out + identity)

    class ResNet18(nn.Module):
        def __init__(self, num_classes=1000):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            widths, in_channels = (64, 128, 256, 512), 64
            for stage, width in enumerate(widths, start=1):
                stride = 1 if stage == 1 else 2
                setattr(self, f"layer{stage}", nn.Sequential(
                    BasicBlock(in_channels, width, stride), BasicBlock(width, width)))
                in_channels = width
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(512, num_classes)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    torch.manual_seed(0)
    model = ResNet18()
    with torch.no_grad():  # non-trivial BN affine parameters and statistics
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.weight.uniform_(0.5, 1.5)
                module.bias.normal_(0, 0.1)
                module.running_mean.normal_(0, 0.1)
                module.running_var.uniform_(0.5, 2.0)
                module.num_batches_tracked.fill_(7)
    return model.eval()


def test_torchvision_layout_weights_give_torch_logits(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.numpy import save_file
    reference = torch_resnet18()
    path = tmp_path / "resnet18_torch.safetensors"
    save_file({k: v.detach().numpy() for k, v in reference.state_dict().items()}, str(path))

    model = models.resnet18()
    assert models.load_weights(model, path) == ([], [])
    x = np.random.default_rng(0).standard_normal((2, 3, 64, 64)).astype(np.float32)
    with torch.no_grad():
        expected = reference(torch.from_numpy(x)).numpy()
    model.eval()
    with mg.no_grad():
        logits = model(mg.tensor(x)).numpy()
    np.testing.assert_allclose(logits, expected, rtol=1e-4, atol=1e-5)
    assert int(model.bn1.num_batches_tracked.item()) == 7
