"""The adaptive multi-scale motion labeler (METHOD.md, "Labeling algorithm").

Steps (all vectorized over a batch of concatenated episodes, see `detectors.py`):

1. normalize: each group (translation, tilt = roll + pitch, rotate = yaw, gripper) is divided by
   its typical speed in this dataset (`fit`), so displacements are in seconds-at-typical-speed
   and one set of defaults serves every unit, robot speed and control rate; angles are unwrapped;
2. per channel, the adaptive threshold and the fast / mid / slow detectors (`detectors.py`);
3. translation: where the translation group moves, an axis is named only if its displacement
   over `dominance_window` centred on t is at least `dominance` times the largest axis's;
4. tilt is the pitch direction, or the roll direction where pitch does not move;
5. the last step of an episode copies the step before it (there is no motion after it);
6. jitter suppression: per part, runs shorter than `min_duration` (`gripper_min_duration` for
   the gripper) join the nearest long run; then the same for whole labels shorter than
   `label_min_duration`, the mixed labels left where the parts of one transition switch a
   step or two apart (`smoothing.py`), except that a gripper action this removes entirely is
   put back (a quick close during a move is real).

`fit(trajectories)` measures the typical speeds of one dataset; `label` on an unfitted labeler
fits on the trajectory it is given (fine for a long episode; fit on the dataset when you can).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from motionprior.errors import DataError
from motionprior.motion.detectors import Channels, detect
from motionprior.motion.labeler_base import BatchLabeler
from motionprior.motion.params import LabelerParams
from motionprior.motion.smoothing import EpisodeRuns
from motionprior.motion.trajectory import Batch, Trajectory, batches_by_fps
from motionprior.motion.vocabulary import values_to_codes

GROUPS = ("translation", "tilt", "rotate", "gripper")
_GROUP_COLUMNS = ((0, 1, 2), (3, 4), (5,), (6,))  # columns of Batch.state


@dataclass(frozen=True)
class Scales:
    """Typical speed of each group in one dataset (units/s, rad/s, opening/s)."""

    translation: float
    tilt: float
    rotate: float
    gripper: float

    def as_array(self) -> np.ndarray:
        return np.array([self.translation, self.tilt, self.rotate, self.gripper])


class MotionLabeler(BatchLabeler):
    """Adaptive multi-scale labeler; `MotionLabeler(**params)` overrides `LabelerParams`."""

    def __init__(self, **params: float) -> None:
        self.params = LabelerParams.from_kwargs(**params)
        self.scales: Scales | None = None

    def __repr__(self) -> str:
        return f"MotionLabeler(scales={self.scales})"

    def fit(self, trajectories: Iterable[Trajectory]) -> MotionLabeler:
        """Measure the dataset's typical speeds (the normalization). Returns self."""
        self.scales = compute_scales(list(trajectories), self.params)
        return self

    def codes(self, batch: Batch) -> np.ndarray:
        """[N] label codes for a batch (see `vocabulary` for the code of a label)."""
        p = self.params
        scales = self.scales if self.scales is not None else _batch_scales([batch], p)
        present = [g for g in range(len(GROUPS)) if _present(batch, g)]
        columns = [c for g in present for c in _GROUP_COLUMNS[g]]
        group = np.array([g for g in present for _ in _GROUP_COLUMNS[g]])
        base = np.array([p.base_translation, p.base_tilt, p.base_rotate, p.base_gripper])[group]
        X = batch.state.T[columns]  # [C, N] channel-major copy
        if batch.has_rotation:
            _unwrap(X[3:6], batch.offsets)
        X -= X.mean(axis=1, keepdims=True)  # centred, so float32 keeps small displacements
        X *= (1.0 / scales.as_array()[group])[:, None]
        value = detect(X.astype(np.float32), batch, Channels(base=base, group=group), p)

        parts = np.zeros((6, len(batch)), dtype=np.int8)  # x y z tilt rotate gripper
        parts[:3] = value[:3]
        if batch.has_rotation:
            roll, pitch = value[3], value[4]
            parts[3] = np.where(pitch != 0, pitch, roll)
            parts[4] = value[5]
        if batch.has_gripper:
            parts[5] = value[-1]
        last = batch.offsets[1:] - 1  # no motion after the last step: copy the one before
        parts[:, last] = parts[:, last - 1]

        min_len = np.full(6, p.steps(p.min_duration, batch.fps))
        min_len[5] = p.steps(p.gripper_min_duration, batch.fps)
        runs = EpisodeRuns(batch.offsets, len(batch))
        parts = runs.merge(parts, min_len)
        if p.label_min_duration > 0:  # then whole labels (parts rarely switch on one step)
            source = runs.source(values_to_codes(parts.T),
                                 p.steps(p.label_min_duration, batch.fps))
            merged = parts[:, source]
            # a quick gripper action inside a short mixed label is real: never lose one whole
            merged[5] = runs.restore_lost(parts[5], merged[5])
            parts = merged
        return values_to_codes(parts.T)


