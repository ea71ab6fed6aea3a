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
planner keeps the set-point in a box around the start pose and the wrist within 0.35 rad of
pitch and 1.2 rad of yaw, so the arm never meets the table or its joint limits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from motionprior.motion.vocabulary import MotionLabel, format_label
from motionprior.sim.env import SimEnv
from motionprior.sim.rotations import rot_x, rot_y, rot_z, rotvec

BOX_LOW = np.array([-0.12, -0.15, -0.06])  # m, set-point limits around the start position
BOX_HIGH = np.array([0.12, 0.15, 0.14])
PITCH_LIMIT, YAW_LIMIT = 0.35, 1.2  # rad
NOMINAL_SPEED = 0.10  # m/s
SETTLE_SECONDS = 1.5  # unrecorded hold (gripper open) before an episode starts
# The feed-forward lead, as a fraction of the measured lag, that minimizes the RMS distance
# between the commanded and the executed path (0.5-0.75 on Panda, UR5e, Kinova3; 0.6 chosen).
LEAD_FRACTION = 0.6
PROFILES = ("trapezoid", "minjerk", "constant")


@dataclass(frozen=True)
class Segment:
    """One commanded motion: peak velocities, gripper command and duration."""

    label: MotionLabel
    seconds: float
    velocity: np.ndarray  # [3] m/s, canonical frame, at the profile's peak
    pitch_rate: float = 0.0  # rad/s at the peak
    yaw_rate: float = 0.0
    grip: int = 0  # +1 open, -1 close, 0 keep the current command
    profile: str = "trapezoid"
    grip_seconds: float = 0.0  # the gripper part of the label lasts this long (travel time)

    def label_at(self, seconds: float) -> MotionLabel:
        """The true label `seconds` after the segment starts."""
        if self.grip and seconds >= self.grip_seconds:
            return MotionLabel(*self.label.values[:5], 0)
        return self.label


def speed_factor(profile: str, phase: float) -> float:
    """Speed at `phase` in [0, 1] of a segment, as a fraction of its peak."""
    if profile == "minjerk":
        return 16.0 * phase**2 * (1.0 - phase) ** 2
    if profile == "trapezoid":
        return min(1.0, phase / 0.2, (1.0 - phase) / 0.2)
    return 1.0


MEAN_FACTOR = {"trapezoid": 0.8, "minjerk": 16.0 / 30.0, "constant": 1.0}


