"""The GPU code paths on the CPU, under the strict CuPy stand-in (strict_device.py): every op of
the op table and a training step run "on the device" with no implicit conversion to NumPy, no
NumPy call on a device array, no array crossing between host and device, no Python scalar pulled
off the device (but one: a loss reads its target check back, KNOWN_SYNCS), and the dtypes of the
CPU run."""
import sys
from pathlib import Path

import numpy as np
import pytest

import kernels
import layers as nn
import minigrad as mg
from strict_device import (TRANSFERS, ImplicitTransferError, StrictArray, Transfers,
                           strict_device)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from op_table import CASES, FUNCTIONAL_CASES  # noqa: E402

# Host->device copies a case makes itself: host constants (masks, indices, targets, running
# statistics) built inside its function. Any other transfer is a finding.
CASE_HOST_DATA = {"where": 1, "batch_norm_eval": 2, "getitem_int_array_repeats": 1,
                  "getitem_bool_mask": 1, "getitem_mixed": 1, "cross_entropy_label_smoothing": 1,
                  "cross_entropy_sum_spatial": 1, "nll_loss": 1,
                  "cross_entropy_weight_ignore_index": 2, "gather_repeats": 1,
                  "getitem_int_slice_array": 1, "getitem_array_slice_int": 1,
                  "nll_loss_unbatched_weighted": 1, "binary_cross_entropy": 1,
                  "binary_cross_entropy_with_logits_weighted": 3,
                  "binary_cross_entropy_with_logits": 1, "masked_fill": 1}
CASE_HOST_SCALARS = {"cross_entropy_unbatched": 1, "nll_loss_unbatched_weighted": 1}  # 0-d targets
# Python scalars an op pulls off the device (each a GPU sync). A loss checks its targets
# (range, ignore_index) in one read: an out-of-range class must raise, as on the CPU.
KNOWN_SYNCS = dict.fromkeys(["cross_entropy_label_smoothing", "cross_entropy_sum_spatial",
                             "nll_loss", "cross_entropy_weight_ignore_index",
                             "cross_entropy_unbatched", "nll_loss_unbatched_weighted"], 1)


@pytest.fixture
def device():
    with strict_device():
        yield "cuda"


def on_device(arrays, dtype, requires_grad=True):
    return [mg.tensor(a.astype(dtype), device="cuda", requires_grad=requires_grad)
            for a in arrays]


def run_forward_backward(case, inputs, upstream):
    y = case.fn(*inputs)
    y.backward(upstream)
    return y


# ---- the stand-in itself is strict: a planted transfer is caught ---------------------------

def test_planted_implicit_transfers_are_refused(device):
    x = mg.randn(3, 4, device=device)
    assert isinstance(x.data, StrictArray)
    with pytest.raises(ImplicitTransferError, match="numpy.asarray"):
        np.asarray(x.data)  # the bug this utility exists to catch
    with pytest.raises(ImplicitTransferError, match="numpy.concatenate"):
        np.concatenate([x.data, x.data])
    with pytest.raises(TypeError):
        np.exp(x.data)  # a NumPy ufunc on a device array
    with pytest.raises(ImplicitTransferError, match="NumPy array"):
        x.data + np.ones((3, 4))
    with pytest.raises(ImplicitTransferError):
        np.zeros((3, 4))[...] = x.data


def test_planted_transfer_in_an_op_is_caught(device):
    """An op that slips np.asarray onto a device array fails under the stand-in."""
    class LeakyOp(mg.Function):
        def forward(self, x):
            return np.asarray(x) * 2.0  # planted: on a GPU this raises (or copies)

        def backward(self, gy):
            return gy * 2.0

    with pytest.raises(ImplicitTransferError):
        LeakyOp.apply(mg.randn(2, 2, device=device))


def test_explicit_transfers_are_counted(device):
    x = mg.tensor(np.arange(6.0).reshape(2, 3), device=device)
    assert TRANSFERS.to_device == 1
    assert x.numpy().tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] and TRANSFERS.to_host == 1
    float(x.sum())
    x.max().item()
    assert TRANSFERS.to_host == 3  # a Tensor's scalar comes over as a 0-d array (.get())
    if x.data.sum() > 0:  # a raw device array as a Python bool: a scalar pulled to the host
        int(x.data.argmax())
    assert TRANSFERS.scalars_to_host == 2


def test_python_scalars_stay_on_device(device):
    """A Python constant in an op is made on the device (xp.full), not copied over."""
    x = mg.randn(3, 4, device=device, requires_grad=True)
    TRANSFERS.reset()
    y = (2.0 * x - 1) / 3 + x ** 2.0
    mg.where(x.detach() > 0, x, 0.5).sum().backward()
    y.sum().backward()
    assert TRANSFERS == Transfers(), TRANSFERS


