"""The teaching versions (F.conv2d_simple, F.max_pool2d_simple) equal the fast paths."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F

# (x shape, weight shape, stride, padding)
CONV_CONFIGS = [
    ((2, 3, 5, 5), (4, 3, 3, 3), 1, 1),
    ((1, 2, 7, 6), (3, 2, 3, 2), (2, 1), (1, 0)),
    ((3, 1, 6, 6), (2, 1, 1, 1), 2, 0),
    ((2, 4, 4, 5), (5, 4, 4, 5), 1, (2, 1)),
    ((1, 3, 9, 8), (2, 3, 5, 3), 3, 2),
]
# (x shape, kernel_size, stride, padding)
POOL_CONFIGS = [
    ((2, 3, 6, 6), 2, None, 0),
    ((1, 2, 7, 6), 3, 2, 1),
    ((2, 1, 5, 8), (2, 3), (1, 2), (1, 1)),
    ((1, 2, 6, 5), (3, 1), 1, (1, 0)),
]


def leaves(rng, device, *shapes):
    return [mg.tensor(rng.standard_normal(s), device=device, requires_grad=True) for s in shapes]


def forward_and_grads(fn, inputs, upstream):
    y = fn(*inputs)
    y.backward(upstream)
    grads = [x.grad.numpy() for x in inputs]
    for x in inputs:
        x.grad = None
    return y.numpy(), grads


def assert_same(simple, fast, inputs, rng):
    y_fast = fast(*inputs)
    upstream = mg.tensor(rng.standard_normal(y_fast.shape), device=y_fast.device)
    y1, grads1 = forward_and_grads(simple, inputs, upstream)
    y2, grads2 = forward_and_grads(fast, inputs, upstream)
    np.testing.assert_allclose(y1, y2, rtol=1e-10, atol=1e-10)
    for g1, g2 in zip(grads1, grads2):
        np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("x_shape, w_shape, stride, padding", CONV_CONFIGS)
@pytest.mark.parametrize("with_bias", [True, False])
def test_conv2d_simple_equals_conv2d(x_shape, w_shape, stride, padding, with_bias, device, rng):
    inputs = leaves(rng, device, x_shape, w_shape, *([(w_shape[0],)] if with_bias else []))
    assert_same(lambda *a: F.conv2d_simple(*a, stride=stride, padding=padding),
                lambda *a: F.conv2d(*a, stride=stride, padding=padding), inputs, rng)


@pytest.mark.parametrize("x_shape, kernel_size, stride, padding", POOL_CONFIGS)
def test_max_pool2d_simple_equals_max_pool2d(x_shape, kernel_size, stride, padding, device, rng):
    # random normal values: no ties, so both tie rules agree
    inputs = leaves(rng, device, x_shape)
    assert_same(lambda x: F.max_pool2d_simple(x, kernel_size, stride, padding),
                lambda x: F.max_pool2d(x, kernel_size, stride, padding), inputs, rng)


def test_max_pool2d_simple_pads_with_minus_infinity():
    x = mg.tensor(-np.ones((1, 1, 2, 2)))
    np.testing.assert_array_equal(F.max_pool2d_simple(x, 3, 1, 1).numpy(), -np.ones((1, 1, 2, 2)))


def test_max_pool2d_tie_rules_differ_as_documented():
    """A window of equal values: the simple version shares the gradient, the fast one gives
    it all to the first maximum; both pass on the same total."""
    x_simple, x_fast = (mg.zeros(1, 1, 2, 2, requires_grad=True) for _ in range(2))
    F.max_pool2d_simple(x_simple, 2).sum().backward()
    F.max_pool2d(x_fast, 2).sum().backward()
    np.testing.assert_array_equal(x_simple.grad.numpy(), np.full((1, 1, 2, 2), 0.25))
    np.testing.assert_array_equal(x_fast.grad.numpy(), [[[[1, 0], [0, 0]]]])


@pytest.mark.parametrize("call, message", [
    pytest.param(lambda: F.conv2d_simple(mg.zeros(1, 3, 5, 5), mg.zeros(2, 4, 3, 3)),
                 r"x \(1, 3, 5, 5\)", id="channel_mismatch"),
    pytest.param(lambda: F.conv2d_simple(mg.zeros(3, 5, 5), mg.zeros(2, 3, 3, 3)),
                 r"\(N, C_in, H, W\)", id="3d_input"),
    pytest.param(lambda: F.conv2d_simple(mg.zeros(1, 3, 2, 2), mg.zeros(2, 3, 3, 3)),
                 r"the window does not fit: kernel size \(3, 3\).*input shape \(1, 3, 2, 2\)",
                 id="kernel_larger_than_input"),
    pytest.param(lambda: F.conv2d_simple(mg.zeros(1, 3, 5, 5), mg.zeros(2, 3, 3, 3), stride=0),
                 "stride must be >= 1", id="zero_stride"),
    pytest.param(lambda: F.max_pool2d_simple(mg.zeros(1, 1, 4, 4), 2, padding=2),
                 r"padding \(2, 2\) must be at most half the kernel size \(2, 2\)",
                 id="pool_padding_too_large"),
    pytest.param(lambda: F.max_pool2d_simple(mg.zeros(4, 4), 2), r"4-D input .* shape \(4, 4\)",
                 id="pool_2d_input"),
])
def test_bad_input_is_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
