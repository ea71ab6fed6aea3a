"""Per-dimension statistics and the q01/q99 normalization of METHOD.md.

`x_hat = clip(2 (x - q01) / (q99 - q01 + eps) - 1, -1, 1)`; dims with `q99 == q01` map to 0;
dims excluded by the mask (e.g. a binary gripper) pass through unchanged. Quantiles are exact
(`numpy.quantile`, linear interpolation, over every frame), not the per-episode average of
quantiles. Statistics are keyed by dataset+embodiment; an unknown key lists the known ones.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from motionprior import atomic
from motionprior.errors import DataError, UnknownNameError

EPS = 1e-8
_FIELDS = ("mean", "std", "min", "max", "q01", "q99")


@dataclass(frozen=True, eq=False)
class FeatureStats:
    """Statistics of one feature (`[D]` arrays, float64) and its normalization mask."""

    mean: np.ndarray
    std: np.ndarray
    min: np.ndarray
    max: np.ndarray
    q01: np.ndarray
    q99: np.ndarray
    count: int
    mask: np.ndarray  # bool [D]: True = normalize this dim, False = pass through

    @property
    def dim(self) -> int:
        return int(self.mean.shape[0])

    def to_dict(self) -> dict:
        out = {k: getattr(self, k).tolist() for k in _FIELDS}
        return {**out, "count": self.count, "mask": self.mask.astype(bool).tolist()}

    @classmethod
    def from_dict(cls, d: Mapping) -> FeatureStats:
        try:
            arrays = {k: np.asarray(d[k], dtype=np.float64) for k in _FIELDS}
            return cls(**arrays, count=int(d["count"]), mask=np.asarray(d["mask"], dtype=bool))
        except (KeyError, TypeError, ValueError) as e:
            raise DataError(f"malformed statistics entry: {e}") from None


def compute_stats(x: np.ndarray, mask: np.ndarray | None = None) -> FeatureStats:
    """Exact statistics of `x` (`[N, D]`, N >= 1) over all rows."""
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[0] == 0:
        raise DataError(f"statistics need a non-empty [N, D] array, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise DataError("statistics input contains NaN or inf")
    x = x.astype(np.float64, copy=False)
    q01, q99 = np.quantile(x, [0.01, 0.99], axis=0)
    mask = np.ones(x.shape[1], dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if mask.shape != (x.shape[1],):
        raise DataError(f"mask has shape {mask.shape}, expected ({x.shape[1]},)")
    return FeatureStats(
        mean=x.mean(0), std=x.std(0), min=x.min(0), max=x.max(0), q01=q01, q99=q99,
        count=int(x.shape[0]), mask=mask,
    )


def normalize(stats: FeatureStats, x: np.ndarray) -> np.ndarray:
    """Map `x` (`[..., D]`) to [-1, 1] with q01/q99; returns float32."""
    _check_dim(stats, x)
    span = stats.q99 - stats.q01
    y = np.clip(2.0 * (x - stats.q01) / (span + EPS) - 1.0, -1.0, 1.0)
    y = np.where(span == 0, 0.0, y)
    return np.where(stats.mask, y, x).astype(np.float32)


def unnormalize(stats: FeatureStats, y: np.ndarray) -> np.ndarray:
    """Inverse of `normalize` inside [q01, q99]; constant dims return their constant."""
    _check_dim(stats, y)
    span = stats.q99 - stats.q01
    x = (np.asarray(y, dtype=np.float64) + 1.0) / 2.0 * (span + EPS) + stats.q01
    x = np.where(span == 0, stats.q01, x)
    return np.where(stats.mask, x, y).astype(np.float32)


def _check_dim(stats: FeatureStats, x: np.ndarray) -> None:
    if np.shape(x)[-1:] != (stats.dim,):
        raise DataError(f"expected last dimension {stats.dim}, got shape {np.shape(x)}")


class Normalizer:
    """Statistics for several dataset+embodiment keys and features ("action", "state")."""

    def __init__(self, stats: Mapping[str, Mapping[str, FeatureStats]] | None = None) -> None:
        self._stats: dict[str, dict[str, FeatureStats]] = {
            k: dict(v) for k, v in (stats or {}).items()
        }

    @property
    def keys(self) -> list[str]:
        return sorted(self._stats)

    def add(self, key: str, feature: str, stats: FeatureStats) -> None:
        self._stats.setdefault(key, {})[feature] = stats

    def get(self, key: str, feature: str) -> FeatureStats:
        if key not in self._stats:
            raise UnknownNameError("statistics key", key, self.keys)
        if feature not in self._stats[key]:
            raise UnknownNameError(f"feature of statistics key {key!r}", feature,
                                   list(self._stats[key]))
        return self._stats[key][feature]

    def normalize(self, key: str, feature: str, x: np.ndarray) -> np.ndarray:
        return normalize(self.get(key, feature), x)

    def unnormalize(self, key: str, feature: str, y: np.ndarray) -> np.ndarray:
        return unnormalize(self.get(key, feature), y)

    def to_dict(self) -> dict:
        return {"version": 1, "keys": {k: {f: s.to_dict() for f, s in v.items()}
                                       for k, v in self._stats.items()}}

    @classmethod
    def from_dict(cls, d: Mapping) -> Normalizer:
        if not isinstance(d, Mapping) or d.get("version") != 1 or "keys" not in d:
            raise DataError("not a motionprior statistics file (expected version 1 with 'keys')")
        return cls({k: {f: FeatureStats.from_dict(s) for f, s in v.items()}
                    for k, v in d["keys"].items()})

    def save(self, path: str | Path) -> None:
        atomic.write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | Path) -> Normalizer:
        path = Path(path)
        try:
            return cls.from_dict(json.loads(path.read_text()))
        except FileNotFoundError:
            raise DataError(f"{path}: statistics file not found") from None
        except json.JSONDecodeError as e:
            raise DataError(f"{path}: not valid JSON ({e.msg} at line {e.lineno})") from None
        except DataError as e:
            raise DataError(f"{path}: {e}") from None
