"""Jitter suppression: steps of runs shorter than a minimum length join the nearest long run.

Vectorized (no loop over steps or runs): each step of a short run takes the value of the
nearest step, in the same episode, that belongs to a run at least the minimum length long (ties
go to the earlier one). A short stretch between two motions is therefore split between them at
its middle, which is where the transition happened, instead of being given wholly to one side.
An episode made only of short runs is left alone.
"""

from __future__ import annotations

import numpy as np


def merge_short_runs(values: np.ndarray, offsets: np.ndarray, min_len: np.ndarray) -> np.ndarray:
    """Merge short runs in each row of `values` ([K, N] small ints, channel-major).

    `offsets` are the episode starts plus N at the end; `min_len` ([K]) is the minimum run
    length in steps per row (1 disables merging for that row). Returns a new array.
    """
    return np.stack([_merge_row(row, offsets, int(m)) for row, m in zip(
        values, np.broadcast_to(min_len, values.shape[:1]), strict=True)]) if len(values) else (
        values.copy())


def _merge_row(codes: np.ndarray, offsets: np.ndarray, min_len: int) -> np.ndarray:
    n = codes.size
    if n == 0 or min_len <= 1:
        return codes.copy()
    brk = np.empty(n, dtype=bool)
    brk[0] = True
    np.not_equal(codes[1:], codes[:-1], out=brk[1:])
    brk[offsets[:-1][offsets[:-1] < n]] = True  # a run never spans two episodes
    run_start = np.flatnonzero(brk)
    run_len = np.diff(np.append(run_start, n))
    long_step = np.repeat(run_len >= min_len, run_len)
    if long_step.all():
        return codes.copy()
    idx = np.arange(n)
    lengths = np.diff(offsets)
    episode_start = np.repeat(offsets[:-1], lengths)
    episode_end = np.repeat(offsets[1:], lengths)  # exclusive
    before = np.maximum.accumulate(np.where(long_step, idx, -1))
    after = np.minimum.accumulate(np.where(long_step, idx, n)[::-1])[::-1]
    has_before = before >= episode_start
    has_after = after < episode_end
    use_before = has_before & (~has_after | (idx - before <= after - idx))
    return codes[np.where(use_before, before, np.where(has_after, after, idx))]