def test_index_arrays_must_be_on_the_tensors_device(device):
    x = mg.randn(4, 3, device=device, requires_grad=True)
    rows = mg.tensor([2, 0, 2], device=device)
    TRANSFERS.reset()
    x[rows.data].sum().backward()  # a bare device array as the index: used where it is
    assert TRANSFERS == Transfers(), TRANSFERS
    np.testing.assert_array_equal(x.grad.numpy().sum(axis=1), [3.0, 0.0, 6.0, 0.0])
    with pytest.raises(RuntimeError, match="index is on cpu but the indexed tensor.*cuda:0"):
        x[mg.tensor([0, 1])]
    with pytest.raises(RuntimeError, match="index is on cuda:0 but the indexed tensor.*cpu"):
        mg.randn(4, 3)[rows.data]
    with pytest.raises(RuntimeError, match="index is on cuda:0 but the indexed tensor.*cpu"):
        mg.randn(4, 3)[rows]


def test_unused_outputs_get_zero_gradients_made_on_the_device(device):
    class Split(mg.Function):
        def forward(self, x):
            return x[:2], x[2:]

        def backward(self, g_first, g_rest):
            return mg.cat([g_first, g_rest])

    x = mg.randn(5, device=device, requires_grad=True)
    first, _ = Split.apply(x)
    TRANSFERS.reset()
    (first * 3.0).sum().backward()
    assert TRANSFERS == Transfers(), TRANSFERS
    assert isinstance(x.grad.data, StrictArray)
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0, 0.0, 0.0, 0.0])


# ---- the op table on the device ----------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", CASES + FUNCTIONAL_CASES, ids=lambda c: c.name)
def test_op_table_on_device(case, dtype, device):
    rng = np.random.default_rng(0)
    arrays = case.make_inputs(rng)
    cpu_inputs = [mg.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    cpu_y = case.fn(*cpu_inputs)
    g = rng.standard_normal(cpu_y.shape).astype(dtype)
    cpu_y.backward(mg.tensor(g))

    inputs, upstream = on_device(arrays, dtype), mg.tensor(g, device=device)
    TRANSFERS.reset()
    y = run_forward_backward(case, inputs, upstream)
    expected = Transfers(to_device=CASE_HOST_DATA.get(case.name, 0),
                         scalars_to_device=CASE_HOST_SCALARS.get(case.name, 0),
                         scalars_to_host=KNOWN_SYNCS.get(case.name, 0))
    assert TRANSFERS == expected, f"{case.name}: {TRANSFERS}"
    assert y.device == "cuda:0" and isinstance(y.data, StrictArray)
    assert y.dtype == dtype, f"{case.name}: {dtype.__name__} became {y.dtype}"
    tolerance = dict(rtol=1e-10, atol=1e-10) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(y.numpy(), cpu_y.numpy(), **tolerance)
    for x, cpu_x in zip(inputs, cpu_inputs):
        assert isinstance(x.grad.data, StrictArray) and x.grad.dtype == dtype
        np.testing.assert_allclose(x.grad.numpy(), cpu_x.grad.numpy(), **tolerance)


# ---- a training step on the device -------------------------------------------------------

def small_convnet(dropout):
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
        nn.Conv2d(8, 8, 3, padding=1, groups=8),  # depthwise
        nn.MaxPool2d(2), nn.Dropout(dropout), nn.Flatten(), nn.Linear(8 * 4 * 4, 5))


def train_steps(device, dropout=0.0, steps=2):
    """Losses of a few SGD steps (with momentum and weight decay) from a fixed start, and the
    number of transfers they made."""
    mg.manual_seed(0)
    model = small_convnet(dropout).to(device)
    optimizer = mg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((4, 3, 8, 8)).astype(np.float32), device=device)
    target = mg.tensor(rng.integers(0, 5, 4), device=device)
    losses = []
    TRANSFERS.reset()
    for _ in range(steps):
        optimizer.zero_grad()
        loss = mg.functional.cross_entropy(model(x), target)
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
    transfers = TRANSFERS.arrays_and_syncs()
    for p in model.parameters():
        assert p.device == model_device(device) and p.dtype == np.float32, p
    return [float(loss) for loss in losses], transfers


def model_device(device):
    return mg.tensor(0.0, device=device).device


def test_training_steps_on_device_match_cpu(device):
    losses, transfers = train_steps(device)
    assert transfers == 2, TRANSFERS  # one per step: cross_entropy's target check (KNOWN_SYNCS)
    previous = kernels._arrays.set_device_stand_in(None)
    try:
        cpu_losses, _ = train_steps("cpu")
    finally:
        kernels._arrays.set_device_stand_in(previous)
    np.testing.assert_allclose(losses, cpu_losses, rtol=1e-5)


def test_training_steps_with_dropout_on_device(device):
    """Dropout draws from the device's own generator (so no comparison with the CPU)."""
    losses, transfers = train_steps(device, dropout=0.3)
    assert transfers == 2, TRANSFERS
    assert np.isfinite(losses).all()
