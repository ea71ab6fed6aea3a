"""Random motion segments for the scripted primitives (`motionprior.sim.motion_script`).

A segment is one motion label with the commanded velocities that realize it: a move along one
to three axes (secondary axes at 55-100% of the main one, 5-15 cm/s), a stop, a tilt (pitch,
0.25-0.5 rad/s), a yaw rotation (0.4-1 rad/s), an opening or closing of the gripper (for the
gripper's travel time), or move + rotate / move + gripper; each with a speed profile
(trapezoid, minimum jerk or constant). `SegmentPlanner` keeps the set-point in a box around the
start pose and the wrist within 0.35 rad of pitch and 1.2 rad of yaw, slowing a segment down
where the limits leave less room (the label stays the same).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from motionprior.motion.vocabulary import MotionLabel

BOX_LOW = np.array([-0.12, -0.15, -0.06])  # m, set-point limits around the start position
BOX_HIGH = np.array([0.12, 0.15, 0.14])
PITCH_LIMIT, YAW_LIMIT = 0.35, 1.2  # rad
NOMINAL_SPEED = 0.10  # m/s
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
