"""The vectorized core of the adaptive labeler: adaptive thresholds and the three detectors.

Everything works on a batch of concatenated episodes (`Batch`), so one numpy pass labels many
episodes. Each episode is padded on both sides with copies of its first and last row (as many as
the longest window), so every window is a plain shifted slice that never reaches another
episode, and a window running past the episode end sees no motion there. Counts over windows use
cumulative sums, so the cost is O(N) per channel whatever the window lengths; there is no Python
loop over steps.

For each channel (x, y, z, roll, pitch, yaw, gripper) of the normalized positions `P`:

- unit displacement `Du(t) = P(t + u) - P(t)` (u = `unit` seconds in steps);
- adaptive threshold `T(t) = T_base + beta * mean_j |Du(t + j u)| / (u / fps)` over the
  `tau / unit` unit steps that follow t (the recent mean speed of the channel);
- fast: `|P(t + w_f) - P(t)| > fast_factor * T(t)`;
- mid: `|P(t + w_m) - P(t)| > T(t)` and the channel's group (translation, tilt, yaw, gripper)
  moves by more than `mid_step_fraction * T_base * u / w_m` in every unit step of the window;
- slow: `|P(t + w_s) - P(t)| > T(t)` and every unit step of the window moves the channel the
  same way by more than `slow_step_fraction * T(s) * u / w_s` (METHOD.md's T / (2 * slow)).

The mid test is also run on the translation displacement norm (a diagonal move is faster than
any of its axes). A fast window cut by the episode end needs a proportionally smaller
displacement; mid and slow windows must fit in the episode. A mid or slow detection in the
window starting at s marks the steps of that window known to move as moving (`_covered`), so a
steady move is covered to its end, not only where a whole window still fits before it stops.
The direction comes from the fast detector where it fires, else mid, else slow.

Long batches are processed in chunks of `CHUNK` columns with a halo of four window lengths on
each side (so the working arrays stay in the CPU cache); the result equals one big pass.

Translation axes are then named by the dominance test: where the translation group moves (an
axis fired, or the group norm test), an axis is named if its displacement over the
`dominance_window` centred on t is at least `dominance` times the largest axis's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from motionprior.motion.params import LabelerParams
from motionprior.motion.trajectory import Batch


@dataclass(frozen=True)
class Channels:
    """Per-channel constants: T_base and the group index (0 = translation) of each channel."""

    base: np.ndarray  # [C]
    group: np.ndarray  # [C] int


@dataclass(frozen=True)
class Layout:
    """Padded row layout of a batch: `src[r]` is the batch row copied into padded row r,
    `real[i]` the padded row of batch row i, `rem[r]` the steps from r to its episode end."""

    src: np.ndarray
    real: np.ndarray
    rem: np.ndarray

    @classmethod
    def of(cls, batch: Batch, pad: int) -> Layout:
        lengths = np.diff(batch.offsets)
        k = np.arange(lengths.size)
        padded_len = lengths + 2 * pad
        first = np.concatenate([[0], np.cumsum(padded_len)[:-1]])
        q = np.arange(int(padded_len.sum())) - np.repeat(first, padded_len)
        ep_len = np.repeat(lengths, padded_len)
        local = np.clip(q - pad, 0, ep_len - 1)
        src = np.repeat(batch.offsets[:-1], padded_len) + local
        real = np.arange(len(batch)) + np.repeat((2 * k + 1) * pad, lengths)
        rem = np.where(q - pad < ep_len, ep_len - 1 - local, 0)
        return cls(src=src, real=real, rem=rem)


def _ahead(x: np.ndarray, w: int) -> np.ndarray:
    """d[:, t] = x[:, t + w] - x[:, t] (the last columns repeat the final one)."""
    d = np.empty_like(x)
    np.subtract(x[:, w:], x[:, :-w], out=d[:, :-w])
    np.subtract(x[:, -1:], x[:, -w:], out=d[:, -w:])
    return d


def _cumsum0(x: np.ndarray) -> np.ndarray:
    out = np.empty(x.shape[:-1] + (x.shape[-1] + 1,), dtype=np.int32)
    out[..., 0] = 0
    np.cumsum(x, axis=-1, dtype=np.int32, out=out[..., 1:])
    return out


def _count_ahead(x: np.ndarray, k: int) -> np.ndarray:
    """Sum of x[:, t .. t + k] (inclusive) per column t."""
    cs = _cumsum0(x)
    m = x.shape[-1]
    out = np.empty(x.shape, dtype=np.int32)
    np.subtract(cs[:, k + 1:], cs[:, : m - k], out=out[:, : m - k])
    np.subtract(cs[:, m:], cs[:, m - k: m], out=out[:, m - k:])
    return out


def _count_behind(x: np.ndarray, w: int) -> np.ndarray:
    """Sum of x[:, t - w + 1 .. t] (inclusive) per column t."""
    cs = _cumsum0(x)
    out = cs[:, 1:].copy()
    out[:, w:] -= cs[:, 1: x.shape[-1] - w + 1]
    return out


CHUNK = 8192  # columns per chunk: the working arrays of a chunk stay in the CPU cache


def detect(P: np.ndarray, batch: Batch, ch: Channels, p: LabelerParams) -> np.ndarray:
    """[C, N] normalized positions (float32, channel-major) -> [C, N] int8 direction per channel
    (0 = no motion)."""
    f = batch.fps
    u, wf, wm, ws = (p.steps(s, f) for s in (p.unit, p.fast, p.mid, p.slow))
    n_tau = max(1, int(round(p.tau / p.unit)))  # unit steps averaged by the adaptive threshold
    h = p.steps(p.dominance_window / 2, f)  # half-window
    pad = max(wf, wm, ws, n_tau * u, 2 * h) + 1
    lay = Layout.of(batch, pad)
    X = np.take(P, lay.src, axis=1)  # [C, M], padded
    # Chunks of columns with a halo wide enough that every window of a kept column (windows
    # ahead, then windows behind them) lies inside the chunk: results equal one big pass.
    halo = 4 * pad
    m = X.shape[1]
    value = np.empty(X.shape, dtype=np.int8)
    wins = (u, wf, wm, ws, n_tau, h)
    for a in range(0, m, CHUNK):
        lo, hi = max(0, a - halo), min(m, a + CHUNK + halo)
        v = _detect_chunk(X[:, lo:hi], lay.rem[lo:hi], wins, ch, p, f)
        value[:, a: a + CHUNK] = v[:, a - lo: a - lo + CHUNK]
    return value[:, lay.real]


def _detect_chunk(X: np.ndarray, rem: np.ndarray, wins: tuple[int, ...], ch: Channels,
                  p: LabelerParams, f: float) -> np.ndarray:
    u, wf, wm, ws, n_tau, h = wins
    base = ch.base.astype(np.float32)[:, None]

    du = _ahead(X, u)
    adu = np.abs(du)
    path = adu.copy()
    for j in range(1, n_tau):
        path[:, : -j * u] += adu[:, j * u:]
    thr = base + np.float32(p.beta * f / u / n_tau) * path  # [C, M]

    # fast (a window cut by the episode end needs a proportionally smaller displacement)
    d = _ahead(X, wf)
    need = thr * (np.minimum(rem, wf) * (p.fast_factor / wf)).astype(np.float32)
    value = _signed(d > need, d < -need)

    # mid: the group moves in every unit step of the window (squared norms: no square roots)
    groups = np.unique(ch.group)
    gcols = [np.flatnonzero(ch.group == g) for g in groups]
    gnorm2 = np.stack([np.square(du[c]).sum(axis=0) for c in gcols])
    gbase = np.array([ch.base[c].min() for c in gcols], dtype=np.float32)[:, None]
    still = gnorm2 <= np.square(np.float32(p.mid_step_fraction * u / wm) * gbase)
    all_moving = _count_ahead(still, max(wm - u, 0)) == 0  # [G, M]
    d = _ahead(X, wm)
    fire = all_moving[np.searchsorted(groups, ch.group)]
    _cover(value, _signed((d > thr) & fire, (d < -thr) & fire), wm, u)
    # ... and on the translation displacement norm (a diagonal move is faster than any axis)
    trans_fire = (np.square(d[:3]).sum(axis=0) > np.square(thr[:3].max(axis=0))) & all_moving[0]
    trans_moving = _covered(trans_fire[None], wm, u)[0] > 0

    # slow: every unit step moves the channel the same way (a sum of k + 1 unit signs is
    # +-(k + 1) only if all of them agree)
    d = _ahead(X, ws)
    step_thr = np.float32(p.slow_step_fraction * u / ws) * thr
    k = max(ws - u, 0)
    agree = _count_ahead(_signed(du > step_thr, du < -step_thr), k)
    _cover(value, _signed((d > thr) & (agree == k + 1), (d < -thr) & (agree == -k - 1)), ws, u)

    # translation axes: dominance test where the translation group moves
    disp = np.zeros((3, X.shape[1]), np.float32)
    np.subtract(X[:3, 2 * h:], X[:3, : -2 * h], out=disp[:, h:-h])  # window centred on t
    mag = np.abs(disp)
    share = mag >= np.float32(p.dominance) * mag.max(axis=0)
    moving = (value[:3] != 0).any(axis=0) | trans_moving
    sign = np.where(value[:3] != 0, value[:3], _signed(disp > 0, disp < 0))
    value[:3] = np.where(moving & share, sign, 0)
    return value


def _signed(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """+1 where `pos`, -1 where `neg`, else 0 (int8; cheaper than np.sign + astype)."""
    return pos.view(np.int8) - neg.view(np.int8)


def _covered(fired: np.ndarray, w: int, u: int) -> np.ndarray:
    """Per column t, the sum of `fired[s]` over the windows s whose moving part covers t.

    Every unit step of a firing window [s, s + w] moved, and unit s' spans [s', s' + u]; the
    steps known to move are therefore the unit starts s .. s + w - u, less the u - 1 steps at
    either end that a unit can include without moving in them: [s + u - 1, s + w - u]. (At one
    step per unit this is [s, s + w - 1]; the trimming keeps labels the same in time at any
    rate.)"""
    length = max(1, w - 2 * u + 2)
    count = _count_behind(fired, length)
    if u > 1:
        count[:, u - 1:] = count[:, : 1 - u].copy()
        count[:, : u - 1] = 0
    return count


def _cover(value: np.ndarray, fired: np.ndarray, w: int, u: int) -> None:
    """Where `value` is still 0, take the net direction (`fired` in {-1, 0, 1}) of the windows
    whose moving part covers the column."""
    covered = _covered(fired, w, u)
    net = _signed(covered > 0, covered < 0)
    np.copyto(value, net, where=value == 0)
