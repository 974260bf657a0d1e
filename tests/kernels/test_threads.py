"""The kernels' thread split: same bits with 1 thread or several, errors surface, bad counts refused."""
import numpy as np
import pytest

import kernels
from kernels import threads


@pytest.fixture
def restore_threads():
    yield
    threads.set_num_threads(threads.get_num_threads())


@pytest.mark.parametrize("geometry", [((3, 3), (1, 1), (1, 1), (1, 1)),
                                      ((5, 2), (2, 3), (2, 1), (1, 2))])
def test_im2col_and_col2im_are_bit_identical_for_any_thread_count(geometry, restore_threads):
    x = np.random.default_rng(0).standard_normal((4, 7, 96, 95)).astype(np.float32)
    results = []
    for count in (1, 2, 3):
        threads.set_num_threads(count)
        col = kernels.im2col(x, *geometry)
        assert col.nbytes >= threads.MIN_PARALLEL_BYTES  # big enough to be split
        results.append((col, kernels.col2im(col, x.shape, *geometry)))
    for col, image in results[1:]:
        np.testing.assert_array_equal(col, results[0][0])
        np.testing.assert_array_equal(image, results[0][1])


def test_split_covers_the_range_in_order():
    assert threads.split(10, 3) == [slice(0, 3), slice(3, 6), slice(6, 10)]
    assert threads.split(2, 4) == [slice(0, 1), slice(1, 2)]


def test_a_worker_error_reaches_the_caller(restore_threads):
    threads.set_num_threads(2)

    def fail_on_second_part(part):
        if part.start > 0:
            raise ValueError(f"part {part} failed")
    with pytest.raises(ValueError, match="failed"):
        threads.run_in_parts(fail_on_second_part, 4, nbytes=threads.MIN_PARALLEL_BYTES)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2"])
def test_set_num_threads_refuses_non_positive_integers(bad):
    with pytest.raises(ValueError, match="positive integer"):
        threads.set_num_threads(bad)


def test_training_steps_give_the_same_weights_with_one_thread_or_two(restore_threads):
    import minigrad as mg
    import minigrad.functional as F
    from layers import models
    from minigrad import optim
    images = mg.tensor(np.random.default_rng(1).standard_normal((8, 1, 28, 28)).astype(np.float32))
    labels = mg.tensor(np.arange(8) % 10)
    weights = []
    for count in (1, 2):
        threads.set_num_threads(count)
        mg.manual_seed(0)
        model = models.small_cnn()
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        for _ in range(3):
            opt.zero_grad()
            F.cross_entropy(model(images), labels).backward()
            opt.step()
        weights.append([p.numpy().copy() for p in model.parameters()])
    for ours, theirs in zip(*weights):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("geometry", [((2, 2), (2, 2), (0, 0), (1, 1)),     # disjoint windows
                                      ((3, 3), (2, 2), (1, 1), (1, 1)),     # overlapping, padded
                                      ((3, 2), (1, 3), (1, 0), (2, 1))])
def test_max_pool_is_bit_identical_for_any_thread_count(geometry, restore_threads):
    rng = np.random.default_rng(0)
    # ties (rounded values), a NaN, and the channel-major layout a convolution outputs
    x = np.round(rng.standard_normal((6, 5, 96, 95)), 1).astype(np.float32)
    x[2, 3, 10, 10] = np.nan
    x = np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    assert x.nbytes >= threads.MIN_PARALLEL_BYTES          # big enough to be split
    results = []
    for count in (1, 2, 3):
        threads.set_num_threads(count)
        y, argmax = kernels.max_pool2d_forward(x, *geometry)
        gy = rng.standard_normal(y.shape).astype(np.float32) if count == 1 else results[0][3]
        results.append((y, argmax, kernels.max_pool2d_backward(gy, argmax, x.shape, *geometry), gy))
    for y, argmax, gx, _ in results[1:]:
        np.testing.assert_array_equal(y, results[0][0])
        np.testing.assert_array_equal(argmax, results[0][1])
        np.testing.assert_array_equal(gx, results[0][2])


@pytest.mark.parametrize("channel_major", [False, True])
def test_batch_norm_is_bit_identical_for_any_thread_count(channel_major, restore_threads):
    import minigrad as mg
    import minigrad.functional as F
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((16, 7, 52, 47)) * 3 + 1).astype(np.float32)
    if channel_major:                                   # the layout a convolution outputs
        x = np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    assert x.nbytes >= threads.MIN_PARALLEL_BYTES       # big enough to be split
    gy = rng.standard_normal(x.shape).astype(np.float32)
    weight, bias = rng.standard_normal(7).astype(np.float32), rng.standard_normal(7).astype(np.float32)
    results = []
    for count in (1, 2, 3):
        threads.set_num_threads(count)
        inputs = [mg.tensor(a, requires_grad=True) for a in (x, weight, bias)]
        running = [mg.zeros(7), mg.ones(7)]
        y = F.batch_norm(inputs[0], *running, *inputs[1:], training=True)
        y.backward(mg.tensor(gy))
        results.append([y.numpy(), *(t.grad.numpy() for t in inputs), *(r.numpy() for r in running)])
    for result in results[1:]:
        for ours, theirs in zip(result, results[0]):
            np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("multiplier, geometry, one_call_from", [
    (1, ((1, 1), (1, 1), (1, 1)), 10**9),      # per-tap passes
    (1, ((1, 1), (1, 1), (1, 1)), 1),          # one einsum per chunk
    (2, ((2, 1), (0, 2), (1, 2)), 10**9)])
def test_depthwise_conv_is_bit_identical_for_any_thread_count(multiplier, geometry,
                                                              one_call_from, restore_threads,
                                                              monkeypatch):
    monkeypatch.setattr(kernels.depthwise, "_ONE_CALL_CHANNELS", one_call_from)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((24, 16, 40, 40)).astype(np.float32)
    w = rng.standard_normal((16 * multiplier, 1, 3, 3)).astype(np.float32)
    results = []
    for count in (1, 2, 3):
        threads.set_num_threads(count)
        y = kernels.depthwise_conv2d_forward(x, w, *geometry)
        gy = rng.standard_normal(y.shape).astype(np.float32) if count == 1 else results[0][3]
        results.append((y, kernels.depthwise_conv2d_backward_input(gy, w, x.shape, *geometry),
                        kernels.depthwise_conv2d_backward_weight(gy, x, w.shape, *geometry), gy))
        assert y.nbytes >= 2 * (1 << 20)                # at least two chunks to split
    for result in results[1:]:
        for ours, theirs in zip(result[:3], results[0][:3]):
            np.testing.assert_array_equal(ours, theirs)
