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
    out = values.copy()
    n = values.shape[1] if values.ndim == 2 else 0
    if n == 0:
        return out
    lengths = np.diff(offsets)
    first = np.repeat(offsets[:-1], lengths)  # per step: its episode's first step
    stop = np.repeat(offsets[1:], lengths)  # ... and the step after its last
    starts = offsets[:-1][offsets[:-1] < n]
    for k, m in enumerate(np.broadcast_to(min_len, values.shape[:1])):
        if m > 1:
            out[k] = values[k][_nearest_long(values[k], starts, first, stop, int(m))]
    return out


def _nearest_long(row: np.ndarray, starts: np.ndarray, first: np.ndarray, stop: np.ndarray,
                  min_len: int) -> np.ndarray:
    """Per step, the index whose value it takes (itself when its run is long enough)."""
    n = row.size
    brk = np.empty(n, dtype=bool)
    brk[0] = True
    np.not_equal(row[1:], row[:-1], out=brk[1:])
    brk[starts] = True  # a run never spans two episodes
    run_start = np.flatnonzero(brk)
    run_len = np.diff(np.append(run_start, n))
    idx = np.arange(n)
    if run_len.min() >= min_len:
        return idx
    long_step = np.repeat(run_len >= min_len, run_len)
    before = np.maximum.accumulate(np.where(long_step, idx, -1))
    after = np.minimum.accumulate(np.where(long_step, idx, n)[::-1])[::-1]
    has_before = before >= first
    has_after = after < stop
    use_before = has_before & (~has_after | (idx - before <= after - idx))
    return np.where(use_before, before, np.where(has_after, after, idx))


def restore_lost_runs(before: np.ndarray, after: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """`after` ([N]) with every non-zero run of `before` ([N], the same part before a merge)
    that it lost entirely put back; runs that only moved their boundaries stay as merged."""
    n = before.size
    brk = np.empty(n, dtype=bool)
    brk[0] = True
    np.not_equal(before[1:], before[:-1], out=brk[1:])
    brk[offsets[:-1][offsets[:-1] < n]] = True
    run_start = np.flatnonzero(brk)
    kept = np.add.reduceat((after == before).astype(np.int32), run_start)
    lost = (before[run_start] != 0) & (kept == 0)
    out = after.copy()
    run_len = np.diff(np.append(run_start, n))
    mask = np.repeat(lost, run_len)
    out[mask] = before[mask]
    return out
