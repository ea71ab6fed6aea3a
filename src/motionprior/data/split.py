"""Which episodes of a dataset train and which are held out, the same in every stage.

The last `ceil(E * val_fraction)` episodes of each dataset are held out (never all of them; none
for a one-episode dataset). Of the others, the first `train_episodes` (all when None) and of
those the first `ceil(n * train_fraction)` train: the data-scarce regime (demonstrations per
pair) and the stage-1 data-scaling study take prefixes, so a smaller run's data is a subset of a
larger one's and the held-out episodes stay the same.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from motionprior.errors import ConfigError


def held_out_count(episodes: int, val_fraction: float) -> int:
    """Episodes held out of a dataset of `episodes` (never all of them)."""
    return min(episodes - 1, math.ceil(episodes * val_fraction)) if val_fraction > 0 else 0


def training_count(episodes: int, val_fraction: float, train_episodes: int | None = None,
                   train_fraction: float = 1.0) -> int:
    """How many of the first episodes of a dataset of `episodes` train."""
    n = episodes - held_out_count(episodes, val_fraction)
    if train_episodes is not None:
        n = min(n, train_episodes)
    return max(1, math.ceil(n * train_fraction)) if n else 0


def episodes_needed(train_episodes: int, val_fraction: float) -> int:
    """The fewest episodes to collect so that `train_episodes` of them train."""
    n = train_episodes
    while n - held_out_count(n, val_fraction) < train_episodes:
        n += 1
    return n


def check_split(val_fraction: float, train_episodes: int | None, train_fraction: float) -> None:
    if not 0.0 <= val_fraction < 1.0:
        raise ConfigError(f"val_fraction must be in [0, 1), got {val_fraction}")
    if train_episodes is not None and train_episodes < 1:
        raise ConfigError(f"train_episodes must be >= 1 (or None: all), got {train_episodes}")
    if not 0.0 < train_fraction <= 1.0:
        raise ConfigError(f"train_fraction must be in (0, 1], got {train_fraction}")


def training_frames(table: Any, val_fraction: float, train_episodes: int | None = None,
                    train_fraction: float = 1.0) -> np.ndarray:
    """Frame indices of a table's training episodes (for normalization statistics)."""
    n = training_count(len(table.starts), val_fraction, train_episodes, train_fraction)
    return np.concatenate([np.arange(s, e) for s, e in zip(table.starts[:n], table.ends[:n],
                                                            strict=True)])


def split_by_episode(windows: Any, val_fraction: float, stride: int = 1,
                     train_episodes: int | None = None,
                     train_fraction: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Window indices of training and held-out episodes over all tables of `windows`;
    training windows start every `stride` steps inside an episode."""
    train, val = [], []
    offsets = np.cumsum([0] + [t.num_frames for t in windows.tables])
    for k, table in enumerate(windows.tables):
        offset = int(offsets[k])
        n_ep = len(table.starts)
        n_val = held_out_count(n_ep, val_fraction)
        n_train = training_count(n_ep, val_fraction, train_episodes, train_fraction)
        for e, (s, t) in enumerate(zip(table.starts, table.ends, strict=True)):
            frames = np.arange(s, t) + offset
            if e >= n_ep - n_val:
                val.append(frames)
            elif e < n_train:
                train.append(frames[::stride])
    empty = np.zeros(0, dtype=np.int64)
    return (np.concatenate(train) if train else empty), (np.concatenate(val) if val else empty)
