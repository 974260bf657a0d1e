"""Lesson: BatchNorm (examples/batchnorm_lesson.py)."""
import numpy as np
import pytest

import layers as nn
import minigrad as mg
from examples import batchnorm_lesson as lesson

try:
    mg.data.datasets.FashionMNIST(train=False)
except FileNotFoundError:
    pytest.skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)",
                allow_module_level=True)


def test_quick_run_trains_both_nets_and_plots(tmp_path, capsys):
    assert lesson.main(["--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "loss.png").stat().st_size > 1000
    assert (tmp_path / "gradient_flow.png").stat().st_size > 10_000   # LayerMonitor, per layer
    assert "smoke test" in out
    for lr in ("0.02", "0.3"):
        for variant in ("no BN, default init", "no BN, Kaiming init", "with BN"):
            assert f"{variant}, lr {lr}" in out


def test_bn_output_has_zero_mean_unit_variance_per_channel_at_init():
    mg.manual_seed(0)
    model = lesson.conv_net(batchnorm=True)
    images = mg.tensor((np.random.default_rng(0).standard_normal((16, 1, 28, 28)) * 3 + 1)
                       .astype(np.float32))
    conv, norm = lesson.batch_statistics(model, images)
    assert conv.type == "Conv2d" and norm.type == "BatchNorm2d"
    assert np.ptp(conv.channel_var) > 0.1                 # the conv's channels differ ...
    np.testing.assert_allclose(norm.channel_mean, 0, atol=1e-4)   # ... BN evens them out
    np.testing.assert_allclose(norm.channel_var, 1, atol=1e-3)


def test_without_batchnorm_the_same_weights():
    mg.manual_seed(0)
    plain = lesson.conv_net(batchnorm=False)
    mg.manual_seed(0)
    normed = lesson.conv_net(batchnorm=True)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in plain.modules())
    np.testing.assert_array_equal(plain[0].weight.numpy(), normed[0].weight.numpy())


def test_kaiming_control_keeps_the_signal_that_the_default_init_shrinks():
    x = mg.tensor(np.random.default_rng(0).standard_normal((16, 1, 28, 28)).astype(np.float32))

    def last_conv_std(kaiming):
        mg.manual_seed(0)
        model = lesson.conv_net(batchnorm=False)
        if kaiming:
            lesson.init.init_kaiming_(model)
        with mg.no_grad():
            return float(model[:9](x).numpy().std())      # up to the 4th conv's output

    assert last_conv_std(kaiming=True) > 3 * last_conv_std(kaiming=False)
