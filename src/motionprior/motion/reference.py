"""Hand-made reference motions whose labels are unambiguous, and the checks every choice of
labeler defaults must pass (issue 4: exact labels, rate invariance, a slow steady move detected).

Tests pin these behaviours; `benchmarks/bench_labeler_accuracy.py --tune` skips parameter
values that break them, so tuning for accuracy cannot trade them away.
"""

from __future__ import annotations

import numpy as np

from motionprior.motion.trajectory import Trajectory

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


def track(fps: float, pieces: list[tuple[float, tuple[float, float, float]]]) -> np.ndarray:
    """Positions of consecutive constant-velocity pieces (duration s, velocity units/s)."""
    vel = np.concatenate([np.tile(v, (int(round(d * fps)), 1)) for d, v in pieces])
    return np.concatenate([np.zeros((1, 3)), np.cumsum(vel / fps, axis=0)])[:-1]


# a brisk move, then a slow steady one at 1/8 of its speed (3.5 s .. 6 s)
SLOW_MOVE = [(1, (0, 0, 0)), (1.5, (0.2, 0, 0)), (1, (0, 0, 0)), (2.5, (0, 0.025, 0)),
             (1, (0, 0, 0))]


def reference_failures(labeler_factory) -> list[str]:
    """The reference checks a labeler (built by `labeler_factory()`, unfitted) fails."""
    failed = []
    for fps in (10, 20, 50, 80):
        tr, truth = scripted(fps)
        if labeler_factory().fit([tr]).label(tr) != truth:
            failed.append(f"scripted motion at {fps} Hz")
    a, _ = scripted(10)
    b, _ = scripted(50)
    if labeler_factory().label(b)[::5] != labeler_factory().label(a):
        failed.append("rate invariance 10 vs 50 Hz")
    for fps in (10, 20, 50):
        tr = Trajectory(track(fps, SLOW_MOVE), fps)
        labels = labeler_factory().fit([tr]).label(tr)
        if set(labels[int(3.7 * fps): int(5.8 * fps)]) != {"move left"}:
            failed.append(f"slow steady move at {fps} Hz")
    return failed
