"""Synthetic annotated trajectories: known motion segments, realistic imperfections.

A `Profile` is one simulated dataset (an "embodiment"): control rate, length unit, typical
speeds, which rotations and whether a gripper exist, sensor noise, speed jitter, off-axis drift.
`make_episode` draws a sequence of segments (moves along 1-3 axes, stops, tilts, yaw rotations,
gripper open/close, a few combined), gives each a velocity profile (trapezoid, minimum-jerk or
constant) and a speed between 0.35x and 1.5x the nominal one, integrates it on a 400 Hz grid
with jitter (an AR(1) speed factor and a zero-mean lateral wobble), adds a constant off-axis
drift to moves and a slow creep to some stops, samples at the profile's fps and adds sensor
noise. The true label of step n is the label of the segment holding time (n + 0.5) / fps, the
middle of the motion that starts at step n. Everything is seeded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from motionprior.motion.annotations import AnnotatedTrajectory
from motionprior.motion.trajectory import Trajectory
from motionprior.motion.vocabulary import MotionLabel, format_label

UNIT_FACTOR = {"m": 1.0, "cm": 100.0, "mm": 1000.0}  # length units per meter
_GRID_HZ = 400.0


@dataclass(frozen=True)
class Profile:
    """One synthetic dataset's robot and recording conditions (SI units before `unit`)."""

    name: str
    fps: float
    unit: str = "m"
    speed: float = 0.1  # nominal translation speed, m/s
    rot_speed: float = 0.6  # nominal angular speed, rad/s
    rotation: str = "full"  # "none", "yaw", "pitch_yaw", "full" (roll, pitch, yaw)
    gripper: bool = True
    noise: float = 3e-4  # position sensor noise std, m
    rot_noise: float = 3e-3  # angle sensor noise std, rad
    jitter: float = 0.2  # relative speed jitter (std of the speed factor)
    drift: float = 0.12  # max off-axis drift during moves, fraction of the move's speed


def random_profile(seed: int, name: str | None = None) -> Profile:
    """A profile with every condition drawn at random (rates 5-80 Hz, m/cm/mm, ...)."""
    r = np.random.default_rng([7, seed])
    return Profile(
        name=name or f"random{seed}",
        fps=float(r.choice([5, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80])),
        unit=str(r.choice(["m", "cm", "mm"])),
        speed=float(np.exp(r.uniform(np.log(0.03), np.log(0.3)))),
        rot_speed=float(r.uniform(0.3, 1.2)),
        rotation=str(r.choice(["none", "yaw", "pitch_yaw", "full"])),
        gripper=bool(r.random() < 0.85),
        noise=float(r.uniform(0.0, 1e-3)),
        rot_noise=float(r.uniform(0.0, 6e-3)),
        jitter=float(r.uniform(0.0, 0.4)),
        drift=float(r.uniform(0.0, 0.15)),
    )


def _templates(pr: Profile) -> list[tuple[float, str]]:
    t = [(0.30, "move1"), (0.16, "move2"), (0.05, "move3"), (0.14, "stop")]
    if pr.gripper:
        t += [(0.12, "grip"), (0.03, "move+grip")]
    if pr.rotation != "none":
        t += [(0.07, "rotate"), (0.05, "move+rotate")]
    if pr.rotation in ("pitch_yaw", "full"):
        t += [(0.05, "tilt"), (0.02, "tilt+rotate")]
    return t


def _shape(kind: str, s: np.ndarray, r: np.random.Generator) -> np.ndarray:
    """Velocity profile over normalized time s in [0, 1), mean 1."""
    if kind == "minjerk":
        v = 30 * s**2 * (1 - s) ** 2
    elif kind == "trapezoid":
        a = r.uniform(0.1, 0.3)
        v = np.minimum(1.0, np.minimum(s / a, (1 - s) / a))
    else:
        v = np.ones_like(s)
    return v / max(v.mean(), 1e-9)


def _ar1(r: np.random.Generator, n: int, corr_s: float) -> np.ndarray:
    """Unit-variance AR(1) noise on the grid with correlation time `corr_s`."""
    a = np.exp(-1.0 / (corr_s * _GRID_HZ))
    e = r.normal(size=n) * np.sqrt(1 - a * a)
    out = np.empty(n)
    acc = r.normal()
    for i in range(n):  # synthetic data generation only, not a labeler hot path
        acc = a * acc + e[i]
        out[i] = acc
    return out


