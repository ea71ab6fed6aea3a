"""Resumable, shardable data order: the batch of global step s is a pure function of
(seed, s, rank, world size), so a resumed run sees exactly the batches it would have seen."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from torch.utils.data import Sampler

from motionprior.errors import ConfigError


class StepBatchSampler(Sampler[list[int]]):
    """Index batches for steps `start_step .. end_step - 1` (0-based optimizer steps).

    Epoch e is the permutation `default_rng([seed, e]).permutation(n)` (or `range(n)` without
    shuffling), cut to a multiple of `world * batch_size`; rank r takes every `world`-th index
    starting at r, so the shards of one epoch are disjoint and together cover the permutation.
    """

    def __init__(self, n: int, batch_size: int, *, seed: int, end_step: int, start_step: int = 0,
                 rank: int = 0, world: int = 1, shuffle: bool = True) -> None:
        if not 0 <= rank < world:
            raise ValueError(f"rank {rank} outside world size {world}")
        self.n, self.batch_size, self.seed = n, batch_size, seed
        self.rank, self.world, self.shuffle = rank, world, shuffle
        self.start_step, self.end_step = start_step, end_step
        self.batches_per_epoch = n // (world * batch_size)
        if self.batches_per_epoch == 0:
            raise ConfigError(
                f"the training set has {n} windows, fewer than one batch of {batch_size} per "
                f"process x {world} processes; lower the batch size or add data")
        self._epoch, self._order = -1, np.empty(0, dtype=np.int64)

    def epoch_order(self, epoch: int) -> np.ndarray:
        """This rank's indices for `epoch`, in order."""
        if epoch != self._epoch:
            perm = (np.random.default_rng([self.seed, epoch]).permutation(self.n)
                    if self.shuffle else np.arange(self.n))
            used = perm[: self.batches_per_epoch * self.batch_size * self.world]
            self._epoch, self._order = epoch, used[self.rank :: self.world]
        return self._order

    def batch(self, step: int) -> list[int]:
        """The indices of global step `step` on this rank."""
        epoch, b = divmod(step, self.batches_per_epoch)
        order = self.epoch_order(epoch)
        return order[b * self.batch_size : (b + 1) * self.batch_size].tolist()

    def __iter__(self) -> Iterator[list[int]]:
        for step in range(self.start_step, self.end_step):
            yield self.batch(step)

    def __len__(self) -> int:
        return max(0, self.end_step - self.start_step)
