"""`Trajectory`: what the labelers read, validated at construction.

All arrays are in the canonical frame (+x forward, +y left, +z up): `position` `[T, 3]` in any
consistent unit, `rotation` `[T, 3]` roll, pitch, yaw in radians (optional), `gripper` `[T]`
opening in [0, 1] with 1 = open (optional), sampled at `fps` steps per second.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from motionprior.errors import DataError


@dataclass(frozen=True, eq=False)
class Trajectory:
    """End-effector motion of one episode (validated; arrays stored as float64)."""

    position: np.ndarray
    fps: float
    rotation: np.ndarray | None = None
    gripper: np.ndarray | None = None

    def __post_init__(self) -> None:
        fps = self.fps
        if isinstance(fps, bool) or not isinstance(fps, (int, float, np.integer, np.floating)):
            raise DataError(f"fps must be a number, got {type(fps).__name__}")
        if not (np.isfinite(fps) and fps > 0):
            raise DataError(f"fps must be a finite number > 0, got {fps}")
        position = _array("position", self.position, 2)
        length = position.shape[0]
        if position.shape[1] != 3:
            raise DataError(f"position must have shape [T, 3], got {position.shape}")
        if length < 2:
            raise DataError(f"a trajectory needs at least 2 steps, got {length}")
        rotation = self.rotation
        if rotation is not None:
            rotation = _array("rotation", rotation, 2)
            if rotation.shape != (length, 3):
                raise DataError(
                    f"rotation must have shape [T, 3] = ({length}, 3) (roll, pitch, yaw), "
                    f"got {rotation.shape}"
                )
        gripper = self.gripper
        if gripper is not None:
            gripper = _array("gripper", gripper, 1)
            if gripper.shape != (length,):
                raise DataError(f"gripper must have shape [T] = ({length},), got {gripper.shape}")
            bad = np.flatnonzero((gripper < 0.0) | (gripper > 1.0))
            if bad.size:
                raise DataError(
                    f"gripper opening must be in [0, 1] (1 = open), got {gripper[bad[0]]:g} "
                    f"at step {bad[0]}"
                )
        object.__setattr__(self, "position", position)
        object.__setattr__(self, "rotation", rotation)
        object.__setattr__(self, "gripper", gripper)
        object.__setattr__(self, "fps", float(fps))

    def __len__(self) -> int:
        return int(self.position.shape[0])

    @property
    def duration(self) -> float:
        """Seconds covered by the steps (T / fps)."""
        return len(self) / self.fps

    def state(self) -> np.ndarray:
        """`[T, 7]` x, y, z, roll, pitch, yaw, gripper; absent parts are zeros."""
        out = np.zeros((len(self), 7))
        out[:, :3] = self.position
        if self.rotation is not None:
            out[:, 3:6] = self.rotation
        if self.gripper is not None:
            out[:, 6] = self.gripper
        return out


def _array(name: str, x: object, ndim: int) -> np.ndarray:
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as e:
        raise DataError(f"{name} must be a numeric array: {e}") from None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
    ):
        raise DataError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if arr.ndim != ndim:
        shape = "[T, 3]" if ndim == 2 else "[T]"
        raise DataError(f"{name} must have shape {shape}, got {arr.shape}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        where = f"step {bad[0]}" + (f", axis {bad[1]}" if arr.ndim == 2 else "")
        raise DataError(f"{name} contains NaN or inf (first at {where})")
    return arr


@dataclass(frozen=True, eq=False)
class Batch:
    """Several trajectories with one fps, concatenated so that labelers run one numpy pass.

    `state` is `[N, 7]` (x, y, z, roll, pitch, yaw, gripper; absent parts zero), `start`/`end`
    give, per step, the first and last index of its episode, `offsets` the episode starts
    (plus N at the end).
    """

    state: np.ndarray
    start: np.ndarray
    end: np.ndarray
    offsets: np.ndarray
    fps: float
    has_rotation: bool
    has_gripper: bool

    @classmethod
    def of(cls, trajectories: Sequence[Trajectory]) -> Batch:
        if not trajectories:
            raise DataError("no trajectories to label")
        fps = {t.fps for t in trajectories}
        if len(fps) != 1:
            raise DataError(f"a batch needs one fps, got {sorted(fps)}")
        lengths = np.array([len(t) for t in trajectories])
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        state = np.zeros((int(offsets[-1]), 7))
        state[:, :3] = np.concatenate([t.position for t in trajectories])
        rot = [t.rotation for t in trajectories]
        if any(r is not None for r in rot):
            state[:, 3:6] = np.concatenate([np.zeros((len(t), 3)) if r is None else r
                                            for t, r in zip(trajectories, rot, strict=True)])
        grip = [t.gripper for t in trajectories]
        if any(g is not None for g in grip):
            state[:, 6] = np.concatenate([np.zeros(len(t)) if g is None else g
                                          for t, g in zip(trajectories, grip, strict=True)])
        episode = np.repeat(np.arange(len(lengths)), lengths)
        return cls(
            state=state,
            start=offsets[:-1][episode],
            end=offsets[1:][episode] - 1,
            offsets=offsets,
            fps=fps.pop(),
            has_rotation=any(t.rotation is not None for t in trajectories),
            has_gripper=any(t.gripper is not None for t in trajectories),
        )

    def __len__(self) -> int:
        return int(self.state.shape[0])

    def split(self, values: np.ndarray) -> list[np.ndarray]:
        """Cut a per-step array back into one array per trajectory."""
        return np.split(values, self.offsets[1:-1])


def batches_by_fps(
    trajectories: Sequence[Trajectory], max_steps: int = 65_536
) -> Iterator[tuple[list[int], Batch]]:
    """Yield (indices, Batch) per distinct fps, in input order within each, each batch holding
    consecutive trajectories of about `max_steps` steps (large enough to amortize numpy's call
    overhead, small enough to stay in the CPU cache; a longer trajectory gets its own batch)."""
    by_fps: dict[float, list[int]] = {}
    for i, tr in enumerate(trajectories):
        by_fps.setdefault(tr.fps, []).append(i)
    for idx in by_fps.values():
        group: list[int] = []
        steps = 0
        for i in idx:
            if group and steps + len(trajectories[i]) > max_steps:
                yield group, Batch.of([trajectories[j] for j in group])
                group, steps = [], 0
            group.append(i)
            steps += len(trajectories[i])
        yield group, Batch.of([trajectories[j] for j in group])