def make_episode(pr: Profile, seed: int, duration: float = 14.0) -> AnnotatedTrajectory:
    """One annotated episode of about `duration` seconds."""
    r = np.random.default_rng([11, seed, int(pr.fps), len(pr.name)] + [ord(c) for c in pr.name])
    probs, kinds = zip(*_templates(pr), strict=True)
    probs = np.array(probs) / np.sum(probs)
    segs: list[tuple[str, float]] = [("stop", r.uniform(0.3, 1.0))]
    total, prev = segs[0][1], "stop"
    while total < duration:
        kind = str(r.choice(kinds, p=probs))
        if kind == prev == "stop":
            continue
        d = {"stop": (0.4, 1.5), "grip": (0.3, 1.0), "move+grip": (0.5, 1.2)}.get(kind, (0.6, 2.5))
        segs.append((kind, r.uniform(*d)))
        total += segs[-1][1]
        prev = kind
    n_grid = int(np.ceil(total * _GRID_HZ)) + 1
    vel = np.zeros((n_grid, 7))  # x y z roll pitch yaw gripper (per second)
    seg_end = np.cumsum([d for _, d in segs])
    labels: list[str] = []
    grip, t0 = 1.0, 0.0
    jit = 1.0 + pr.jitter * _ar1(r, n_grid, 0.15)
    wobble = _ar1(r, n_grid, 0.1)[:, None] * r.normal(size=3) * 0.25 * pr.jitter
    for (kind, dur), t1 in zip(segs, seg_end, strict=True):
        i0, i1 = int(round(t0 * _GRID_HZ)), int(round(t1 * _GRID_HZ))
        s = (np.arange(i0, i1) - i0) / max(i1 - i0, 1)
        shape = _shape(str(r.choice(["minjerk", "trapezoid", "constant"])), s, r)
        lab = [0] * 6
        if kind.startswith("move"):
            naxes = int(kind[4]) if kind[4:5].isdigit() else 1 + int(r.random() < 0.3)
            axes = r.choice(3, size=naxes, replace=False)
            direction = np.zeros(3)
            for k, a in enumerate(axes):
                sign = r.choice([-1, 1])
                direction[a] = sign * (1.0 if k == 0 else r.uniform(0.55, 1.0))
                lab[a] = int(sign)
            free = [a for a in range(3) if direction[a] == 0]
            for a in free:
                direction[a] = r.uniform(-pr.drift, pr.drift)
            speed = pr.speed * np.exp(r.uniform(np.log(0.35), np.log(1.5)))
            v = speed * direction / np.linalg.norm(direction[axes])
            vel[i0:i1, :3] = (shape * jit[i0:i1])[:, None] * v + wobble[i0:i1] * speed
            vel[i0:i1, 3:6] = r.uniform(-0.02, 0.02, 3) if pr.rotation != "none" else 0.0
        elif kind == "stop" and r.random() < 0.3:
            vel[i0:i1, :3] = r.normal(size=3) * 0.01 * pr.speed  # slow creep
        if "rotate" in kind or "tilt" in kind:
            w = pr.rot_speed * np.exp(r.uniform(np.log(0.4), np.log(1.5)))
            if "rotate" in kind:
                lab[4] = int(r.choice([-1, 1]))
                vel[i0:i1, 5] = lab[4] * w * shape * jit[i0:i1]
            if "tilt" in kind:
                lab[3] = int(r.choice([-1, 1]))
                axis = 3 if pr.rotation == "full" and r.random() < 0.3 else 4
                vel[i0:i1, axis] = lab[3] * w * shape * jit[i0:i1]
        if "grip" in kind:
            target = 1.0 if grip < 0.5 else r.uniform(0.0, 0.5)
            lab[5] = 1 if target > grip else -1
            vel[i0:i1, 6] = (target - grip) / dur * shape
            grip = target
        labels.append(format_label(MotionLabel(*lab)))
        t0 = t1
    pos = np.cumsum(vel, axis=0) / _GRID_HZ
    n = int(np.floor(total * pr.fps))
    times = np.arange(n) / pr.fps
    sample = np.stack([np.interp(times, np.arange(n_grid) / _GRID_HZ, pos[:, k])
                       for k in range(7)], axis=1)
    sample[:, :3] += r.uniform(-0.2, 0.2, 3) + r.normal(size=(n, 3)) * pr.noise
    sample[:, :3] *= UNIT_FACTOR[pr.unit]
    sample[:, 3:6] += r.uniform(-1.0, 1.0, 3) + r.normal(size=(n, 3)) * pr.rot_noise
    grip_obs = np.clip(1.0 + sample[:, 6] + r.normal(size=n) * 0.003, 0.0, 1.0)
    truth = np.searchsorted(seg_end, (np.arange(n) + 0.5) / pr.fps, side="right")
    truth = np.minimum(truth, len(segs) - 1)
    rot = {"none": None, "yaw": [5], "pitch_yaw": [4, 5], "full": [3, 4, 5]}[pr.rotation]
    rotation = None
    if rot is not None:
        rotation = np.zeros((n, 3))
        rotation[:, [c - 3 for c in rot]] = sample[:, rot]
    traj = Trajectory(sample[:, :3], pr.fps, rotation, grip_obs if pr.gripper else None)
    return AnnotatedTrajectory(traj, [labels[i] for i in truth], pr.name)


def make_dataset(pr: Profile, episodes: int, seed: int = 0) -> list[AnnotatedTrajectory]:
    """`episodes` annotated episodes of profile `pr` (seeds seed .. seed + episodes - 1)."""
    return [make_episode(pr, seed + i) for i in range(episodes)]


# Embodiment-like profiles for the benchmark's held-out test set (never used for tuning).
NAMED_PROFILES = (
    Profile("widowx_5hz_m", 5, "m", 0.06, 0.5, "full", True, 5e-4, 4e-3, 0.30, 0.12),
    Profile("panda_20hz_m", 20, "m", 0.15, 0.8, "full", True, 2e-4, 2e-3, 0.15, 0.08),
    Profile("sawyer_80hz_mm", 80, "mm", 0.10, 0.6, "yaw", True, 3e-4, 2e-3, 0.10, 0.10),
    Profile("ur5e_10hz_cm", 10, "cm", 0.20, 1.0, "full", True, 1e-3, 5e-3, 0.25, 0.15),
    Profile("kinova_30hz_m", 30, "m", 0.08, 0.7, "pitch_yaw", True, 5e-4, 3e-3, 0.35, 0.10),
    Profile("xarm_50hz_mm", 50, "mm", 0.25, 1.2, "full", True, 8e-4, 6e-3, 0.20, 0.12),
    Profile("iiwa_15hz_cm", 15, "cm", 0.04, 0.3, "yaw", False, 2e-4, 1e-3, 0.10, 0.05),
    Profile("so_arm_40hz_m", 40, "m", 0.05, 0.5, "none", True, 1e-3, 0.0, 0.40, 0.15),
)
