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
    return EpisodeRuns(offsets, values.shape[-1]).merge(values, min_len)


def restore_lost_runs(before: np.ndarray, after: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """`after` ([N]) with every non-zero run of `before` ([N], the same part before a merge)
    that it lost entirely put back; runs that only moved their boundaries stay as merged."""
    return EpisodeRuns(offsets, before.size).restore_lost(before, after)


class EpisodeRuns:
    """Run bookkeeping over N steps of concatenated episodes (`offsets`: episode starts plus
    N); the per-step episode bounds are computed once and shared by every call."""

    def __init__(self, offsets: np.ndarray, n: int) -> None:
        self.n = n
        lengths = np.diff(offsets)
        self.first = np.repeat(offsets[:-1], lengths).astype(np.int32)  # episode's first step
        self.stop = np.repeat(offsets[1:], lengths).astype(np.int32)  # step after its last
        self.starts = offsets[:-1][offsets[:-1] < n]

    def merge(self, values: np.ndarray, min_len: np.ndarray) -> np.ndarray:
        """`merge_short_runs` of [K, N] `values` with per-row minimum lengths."""
        out = values.copy()
        for k, m in enumerate(np.broadcast_to(min_len, values.shape[:1])):
            if m > 1 and self.n:
                out[k] = values[k][self.source(values[k], int(m))]
        return out

    def source(self, row: np.ndarray, min_len: int) -> np.ndarray:
        """[N] index of the step whose value each step of `row` takes when its short runs are
        merged (itself where its run is long enough), to move other arrays along with it."""
        n = self.n
        idx = np.arange(n, dtype=np.int32)
        if n == 0 or min_len <= 1:
            return idx
        run_start, run_len = run_bounds(row, self.starts)
        if run_len.min() >= min_len:
            return idx
        long_step = np.repeat(run_len >= min_len, run_len)
        before = np.maximum.accumulate(np.where(long_step, idx, np.int32(-1)))
        after = np.minimum.accumulate(np.where(long_step, idx, np.int32(n))[::-1])[::-1]
        has_before = before >= self.first
        has_after = after < self.stop
        use_before = has_before & (~has_after | (idx - before <= after - idx))
        return np.where(use_before, before, np.where(has_after, after, idx))

    def restore_lost(self, before: np.ndarray, after: np.ndarray) -> np.ndarray:
        """See `restore_lost_runs`."""
        out = after.copy()
        if self.n == 0:
            return out
        run_start, run_len = run_bounds(before, self.starts)
        kept = np.add.reduceat((after == before).astype(np.int32), run_start)
        lost = np.repeat((before[run_start] != 0) & (kept == 0), run_len)
        out[lost] = before[lost]
        return out


def run_bounds(row: np.ndarray, starts: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """First step and length of each run of equal values in `row` ([N], N >= 1); a run never
    spans two episodes (`starts`: the episode starts, if several)."""
    brk = np.empty(row.size, dtype=bool)
    brk[0] = True
    np.not_equal(row[1:], row[:-1], out=brk[1:])
    if starts is not None:
        brk[starts] = True
    run_start = np.flatnonzero(brk)
    return run_start, np.diff(np.append(run_start, row.size))
