"""The resumable, sharded data order."""

from __future__ import annotations

import numpy as np
import pytest

from motionprior.errors import ConfigError
from motionprior.train.sampler import StepBatchSampler


def test_each_epoch_is_a_permutation_without_repeats():
    s = StepBatchSampler(23, 5, seed=3, end_step=8)
    assert s.batches_per_epoch == 4
    batches = list(s)
    epoch0 = np.concatenate(batches[:4])
    epoch1 = np.concatenate(batches[4:])
    assert len(set(epoch0.tolist())) == 20 and len(set(epoch1.tolist())) == 20
    assert not np.array_equal(epoch0, epoch1)  # reshuffled every epoch
    assert np.array_equal(epoch0, np.random.default_rng([3, 0]).permutation(23)[:20])


def test_resumed_sampler_continues_the_same_order():
    full = list(StepBatchSampler(40, 4, seed=1, end_step=25))
    tail = list(StepBatchSampler(40, 4, seed=1, start_step=13, end_step=25))
    assert tail == full[13:]


def test_shards_are_disjoint_and_cover_the_epoch():
    shards = [list(StepBatchSampler(50, 3, seed=0, end_step=8, rank=r, world=2))
              for r in range(2)]
    assert shards[0][0] != shards[1][0]
    for step in range(8):
        a, b = set(shards[0][step]), set(shards[1][step])
        assert not a & b and len(a) == len(b) == 3
    epoch = [i for r in range(2) for step in range(8) for i in shards[r][step]]
    assert sorted(epoch) == sorted(np.random.default_rng([0, 0]).permutation(50)[:48].tolist())


def test_too_small_dataset_is_an_error():
    with pytest.raises(ConfigError, match="fewer than one batch of 8 per process x 2"):
        StepBatchSampler(10, 8, seed=0, end_step=1, world=2)
