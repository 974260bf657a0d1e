"""F.pad against torch.nn.functional.pad: every mode, negative amounts, gradients, errors."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.functional as F

torch = pytest.importorskip("torch")

MODES = ("constant", "reflect", "replicate", "circular")


def torch_accepts(shape, pad, mode) -> bool:
    """Whether PyTorch pads this input at all (its limits, which F.pad shares for these ranks).

    Circular padding that wraps more than the part left after cropping (``(1, -1)`` on a size-1
    axis) reads past the input in PyTorch; F.pad rejects it, so it is left out here."""
    if mode == "circular":
        for k in range(len(pad) // 2):
            before, after = pad[2 * k], pad[2 * k + 1]
            if max(before, after) > shape[-1 - k] - max(-before, 0) - max(-after, 0):
                return False
    try:
        torch.nn.functional.pad(torch.zeros(shape), pad, mode=mode)
    except (RuntimeError, NotImplementedError, ValueError):
        return False
    return True


@st.composite
def pad_cases(draw):
    mode = draw(st.sampled_from(MODES))
    padded_dims = draw(st.integers(1, 3))
    # PyTorch's non-constant modes take (padded_dims + 1) or (padded_dims + 2) dimensions
    ndim = padded_dims + draw(st.integers(1, 2)) if mode != "constant" else \
        draw(st.integers(padded_dims, 4))
    shape = tuple(draw(st.integers(1, 4)) for _ in range(ndim))
    pad = tuple(draw(st.integers(-2, 4)) for _ in range(2 * padded_dims))
    return shape, pad, mode


@settings(max_examples=150, deadline=None)
@given(pad_cases(), st.floats(-3, 3))
def test_pad_matches_pytorch_values_and_gradients(case, value):
    shape, pad, mode = case
    assume(torch_accepts(shape, pad, mode))
    assume(0 not in torch.nn.functional.pad(torch.zeros(shape), pad, mode=mode).shape)
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal(shape)
    fill = {"value": value} if mode == "constant" else {}
    x = mg.tensor(x_np, requires_grad=True)
    tx = torch.tensor(x_np, requires_grad=True)
    y = F.pad(x, pad, mode=mode, **fill)
    ty = torch.nn.functional.pad(tx, pad, mode=mode, **fill)
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    gy = rng.standard_normal(y.shape)
    y.backward(mg.tensor(gy))
    ty.backward(torch.tensor(gy))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("pad", [(1, 2), (2, 1, 0, 2), (-1, 2, 1, -1)])
def test_pad_gradcheck_and_gradgradcheck(mode, pad):
    x = mg.tensor(np.random.default_rng(1).standard_normal((2, 3, 4, 5)), requires_grad=True)
    fn = lambda t: F.pad(t, pad, mode=mode)  # noqa: E731
    assert mg.gradcheck(fn, [x])
    assert mg.gradgradcheck(fn, [x])


@pytest.mark.parametrize("mode", MODES)
def test_pad_keeps_float32(mode):
    x = mg.zeros(1, 2, 3, 3, requires_grad=True)
    y = F.pad(x, (1, 1, 2, 2), mode=mode)
    assert y.dtype == np.float32 and y.shape == (1, 2, 7, 5)
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_pad_without_amounts_returns_the_input_values():
    x = mg.arange(6.0).reshape(2, 3)
    for mode in MODES:
        np.testing.assert_array_equal(F.pad(x, (0, 0), mode=mode).numpy(), x.numpy())


def test_pad_accepts_more_leading_dimensions_than_pytorch_in_reflect_mode():
    x_np = np.arange(24.0).reshape(1, 2, 3, 4)
    expected = np.pad(x_np, ((0, 0), (0, 0), (0, 0), (2, 1)), mode="reflect")
    np.testing.assert_array_equal(F.pad(mg.tensor(x_np), (2, 1), mode="reflect").numpy(),
                                  expected)


def test_tensor_pad_keeps_numpy_pad_width():
    x = mg.ones(2, 3)
    assert x.pad(((1, 0), (0, 2))).shape == (3, 5)
    assert x.pad(1, value=7.0).numpy()[0, 0] == 7.0


@pytest.mark.parametrize("args, kwargs, message", [
    ((1, 1, 1), {}, r"divisible by 2, got 3 values"),
    ((1, 1) * 5, {}, r"10 padding values pad 5 dimensions, but the input has only 4"),
    ((4, 0), {"mode": "reflect"}, r"reflect padding \(4, 0\) of dimension 3 must be smaller "
                                   r"than its size 4"),
    ((5, 0), {"mode": "circular"}, r"wraps around more than once: it must be at most the size 4"),
    ((-3, -2), {}, r"padding \(-3, -2\) of dimension 3 would give a negative size"),
    ((1, 1), {"mode": "edge"}, r"mode must be one of \('constant', 'reflect', 'replicate', "
                               r"'circular'\), got 'edge'"),
    ((1, 1), {"mode": "reflect", "value": 2.0}, r"value=2.0 is only used by mode 'constant'"),
])
def test_pad_bad_arguments(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        F.pad(mg.zeros(1, 2, 3, 4), args, **kwargs)


def test_pad_rejects_non_integer_amounts():
    with pytest.raises(TypeError, match=r"pad must be a sequence of ints, got \(1.5, 1\)"):
        F.pad(mg.zeros(2, 2), (1.5, 1))
