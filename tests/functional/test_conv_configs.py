"""Hypothesis over convolution configurations: forward and gradients vs a direct reference."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.functional as F
from kernels.geometry import dilated_span


def reference_conv2d(x, w, stride, padding, dilation, groups):
    """Direct definition: y[n, o, i, j] = sum_{c, a, b} x_pad[n, c, i*s + a*d, j*s + b*d] w[o, c, a, b]."""
    n, c_in, h, wd = x.shape
    c_out, cg, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((n, c_out, oh, ow))
    per_group_out = c_out // groups
    for o in range(c_out):
        g = o // per_group_out
        xs = xp[:, g * cg:(g + 1) * cg]
        for a in range(kh):
            for b in range(kw):
                patch = xs[:, :, a * dh: a * dh + sh * (oh - 1) + 1: sh,
                           b * dw: b * dw + sw * (ow - 1) + 1: sw]
                y[:, o] += np.einsum("nchw,c->nhw", patch, w[o, :, a, b])
    return y


@st.composite
def conv_configs(draw):
    groups = draw(st.sampled_from([1, 2, 3]))
    depthwise = draw(st.booleans())
    c_in = groups * draw(st.integers(1, 2))
    if depthwise:
        groups = c_in
    c_out = groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 3)), draw(st.integers(0, 3)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    h, w = draw(st.integers(1, 11)), draw(st.integers(1, 11))
    n = draw(st.integers(1, 3))
    assume(dilated_span(kh, dilation[0]) <= h + 2 * padding[0])
    assume(dilated_span(kw, dilation[1]) <= w + 2 * padding[1])
    return n, c_in, c_out, (kh, kw), stride, padding, dilation, groups, (h, w)


@settings(max_examples=60, deadline=None)
@given(conv_configs())
def test_conv2d_forward_and_gradients_match_the_definition(config):
    n, c_in, c_out, k, stride, padding, dilation, groups, (h, w) = config
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((n, c_in, h, w))
    w_np = rng.standard_normal((c_out, c_in // groups) + k)
    x = mg.tensor(x_np, requires_grad=True)
    weight = mg.tensor(w_np, requires_grad=True)
    y = F.conv2d(x, weight, stride=stride, padding=padding, dilation=dilation, groups=groups)
    expected = reference_conv2d(x_np, w_np, stride, padding, dilation, groups)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-10, atol=1e-10)
    # gradients: the directional check costs two forward passes whatever the size
    assert mg.gradcheck(lambda a, b: F.conv2d(a, b, None, stride, padding, dilation, groups),
                        [x, weight], fast_mode=True)


@settings(max_examples=25, deadline=None)
@given(conv_configs())
def test_conv2d_matches_pytorch(config):
    torch = pytest.importorskip("torch")
    n, c_in, c_out, k, stride, padding, dilation, groups, (h, w) = config
    rng = np.random.default_rng(1)
    x_np = rng.standard_normal((n, c_in, h, w)).astype(np.float32)
    w_np = rng.standard_normal((c_out, c_in // groups) + k).astype(np.float32)
    b_np = rng.standard_normal(c_out).astype(np.float32)
    ours = [mg.tensor(a, requires_grad=True) for a in (x_np, w_np, b_np)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x_np, w_np, b_np)]
    y = F.conv2d(*ours, stride=stride, padding=padding, dilation=dilation, groups=groups)
    ty = torch.nn.functional.conv2d(*theirs, stride=stride, padding=padding, dilation=dilation,
                                    groups=groups)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-4, atol=1e-4)
    g = rng.standard_normal(y.shape).astype(np.float32)
    y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-3)


def test_chunked_workspace_gives_the_same_result():
    rng = np.random.default_rng(2)
    x = mg.tensor(rng.standard_normal((5, 3, 9, 9)), requires_grad=True)
    w = mg.tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True)
    y_full = F.conv2d(x, w, padding=1)
    y_full.sum().backward()
    gx, gw = x.grad.numpy(), w.grad.numpy()
    x.grad = w.grad = None
    limit = F.workspace_limit()
    F.set_workspace_limit(3 * 9 * 81 * 8 * 2)  # two images per chunk
    try:
        y_chunked = F.conv2d(x, w, padding=1)
        y_chunked.sum().backward()
    finally:
        F.set_workspace_limit(limit)
    np.testing.assert_allclose(y_chunked.numpy(), y_full.numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), gx, rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), gw, rtol=1e-12)


def test_conv_bad_input_messages():
    x = mg.zeros(2, 3, 8, 8)
    with pytest.raises(ValueError, match=r"input has 3 channels .* expects 4"):
        F.conv2d(x, mg.zeros(5, 4, 3, 3))
    with pytest.raises(ValueError, match="in_channels=3 is not divisible by groups=2"):
        F.conv2d(x, mg.zeros(4, 1, 3, 3), groups=2)
    with pytest.raises(ValueError, match=r"kernel size \(11, 11\).*larger than the padded input \(8, 8\)"):
        F.conv2d(x, mg.zeros(4, 3, 11, 11))
    with pytest.raises(ValueError, match=r"4-D input \(N, C, H, W\), got shape \(3, 8, 8\)"):
        F.conv2d(mg.zeros(3, 8, 8), mg.zeros(4, 3, 3, 3))
    with pytest.raises(ValueError, match=r"4-D input"):
        F.max_pool2d(mg.zeros(8, 8), 2)


@pytest.mark.parametrize("call, error, message", [
    pytest.param(lambda x: F.conv2d(x, mg.zeros(4, 3, 3, 3), stride=0), ValueError,
                 r"conv2d: stride must be >= 1, got \(0, 0\)", id="conv_zero_stride"),
    pytest.param(lambda x: F.conv2d(x, mg.zeros(4, 3, 3, 3), padding=(1, -1)), ValueError,
                 r"conv2d: padding must be >= 0, got \(1, -1\)", id="conv_negative_padding"),
    pytest.param(lambda x: F.conv2d(x, mg.zeros(4, 3, 3, 3), dilation=(1, 2, 3)), ValueError,
                 r"dilation must be an int or a pair of ints, got \(1, 2, 3\)", id="conv_triple"),
    pytest.param(lambda x: F.conv2d(x, mg.zeros(4, 3, 3)), ValueError,
                 r"conv2d: weight must be 4-D", id="conv_3d_weight"),
    pytest.param(lambda x: F.conv2d(x, mg.zeros(4, 3, 3, 3, dtype=np.float64)), TypeError,
                 r"conv2d: the input is float32 but the weight is float64", id="conv_dtypes"),
    pytest.param(lambda x: F.conv2d(x, mg.zeros(4, 3, 3, 3), mg.zeros(4, dtype=np.float64)),
                 TypeError, r"the bias is float64", id="conv_bias_dtype"),
    pytest.param(lambda x: F.conv2d(x, mg.zeros(4, 3, 3, 3), mg.zeros(3)), ValueError,
                 r"conv2d: bias must have shape \(4,\), got \(3,\)", id="conv_bias_shape"),
    pytest.param(lambda x: F.conv2d(x, mg.zeros(4, 3, 3, 3), dilation=4), ValueError,
                 r"dilated extent \(9, 9\)\) is larger than the padded input \(8, 8\)",
                 id="conv_dilated_too_large"),
    pytest.param(lambda x: F.conv_transpose2d(x, mg.zeros(4, 2, 3, 3)), ValueError,
                 r"conv_transpose2d: input has 3 channels but the weight", id="convT_channels"),
    pytest.param(lambda x: F.conv_transpose2d(x, mg.zeros(3, 2, 3, 3), stride=2,
                                              output_padding=2), ValueError,
                 r"output_padding \(2, 2\) must be smaller than stride", id="convT_out_pad"),
    pytest.param(lambda x: F.max_pool2d(x, 0), ValueError,
                 r"max_pool2d: kernel_size must be >= 1", id="pool_zero_kernel"),
    pytest.param(lambda x: F.max_pool2d(x, 2, padding=2), ValueError,
                 r"padding \(2, 2\) must be at most half the kernel size", id="pool_padding"),
    pytest.param(lambda x: F.max_pool2d(x, 3, dilation=4), ValueError,
                 r"max_pool2d: the window does not fit", id="pool_too_large"),
    pytest.param(lambda x: F.avg_pool2d(x, 2.5), ValueError,
                 r"kernel_size must be an int or a pair of ints, got 2.5", id="pool_float"),
    pytest.param(lambda x: F.avg_pool2d(x[0], 2), ValueError,
                 r"avg_pool2d expects a 4-D input \(N, C, H, W\), got shape \(3, 8, 8\)",
                 id="pool_3d_input"),
    pytest.param(lambda x: F.adaptive_avg_pool2d(x, (0, 2)), ValueError,
                 r"output_size must be positive", id="adaptive_zero"),
])
def test_bad_arguments_and_inputs_are_clear_errors(call, error, message):
    """The functional layer checks every input (the kernels below it only assert)."""
    with pytest.raises(error, match=message):
        call(mg.zeros(2, 3, 8, 8))


def _channel_major(a: np.ndarray) -> np.ndarray:
    """The same values laid out as a convolution's output: (C, N, H, W) memory."""
    return np.ascontiguousarray(a.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)


