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
