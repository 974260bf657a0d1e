"""Hypothesis over convolution configurations: forward and gradients vs a direct reference."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.functional as F


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
    assume(dilation[0] * (kh - 1) + 1 <= h + 2 * padding[0])
    assume(dilation[1] * (kw - 1) + 1 <= w + 2 * padding[1])
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
