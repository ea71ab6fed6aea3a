"""Label a whole LeRobot dataset: one `motion` label per frame, episodes labeled in parallel.

The states and actions are read once as columns (no images), cut into episodes and turned into
trajectories (`adapters`). The adaptive labeler is fitted on all of them (one dataset, one
normalization), then groups of consecutive episodes are labeled in a process pool (each group
one vectorized pass); small datasets are labeled in-process, where a pool would only add start-up
time. `label_dataset(..., write=True)` stores the labels as the per-frame "motion" column.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from motionprior.errors import ConfigError
from motionprior.motion.adapters import trajectory_from_arrays
from motionprior.motion.adaptive import MotionLabeler
from motionprior.motion.baseline import FixedThresholdLabeler
from motionprior.motion.trajectory import Batch, Trajectory
from motionprior.motion.vocabulary import code_table

METHODS = ("adaptive", "baseline")
MOTION_COLUMN = "motion"
PARALLEL_MIN_STEPS = 1_000_000  # below this a process pool costs more than it saves (measured)
CHUNK_STEPS = 65_536  # steps per task (and per vectorized pass): fits the CPU cache


@dataclass(frozen=True)
class DatasetLabels:
    """The labels of every frame of a dataset and how often each label occurs."""

    labels: list[str]
    counts: Counter
    episodes: int
    method: str


def make_labeler(
    method: str = "adaptive", *, threshold: float | None = None,
    params: dict[str, float] | None = None,
) -> MotionLabeler | FixedThresholdLabeler:
    """A labeler by name: "adaptive" (`params` override its defaults) or "baseline"
    (`threshold`, default 0.03); a setting the chosen labeler ignores is a ConfigError."""
    if method == "adaptive":
        if threshold is not None:
            raise ConfigError(f"--threshold {threshold:g} applies to the baseline labeler only; "
                              "add --method baseline, or tune the adaptive one with --param")
        return MotionLabeler(**(params or {}))
    if method == "baseline":
        if params:
            raise ConfigError("the baseline labeler takes only a threshold, not --param values")
        return FixedThresholdLabeler(0.03 if threshold is None else threshold)
    raise ConfigError(f"unknown labeling method {method!r}; known: {', '.join(METHODS)}")


def dataset_trajectories(reader) -> list[Trajectory]:
    """One trajectory per episode of an open dataset (`motionprior.data.lerobot` reader)."""
    state = reader.column("observation.state")
    actions = reader.column("action")
    starts, ends = reader.episode_bounds()
    return [
        trajectory_from_arrays(state[s:e], actions[s:e], reader.spec, reader.fps)
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True)
    ]


def label_codes(
    labeler: MotionLabeler | FixedThresholdLabeler,
    trajectories: Sequence[Trajectory],
    *,
    workers: int | None = None,
) -> np.ndarray:
    """Label codes of all steps of `trajectories` (concatenated in order), labeled in parallel
    over groups of episodes when there are enough steps. The labeler must already be fitted."""
    groups = _groups([len(t) for t in trajectories], CHUNK_STEPS)
    total = sum(len(t) for t in trajectories)
    workers = min(workers or os.cpu_count() or 1, len(groups))
    if workers <= 1 or total < PARALLEL_MIN_STEPS:
        parts = [_codes(labeler, [trajectories[i] for i in g]) for g in groups]
    elif "fork" in multiprocessing.get_all_start_methods():
        # forked workers inherit the trajectories: only episode indices and codes travel
        global _SHARED
        _SHARED = (labeler, list(trajectories))
        try:
            ctx = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
                parts = list(pool.map(_codes_shared, groups))
        finally:
            _SHARED = None
    else:
        tasks = [[trajectories[i] for i in g] for g in groups]
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(_codes, [labeler] * len(tasks), tasks))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)


_SHARED: tuple | None = None


def _codes_shared(indices: list[int]) -> np.ndarray:
    labeler, trajectories = _SHARED  # type: ignore[misc]
    return _codes(labeler, [trajectories[i] for i in indices])


def label_dataset(
    root: str | os.PathLike,
    method: str = "adaptive",
    *,
    threshold: float | None = None,
    params: dict[str, float] | None = None,
    workers: int | None = None,
    write: bool = True,
    embodiment: str | None = None,
) -> DatasetLabels:
    """Label every frame of the LeRobot dataset at `root`; with `write`, store the labels as
    its "motion" column (atomically: the dataset is either unchanged or fully labeled).
    `embodiment` names the spec to assume when the dataset does not declare one."""
    from motionprior.data.lerobot import open_dataset, write_frame_column
    from motionprior.data.lerobot.finite import first_nonfinite
    from motionprior.data.lerobot.layout import warn

    labeler = make_labeler(method, threshold=threshold, params=params)
    reader = open_dataset(Path(root), embodiment=embodiment)
    for key in ("action", "observation.state"):
        bad = first_nonfinite(reader, key)
        if bad is not None:
            warn(f"{bad}; labels there may be wrong, and pretraining will refuse this dataset")
    trajectories = dataset_trajectories(reader)
    labeler.fit(trajectories)
    codes = label_codes(labeler, trajectories, workers=workers)
    labels = code_table()[codes].tolist()
    if write:
        write_frame_column(root, MOTION_COLUMN, labels)
    return DatasetLabels(labels, Counter(labels), len(trajectories), method)


def _codes(labeler: MotionLabeler | FixedThresholdLabeler, trajectories: list[Trajectory]):
    """Codes of one group of episodes (several fps in one dataset are handled per fps)."""
    by_fps: dict[float, list[int]] = {}
    for i, t in enumerate(trajectories):
        by_fps.setdefault(t.fps, []).append(i)
    if len(by_fps) == 1:
        return labeler.codes(Batch.of(trajectories)).astype(np.int16)
    pieces: list[np.ndarray] = [np.zeros(0)] * len(trajectories)
    for idx in by_fps.values():
        batch = Batch.of([trajectories[i] for i in idx])
        for i, part in zip(idx, batch.split(labeler.codes(batch)), strict=True):
            pieces[i] = part
    return np.concatenate(pieces).astype(np.int16)


def _groups(lengths: list[int], size: int) -> list[list[int]]:
    """Consecutive episode indices grouped to about `size` steps each."""
    groups: list[list[int]] = []
    current: list[int] = []
    steps = 0
    for i, n in enumerate(lengths):
        current.append(i)
        steps += n
        if steps >= size:
            groups.append(current)
            current, steps = [], 0
    if current:
        groups.append(current)
    return groups
