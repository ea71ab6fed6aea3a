"""Scripted motion primitives: the planner's limits and labels, and the arm doing what the
label says in both simulators."""

from __future__ import annotations

import numpy as np
import pytest

from motionprior.motion.vocabulary import parse_label
from motionprior.sim.motion_plan import (
    BOX_HIGH,
    BOX_LOW,
    MEAN_FACTOR,
    PITCH_LIMIT,
    PROFILES,
    YAW_LIMIT,
    SegmentPlanner,
    speed_factor,
)
from motionprior.sim.motion_script import (
    MAX_ANGLE_ERROR,
    MAX_POSITION_ERROR,
    MotionScript,
    delayed,
    response_delay_steps,
    tracking_errors,
    tracking_lag_seconds,
)


@pytest.mark.parametrize("profile", PROFILES)
def test_profile_mean_matches_the_planners_bookkeeping(profile):
    phase = (np.arange(100_000) + 0.5) / 100_000
    mean = np.mean([speed_factor(profile, p) for p in phase[::97]])
    assert mean == pytest.approx(MEAN_FACTOR[profile], abs=2e-3)
    assert max(speed_factor(profile, p) for p in phase[::97]) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("rotation", [True, False])
def test_planner_stays_in_its_limits_and_labels_match_the_commands(rotation):
    for seed in range(30):
        planner = SegmentPlanner(np.random.default_rng(seed), rotation, gripper_seconds=0.4)
        segments = planner.plan(15.0)
        assert sum(s.seconds for s in segments) >= 15.0
        pos, pitch, yaw, is_open = np.zeros(3), 0.0, 0.0, True
        for s in segments:
            pos = pos + s.velocity * s.seconds * MEAN_FACTOR[s.profile]
            pitch += s.pitch_rate * s.seconds * MEAN_FACTOR[s.profile]
            yaw += s.yaw_rate * s.seconds * MEAN_FACTOR[s.profile]
            assert np.all(pos >= BOX_LOW - 1e-9) and np.all(pos <= BOX_HIGH + 1e-9)
            assert abs(pitch) <= PITCH_LIMIT + 1e-9 and abs(yaw) <= YAW_LIMIT + 1e-9
            label = s.label
            assert tuple(np.sign(s.velocity).astype(int)) == label.values[:3]
            assert label.tilt == int(np.sign(s.pitch_rate))
            assert label.rotate == int(np.sign(s.yaw_rate))
            assert label.gripper == s.grip
            if not rotation:
                assert label.tilt == label.rotate == 0
            if s.grip:  # the gripper alternates, and its word lasts its travel time
                assert s.grip == (-1 if is_open else 1)
                is_open = not is_open
                assert s.label_at(0.39).gripper == s.grip
                assert s.label_at(0.41).gripper == 0
                assert s.label_at(0.41).values[:5] == label.values[:5]


def _longest_move(script, labels):
    """(first step, last step, label) of the longest run of a pure one-axis move label."""
    best = (0, 0, "")
    t = 0
    while t < len(labels):
        e = t
        while e < len(labels) and labels[e] == labels[t]:
            e += 1
        lab = parse_label(labels[t])
        pure = sum(map(abs, lab.values[:3])) == 1 and not any(lab.values[3:])
        if pure and e - t > best[1] - best[0]:
            best = (t, e, labels[t])
        t = e
    return best


@pytest.mark.parametrize("env_name", ["rs_env", "mw_env"])
def test_the_arm_moves_as_the_label_says(env_name, request):
    env = request.getfixturevalue(env_name)
    script = MotionScript(env, seed=5, seconds=6.0, gripper_seconds=0.3, lead_seconds=0.1)
    states, labels = script.rollout()
    assert states.shape == (int(script.starts[-1] * env.fps), env.spec.state_dim)
    assert len(labels) == len(states)
    position_error, angle_error = script.tracking_error
    assert position_error < MAX_POSITION_ERROR and angle_error < MAX_ANGLE_ERROR
    start, end, label = _longest_move(script, labels)
    assert end - start >= 0.5 * env.fps, "the plan has a move of at least 0.5 s"
    axis = int(np.flatnonzero(parse_label(label).values[:3])[0])
    sign = parse_label(label).values[axis]
    travel = states[end - 1, :3] - states[start, :3]
    assert sign * travel[axis] > 0.02  # moved at least 2 cm the labeled way
    others = np.delete(np.abs(travel), axis)
    assert np.all(others < 0.5 * abs(travel[axis]))
    again, labels_again = MotionScript(env, seed=5, seconds=6.0, gripper_seconds=0.3,
                                       lead_seconds=0.1).rollout()
    np.testing.assert_allclose(again, states, atol=1e-9)  # deterministic given the seed
    assert labels_again == labels


def test_metaworld_hand_follows_without_oscillation(mw_env):
    lag = tracking_lag_seconds(mw_env)
    assert 0.0 < lag < 0.2
    script = MotionScript(mw_env, seed=1, seconds=4.0, gripper_seconds=0.2, lead_seconds=lag)
    states, _ = script.rollout()
    # a hand that overshoots and swings back every few steps has large second differences
    assert np.abs(np.diff(states[:, :3], 2, axis=0)).max() < 2e-3


def test_response_delay_is_the_shift_that_aligns_the_paths():
    class Done:  # a finished rollout: set-points and the end effector 3 steps behind them
        hz = 20.0
        goals = [np.array([0.01 * t, 0.0, 0.02 * np.sin(t / 5)]) for t in range(100)]

    states = np.zeros((100, 7))
    states[3:, :3] = np.asarray(Done.goals)[:-3]
    assert response_delay_steps(Done(), states) == 3
    assert response_delay_steps(Done(), np.c_[np.asarray(Done.goals), np.zeros((100, 4))]) == 0


def test_delayed_labels_shift_later_and_keep_the_length():
    assert delayed(["a", "b", "c", "d"], 2) == ["a", "a", "a", "b"]
    assert delayed(["a", "b"], 0) == ["a", "b"]


def test_tracking_errors_are_the_worst_distance_and_angle():
    states = np.zeros((4, 7))
    goals = np.zeros((4, 3))
    goals[2] = [0.03, 0.04, 0.0]  # 5 cm off at one step
    angles = np.zeros((4, 3))
    angles[1] = [0.0, 0.2, 0.0]  # commanded pitch 0.2 rad, measured 0
    position, angle = tracking_errors(states, goals, angles)
    assert position == pytest.approx(0.05)
    assert angle == pytest.approx(0.2)
    assert tracking_errors(states[:, :4], goals, None) == (pytest.approx(0.05), 0.0)


def test_osc_stiffness_reaches_the_controller_and_is_checked():
    from motionprior.errors import ConfigError
    from motionprior.sim.env import make_env

    with make_env("robosuite/Lift/Panda@20hz", cameras=(), osc_kp=1000) as env:
        controller = env._robot.composite_controller.part_controllers["right"]
        np.testing.assert_allclose(controller.kp, 1000.0)
        np.testing.assert_allclose(controller.kd, 2 * np.sqrt(1000.0))  # critically damped
        assert tracking_lag_seconds(env) < 0.15  # stiffer than the default (about 0.2 s)
    with pytest.raises(ConfigError, match="osc_kp applies to robosuite pairs only"):
        make_env("metaworld/reach-v3", cameras=(), osc_kp=1000)
    with pytest.raises(ConfigError, match="osc_kp must be a positive number, got -5"):
        make_env("robosuite/Lift/Panda@20hz", cameras=(), osc_kp=-5)
