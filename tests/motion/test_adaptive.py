"""The adaptive labeler: scripted motion, invariances, each detector, jitter and twitches."""

from __future__ import annotations

import numpy as np
import pytest

from motionprior.errors import ConfigError
from motionprior.motion import LabelerParams, MotionLabeler, Trajectory
from motionprior.motion import detectors as det
from motionprior.motion.reference import SLOW_MOVE, reference_failures, scripted, track

FAST_OFF = {"fast_factor": 1e6}
MID_OFF = {"mid_step_fraction": 1e6}
SLOW_OFF = {"slow_step_fraction": 1e6}


@pytest.mark.parametrize("fps", [10, 20, 50, 80])
def test_scripted_motion_is_labeled_exactly(fps):
    tr, truth = scripted(fps)
    assert MotionLabeler().fit([tr]).label(tr) == truth


def test_the_defaults_pass_every_reference_check():
    assert reference_failures(MotionLabeler) == []


def test_reference_checks_can_fail():
    failed = reference_failures(lambda: MotionLabeler(base_translation=0.3))
    assert "slow steady move at 20 Hz" in failed
    assert "rate invariance 10 vs 50 Hz" in reference_failures(lambda: MotionLabeler(unit=0.25))


def test_rate_invariance_same_motion_at_10_and_50_hz_gives_the_same_labels_in_time():
    slow, _ = scripted(10)
    fast, _ = scripted(50)
    a, b = MotionLabeler().label(slow), MotionLabeler().label(fast)
    assert len(b) == 5 * len(a)
    assert b[::5] == a


def test_scale_invariance_positions_times_1000_change_no_label():
    tr, _ = scripted(30)
    rng = np.random.default_rng(0)
    noisy = tr.position + rng.normal(0, 0.002, tr.position.shape)  # noise scales with the unit
    m = Trajectory(noisy, 30, tr.rotation, tr.gripper)
    mm = Trajectory(noisy * 1000, 30, tr.rotation, tr.gripper)
    lm, lmm = MotionLabeler().fit([m]), MotionLabeler().fit([mm])
    assert lmm.scales.translation == pytest.approx(1000 * lm.scales.translation)
    assert lm.label(m) == lmm.label(mm)
    assert len(set(lm.label(m))) > 4  # not trivially all "stop"


def test_slow_steady_move_is_detected_and_it_is_the_slow_detector_that_does_it():
    fps = 20
    pos = track(fps, SLOW_MOVE)
    tr = Trajectory(pos, fps)
    labels = MotionLabeler().fit([tr]).label(tr)
    slow_part = labels[int(3.7 * fps): int(5.8 * fps)]  # inside the slow move (3.5 s .. 6 s)
    assert slow_part == ["move left"] * len(slow_part)
    without_slow = MotionLabeler(**SLOW_OFF).fit([tr]).label(tr)
    assert set(without_slow[int(3.7 * fps): int(5.8 * fps)]) == {"stop"}


def test_jittery_stop_is_not_detected():
    fps, rng = 30, np.random.default_rng(3)
    move = track(fps, [(0.5, (0, 0, 0)), (2, (0.1, 0, 0))])
    t = np.arange(3 * fps) / fps
    jitter = np.zeros((len(t), 3))
    jitter[:, 0] = 0.004 * np.sin(2 * np.pi * 4 * t)  # 4 Hz wobble, 8 mm peak to peak
    jitter[:, 1] = rng.normal(0, 0.002, len(t))  # and sensor noise as big as a step of motion
    pos = np.concatenate([move, move[-1] + jitter])
    labels = MotionLabeler().fit([Trajectory(pos, fps)]).label(Trajectory(pos, fps))
    assert labels[len(move) + 5:] == ["stop"] * (len(pos) - len(move) - 5)
    assert labels[fps: 2 * fps] == ["move forward"] * fps


