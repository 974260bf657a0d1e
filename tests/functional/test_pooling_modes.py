"""avg_pool2d's ceil_mode and divisor_override against PyTorch (values, gradients, the divisor
of clipped windows) and the kernels' adjoint identity; their op-table rows do the rest."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import kernels
import minigrad as mg
import minigrad.functional as F
from kernels.geometry import conv_output_size

torch = pytest.importorskip("torch")


@st.composite
def avg_configs(draw):
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    hw = tuple(draw(st.integers(max(1, k - 2 * p), 8)) for k, p in zip(kernel, padding))
    settings_ = dict(kernel_size=kernel, stride=stride, padding=padding,
                     ceil_mode=draw(st.booleans()), count_include_pad=draw(st.booleans()),
                     divisor_override=draw(st.sampled_from([None, None, 1, 3, -2])))
    return settings_, (2, 2, *hw)


@settings(max_examples=150, deadline=None)
@given(avg_configs())
def test_avg_pool2d_matches_pytorch(config):
    settings_, shape = config
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal(shape)
    x, tx = mg.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    y = F.avg_pool2d(x, **settings_)
    ty = torch.nn.functional.avg_pool2d(tx, **settings_)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    gy = rng.standard_normal(y.shape)
    y.backward(mg.tensor(gy))
    ty.backward(torch.tensor(gy))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


# gradcheck / gradgradcheck, float32 and the device path of these options: the avg_pool2d_*
# rows of tests/core/op_table.py.


@pytest.mark.parametrize("count_include_pad, expected", [
    # 4x4 input, 3x3 windows, stride 2, padding 1, ceil_mode: output 3x3 (floor: 2x2). The
    # last window spans rows 3..5: row 3 is the image, row 4 the padding, row 5 beyond it.
    (True, [[9, 9, 6], [9, 9, 6], [6, 6, 4]]),     # padded input counted, the beyond clipped
    (False, [[4, 6, 2], [6, 9, 3], [2, 3, 1]]),    # image pixels only
])
def test_divisor_of_clipped_windows(count_include_pad, expected):
    ones = mg.ones(1, 1, 4, 4)
    sums = F.avg_pool2d(ones, 3, 2, 1, ceil_mode=True, divisor_override=1)
    means = F.avg_pool2d(ones, 3, 2, 1, ceil_mode=True, count_include_pad=count_include_pad)
    np.testing.assert_allclose(sums.numpy()[0, 0] / means.numpy()[0, 0], expected)


@settings(max_examples=60, deadline=None)
@given(avg_configs())
def test_kernels_backward_is_the_adjoint_of_forward(config):
    settings_, shape = config
    pairs = [(k, k) if isinstance(k, int) else k for k in
             (settings_["kernel_size"], settings_["stride"], settings_["padding"])]
    options = (settings_["count_include_pad"], settings_["ceil_mode"],
               settings_["divisor_override"])
    out_hw = tuple(conv_output_size(size, k, s, p, 1, settings_["ceil_mode"])
                   for size, k, s, p in zip(shape[2:], *pairs))
    assume(min(out_hw) >= 1)
    rng = np.random.default_rng(3)
    x, gy = rng.standard_normal(shape), rng.standard_normal((*shape[:2], *out_hw))
    lhs = np.vdot(kernels.avg_pool2d_forward(x, *pairs, *options), gy)
    rhs = np.vdot(x, kernels.avg_pool2d_backward(gy, shape, *pairs, *options))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("value", [0, 2.5, True])
def test_divisor_override_must_be_a_nonzero_int(value):
    with pytest.raises(ValueError, match=r"avg_pool2d: divisor_override must be a nonzero int "
                                         r"or None, got " + repr(value).replace(".", r"\.")):
        F.avg_pool2d(mg.zeros(1, 1, 4, 4), 2, divisor_override=value)

