"""DataLoader: batches, shuffling per seed and epoch, samplers, worker threads, errors,
resuming."""
import threading

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import ArrayDataset, DataLoader, Dataset, Subset, stack_batch
from minigrad.data import transforms as T
from minigrad.distributed import DistributedSampler


def images(n=10, shape=(12, 12, 3)):
    return np.random.default_rng(0).integers(0, 256, (n, *shape), dtype=np.uint8)


def dataset(n=10, transform=None):
    return ArrayDataset(images(n), np.arange(n) % 3, transform=transform)


def augmented(n=23):
    return dataset(n, T.Compose([T.RandomCrop(8, padding=2), T.RandomHorizontalFlip(),
                                 T.ColorJitter(0.5, 0.5, 0.5, 0.1), T.ToArray()]))


def collect(loader):
    """One epoch of the loader as NumPy ``(images, labels)`` pairs."""
    return [(x.numpy(), y.numpy()) for x, y in loader]


def labels_in_order(loader):
    return np.concatenate([y.numpy() for _, y in loader])


def assert_same_batches(one, two):
    for (x1, y1), (x2, y2) in zip(one, two, strict=True):
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, y2)


def test_batches_are_tensors_with_the_right_shapes():
    loader = DataLoader(dataset(10, T.ToArray()), batch_size=4)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    x, y = batches[0]
    assert isinstance(x, mg.Tensor) and isinstance(y, mg.Tensor)
    assert x.shape == (4, 3, 12, 12) and x.dtype == np.float32 and x.device == "cpu"
    assert y.shape == (4,) and y.dtype == np.int64
    assert batches[-1][0].shape == (2, 3, 12, 12)
    np.testing.assert_array_equal(np.concatenate([y.numpy() for _, y in batches]),
                                  np.arange(10) % 3)
    np.testing.assert_array_equal(x.numpy()[1], images()[1].transpose(2, 0, 1) / np.float32(255))


def test_uint8_items_stay_uint8_and_grayscale_stacks_to_nhw():
    data = ArrayDataset(images(6, (5, 7)), np.zeros(6))
    x, y = next(iter(DataLoader(data, batch_size=6)))
    assert x.shape == (6, 5, 7) and x.dtype == np.uint8 and x.numpy().flags.c_contiguous


def test_drop_last():
    loader = DataLoader(dataset(10), batch_size=4, drop_last=True)
    assert len(loader) == 2 and [x.shape[0] for x, _ in loader] == [4, 4]
    assert len(DataLoader(dataset(8), batch_size=4, drop_last=True)) == 2


def test_shuffle_is_a_permutation_reproducible_per_seed_and_epoch():
    data = ArrayDataset(np.arange(50)[:, None], np.arange(50))
    a, b, c = (DataLoader(data, batch_size=8, shuffle=True, seed=s) for s in (1, 1, 2))
    a0, a1 = labels_in_order(a), labels_in_order(a)  # epochs 0 and 1
    b0, b1, c0 = labels_in_order(b), labels_in_order(b), labels_in_order(c)
    assert sorted(a0) == list(range(50))
    np.testing.assert_array_equal(a0, b0)
    np.testing.assert_array_equal(a1, b1)
    assert not np.array_equal(a0, a1) and not np.array_equal(a0, c0)
    a.set_epoch(1)
    np.testing.assert_array_equal(labels_in_order(a), a1)
    assert a.epoch == 2


def test_no_shuffle_keeps_dataset_order():
    data = ArrayDataset(np.arange(7)[:, None], np.arange(7))
    loader = DataLoader(data, batch_size=3, seed=0)
    assert [list(y.numpy()) for _, y in loader] == [[0, 1, 2], [3, 4, 5], [6]]


def test_augmentation_is_reproducible_and_differs_between_epochs():
    first = collect(DataLoader(augmented(), batch_size=5, seed=3))
    again = collect(DataLoader(augmented(), batch_size=5, seed=3))
    assert_same_batches(first, again)
    loader = DataLoader(augmented(), batch_size=5, seed=3)
    collect(loader)
    assert not np.array_equal(collect(loader)[0][0], first[0][0])