def test_short_twitch_is_suppressed():
    fps = 20
    base = track(fps, [(1, (0, 0, 0)), (2, (0, 0, 0.1)), (3, (0, 0, 0))])
    twitch = base.copy()
    i = int(4.5 * fps)
    twitch[i:, 1] += 0.09 * np.clip(np.arange(len(base) - i) / 3, 0, 1)  # 0.15 s quick jerk
    lab = MotionLabeler().fit([Trajectory(base, fps)])
    labels = lab.label(Trajectory(twitch, fps))
    assert labels[int(3.3 * fps):] == ["stop"] * (len(labels) - int(3.3 * fps))
    # the same jerk is detected (by the fast detector) when runs are not suppressed
    raw = MotionLabeler(min_duration=0.0, label_min_duration=0.0).fit([Trajectory(base, fps)])
    assert "move left" in raw.label(Trajectory(twitch, fps))[int(4 * fps):]


def test_no_short_mixed_label_is_left_between_two_motions():
    """The parts of one transition switch a step or two apart; whole labels shorter than
    `label_min_duration` join the nearest long run, so every run inside an episode is at least
    that long (and without the label-level pass some are not)."""
    from motionprior.motion.synthetic import make_dataset, random_profile
    from motionprior.motion.vocabulary import labels_to_codes

    items = make_dataset(random_profile(3), episodes=4, seed=0)
    trajectories = [it.trajectory for it in items]

    def shortest_run(**params) -> int:
        lab = MotionLabeler(**params).fit(trajectories)
        runs = [np.diff(np.flatnonzero(np.r_[True, np.diff(labels_to_codes(ep)) != 0, True]))
                for ep in lab.label_many(trajectories)]
        return int(min(r.min() for r in runs))

    need = LabelerParams().steps(LabelerParams().label_min_duration, items[0].trajectory.fps)
    assert need > 1
    assert shortest_run() >= need
    assert shortest_run(label_min_duration=0.0) < need


def test_a_quick_gripper_action_during_a_move_is_kept():
    """A close that takes 0.2 s at the start of a move makes a mixed label shorter than
    `label_min_duration`; merging whole labels would drop the close, so it is put back."""
    fps = 20
    t = np.arange(int(3 * fps)) / fps
    x = np.where(t < 1.0, 0.0, 0.1 * (t - 1.0))  # still 1 s, then 10 cm/s forward
    gripper = np.clip(1.0 - (t - 1.0) / 0.2, 0.0, 1.0)  # closes over the move's first 0.2 s
    tr = Trajectory(np.c_[x, np.zeros_like(t), np.zeros_like(t)], fps, gripper=gripper)
    labels = MotionLabeler().label(tr)
    assert any("close gripper" in lab for lab in labels), labels
    assert labels[: int(0.8 * fps)] == ["stop"] * int(0.8 * fps)
    assert labels[int(1.5 * fps):] == ["move forward"] * (len(labels) - int(1.5 * fps))


@pytest.mark.parametrize(
    ("velocity", "expected"),
    [((0.1, 0.01, 0), "move forward"),  # 10% sideways drift is not named
     ((0.1, 0.1, 0), "move forward left"),  # 45 degrees
     ((0.1, -0.058, 0), "move forward right"),  # 30 degrees
     ((-0.05, 0.0, -0.1), "move backward down"),
     ((0.01, -0.1, 0.03), "move right")],
)
def test_dominance_names_only_axes_with_a_real_share(velocity, expected):
    fps = 15
    tr = Trajectory(track(fps, [(1, (0, 0, 0)), (2, velocity), (1, (0, 0, 0))]), fps)
    labels = MotionLabeler().fit([tr]).label(tr)
    assert labels[int(1.3 * fps): int(2.7 * fps)] == [expected] * (int(2.7 * fps) - int(1.3 * fps))


def test_angles_are_unwrapped():
    fps = 10
    n = 60
    yaw = np.concatenate([np.full(10, 2.8), 2.8 + 0.8 * np.arange(1, 41) / fps, np.full(10, 6.0)])
    rot = np.zeros((n, 3))
    rot[:, 2] = (yaw + np.pi) % (2 * np.pi) - np.pi  # wraps from +pi to -pi after 0.43 s
    tr = Trajectory(np.zeros((n, 3)), fps, rot)
    labels = MotionLabeler().fit([tr]).label(tr)
    assert labels[11:48] == ["rotate counterclockwise"] * 37
    assert labels[:9] == ["stop"] * 9 and labels[-9:] == ["stop"] * 9


