"""The fixed-threshold baseline, pinned on hand-made trajectories (values worked out by hand)."""

from __future__ import annotations

import numpy as np
import pytest

from motionprior.errors import ConfigError
from motionprior.motion import FixedThresholdLabeler, Trajectory


def ramp(step: tuple[float, ...], n: int = 10) -> np.ndarray:
    return np.arange(n)[:, None] * np.asarray(step, dtype=float)[None, :]


def test_three_step_window_and_the_last_step_copies_the_one_before():
    # x moves 0.02 per step: d = 0.06 for t <= 6, x[9] - x[7] = 0.04 at t = 7,
    # x[9] - x[8] = 0.02 at t = 8 (below 0.03), and t = 9 copies t = 8.
    tr = Trajectory(ramp((0.02, 0, 0)), 10.0)
    assert FixedThresholdLabeler().label(tr) == ["move forward"] * 8 + ["stop", "stop"]


def test_threshold_is_a_parameter():
    tr = Trajectory(ramp((0.02, 0, 0)), 10.0)
    assert FixedThresholdLabeler(threshold=0.1).label(tr) == ["stop"] * 10
    assert FixedThresholdLabeler(threshold=0.005).label(tr) == ["move forward"] * 10


def test_l1_rescaling_keeps_only_axes_with_more_than_a_third():
    # d = (0.09, 0.039, 0): L1 0.129 > 0.09 -> rescaled to (0.0628, 0.0272, 0): y share 0.30
    tr = Trajectory(ramp((0.03, 0.013, 0)), 10.0)
    assert FixedThresholdLabeler().label(tr)[0] == "move forward"
    # d = (0.06, 0.045, -0.036): L1 0.141 -> (0.0383, 0.0287, -0.0230): only x passes 0.03
    tr = Trajectory(ramp((0.02, 0.015, -0.012)), 10.0)
    assert FixedThresholdLabeler().label(tr)[0] == "move forward"
    # d = (0.045, 0.045, 0): L1 0.09, not above 3 * 0.03 -> no rescale, both axes pass
    tr = Trajectory(ramp((0.015, 0.015, 0)), 10.0)
    assert FixedThresholdLabeler().label(tr)[0] == "move forward left"
    # d = (0.04, -0.035, 0.01): L1 0.085 -> raw values: forward, right
    tr = Trajectory(ramp((0.04 / 3, -0.035 / 3, 0.01 / 3)), 10.0)
    assert FixedThresholdLabeler().label(tr)[0] == "move forward right"


def test_rotations_are_divided_by_ten_and_roll_wins_over_pitch():
    rot = ramp((0.12, -0.12, -0.2))  # 3-step: roll +0.036, pitch -0.036, yaw -0.06 (after / 10)
    grip = 1.0 - np.arange(10) * 0.02  # 3-step -0.06
    tr = Trajectory(np.zeros((10, 3)), 10.0, rot, grip)
    assert FixedThresholdLabeler().label(tr)[0] == "tilt up, rotate clockwise, close gripper"
    tr = Trajectory(np.zeros((10, 3)), 10.0, ramp((0.0, -0.12, 0.0)))
    assert FixedThresholdLabeler().label(tr)[0] == "tilt down"
    tr = Trajectory(np.zeros((10, 3)), 10.0, ramp((0.0, 0.0, 0.09)))  # 0.027 after / 10
    assert FixedThresholdLabeler().label(tr)[0] == "stop"


def test_gripper_is_thresholded_raw_and_angles_are_not_unwrapped():
    grip = np.array([1.0, 1.0, 1.0, 1.0, 0.98, 0.96, 0.5, 0.5, 0.5, 0.5])
    # d = g[t + 3] - g[t]: 0, -0.02 (not beyond 0.03), -0.04, -0.5, -0.48, -0.46, then 0
    tr = Trajectory(np.zeros((10, 3)), 10.0, None, grip)
    assert FixedThresholdLabeler().label(tr) == (
        ["stop"] * 2 + ["close gripper"] * 4 + ["stop"] * 4
    )
    yaw = np.array([3.1] * 5 + [-3.1] * 5)  # a wrap at +-pi looks like -6.2 rad to the baseline
    rot = np.zeros((10, 3))
    rot[:, 2] = yaw
    labels = FixedThresholdLabeler().label(Trajectory(np.zeros((10, 3)), 10.0, rot))
    assert labels[2:5] == ["rotate clockwise"] * 3 and labels[0] == "stop"


def test_label_many_equals_label_one_by_one_whatever_the_fps():
    rng = np.random.default_rng(1)
    trs = [Trajectory(np.cumsum(rng.normal(0, 0.02, (n, 3)), axis=0), fps, None,
                      rng.uniform(0, 1, n)) for n, fps in ((7, 5.0), (12, 30.0), (2, 5.0))]
    lab = FixedThresholdLabeler().fit(trs)
    assert lab.label_many(trs) == [lab.label(t) for t in trs]


def test_bad_parameters():
    with pytest.raises(ConfigError, match="baseline threshold must be > 0, got 0"):
        FixedThresholdLabeler(0)
    with pytest.raises(ConfigError, match="window must be a whole number of steps >= 1"):
        FixedThresholdLabeler(window=0)
