"""Tensor creation, attributes, devices and clear errors for bad input."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg


def test_default_dtypes_follow_pytorch():
    assert mg.tensor([1.0, 2.0]).dtype == np.float32
    assert mg.tensor([1, 2]).dtype == np.int64
    assert mg.tensor(np.zeros(2)).dtype == np.float64     # NumPy arrays keep their dtype
    assert mg.zeros(2, 3).shape == (2, 3) and mg.ones((2,)).dtype == np.float32
    assert mg.arange(5).dtype == np.int64 and mg.arange(0.0, 1.0, 0.5).dtype == np.float32
    assert mg.full((2,), 7).dtype == np.int64 and mg.randn(2, dtype=np.float64).dtype == np.float64


def test_attributes_and_conversions():
    t = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert t.shape == (2, 2) and t.ndim == 2 and t.numel() == 4 and len(t) == 2
    assert t.device == "cpu" and t.is_leaf and t.grad is None
    assert isinstance(t.numpy(), np.ndarray) and float(t[1, 1]) == 4.0 and t.sum().item() == 10.0
    assert "requires_grad=True" in repr(mg.tensor([1.0], requires_grad=True))
    assert t.double().dtype == np.float64 and t.double().float().dtype == np.float32


def test_tensor_copies_but_from_numpy_shares():
    a = np.zeros(3, dtype=np.float32)
    copied, shared = mg.tensor(a), mg.from_numpy(a)
    a[0] = 5
    assert copied.numpy()[0] == 0 and shared.numpy()[0] == 5


def test_manual_seed_reproduces_random_tensors():
    mg.manual_seed(3)
    a = mg.randn(4).numpy()
    mg.manual_seed(3)
    np.testing.assert_array_equal(mg.randn(4).numpy(), a)


def test_cuda_request_without_gpu_is_a_clear_error():
    if mg.cuda_is_available():
        pytest.skip("a GPU is available here")
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        mg.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        mg.zeros(2).cuda()
    with pytest.raises(ValueError, match="unknown device"):
        mg.zeros(2, device="tpu")


def test_mixed_devices_raise_naming_both():
    a = mg.randn(3)
    b = mg.randn(3)
    b._device = "cuda:0"  # pretend: the check happens before any array math
    with pytest.raises(RuntimeError, match="cpu and cuda:0"):
        a + b


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4,\)"):
        mg.zeros(2, 3) + mg.zeros(4)
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4, 5\)"):
        mg.zeros(2, 3) @ mg.zeros(4, 5)
    with pytest.raises(ValueError, match=r"shape \(2, 3\) \(6 elements\) into shape \(4, 2\)"):
        mg.zeros(2, 3).reshape(4, 2)
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(2, 4\)"):
        mg.concatenate([mg.zeros(2, 3), mg.zeros(2, 4)], axis=0)


def test_index_with_wrong_dtype_is_a_clear_error():
    with pytest.raises(IndexError, match="float64"):
        mg.zeros(3)[np.array([0.0, 1.0])]
    with pytest.raises(IndexError, match=r"shape \(3,\)"):
        mg.zeros(3)[5]


def test_item_and_bool_need_one_element():
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        mg.zeros(2).item()


@settings(max_examples=40, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                 max_side=4),
       op=st.sampled_from(["add", "sub", "mul", "div", "maximum"]))
def test_broadcasting_matches_numpy_and_gradients_sum_back(shapes, op):
    rng = np.random.default_rng(0)
    sa, sb = shapes.input_shapes
    a_np, b_np = rng.standard_normal(sa), rng.uniform(0.5, 2.0, sb)
    a = mg.tensor(a_np, requires_grad=True)
    b = mg.tensor(b_np, requires_grad=True)
    fns = {"add": (lambda x, y: x + y, np.add), "sub": (lambda x, y: x - y, np.subtract),
           "mul": (lambda x, y: x * y, np.multiply), "div": (lambda x, y: x / y, np.divide),
           "maximum": (mg.maximum, np.maximum)}
    ours, ref = fns[op]
    y = ours(a, b)
    np.testing.assert_allclose(y.numpy(), ref(a_np, b_np), rtol=1e-12)
    assert y.shape == shapes.result_shape
    assert mg.gradcheck(ours, [a, b])


@settings(max_examples=30, deadline=None)
@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, max_side=4), data=st.data())
def test_reductions_over_random_axes(shape, data):
    axes = data.draw(st.lists(st.integers(0, len(shape) - 1), unique=True, min_size=1))
    keep = data.draw(st.booleans())
    x_np = np.random.default_rng(1).standard_normal(shape)
    x = mg.tensor(x_np, requires_grad=True)
    np.testing.assert_allclose(x.sum(axis=tuple(axes), keepdims=keep).numpy(),
                               x_np.sum(axis=tuple(axes), keepdims=keep))
    np.testing.assert_allclose(x.max(axis=tuple(axes), keepdims=keep).numpy(),
                               x_np.max(axis=tuple(axes), keepdims=keep))
    assert mg.gradcheck(lambda t: t.mean(axis=tuple(axes), keepdims=keep), [x])