def _present(batch: Batch, group: int) -> bool:
    return group == 0 or (group in (1, 2) and batch.has_rotation) or (
        group == 3 and batch.has_gripper
    )


def _unwrap(rot: np.ndarray, offsets: np.ndarray) -> None:
    """Remove 2 pi jumps of [3, N] angles in place, within each episode (only the differences
    inside an episode matter, so a constant offset carried into the next episode is harmless)."""
    turns = np.round(np.diff(rot, axis=1) * (0.5 / np.pi))
    turns[:, offsets[1:-1] - 1] = 0.0
    if turns.any():
        rot[:, 1:] -= (2 * np.pi) * np.cumsum(turns, axis=1)


def _unwrapped(batch: Batch) -> np.ndarray:
    """[N, 7] batch state with roll, pitch, yaw unwrapped within each episode."""
    if not batch.has_rotation:
        return batch.state
    state = batch.state.copy()
    rot = np.ascontiguousarray(state[:, 3:6].T)
    _unwrap(rot, batch.offsets)
    state[:, 3:6] = rot.T
    return state


def compute_scales(trajectories: list[Trajectory], p: LabelerParams) -> Scales:
    """Typical speed per group over all `trajectories` (see `LabelerParams.scale_quantile`)."""
    if not trajectories:
        raise DataError("fit() needs at least one trajectory")
    for tr in trajectories:
        if not isinstance(tr, Trajectory):
            raise DataError(f"fit() needs Trajectory objects, got {type(tr).__name__}")
    return _batch_scales([b for _, b in batches_by_fps(trajectories)], p)


def _batch_scales(batches: list[Batch], p: LabelerParams) -> Scales:
    speeds: list[list[np.ndarray]] = [[] for _ in GROUPS]
    for batch in batches:
        state = _unwrapped(batch)
        t = np.arange(len(batch))
        j = np.minimum(t + p.steps(p.scale_window, batch.fps), batch.end)
        ok = j > t
        d = state[j[ok]] - state[ok]
        dt = ((j - t)[ok] / batch.fps)[:, None]
        for g, cols in enumerate(_GROUP_COLUMNS):
            speeds[g].append(np.sqrt((d[:, list(cols)] ** 2).sum(axis=1, keepdims=True)) / dt)
    floors = (0.0, p.rotation_scale_floor, p.rotation_scale_floor, p.gripper_scale_floor)
    out = []
    for g in range(len(GROUPS)):
        s = np.concatenate(speeds[g]).ravel() if speeds[g] else np.zeros(1)
        q = float(np.quantile(s, p.scale_quantile)) if s.size else 0.0
        if q <= 0 and s.size:  # moves on fewer steps than the quantile: its fastest speed
            q = float(s.max())
        q = max(q, floors[g])
        out.append(q if q > 0 else 1.0)  # never moves at all: any scale gives "no motion"
    return Scales(*out)