class SegmentPlanner:
    """Random segments that keep the set-point and the wrist inside their limits."""

    def __init__(self, rng: np.random.Generator, rotation: bool, gripper_seconds: float) -> None:
        self.rng = rng
        self.rotation = rotation
        self.gripper_seconds = gripper_seconds
        self.pos, self.pitch, self.yaw, self.open = np.zeros(3), 0.0, 0.0, True

    def plan(self, seconds: float) -> list[Segment]:
        out: list[Segment] = []
        total = 0.0
        while total < seconds:
            seg = self._next()
            out.append(seg)
            total += seg.seconds
        return out

    def _next(self) -> Segment:
        r = self.rng
        kinds = ["move", "stop", "grip", "move_grip"]
        weights = [0.5, 0.15, 0.12, 0.05]
        if self.rotation:
            kinds += ["rotate", "tilt", "move_rotate"]
            weights += [0.1, 0.07, 0.06]
        kind = r.choice(kinds, p=np.asarray(weights) / sum(weights))
        profile = str(r.choice(PROFILES))
        if kind == "stop":
            return Segment(MotionLabel(), float(r.uniform(0.4, 1.2)), np.zeros(3))
        if kind == "grip":
            return self._grip(Segment(MotionLabel(), self.gripper_seconds, np.zeros(3)))
        if kind == "tilt":
            return self._turn(float(r.uniform(0.6, 1.0)), profile, tilt=True)
        if kind == "rotate":
            return self._turn(float(r.uniform(0.6, 1.2)), profile, tilt=False)
        seconds = float(r.uniform(0.6, 1.8)) if kind == "move" else float(r.uniform(0.6, 1.2))
        if kind == "move_grip":
            seconds = max(seconds, self.gripper_seconds)
        seg = self._move(seconds, profile)
        if kind == "move_grip":
            return self._grip(Segment(seg.label, seconds, seg.velocity, profile=profile))
        if kind == "move_rotate":
            turn = self._turn(seconds, profile, tilt=False)
            return Segment(MotionLabel(*seg.label.values[:3], 0, turn.label.rotate, 0), seconds,
                           seg.velocity, yaw_rate=turn.yaw_rate, profile=profile)
        return seg

    def _move(self, seconds: float, profile: str) -> Segment:
        r = self.rng
        axes = r.permutation(3)[: r.choice([1, 2, 3], p=[0.45, 0.35, 0.2])]
        speed = NOMINAL_SPEED * float(r.uniform(0.5, 1.5))
        dist = speed * seconds * MEAN_FACTOR[profile]
        velocity, values, fits = np.zeros(3), [0, 0, 0], 1.0
        for k, axis in enumerate(axes):
            share = 1.0 if k == 0 else float(r.uniform(0.55, 1.0))
            room_up = BOX_HIGH[axis] - self.pos[axis]
            room_down = self.pos[axis] - BOX_LOW[axis]
            need = dist * share
            if room_up >= need and room_down >= need:
                sign = 1 if r.random() < 0.5 else -1
            else:
                sign = 1 if room_up >= room_down else -1
            fits = min(fits, max(room_up if sign > 0 else room_down, 0.0) / need)
            velocity[axis] = sign * speed * share
            values[axis] = sign
        velocity *= fits  # slower where the box leaves less room (the labels stay the same)
        self.pos = self.pos + velocity * seconds * MEAN_FACTOR[profile]
        return Segment(MotionLabel(*values), seconds, velocity, profile=profile)

    def _turn(self, seconds: float, profile: str, tilt: bool) -> Segment:
        r = self.rng
        rate = float(r.uniform(0.25, 0.5) if tilt else r.uniform(0.4, 1.0))
        angle = rate * seconds * MEAN_FACTOR[profile]
        now, limit = (self.pitch, PITCH_LIMIT) if tilt else (self.yaw, YAW_LIMIT)
        fits_up, fits_down = now + angle <= limit, now - angle >= -limit
        sign = (1 if r.random() < 0.5 else -1) if fits_up and fits_down else (
            1 if limit - now >= now + limit else -1)
        room = limit - now if sign > 0 else now + limit
        if angle > room:  # slower where the limit leaves less room
            rate, angle = rate * room / angle, room
        if tilt:
            self.pitch += sign * angle
            return Segment(MotionLabel(tilt=sign), seconds, np.zeros(3),
                           pitch_rate=sign * rate, profile=profile)
        self.yaw += sign * angle
        return Segment(MotionLabel(rotate=sign), seconds, np.zeros(3), yaw_rate=sign * rate,
                       profile=profile)

    def _grip(self, seg: Segment) -> Segment:
        grip = -1 if self.open else 1
        self.open = not self.open
        values = list(seg.label.values)
        values[5] = grip
        return Segment(MotionLabel(*values), max(seg.seconds, self.gripper_seconds),
                       seg.velocity, grip=grip, profile=seg.profile,
                       grip_seconds=self.gripper_seconds)


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
        obs = env.reset(self.seed)
        for _ in range(math.ceil(SETTLE_SECONDS * self.hz)):  # settle, gripper open
            obs, _ = env.step(env.cartesian_action(np.zeros(3), np.zeros(3), grip=1))
        state = obs["state"].astype(np.float64)
        goal, grip = state[:3].copy(), 1
        roll, pitch, yaw = state[3:6] if self.rotation else (0.0, 0.0, 0.0)
        states, labels, self.goals, angles = [], [], [], []
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
                roll_now, pitch_now, yaw_now = state[3:6]
                now = rot_z(yaw_now) @ rot_y(pitch_now) @ rot_x(roll_now)
                aim_rot = rot_z(aim_yaw) @ rot_y(aim_pitch) @ rot_x(roll)
                rot_error = rotvec(aim_rot @ now.T)
            states.append(state)
            self.goals.append(goal)
            angles.append((roll, pitch, yaw))
            labels.append(format_label(seg.label_at(into)))
            obs, _ = env.step(env.cartesian_action(aim - state[:3], rot_error, grip=grip))
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
        goal = rot_z(yaw) @ rot_y(pitch) @ rot_x(roll)
        now = rot_z(y) @ rot_y(p) @ rot_x(r)
        worst = max(worst, float(np.linalg.norm(rotvec(goal @ now.T))))
    return position, worst


def gripper_travel_seconds(env: SimEnv, seed: int = 0) -> float:
    """Seconds the gripper of `env` takes to close from fully open (95% of its travel)."""
    obs = env.reset(seed)
    for _ in range(math.ceil(1.0 * env.fps)):
        obs, _ = env.step(env.cartesian_action(np.zeros(3), np.zeros(3), grip=1))
    start = float(obs["state"][-1])
    openings = []
    for _ in range(math.ceil(2.0 * env.fps)):
        obs, _ = env.step(env.cartesian_action(np.zeros(3), np.zeros(3), grip=-1))
        openings.append(float(obs["state"][-1]))
    travel = np.abs(np.asarray(openings) - start)
    reached = np.flatnonzero(travel >= 0.95 * travel[-1])
    return float((reached[0] + 1) / env.fps)


def tracking_lag_seconds(env: SimEnv, seed: int = 0, speed: float = NOMINAL_SPEED) -> float:
    """How far (in seconds of travel) the arm of `env` trails a set-point moving at `speed`
    under `cartesian_action`'s pull: its controller's lag, measured over the last half of a
    1.5 s move sideways."""
    obs = env.reset(seed)
    for _ in range(math.ceil(SETTLE_SECONDS * env.fps)):
        obs, _ = env.step(env.cartesian_action(np.zeros(3), np.zeros(3), grip=1))
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
            kept.append(ScriptedEpisode(seed, states, labels, delayed(labels, delay)))
        seed += 1
    return kept, rejected
