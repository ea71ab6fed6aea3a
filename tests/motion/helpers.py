"""Hand-made trajectories for the motion tests: piecewise-constant velocities in time."""

from __future__ import annotations

import numpy as np

from motionprior.motion import Trajectory

# (duration s, velocity x y z [units/s], yaw rate [rad/s], gripper rate [1/s])
SCRIPT = (
    (1.0, (0, 0, 0), 0.0, 0.0),
    (2.0, (0.10, 0, 0), 0.0, 0.0),
    (1.0, (0, 0, 0), 0.0, 0.0),
    (1.5, (0, 0.08, 0.06), 0.0, 0.0),
    (0.5, (0, 0, 0), 0.0, 0.0),
    (0.5, (0, 0, 0), 0.0, -1.2),
    (1.0, (0, 0, 0), 0.0, 0.0),
    (1.2, (0, 0, 0), 0.8, 0.0),
    (1.0, (0, 0, -0.1), 0.0, 0.0),
    (1.0, (0, 0, 0), 0.0, 0.0),
)
TRUE = (
    "stop", "move forward", "stop", "move left up", "stop", "close gripper", "stop",
    "rotate counterclockwise", "move down", "stop",
)


def scripted(fps: float, scale: float = 1.0, script=SCRIPT) -> tuple[Trajectory, list[str]]:
    """Sample the script at `fps`; positions are multiplied by `scale` (a unit change)."""
    ends = np.cumsum([s[0] for s in script])
    n = int(round(ends[-1] * fps))
    t = np.arange(n) / fps
    knots = np.concatenate([[0.0], ends])
    vel = np.array([[*s[1], s[2], s[3]] for s in script], dtype=float)
    # exact integral of a piecewise-constant velocity at each sample time
    seg_start = np.concatenate([np.zeros((1, 5)), np.cumsum(vel * np.diff(knots)[:, None], axis=0)])
    k = np.clip(np.searchsorted(knots, t, side="right") - 1, 0, len(script) - 1)
    state = seg_start[k] + vel[k] * (t - knots[k])[:, None]
    rotation = np.zeros((n, 3))
    rotation[:, 2] = state[:, 3]
    gripper = 1.0 + state[:, 4]
    seg = np.searchsorted(ends, (np.arange(n) + 0.5) / fps, side="right")
    truth = [TRUE[i] for i in np.minimum(seg, len(script) - 1)]
    return Trajectory(state[:, :3] * scale + 0.3 * scale, fps, rotation, gripper), truth
