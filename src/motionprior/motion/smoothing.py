"""Jitter suppression: runs shorter than a minimum length are merged into a neighbouring run.

Vectorized over runs (no loop over steps or runs): a short run takes the value of the nearest
preceding run that is long enough, within the same episode; at an episode start (no such run
before it) the nearest following long run. An episode made only of short runs is left alone.
"""

from __future__ import annotations

import numpy as np


def suppress_short_runs(values: np.ndarray, offsets: np.ndarray, min_len: np.ndarray) -> np.ndarray:
    """Merge short runs in each row of `values` ([K, N] small ints, channel-major).

    `offsets` are the episode starts plus N at the end; `min_len` ([K]) is the minimum run
    length in steps per row (1 disables suppression for that row). Returns a new array.
    """
    k, n = values.shape
    if n == 0 or k == 0:
        return values.copy()
    flat = values.reshape(-1)
    starts = (offsets[:-1][None, :] + n * np.arange(k)[:, None]).reshape(-1)  # episode starts
    brk = np.empty(flat.size, dtype=bool)
    brk[0] = True
    np.not_equal(flat[1:], flat[:-1], out=brk[1:])
    brk[starts] = True
    run_start = np.flatnonzero(brk)
    run_len = np.diff(np.append(run_start, flat.size))
    keep = run_len >= np.asarray(min_len)[run_start // n]
    if keep.all():
        return values.copy()
    run_val = flat[run_start]
    run_ep = np.searchsorted(starts, run_start, side="right")  # episode (and row) of each run
    r = np.arange(run_start.size)
    prev = np.maximum.accumulate(np.where(keep, r, -1))
    nxt = np.minimum.accumulate(np.where(keep, r, run_start.size)[::-1])[::-1]
    prev_c, nxt_c = np.maximum(prev, 0), np.minimum(nxt, run_start.size - 1)
    prev_ok = (prev >= 0) & (run_ep[prev_c] == run_ep)
    next_ok = (nxt < run_start.size) & (run_ep[nxt_c] == run_ep)
    merged = np.where(prev_ok, run_val[prev_c], np.where(next_ok, run_val[nxt_c], run_val))
    new_val = np.where(keep, run_val, merged)
    return np.repeat(new_val, run_len).reshape(k, n)