def _detect(pos: np.ndarray, fps: float, **params) -> np.ndarray:
    """Raw per-axis detector output (before dominance and smoothing) of positions in x only."""
    from motionprior.motion.trajectory import Batch

    tr = Trajectory(pos, fps)
    p = LabelerParams(**params)
    ch = det.Channels(base=np.full(3, p.base_translation), group=np.zeros(3, dtype=int))
    return det.detect(pos.T.astype(np.float32), Batch.of([tr]), ch, p)[0]


def test_each_detector_on_constructed_cases():
    fps = 20
    t = np.arange(4 * fps) / fps
    steady = np.zeros((len(t), 3))
    steady[:, 0] = 0.5 * np.clip(t - 1, 0, 2)  # 1 s still, 2 s at 0.5 (normalized), 1 s still
    middle = slice(int(1.3 * fps), int(2.7 * fps))
    # slow alone and mid alone detect a steady move; fast alone does not (0.5 * 0.2 s < 2 T)
    assert (_detect(steady, fps, **FAST_OFF, **MID_OFF)[middle] == 1).all()
    assert (_detect(steady, fps, **FAST_OFF, **SLOW_OFF)[middle] == 1).all()
    assert not _detect(steady, fps, **MID_OFF, **SLOW_OFF).any()
    # fast alone detects a quick jump of 1.0 within 0.15 s
    jump = np.zeros((len(t), 3))
    jump[int(2 * fps):, 0] = 1.0
    jump[int(2 * fps) - 1: int(2 * fps) + 2, 0] = [0.2, 0.6, 1.0]
    assert _detect(jump, fps, **MID_OFF, **SLOW_OFF)[int(2 * fps) - 2] == 1
    # a zigzag with the same net drift (unit steps of +0.13 and -0.03 instead of +0.05): the
    # arm moves at every unit step (mid fires), but not always the same way, so slow does not
    zig = steady.copy()
    zig[:, 0] += 0.08 * ((np.arange(len(t)) // 2) % 2) * (steady[:, 0] > 0) * (steady[:, 0] < 1.0)
    assert (_detect(zig, fps, **FAST_OFF, **SLOW_OFF)[middle] == 1).all()
    assert not (_detect(zig, fps, **FAST_OFF, **MID_OFF)[middle] == 1).any()
    # nothing fires on a still arm
    assert not _detect(np.zeros((len(t), 3)), fps).any()


def test_batch_labels_equal_single_labels_and_chunking_changes_nothing(monkeypatch):
    rng = np.random.default_rng(5)
    trs = []
    for n, fps in ((40, 10.0), (300, 30.0), (2, 10.0), (125, 30.0), (90, 10.0)):
        vel = np.repeat(rng.normal(0, 0.1, (n // 10 + 1, 3)), 10, axis=0)[:n] / fps
        rot = np.cumsum(rng.normal(0, 0.05, (n, 3)), axis=0)
        trs.append(Trajectory(np.cumsum(vel, axis=0), fps, rot, rng.uniform(0.4, 0.6, n)))
    lab = MotionLabeler().fit(trs)
    many = lab.label_many(trs)
    assert many == [lab.label(t) for t in trs]
    monkeypatch.setattr(det, "CHUNK", 37)
    assert lab.label_many(trs) == many
    assert len({x for labels in many for x in labels}) > 5


def test_unfitted_labeler_fits_on_the_trajectory_it_labels():
    tr, _ = scripted(20, scale=3.0)
    assert MotionLabeler().label(tr) == MotionLabeler().fit([tr]).label(tr)


def test_parameters_are_validated():
    with pytest.raises(ConfigError, match="unknown labeler parameter\\(s\\) windowz; known: "):
        MotionLabeler(windowz=1.0)
    with pytest.raises(ConfigError, match="slow must be > 0, got 0"):
        MotionLabeler(slow=0)
    with pytest.raises(ConfigError, match="beta must be finite and >= 0, got -1"):
        MotionLabeler(beta=-1)
    with pytest.raises(ConfigError, match="dominance must be in \\[0, 1\\], got 1.5"):
        MotionLabeler(dominance=1.5)
    with pytest.raises(ConfigError, match="min_duration must be a number, got 'a'"):
        MotionLabeler(min_duration="a")
    assert LabelerParams().steps(0.3, 10) == 3 and LabelerParams().steps(0.01, 5) == 1
