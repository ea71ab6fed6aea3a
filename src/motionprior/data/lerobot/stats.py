"""LeRobot-style feature statistics, computed exactly.

For every numeric feature: min, max, mean, std, count and the quantiles q01, q10, q50, q90, q99
over all frames, per dimension (`np.quantile`, linear interpolation, on float64). For a camera:
the same per colour channel over every pixel of every frame, scaled to [0, 1], shaped
`[3, 1, 1]` as LeRobot expects. Camera quantiles come from exact per-channel histograms of the
uint8 pixels (256 bins), which give the same numbers as `np.quantile` on all pixels without
holding them in memory, and add up across episodes (so appending never re-decodes old frames).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from motionprior.data.lerobot.schema import QUANTILES, STAT_KEYS, has_stats
from motionprior.errors import DataError

Stats = dict[str, np.ndarray]


def numeric_stats(x: np.ndarray) -> Stats:
    """Stats of `x` (`[N]` or `[N, ...]`) over frames; a `[N]` feature gets shape `(1,)`."""
    x = np.asarray(x)
    if x.ndim == 1:
        x = x[:, None]
    if x.dtype == np.bool_:
        x = x.astype(np.int64)
    exact = x.astype(np.float64)
    keep = x.dtype if np.issubdtype(x.dtype, np.integer) else np.float64
    out: Stats = {
        "min": x.min(axis=0).astype(keep),
        "max": x.max(axis=0).astype(keep),
        "mean": exact.mean(axis=0),
        "std": exact.std(axis=0),
        "count": np.array([len(x)], dtype=np.int64),
    }
    qs = np.quantile(exact, QUANTILES, axis=0)
    for key, q in zip(STAT_KEYS[5:], qs, strict=True):
        out[key] = q
    return out


def channel_histogram(frames: np.ndarray) -> np.ndarray:
    """`[T, H, W, C] uint8` frames -> `[C, 256]` int64 pixel counts per channel."""
    channels = frames.shape[-1]
    return np.stack(
        [np.bincount(frames[..., c].ravel(), minlength=256) for c in range(channels)]
    ).astype(np.int64)


def histogram_stats(hist: np.ndarray, frames: int) -> Stats:
    """Camera stats (scaled to [0, 1], shape `[C, 1, 1]`) from `[C, 256]` pixel histograms."""
    hist = np.asarray(hist, dtype=np.int64)
    n = hist.sum(axis=1)
    values = np.arange(hist.shape[1], dtype=np.float64)
    mean = hist @ values / n
    var = (hist * (values[None, :] - mean[:, None]) ** 2).sum(axis=1) / n
    cum = np.cumsum(hist, axis=1)
    nonzero = hist > 0
    out: Stats = {
        "min": nonzero.argmax(axis=1).astype(np.float64),
        "max": (hist.shape[1] - 1 - nonzero[:, ::-1].argmax(axis=1)).astype(np.float64),
        "mean": mean,
        "std": np.sqrt(var),
    }
    for key, q in zip(STAT_KEYS[5:], QUANTILES, strict=True):
        out[key] = np.array([_hist_quantile(cum[c], int(n[c]), q) for c in range(len(hist))])
    scaled = {k: (v / 255.0).reshape(-1, 1, 1) for k, v in out.items()}
    scaled["count"] = np.array([frames], dtype=np.int64)
    return {k: scaled[k] for k in STAT_KEYS}


def _hist_quantile(cum: np.ndarray, n: int, q: float) -> float:
    """`np.quantile(values, q)` (linear method) of the sorted values described by `cum`."""
    h = (n - 1) * q
    lo = int(np.floor(h))
    hi = min(lo + 1, n - 1)
    a = float(np.searchsorted(cum, lo, side="right"))
    b = float(np.searchsorted(cum, hi, side="right"))
    t = h - lo
    # numpy's _lerp: a + t (b - a), evaluated from the nearer end for accuracy
    return b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t


def dataset_stats(
    features: dict[str, dict[str, Any]],
    columns: dict[str, np.ndarray],
    histograms: dict[str, np.ndarray],
    frames: int,
) -> dict[str, Stats]:
    """Stats of every feature that has them: numeric ones from `columns`, cameras from
    `histograms` (features without data, e.g. undecoded videos, are left out)."""
    out: dict[str, Stats] = {}
    for key, ft in features.items():
        if not has_stats(ft):
            continue
        if ft["dtype"] in ("image", "video"):
            if key in histograms:
                out[key] = histogram_stats(histograms[key], frames)
        elif key in columns:
            out[key] = numeric_stats(columns[key])
    return out


def stats_to_json(stats: dict[str, Stats]) -> dict[str, dict[str, Any]]:
    """Nested lists, the layout of LeRobot's meta/stats.json."""
    return {k: {s: np.asarray(v).tolist() for s, v in st.items()} for k, st in stats.items()}


def stats_from_json(obj: dict[str, dict[str, Any]]) -> dict[str, Stats]:
    if not isinstance(obj, dict) or not all(isinstance(v, dict) for v in obj.values()):
        raise DataError("expected an object mapping each feature to its statistics")
    return {k: {s: np.asarray(v) for s, v in st.items()} for k, st in obj.items()}