@pytest.mark.parametrize("kernel, stride, padding, groups", [
    (1, 1, 0, 1),      # pointwise: a channel-major input is used as the column matrix itself
    (1, 1, 0, 2),
    (1, 2, 0, 1),      # strided 1×1: im2col copies
    (3, 1, 1, 1),
    (3, 1, 1, 6),      # depthwise
])
def test_channel_major_inputs_give_the_results_of_contiguous_ones(kernel, stride, padding,
                                                                  groups):
    rng = np.random.default_rng(3)
    x_np = rng.standard_normal((3, 6, 5, 7))
    w_np = rng.standard_normal((4 if groups < 6 else 6, 6 // groups, kernel, kernel))
    g_np = rng.standard_normal(F.conv2d(mg.tensor(x_np), mg.tensor(w_np), stride=stride,
                                        padding=padding, groups=groups).shape)
    results = []
    for layout in (np.ascontiguousarray, _channel_major):
        x = mg.tensor(layout(x_np), requires_grad=True)
        w = mg.tensor(w_np, requires_grad=True)
        y = F.conv2d(x, w, stride=stride, padding=padding, groups=groups)
        y.backward(mg.tensor(layout(g_np)))
        results.append((y.numpy(), x.grad.numpy(), w.grad.numpy()))
    expected = reference_conv2d(x_np, w_np, (stride,) * 2, (padding,) * 2, (1, 1), groups)
    np.testing.assert_allclose(results[1][0], expected, rtol=1e-10, atol=1e-10)
    for ours, contiguous in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, contiguous, rtol=1e-12, atol=1e-12)


def test_a_chunked_pointwise_convolution_of_a_channel_major_input():
    rng = np.random.default_rng(4)
    x_np = rng.standard_normal((5, 3, 4, 4))
    w_np = rng.standard_normal((2, 3, 1, 1))
    limit = F.workspace_limit()
    F.set_workspace_limit(3 * 16 * 8 * 2)  # two images per chunk: chunks are not contiguous
    try:
        y = F.conv2d(mg.tensor(_channel_major(x_np)), mg.tensor(w_np))
    finally:
        F.set_workspace_limit(limit)
    np.testing.assert_allclose(y.numpy(), reference_conv2d(x_np, w_np, (1, 1), (0, 0), (1, 1), 1),
                               rtol=1e-12)
