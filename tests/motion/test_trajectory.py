"""Trajectory validation: every bad input is a DataError (a ValueError) naming the problem."""

from __future__ import annotations

import numpy as np
import pytest

from motionprior.errors import DataError
from motionprior.motion import FixedThresholdLabeler, MotionLabeler, Trajectory

POS = np.zeros((5, 3))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"position": np.zeros((5, 2))}, r"position must have shape \[T, 3\], got \(5, 2\)"),
        ({"position": np.zeros(5)}, r"position must have shape \[T, 3\], got \(5,\)"),
        ({"position": np.zeros((1, 3))}, "a trajectory needs at least 2 steps, got 1"),
        ({"position": np.zeros((0, 3))}, "a trajectory needs at least 2 steps, got 0"),
        ({"position": np.array([["a", "b", "c"]] * 3)}, "position must be a numeric array"),
        ({"fps": 0}, "fps must be a finite number > 0, got 0"),
        ({"fps": -5.0}, "fps must be a finite number > 0, got -5.0"),
        ({"fps": float("nan")}, "fps must be a finite number > 0, got nan"),
        ({"fps": float("inf")}, "fps must be a finite number > 0, got inf"),
        ({"fps": "10"}, "fps must be a number, got str"),
        ({"rotation": np.zeros((4, 3))}, r"rotation must have shape \[T, 3\] = \(5, 3\)"),
        ({"rotation": np.zeros((5, 2))}, r"rotation must have shape \[T, 3\] = \(5, 3\)"),
        ({"gripper": np.zeros((5, 1))}, r"gripper must have shape \[T\], got \(5, 1\)"),
        ({"gripper": np.zeros(4)}, r"gripper must have shape \[T\] = \(5,\), got \(4,\)"),
        ({"gripper": np.array([0, 0.5, 1.5, 1, 1])}, r"gripper opening must be in \[0, 1\].*"
         r"got 1.5 at step 2"),
        ({"gripper": np.array([0, -0.1, 0, 1, 1])}, r"got -0.1 at step 1"),
    ],
)
def test_bad_shapes_and_values(kwargs, message):
    args = {"position": POS, "fps": 10.0, **kwargs}
    with pytest.raises(DataError, match=message):
        Trajectory(**args)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("field", ["position", "rotation", "gripper"])
def test_nan_and_inf_are_rejected_with_their_location(field, bad):
    arrays = {"position": np.zeros((5, 3)), "rotation": np.zeros((5, 3)), "gripper": np.ones(5)}
    arrays[field][3] = bad
    where = "step 3" + (", axis 0" if field != "gripper" else "")
    with pytest.raises(DataError, match=f"{field} contains NaN or inf \\(first at {where}\\)"):
        Trajectory(arrays["position"], 10.0, arrays["rotation"], arrays["gripper"])


def test_data_error_is_a_value_error():
    with pytest.raises(ValueError):
        Trajectory(np.zeros((1, 3)), 10.0)


def test_valid_trajectory_is_stored_as_float64():
    tr = Trajectory(np.arange(6, dtype=np.float32).reshape(2, 3), 5, None, np.array([0, 1]))
    assert tr.position.dtype == np.float64 and tr.fps == 5.0 and len(tr) == 2
    assert tr.duration == pytest.approx(0.4)
    assert tr.state()[:, 6].tolist() == [0.0, 1.0]


def test_labelers_reject_non_trajectories():
    with pytest.raises(DataError, match="label\\(\\) needs a Trajectory, got ndarray"):
        MotionLabeler().label(np.zeros((5, 3)))
    with pytest.raises(DataError, match="fit\\(\\) needs Trajectory objects, got list"):
        MotionLabeler().fit([[0, 0, 0]])
    with pytest.raises(DataError, match="fit\\(\\) needs at least one trajectory"):
        MotionLabeler().fit([])
    with pytest.raises(DataError, match="label\\(\\) needs a Trajectory, got list"):
        FixedThresholdLabeler().label([[0, 0, 0]])
    assert FixedThresholdLabeler().label_many([]) == MotionLabeler().label_many([]) == []
