"""Scripted motion primitives with known labels: simulator validation data for motion labelers.

A `MotionScript` drives a simulated arm (any robosuite robot, or Meta-World's Sawyer) through a
random sequence of segments, each one motion label: a move along one to three axes, a stop, a
tilt, a yaw rotation, an opening or closing of the gripper, or a combination (move + rotate,
move + gripper). It is what a teleoperator does, segment after segment, and the true label of a
step is the label of the segment the script commands at that step, including the slow start and
end of a segment's speed profile (the convention of `motionprior.motion.synthetic`). The arm
follows the command through the simulator's own controller (OSC on robosuite, mocap on
Meta-World), so lag, overshoot and wobble are real.

    script = MotionScript(env, seed=3)           # plans about 15 s of segments
    states, labels = script.rollout()            # [T, S] canonical states, T labels

Commands: a set-point moves with the segment's velocity (profile: trapezoid, minimum jerk or
constant; speed 0.5-1.5 x 10 cm/s), the translation action pulls the arm to it, a target
pitch/yaw turns with the segment's angular rate, the gripper command switches at the start of a
gripper segment, which lasts the robot's measured travel time (`gripper_travel_seconds`). The
segments come from `motionprior.sim.motion_plan` (which keeps the set-point in a box around the
start pose and the wrist near its start orientation); `scripted_episodes` drops the rare rollout
whose arm strays from the command anyway (a joint limit, a collision).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from motionprior.motion.vocabulary import format_label
from motionprior.sim.env import SimEnv
from motionprior.sim.motion_plan import NOMINAL_SPEED, SegmentPlanner, speed_factor
from motionprior.sim.rotations import from_rpy, rotvec

SETTLE_SECONDS = 1.5  # unrecorded hold (gripper open) before an episode starts
# The feed-forward lead, as a fraction of the measured lag, that minimizes the RMS distance
# between the commanded and the executed path (0.5-0.75 on Panda, UR5e, Kinova3; 0.6 chosen).
LEAD_FRACTION = 0.6


class MotionScript:
    """Plans and executes one episode of segments on `env`; `rollout()` returns the states
    and the true label of every step."""

    def __init__(self, env: SimEnv, seed: int, seconds: float = 15.0,
                 gripper_seconds: float | None = None, lead_seconds: float | None = None
                 ) -> None:
        self.env = env
        self.seed = int(seed)
        self.hz = env.fps
        self.rotation = env.spec.state.rotation is not None
        grip = gripper_seconds if gripper_seconds is not None else gripper_travel_seconds(env)
        if lead_seconds is None:
            lead_seconds = LEAD_FRACTION * tracking_lag_seconds(env)
        self.lead = lead_seconds
        rng = np.random.default_rng(self.seed)
        self.segments = SegmentPlanner(rng, self.rotation, grip).plan(seconds)
        self.starts = np.cumsum([0.0] + [s.seconds for s in self.segments])

    def rollout(self) -> tuple[np.ndarray, list[str]]:
        """Run the episode: `[T, S]` canonical states (before each action) and T labels."""
        env = self.env
        obs = hold(env, self.seed, SETTLE_SECONDS, grip=1)
        state = obs["state"].astype(np.float64)
        goal, grip = state[:3].copy(), 1
        roll, pitch, yaw = state[3:6] if self.rotation else (0.0, 0.0, 0.0)
        states, labels, self.goals, self.actions, angles = [], [], [], [], []
        for t in range(int(self.starts[-1] * self.hz)):
            mid = (t + 0.5) / self.hz  # the action acts over [t, t + 1] / hz
            k = min(int(np.searchsorted(self.starts, mid, side="right")) - 1,
                    len(self.segments) - 1)
            seg = self.segments[k]
            into = mid - self.starts[k]
            factor = speed_factor(seg.profile, min(1.0, into / seg.seconds))
            goal = goal + seg.velocity * factor / self.hz
            pitch += seg.pitch_rate * factor / self.hz
            yaw += seg.yaw_rate * factor / self.hz
            # Feed-forward: aim `lead` seconds ahead, so the arm's motion matches the command in
            # time instead of trailing it by the controller's lag.
            lead = self.lead * factor
            aim = goal + seg.velocity * lead
            aim_pitch, aim_yaw = pitch + seg.pitch_rate * lead, yaw + seg.yaw_rate * lead
            grip = seg.grip or grip
            state = obs["state"].astype(np.float64)
            rot_error = np.zeros(3)
            if self.rotation:
                now = from_rpy(*state[3:6])
                rot_error = rotvec(from_rpy(roll, aim_pitch, aim_yaw) @ now.T)
            states.append(state)
            self.goals.append(goal)
            angles.append((roll, pitch, yaw))
            labels.append(format_label(seg.label_at(into)))
            action = env.cartesian_action(aim - state[:3], rot_error, grip=grip)
            self.actions.append(action)
            obs, _ = env.step(action)
        states_array = np.asarray(states)
        self.tracking_error = tracking_errors(states_array, np.asarray(self.goals),
                                              np.asarray(angles) if self.rotation else None)
        return states_array, labels


def tracking_errors(states: np.ndarray, goals: np.ndarray, angles: np.ndarray | None
                    ) -> tuple[float, float]:
    """Largest distance (m) between commanded set-point and end effector over an episode, and
    largest angle (rad) between commanded and measured orientation (0 without a wrist)."""
    position = float(np.linalg.norm(goals - states[:, :3], axis=1).max())
    if angles is None:
        return position, 0.0
    worst = 0.0
    for (roll, pitch, yaw), (r, p, y) in zip(angles, states[:, 3:6], strict=True):
        error = rotvec(from_rpy(roll, pitch, yaw) @ from_rpy(r, p, y).T)
        worst = max(worst, float(np.linalg.norm(error)))
    return position, worst


def hold(env: SimEnv, seed: int, seconds: float, grip: int) -> dict:
    """Reset `env` to `seed` and hold the arm still for `seconds` with the gripper commanded
    open (+1) or closed (-1); returns the last observation."""
    observations = [env.reset(seed), *_holding(env, seconds, grip)]
    return observations[-1]


def _holding(env: SimEnv, seconds: float, grip: int):
    """Observations while the arm holds still for `seconds` (gripper commanded `grip`)."""
    for _ in range(math.ceil(seconds * env.fps)):
        obs, _ = env.step(env.cartesian_action(np.zeros(3), np.zeros(3), grip=grip))
        yield obs


def gripper_travel_seconds(env: SimEnv, seed: int = 0) -> float:
    """Seconds the gripper of `env` takes to close from fully open (95% of its travel)."""
    start = float(hold(env, seed, 1.0, grip=1)["state"][-1])
    openings = [float(obs["state"][-1]) for obs in _holding(env, 2.0, grip=-1)]
    travel = np.abs(np.asarray(openings) - start)
    reached = np.flatnonzero(travel >= 0.95 * travel[-1])
    return float((reached[0] + 1) / env.fps)


def tracking_lag_seconds(env: SimEnv, seed: int = 0, speed: float = NOMINAL_SPEED) -> float:
    """How far (in seconds of travel) the arm of `env` trails a set-point moving at `speed`
    under `cartesian_action`'s pull: its controller's lag, measured over the last half of a
    1.5 s move sideways."""
    obs = hold(env, seed, SETTLE_SECONDS, grip=1)
    goal = obs["state"][:3].astype(np.float64)
    gaps = []
    for _ in range(math.ceil(1.5 * env.fps)):
        goal = goal + np.array([0.0, -speed, 0.0]) / env.fps
        gaps.append(float(obs["state"][1] - goal[1]))
        obs, _ = env.step(env.cartesian_action(goal - obs["state"][:3], np.zeros(3), grip=1))
    return max(0.0, float(np.mean(gaps[len(gaps) // 2:])) / speed)


def response_delay_steps(script: MotionScript, states: np.ndarray, most: float = 0.5) -> int:
    """Steps by which the executed path trails the commanded one in a finished rollout: the
    shift (0 .. `most` seconds) that minimizes the RMS distance between the set-point at t and
    the end effector at t + shift."""
    goals = np.asarray(script.goals)
    costs = [np.mean(np.sum((goals[: len(goals) - k] - states[k:, :3]) ** 2, axis=1))
             for k in range(int(most * script.hz) + 1)]
    return int(np.argmin(costs))


def delayed(labels: list[str], steps: int) -> list[str]:
    """`labels` shifted `steps` later in time (the first label repeats at the start)."""
    return [labels[max(t - steps, 0)] for t in range(len(labels))]


@dataclass(frozen=True)
class ScriptedEpisode:
    """One rollout: states, the commanded labels, and the labels of the executed motion (the
    commanded ones delayed by the arm's response delay, measured once per env)."""

    seed: int
    states: np.ndarray
    actions: np.ndarray
    commanded: list[str]
    executed: list[str]


CALIBRATION_SEED = 10**6  # the rollout that measures the response delay (never an episode)
# A rollout whose arm strays further than this from the command (a joint limit, a collision)
# did not perform its labels and is not kept, as collection keeps successful demos only. The
# arms that do follow stay within 1.5-4.6 cm and 0.13 rad (Panda, Kinova3, 8 episodes each).
MAX_POSITION_ERROR = 0.06  # m
MAX_ANGLE_ERROR = 0.3  # rad


def scripted_episodes(env: SimEnv, first_seed: int, count: int, seconds: float = 15.0
                      ) -> tuple[list[ScriptedEpisode], list[int]]:
    """`count` faithful scripted episodes from seeds `first_seed`, `first_seed + 1`, ..., and
    the seeds rejected on the way (tracking error above `MAX_POSITION_ERROR` or
    `MAX_ANGLE_ERROR`; at most 3 * count + 5 seeds are tried). Measured once for `env`: the
    gripper's travel time, the controller's lag (for the feed-forward lead) and the response
    delay that remains with it (on a calibration rollout of its own seed)."""
    grip = gripper_travel_seconds(env)
    lead = LEAD_FRACTION * tracking_lag_seconds(env)
    calibration = MotionScript(env, CALIBRATION_SEED, seconds, grip, lead)
    delay = response_delay_steps(calibration, calibration.rollout()[0])
    kept: list[ScriptedEpisode] = []
    rejected: list[int] = []
    seed = first_seed
    while len(kept) < count and seed < first_seed + 3 * count + 5:
        script = MotionScript(env, seed, seconds, grip, lead)
        states, labels = script.rollout()
        position, angle = script.tracking_error
        if position > MAX_POSITION_ERROR or angle > MAX_ANGLE_ERROR:
            rejected.append(seed)
        else:
            kept.append(ScriptedEpisode(seed, states, np.asarray(script.actions), labels,
                                        delayed(labels, delay)))
        seed += 1
    return kept, rejected