@pytest.mark.parametrize("batch_size", [1, 4])
def test_workers_give_identical_batches(batch_size):
    serial = DataLoader(augmented(), batch_size=batch_size, shuffle=True, seed=7)
    threaded = DataLoader(augmented(), batch_size=batch_size, shuffle=True, seed=7,
                          num_workers=2)
    for _ in range(2):  # epochs 0 and 1
        one, two = collect(serial), collect(threaded)
        assert len(one) == len(serial)
        assert_same_batches(one, two)


def test_state_dict_resumes_the_same_order():
    run = DataLoader(augmented(), batch_size=4, shuffle=True, seed=5)
    epochs = [collect(run) for _ in range(3)]
    resumed = DataLoader(augmented(), batch_size=4, shuffle=True)
    resumed.load_state_dict({"seed": 5, "epoch": 2})
    assert_same_batches(epochs[2], collect(resumed))
    assert resumed.state_dict() == {"seed": 5, "epoch": 3}


def test_seed_without_argument_follows_manual_seed():
    mg.manual_seed(123)
    first = DataLoader(dataset(), shuffle=True).seed
    mg.manual_seed(123)
    assert DataLoader(dataset(), shuffle=True).seed == first


class Failing(Dataset):
    """Items 0..n-1; item ``bad`` raises."""

    def __init__(self, n=20, bad=13):
        self.n, self.bad, self.loaded = n, bad, []

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        if index == self.bad:
            raise ValueError("cannot read this one")
        self.loaded.append(index)
        return np.full((2, 2), index, np.float32), index


@pytest.mark.parametrize("workers", [0, 2])
def test_worker_exception_reaches_the_loop_with_the_index(workers):
    loader = DataLoader(Failing(), batch_size=4, num_workers=workers)
    seen = []
    with pytest.raises(ValueError, match="cannot read this one") as info:
        for _, y in loader:
            seen.extend(y.numpy())
    assert seen == list(range(12))  # the batches before the bad one arrived, in order
    assert any("item 13 of Failing" in note for note in info.value.__notes__)


def pool_threads():
    return [t for t in threading.enumerate() if t.name.startswith("DataLoader")]


def test_breaking_early_stops_the_workers():
    data = Failing(n=400, bad=-1)
    loader = DataLoader(data, batch_size=4, num_workers=2)
    for i, _ in enumerate(loader):
        if i == 1:
            break
    assert not pool_threads()  # shut down when the loop left the iterator
    assert len(data.loaded) <= 4 * (2 + 2 * 2)  # at most the prefetched batches were read
    iterator = iter(loader)
    next(iterator)
    assert pool_threads()
    iterator.close()
    assert not pool_threads()


def test_custom_collate_fn():
    def collate(items):
        x, y = stack_batch(items)
        return x, y, np.array([len(items)])
    x, y, n = next(iter(DataLoader(dataset(5), batch_size=5, collate_fn=collate)))
    assert n.numpy().tolist() == [5] and x.shape == (5, 12, 12, 3)


class Ragged(Dataset):
    """Item ``i`` is an ``(i + 1)×4`` image."""

    def __len__(self):
        return 3

    def __getitem__(self, index):
        return np.zeros((index + 1, 4), np.uint8), 0


def test_shapes_that_do_not_stack_are_a_clear_error():
    with pytest.raises(ValueError, match=r"different shapes \[\(1, 4\), \(2, 4\)\].*Resize"):
        next(iter(DataLoader(Ragged(), batch_size=2)))


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(dataset(), batch_size=0)
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(dataset(), num_workers=-1)


def test_subset_and_array_dataset():
    data = dataset(10)
    part = Subset(data, [9, 0, -2])
    assert len(part) == 3 and [part[i][1] for i in range(3)] == [0, 0, 2]
    np.testing.assert_array_equal(part[0][0], data[9][0])
    with pytest.raises(IndexError, match="out of range"):
        part[3]
    with pytest.raises(ValueError, match="one label per image"):
        ArrayDataset(np.zeros((3, 2)), [0, 1])


@pytest.mark.skipif(not mg.cuda_is_available(), reason="needs CuPy and a GPU")
def test_batches_on_the_gpu():
    x, y = next(iter(DataLoader(dataset(8, T.ToArray()), batch_size=4, device="cuda",
                                num_workers=2)))
    assert x.device == "cuda:0" and y.device == "cuda:0"
    np.testing.assert_array_equal(x.numpy()[0], T.ToArray()(images(8)[0]))


