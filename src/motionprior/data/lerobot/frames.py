"""One episode as LeRobot rows: its frame table, per-episode stats and camera histograms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from motionprior.data.episode import Episode
from motionprior.data.lerobot.arrow_io import from_numpy
from motionprior.data.lerobot.images import image_column
from motionprior.data.lerobot.schema import (
    ACTION,
    MOTION,
    STATE,
    camera_key,
    camera_name,
)
from motionprior.data.lerobot.stats import Stats, channel_histogram, histogram_stats, numeric_stats


@dataclass(frozen=True)
class EpisodeRows:
    """What the writer stores for one episode."""

    table: pa.Table
    stats: dict[str, Stats]
    histograms: dict[str, np.ndarray]


def episode_rows(
    ep: Episode,
    features: dict[str, dict[str, Any]],
    schema: pa.Schema,
    *,
    episode_index: int,
    first_frame: int,
    task_index: int,
    fps: float,
) -> EpisodeRows:
    """Frame rows of `ep` in the column order of `schema`, with LeRobot's bookkeeping columns."""
    n = len(ep)
    frame_index = np.arange(n, dtype=np.int64)
    numeric: dict[str, np.ndarray] = {
        ACTION: ep.actions,
        STATE: ep.state,
        "timestamp": (frame_index / fps).astype(np.float32),
        "frame_index": frame_index,
        "episode_index": np.full(n, episode_index, dtype=np.int64),
        "index": np.arange(first_frame, first_frame + n, dtype=np.int64),
        "task_index": np.full(n, task_index, dtype=np.int64),
    }
    columns: list[pa.Array] = []
    stats: dict[str, Stats] = {}
    histograms: dict[str, np.ndarray] = {}
    for field in schema:
        key, ft = field.name, features[field.name]
        if key in numeric:
            columns.append(from_numpy(numeric[key], field.type))
            stats[key] = numeric_stats(numeric[key])
        elif ft["dtype"] == "image":
            frames = ep.images[camera_name(key)]
            columns.append(image_column(frames))
            histograms[key] = channel_histogram(frames)
            stats[key] = histogram_stats(histograms[key], n)
        elif key == MOTION:
            labels = list(ep.motion) if ep.motion is not None else [None] * n
            columns.append(pa.array(labels, type=pa.string()))
        else:  # a column added later with write_frame_column: episodes written now lack it
            columns.append(pa.nulls(n, type=field.type))
    for key in (k for k, ft in features.items() if ft["dtype"] == "video"):
        histograms[key] = channel_histogram(ep.images[camera_name(key)])
        stats[key] = histogram_stats(histograms[key], n)
    return EpisodeRows(pa.Table.from_arrays(columns, schema=schema), stats, histograms)


def image_shapes(ep: Episode) -> dict[str, tuple[int, int, int]]:
    return {cam: tuple(int(s) for s in img.shape[1:]) for cam, img in ep.images.items()}


def camera_keys(ep: Episode) -> list[str]:
    return sorted(camera_key(c) for c in ep.images)
