"""conv2d's padding="same"/"valid", conv_transpose2d's output_padding, and empty kernels,
checked against PyTorch (forward and gradients) and by gradcheck / gradgradcheck."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.functional as F

torch = pytest.importorskip("torch")
tF = torch.nn.functional


def compare_with_torch(ours_fn, torch_fn, arrays, rtol=1e-10, atol=1e-10):
    """Forward values and every input gradient (random upstream gradient), float64."""
    ours = [mg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = ours_fn(*ours), torch_fn(*theirs)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=rtol, atol=atol)
    gy = np.random.default_rng(7).standard_normal(y.shape)
    y.backward(mg.tensor(gy))
    ty.backward(torch.tensor(gy))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=atol)


# ---- conv_transpose2d and output_padding -----------------------------------------------------
@st.composite
def transposed_configs(draw):
    groups = draw(st.sampled_from([1, 2]))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    output_padding = tuple(draw(st.integers(0, max(stride[i], dilation[i]) - 1))
                           for i in range(2))
    hw = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    out_hw = [(hw[i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1)
              + output_padding[i] + 1 for i in range(2)]
    assume(min(out_hw) >= 1)
    return dict(groups=groups, stride=stride, padding=padding, dilation=dilation,
                output_padding=output_padding), (2, c_in, *hw), (c_in, c_out // groups, *kernel)


@settings(max_examples=80, deadline=None)
@given(transposed_configs())
def test_conv_transpose2d_matches_pytorch_for_every_allowed_output_padding(config):
    settings_, x_shape, w_shape = config
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(x_shape), rng.standard_normal(w_shape),
              rng.standard_normal(w_shape[1] * settings_["groups"])]
    compare_with_torch(lambda x, w, b: F.conv_transpose2d(x, w, b, **settings_),
                       lambda x, w, b: tF.conv_transpose2d(x, w, b, **settings_), arrays)


@pytest.mark.parametrize("settings_", [
    dict(stride=1, dilation=2, output_padding=1),
    dict(stride=1, dilation=3, output_padding=2, padding=1),
    dict(stride=(2, 1), dilation=(3, 2), output_padding=(2, 1), padding=(0, 1)),
], ids=["s1_d2_op1", "s1_d3_op2_p1", "mixed"])
def test_conv_transpose2d_output_padding_beyond_stride_gradgradcheck(settings_):
    rng = np.random.default_rng(3)
    x = mg.tensor(rng.standard_normal((1, 2, 3, 4)), requires_grad=True)
    w = mg.tensor(rng.standard_normal((2, 2, 2, 3)), requires_grad=True)
    fn = lambda a, b: F.conv_transpose2d(a, b, **settings_)  # noqa: E731
    assert mg.gradcheck(fn, [x, w])
    assert mg.gradgradcheck(fn, [x, w])


@pytest.mark.parametrize("op, weight_shape, message", [
    (F.conv2d, (4, 3, 0, 0), r"conv2d: the kernel size must be greater than zero, got a weight "
                             r"of shape \(4, 3, 0, 0\) \(kernel 0x0\)"),
    (F.conv2d, (4, 3, 3, 0), r"kernel size must be greater than zero.*kernel 3x0"),
    (F.conv2d, (0, 3, 3, 3), r"conv2d: the weight must be non-empty, got shape \(0, 3, 3, 3\)"),
    (F.conv_transpose2d, (3, 2, 0, 0), r"conv_transpose2d: the kernel size must be greater "
                                       r"than zero"),
    (F.conv_transpose2d, (3, 0, 2, 2), r"conv_transpose2d: the weight must be non-empty"),
])
def test_empty_kernels_are_rejected(op, weight_shape, message):
    with pytest.raises(ValueError, match=message):
        op(mg.zeros(2, 3, 8, 8), mg.zeros(*weight_shape))


# ---- padding="same" / "valid" ----------------------------------------------------------------
@st.composite
def same_configs(draw):
    groups = draw(st.sampled_from([1, 2]))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    hw = (draw(st.integers(1, 7)), draw(st.integers(1, 7)))
    padding = draw(st.sampled_from(["same", "valid"]))
    if padding == "valid":
        assume(all(dilation[i] * (kernel[i] - 1) < hw[i] for i in range(2)))
    return dict(padding=padding, dilation=dilation, groups=groups), \
        (2, c_in, *hw), (c_out, c_in // groups, *kernel)


@settings(max_examples=60, deadline=None)
@given(same_configs())
def test_conv2d_string_padding_matches_pytorch(config):
    settings_, x_shape, w_shape = config
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(x_shape), rng.standard_normal(w_shape)]
    compare_with_torch(lambda x, w: F.conv2d(x, w, **settings_),
                       lambda x, w: tF.conv2d(x, w, **settings_), arrays)


def test_same_padding_keeps_the_size_and_puts_the_odd_pixel_bottom_right():
    x = mg.zeros(1, 1, 4, 4)
    x.data[0, 0, 0, 0] = 1.0                       # top-left pixel
    y = F.conv2d(x, mg.ones(1, 1, 2, 2), padding="same")
    assert y.shape == (1, 1, 4, 4)
    # total padding 1 per axis, all of it bottom/right: output (0, 0) sees pixels (0..1, 0..1)
    assert y.numpy()[0, 0, 0, 0] == 1.0 and y.numpy()[0, 0, 1:, 1:].sum() == 0.0


def test_same_padding_gradgradcheck():
    rng = np.random.default_rng(2)
    x = mg.tensor(rng.standard_normal((1, 2, 4, 5)), requires_grad=True)
    w = mg.tensor(rng.standard_normal((2, 2, 2, 3)), requires_grad=True)
    fn = lambda a, b: F.conv2d(a, b, padding="same", dilation=(2, 1))  # noqa: E731
    assert mg.gradcheck(fn, [x, w])
    assert mg.gradgradcheck(fn, [x, w])


@pytest.mark.parametrize("kwargs, message", [
    (dict(padding="same", stride=2), r"conv2d: padding='same' is not supported for strided "
                                     r"convolutions, got stride \(2, 2\)"),
    (dict(padding="SAME"), r"conv2d: invalid padding string 'SAME', should be one of "
                           r"\('valid', 'same'\)"),
])
def test_string_padding_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        F.conv2d(mg.zeros(1, 3, 8, 8), mg.zeros(4, 3, 3, 3), **kwargs)