# ---- PyTorch's DataLoader arguments -------------------------------------------------------

def test_pytorch_arguments_give_the_same_batches():
    serial = DataLoader(augmented(), batch_size=4, shuffle=True, seed=3)
    torch_style = DataLoader(augmented(), batch_size=4, shuffle=True, seed=3, num_workers=2,
                             pin_memory=True, persistent_workers=True, prefetch_factor=3,
                             timeout=30, worker_init_fn=lambda worker_id: None)
    for _ in range(2):
        assert_same_batches(collect(serial), collect(torch_style))
    assert torch_style.pin_memory and torch_style.prefetch_factor == 3


class ThreadRecording(Dataset):
    """Items ``0..n-1``; remembers which threads loaded items."""

    def __init__(self, n=16):
        self.n, self.threads = n, set()

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        self.threads.add(threading.current_thread())
        return np.zeros(2, np.float32), index


@pytest.mark.parametrize("persistent", [False, True])
def test_persistent_workers_keep_their_threads_and_init_once(persistent):
    data, started = ThreadRecording(), []
    loader = DataLoader(data, batch_size=2, num_workers=2, persistent_workers=persistent,
                        worker_init_fn=started.append)
    threads_per_epoch = []
    for _ in range(3):
        data.threads = set()
        assert labels_in_order(loader).tolist() == list(range(16))
        threads_per_epoch.append(data.threads)
    if persistent:
        # Threads start as the pool needs them: one or two, each initialised once, all alive.
        assert sorted(started) in ([0], [0, 1])
        threads = pool_threads()
        assert len(threads) == len(started) and set().union(*threads_per_epoch) <= set(threads)
        del loader
        for thread in threads:
            thread.join(timeout=5)
        assert not pool_threads()
    else:
        assert started.count(0) == 3 and set(started) <= {0, 1}   # ids restart each epoch
        assert threads_per_epoch[0].isdisjoint(threads_per_epoch[1])
        assert not pool_threads()


def test_persistent_pool_survives_an_early_break_and_ends_with_the_loader():
    data = ThreadRecording(n=400)
    loader = DataLoader(data, batch_size=4, num_workers=2, persistent_workers=True)
    for i, _ in enumerate(loader):
        if i == 1:
            break
    threads = pool_threads()
    assert threads
    assert labels_in_order(loader).tolist() == list(range(400))   # the next epoch is whole
    assert set(threads) <= set(pool_threads())
    threads = pool_threads()
    del loader
    for thread in threads:
        thread.join(timeout=5)
    assert not pool_threads()


def test_worker_init_fn_errors_reach_the_loop():
    def fail(worker_id):
        raise OSError(f"worker {worker_id} cannot start")
    with pytest.raises(OSError, match="worker 0 cannot start"):
        next(iter(DataLoader(dataset(), num_workers=1, worker_init_fn=fail)))


def test_generator_draws_the_seed_and_leaves_the_global_generator_alone():
    mg.manual_seed(0)
    before = mg.random.generator().bit_generator.state
    one = DataLoader(dataset(), shuffle=True, generator=np.random.default_rng(7))
    two = DataLoader(dataset(), shuffle=True, generator=np.random.default_rng(7))
    other = DataLoader(dataset(), shuffle=True, generator=np.random.default_rng(8))
    assert one.seed == two.seed != other.seed
    assert_same_batches(collect(one), collect(two))
    assert mg.random.generator().bit_generator.state == before


class Blocking(Dataset):
    """Items wait for ``release`` (a threading.Event) before they load."""

    def __init__(self):
        self.release = threading.Event()

    def __len__(self):
        return 4

    def __getitem__(self, index):
        self.release.wait(timeout=10)
        return np.zeros(2, np.float32), index


