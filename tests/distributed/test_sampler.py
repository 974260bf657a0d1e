"""DistributedSampler: PyTorch's semantics, and the single-process loader's order."""
import numpy as np
import pytest
import torch.utils.data

import minigrad.distributed as dist
from minigrad.data import ArrayDataset, DataLoader


def shards(n, replicas, epoch=0, **options):
    samplers = [dist.DistributedSampler(range(n), replicas, rank, **options)
                for rank in range(replicas)]
    for s in samplers:
        s.set_epoch(epoch)
    return [list(s) for s in samplers], samplers


@pytest.mark.parametrize("n, replicas", [(10, 2), (10, 3), (7, 4), (3, 5), (64, 8)])
def test_the_shards_are_equal_disjoint_and_cover_the_dataset(n, replicas):
    indices, samplers = shards(n, replicas, epoch=3)
    assert {len(s) for s in indices} == {len(samplers[0])} == {-(-n // replicas)}
    together = [i for s in indices for i in s]
    assert set(together) == set(range(n))                          # covering
    # disjoint but for the padding, which repeats as few indices as it must
    assert len(together) - len(set(together)) == len(together) - n


@pytest.mark.parametrize("n, replicas", [(10, 3), (7, 4), (64, 8)])
def test_drop_last_drops_the_tail_instead_of_padding(n, replicas):
    indices, _ = shards(n, replicas, drop_last=True)
    together = [i for s in indices for i in s]
    assert len(together) == len(set(together)) == n // replicas * replicas


@pytest.mark.parametrize("n, replicas, drop_last", [(10, 3, False), (10, 3, True),
                                                    (3, 5, False), (13, 4, True)])
def test_without_shuffling_the_shards_are_pytorchs(n, replicas, drop_last):
    for rank in range(replicas):
        ours = dist.DistributedSampler(range(n), replicas, rank, shuffle=False,
                                       drop_last=drop_last)
        theirs = torch.utils.data.DistributedSampler(range(n), replicas, rank, shuffle=False,
                                                     drop_last=drop_last)
        assert (list(ours), len(ours)) == (list(theirs), len(theirs))


def test_each_epoch_has_its_own_order_and_repeats_it():
    sampler = dist.DistributedSampler(range(50), 2, 0, seed=3)
    first = list(sampler)
    sampler.set_epoch(1)
    second = list(sampler)
    assert first != second
    sampler.set_epoch(0)
    assert list(sampler) == first
    assert list(dist.DistributedSampler(range(50), 2, 0, seed=4)) != first


def test_the_ranks_batches_together_are_the_single_process_loaders_batches():
    data = ArrayDataset(np.zeros((48, 2, 2), np.float32), np.arange(48))
    loader = DataLoader(data, batch_size=16, shuffle=True, seed=11)
    for epoch in range(2):
        per_rank = [dist.DistributedSampler(data, 4, rank, seed=11).indices(epoch)
                    for rank in range(4)]
        for k, batch in enumerate(loader.batch_indices(epoch)):
            together = np.concatenate([indices[4 * k:4 * (k + 1)] for indices in per_rank])
            assert sorted(together) == sorted(batch)


def test_the_rank_and_world_come_from_the_process_group():
    dist.init()
    sampler = dist.DistributedSampler(range(5), shuffle=False)
    assert (sampler.num_replicas, sampler.rank, list(sampler)) == (1, 0, [0, 1, 2, 3, 4])


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="invalid rank 2 for num_replicas 2"):
        dist.DistributedSampler(range(5), 2, 2)
    with pytest.raises(ValueError, match="drop_last with 3 items and 4 replicas"):
        dist.DistributedSampler(range(3), 4, 0, drop_last=True)
