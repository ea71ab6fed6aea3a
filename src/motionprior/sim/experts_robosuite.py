"""Waypoint experts for robosuite Lift and Stack on OSC_POSE (delta, base frame).

The expert walks through phases; each phase has a target end-effector position (recomputed
every step from the live object pose), a target yaw and a gripper command, and ends when the
target is reached (or after its time budget, so a stuck expert still terminates):

    Lift:  above the cube -> descend -> close -> lift
    Stack: above cube A -> descend -> close -> lift -> carry above cube B -> lower -> open -> up

Actions: a set-point moves toward the target at a fixed speed in m/s (slower for the final
approach to a contact) and the translation is `(set-point - eef) / 5 cm`, so a sluggish arm is
pulled harder instead of moving slower; rotation is the axis-angle from the current to the
target orientation (gripper top-down, fingers on two faces of the cube) over 0.5 rad; gripper
-1 open / +1 close. Speeds and durations are in seconds, so the same expert serves any control
rate. Grippers differ in how long they take to close (`GRIPPERS`); the closing axis of each
gripper is measured by the adapter (`finger_yaw`) and used to keep the fingers off cube B.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from motionprior.data.embodiments.sim import ROBOSUITE_METERS_PER_UNIT, ROBOSUITE_RADIANS_PER_UNIT
from motionprior.sim.rotations import rot_z, rotvec, wrap_quarter


@dataclass(frozen=True)
class GripperProfile:
    """How one gripper grasps: site height over the object centre at grasp, close/open time."""

    grasp_height: float = 0.0
    close_seconds: float = 0.6
    open_seconds: float = 0.5


GRIPPERS = {
    "PandaGripper": GripperProfile(grasp_height=0.0, close_seconds=0.5),
    "Robotiq85Gripper": GripperProfile(grasp_height=0.0, close_seconds=0.8),
    "Robotiq140Gripper": GripperProfile(grasp_height=0.0, close_seconds=0.9),
    "RethinkGripper": GripperProfile(grasp_height=0.0, close_seconds=0.6),
    "XArm7Gripper": GripperProfile(grasp_height=0.0, close_seconds=0.8),
}


@dataclass(frozen=True)
class Phase:
    name: str
    grip: float  # -1 open, +1 closed
    seconds: float  # time budget
    tolerance: float = 0.01  # m; <= 0 means "wait the whole budget"
    slow: bool = False  # move at the slow speed (final approach to a contact)


_LIFT = (
    Phase("above", -1.0, 4.0, 0.005),
    Phase("descend", -1.0, 3.0, 0.006, slow=True),
    Phase("close", 1.0, 0.0, 0.0),  # budget from the gripper profile
    Phase("lift", 1.0, 4.0, 0.01),
)
_STACK = _LIFT[:3] + (
    Phase("lift", 1.0, 3.0, 0.015),
    Phase("carry", 1.0, 5.0, 0.008),
    Phase("lower", 1.0, 3.0, 0.005, slow=True),
    Phase("open", -1.0, 0.0, 0.0),
    Phase("up", -1.0, 3.0, 0.01),
)


@dataclass(frozen=True)
class Command:
    """What the last action was computed for: the phase, its target, the rotation error."""

    phase: str
    target: np.ndarray  # target end-effector position, base frame, m
    rot_error: np.ndarray  # axis-angle from the current to the target orientation, rad


class WaypointExpert:
    """Scripted expert for robosuite Lift/Stack; reads `observation["privileged"]`."""

    def __init__(self, task: str, gripper: str, hz: float, speed: float = 0.25,
                 slow_speed: float = 0.1, hover: float = 0.08) -> None:
        if task not in ("Lift", "Stack"):
            raise ValueError(f"no waypoint expert for robosuite task {task!r}")
        self.task, self.hz, self.hover = task, float(hz), hover
        self.speed, self.slow_speed = speed, slow_speed
        self.profile = GRIPPERS.get(gripper, GripperProfile())
        self.phases = _LIFT if task == "Lift" else _STACK
        self.reset()

    def reset(self) -> None:
        self._phase, self._t = 0, 0
        self._yaw: float | None = None
        self._anchor: np.ndarray | None = None  # position fixed when a phase starts
        self._hold: np.ndarray | None = None  # eef - held cube, measured when carrying starts
        self._goal: np.ndarray | None = None  # the moving set-point the arm is pulled toward
        self.command: Command | None = None  # of the last `act` (read it, do not set it)

    @property
    def phase(self) -> str:
        return self.phases[min(self._phase, len(self.phases) - 1)].name

    def _budget(self, phase: Phase) -> int:
        seconds = phase.seconds
        if phase.name == "close":
            seconds = self.profile.close_seconds
        elif phase.name == "open":
            seconds = self.profile.open_seconds
        return max(1, round(seconds * self.hz))

    def _target(self, name: str, priv: dict[str, Any]) -> np.ndarray:
        objs = priv["objects"]
        held = objs["cube"] if self.task == "Lift" else objs["cubeA"]
        pos = held[0]
        grasp = pos + np.array([0.0, 0.0, self.profile.grasp_height])
        if name == "above":
            return grasp + np.array([0.0, 0.0, self.hover])
        if name == "descend":
            return grasp
        if name in ("close", "open"):
            return self._anchor
        if name == "lift":
            rise = 0.15 if self.task == "Lift" else 0.12
            return self._anchor + np.array([0.0, 0.0, rise])
        base_pos, _, base_size = objs["cubeB"]
        if self._hold is None:
            self._hold = priv["eef_pos"] - pos
        stack_z = base_pos[2] + base_size[2] + held[2][2]  # held cube centre when stacked
        if name == "carry":
            return np.r_[base_pos[:2], stack_z + 0.05] + self._hold
        if name == "lower":
            return np.r_[base_pos[:2], stack_z + 0.004] + self._hold
        return self._anchor + np.array([0.0, 0.0, 0.08])  # "up"

    def _grasp_yaw(self, priv: dict[str, Any]) -> float:
        """Gripper yaw that puts the fingers on two faces of the cube to grasp.

        Two yaws (90 degrees apart) do; for Stack take the one whose closing axis points
        away from cube B, so a finger never lands on a neighbouring cube.
        """
        objs = priv["objects"]
        held = objs["cube"] if self.task == "Lift" else objs["cubeA"]
        w = wrap_quarter(float(np.arctan2(held[1][1, 0], held[1][0, 0])))
        candidates = [w, w + np.pi / 2 if w < 0 else w - np.pi / 2]
        if self.task == "Lift":
            return w
        to_b = objs["cubeB"][0][:2] - held[0][:2]
        towards = float(np.arctan2(to_b[1], to_b[0]))
        finger = float(priv.get("finger_yaw", 0.0))
        return min(candidates, key=lambda y: (round(abs(np.cos(y + finger - towards)), 2),
                                              abs(y)))

    def act(self, observation: dict[str, Any]) -> np.ndarray:
        priv = observation["privileged"]
        eef, rot = priv["eef_pos"], priv["eef_rot"]
        if self._yaw is None:
            self._yaw = self._grasp_yaw(priv)
        phase = self.phases[min(self._phase, len(self.phases) - 1)]
        if self._anchor is None:
            self._anchor = eef.copy()
        target = self._target(phase.name, priv)
        error = target - eef
        rot_error = rotvec(rot_z(self._yaw) @ rot.T)
        self.command = Command(phase.name, target.copy(), rot_error.copy())
        self._t += 1
        done_moving = phase.tolerance > 0 and np.linalg.norm(error) < phase.tolerance
        aligned = np.linalg.norm(rot_error) < 0.08 or phase.name != "above"
        if (done_moving and aligned) or self._t >= self._budget(phase):
            if self._phase < len(self.phases) - 1:
                self._phase, self._t, self._anchor = self._phase + 1, 0, None
        # The set-point moves toward the target at `speed`; the action pulls the arm to the
        # set-point, so a sluggish arm (large tracking lag) still moves at about that speed.
        if self._goal is None:
            self._goal = eef.copy()
        step = (self.slow_speed if phase.slow else self.speed) / self.hz
        to_target = target - self._goal
        norm = np.linalg.norm(to_target)
        self._goal = target.copy() if norm <= step else self._goal + to_target * (step / norm)
        action = np.empty(7)
        action[:3] = (self._goal - eef) / ROBOSUITE_METERS_PER_UNIT
        action[3:6] = rot_error / ROBOSUITE_RADIANS_PER_UNIT
        action[6] = phase.grip
        return np.clip(action, -1.0, 1.0)