def test_timeout_raises_instead_of_waiting_forever():
    data = Blocking()
    loader = DataLoader(data, batch_size=2, num_workers=1, timeout=0.2)
    try:
        with pytest.raises(RuntimeError, match=r"timed out after 0.2 seconds"):
            next(iter(loader))
    finally:
        data.release.set()


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(persistent_workers=True), ValueError, "persistent_workers=True needs num_workers"),
    (dict(prefetch_factor=2), ValueError, "prefetch_factor=2 needs worker threads"),
    (dict(num_workers=1, prefetch_factor=0), ValueError, "prefetch_factor must be at least 1"),
    (dict(timeout=-1), ValueError, "timeout must be non-negative, got -1"),
    (dict(seed=1, generator=np.random.default_rng()), ValueError, "seed or a generator"),
    (dict(generator=7), TypeError, "numpy.random.Generator.*got int"),
    (dict(sampler=[0, 1], shuffle=True), ValueError, "sampler option is mutually exclusive"),
    (dict(sampler=iter([0, 1])), TypeError, "sampler must have __iter__.*__len__"),
])
def test_pytorch_arguments_are_checked(kwargs, error, message):
    with pytest.raises(error, match=message):
        DataLoader(dataset(), **kwargs)


def test_arguments_after_shuffle_are_keyword_only():
    sampler = object()   # PyTorch's fourth positional argument
    with pytest.raises(TypeError, match="positional"):
        DataLoader(dataset(), 4, True, sampler)


def rows_in_order(batch):
    """A batch's items flattened to rows, sorted lexicographically (order-free comparison)."""
    rows = batch.reshape(len(batch), -1)
    return rows[np.lexsort(rows.T[::-1])]


class EpochRecordingSampler:
    """Indices 9, 7, 5, ... (every other item, backwards), recording its set_epoch calls."""

    def __init__(self, n):
        self.n, self.epochs = n, []

    def set_epoch(self, epoch):
        self.epochs.append(epoch)

    def __iter__(self):
        return iter(range(self.n - 1, -1, -2))

    def __len__(self):
        return len(range(self.n - 1, -1, -2))


def test_a_sampler_chooses_the_items_and_their_order():
    sampler = EpochRecordingSampler(10)
    loader = DataLoader(dataset(10), 2, sampler=sampler, seed=0)
    assert len(loader) == 3                                  # 5 indices: batches 2, 2, 1
    assert labels_in_order(loader).tolist() == [i % 3 for i in (9, 7, 5, 3, 1)]
    assert len(DataLoader(dataset(10), 2, sampler=sampler, drop_last=True)) == 2
    assert labels_in_order(DataLoader(dataset(10), 4, sampler=range(8, 2, -1))).tolist() == \
        [i % 3 for i in range(8, 2, -1)]                     # any sized iterable of indices


def test_a_sampler_whose_len_is_wrong_is_a_clear_error():
    class Lying(EpochRecordingSampler):
        def __len__(self):
            return 7
    with pytest.raises(ValueError, match="the sampler gave 5 indices but its len\\(\\) is 7"):
        collect(DataLoader(dataset(10), 2, sampler=Lying(10)))


def test_the_loader_sets_the_sampler_to_each_epoch():
    sampler = EpochRecordingSampler(10)
    loader = DataLoader(dataset(10), 2, sampler=sampler, seed=0)
    collect(loader)
    collect(loader)
    loader.load_state_dict({"seed": 0, "epoch": 7})
    list(loader.iter_from(2))
    assert sampler.epochs == [0, 1, 7]


def test_distributed_sampler_shards_together_are_the_single_loaders_batches():
    """Two ranks with batches of 3 from a DistributedSampler see, at every step, the items
    (and augmentations) of the shuffled single loader's batch of 6."""
    data = augmented(23)
    single = DataLoader(data, 6, shuffle=True, drop_last=True, seed=5)
    ranks = [DataLoader(data, 3, drop_last=True, seed=5, sampler=DistributedSampler(
        data, num_replicas=2, rank=r, seed=5, drop_last=True)) for r in range(2)]
    assert len(single) == len(ranks[0]) == len(ranks[1]) == 3
    for _ in range(2):                                       # two epochs: the order moves on
        steps = zip(collect(single), collect(ranks[0]), collect(ranks[1]), strict=True)
        for (x, y), (x0, y0), (x1, y1) in steps:
            np.testing.assert_array_equal(rows_in_order(np.concatenate([x0, x1])),
                                          rows_in_order(x))
            assert sorted(np.concatenate([y0, y1]).tolist()) == sorted(y.tolist())
    assert [r.sampler.epoch for r in ranks] == [1, 1]
