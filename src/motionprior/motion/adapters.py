"""From an `Episode` (or one episode's state/action arrays) and its spec to a `Trajectory`.

Sources, in order of preference, chosen separately for position, rotation and gripper:

1. the state, where the spec's state declares the part (the measured end-effector pose is what
   the arm actually did);
2. otherwise the action: per-step deltas (`kind="delta"`) are integrated into a
   pseudo-trajectory, `p[0] = 0, p[t + 1] = p[t] + a[t]`; absolute targets (`kind="absolute"`)
   are taken as the pose reached one step later, `p[t + 1] = a[t]` (and `p[0] = a[0]`).

The spec maps every axis into the canonical frame (meters, radians, gripper opening in [0, 1]).
The deltas are integrated in canonical units rather than per-dimension normalized units: a
per-dimension normalization would stretch the axes differently and bias the dominance test,
while the labeler's own per-group normalization already makes the result unit-free.
A joint-space embodiment (no end-effector translation in state or action) cannot be labeled.
"""

from __future__ import annotations

import numpy as np

from motionprior.data.embodiment import EmbodimentSpec, VectorSpec
from motionprior.data.episode import Episode
from motionprior.errors import DataError
from motionprior.motion.trajectory import Trajectory


def trajectory_from_episode(episode: Episode, spec: EmbodimentSpec | None = None) -> Trajectory:
    """The end-effector trajectory of `episode` (spec: the episode's own by default)."""
    spec = spec if spec is not None else episode.spec
    return trajectory_from_arrays(episode.state, episode.actions, spec, episode.fps)


def trajectory_from_arrays(
    state: np.ndarray, actions: np.ndarray, spec: EmbodimentSpec, fps: float,
    source: str = "state",
) -> Trajectory:
    """The trajectory of one episode given its `[T, S]` states and `[T, A]` actions.

    `source="state"` (METHOD.md's rule) takes positions and angles from the end-effector state
    where the spec has them, else integrates the actions; `source="action"` always uses the
    actions (the commanded motion), e.g. to compare the two. The gripper opening comes from the
    state either way where the state has it."""
    if source not in ("state", "action"):
        raise DataError(f"source must be 'state' or 'action', got {source!r}")
    state = np.asarray(state)
    actions = np.asarray(actions)
    if state.ndim != 2 or state.shape[1] != spec.state_dim:
        raise DataError(
            f"state must have shape [T, {spec.state_dim}] for embodiment {spec.name!r}, "
            f"got {state.shape}"
        )
    if actions.ndim != 2 or actions.shape[1] != spec.action_dim:
        raise DataError(
            f"actions must have shape [T, {spec.action_dim}] for embodiment {spec.name!r}, "
            f"got {actions.shape}"
        )
    position = _pick(spec, state, actions, "translation", source)
    if position is None:
        raise DataError(
            f"embodiment {spec.name!r} has no end-effector translation in its state or action "
            "(joint space only); motion labels need end-effector positions"
        )
    rotation = _pick(spec, state, actions, "rotation", source)
    gripper = None
    for vec, x in ((spec.state, state), (spec.action, actions)):
        if vec.gripper is not None:
            gripper = vec.gripper_opening(x)
            break
    return Trajectory(position, fps, rotation, gripper)


def _pick(spec: EmbodimentSpec, state: np.ndarray, actions: np.ndarray, part: str,
          source: str):
    order = ((spec.state, state, False), (spec.action, actions, True))
    for vec, x, is_action in order[1:] if source == "action" else order:
        if getattr(vec, part) is not None:
            return _as_path(vec, x, part, is_action)
    return None


def _as_path(vec: VectorSpec, x: np.ndarray, part: str, is_action: bool) -> np.ndarray:
    values = vec.canonical_translation(x) if part == "translation" else vec.canonical_rotation(x)
    out = np.zeros_like(values)
    if vec.kind == "delta":  # integrate: p[t + 1] = p[t] + delta[t]
        np.cumsum(values[:-1], axis=0, out=out[1:])
    elif is_action:  # an absolute target is reached one step later
        out[0] = values[0]
        out[1:] = values[:-1]
    else:
        out[:] = values
    return out
