"""robosuite 1.5 adapter: single-arm robots on OSC_POSE, seeded soft resets, canonical state.

Simulator facts kept here and nowhere else:
- robots stand at the table facing +x; positions are taken relative to the robot base body in
  its own frame (x forward, y left, z up), which is the canonical frame;
- orientation is reported relative to the gripper's top-down home pose (the reset pose snapped
  to the nearest axis-aligned rotation), so roll = pitch = yaw = 0 at home;
- the gripper opening comes from the first gripper joint, calibrated once per env by driving
  the gripper fully open and fully closed (grippers differ: Panda fingers, Robotiq linkages);
- images come from MuJoCo's renderer (upright) with collision meshes (geom group 0) hidden;
- no goal marker (`show_goal` changes nothing): Lift's goal is the cube itself (lift it above
  the table) and Stack's is cube B (put cube A on it), both always in view;
- `hard_reset=False` (no XML reload per episode) and the env's own generator is re-seeded in
  place, so an episode is a pure function of its seed.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np

from motionprior.data.embodiments.sim import ROBOSUITE_METERS_PER_UNIT, ROBOSUITE_RADIANS_PER_UNIT
from motionprior.errors import ConfigError, UnknownNameError
from motionprior.sim.env import SimEnv
from motionprior.sim.render import CameraSpec
from motionprior.sim.rotations import rpy, snap_to_axes
from motionprior.sim.suites import PairSpec

# Seconds an episode may last (the experts need about half of it; see RESULTS_sim.md).
EPISODE_SECONDS = {"Lift": 10.0, "Stack": 20.0}
_CALIBRATION_SECONDS = 3.0  # long enough for every gripper to travel fully at 5 Hz


def _import_robosuite():
    # robosuite logs a warning per missing optional part on import and per make(); keep errors.
    logging.getLogger("robosuite_logs").addFilter(lambda record: record.levelno >= logging.ERROR)
    import robosuite
    from robosuite.controllers import load_composite_controller_config

    return robosuite, load_composite_controller_config


class RobosuiteEnv(SimEnv):
    CAMERAS = {
        "scene": CameraSpec("scene", "agentview"),
        "wrist": CameraSpec("wrist", "robot0_eye_in_hand"),
    }
    HIDE_GEOM_GROUPS = (0,)

    def __init__(self, pair: PairSpec, cameras: tuple[str, ...], image_size: tuple[int, int],
                 max_steps: int | None = None, osc_kp: float | None = None,
                 show_goal: bool = True) -> None:
        seconds = EPISODE_SECONDS.get(pair.task)
        if seconds is None:
            raise UnknownNameError("robosuite task", pair.task, list(EPISODE_SECONDS))
        super().__init__(pair, cameras, image_size, max_steps or math.ceil(seconds * pair.hz),
                         show_goal=show_goal)
        robosuite, load_config = _import_robosuite()
        if pair.robot not in robosuite.ALL_ROBOTS:
            raise UnknownNameError("robosuite robot", pair.robot, list(robosuite.ALL_ROBOTS))
        controller = load_config(controller="BASIC", robot=pair.robot)
        if osc_kp is not None:
            if not osc_kp > 0 or osc_kp == float("inf"):
                raise ConfigError(f"osc_kp must be a positive number, got {osc_kp}")
            controller["body_parts"]["right"]["kp"] = float(osc_kp)  # critically damped
        self._env = robosuite.make(
            pair.task,
            robots=pair.robot,
            controller_configs=controller,
            has_renderer=False,
            has_offscreen_renderer=False,
            use_camera_obs=False,
            use_object_obs=True,
            control_freq=pair.hz,
            horizon=10**9,
            ignore_done=True,
            hard_reset=False,
            reward_shaping=False,
            seed=0,
        )
        self._robot = self._env.robots[0]
        self.gripper_name = type(self._robot.gripper["right"]).__name__
        self._sim = self._env.sim
        self._gripper_qpos = self._robot._ref_gripper_joint_pos_indexes["right"][0]
        self._home = np.eye(3)
        self._grip_closed, self._grip_open = 0.0, 1.0
        self.finger_yaw = 0.0  # yaw of the fingers' closing axis at home, base frame (0 or pi/2)
        self._calibrate()

    # -- robot frame -------------------------------------------------------------------------
    def _base(self) -> tuple[np.ndarray, np.ndarray]:
        data, body = self._sim.data, self._robot.robot_model.root_body
        return data.get_body_xpos(body).copy(), data.get_body_xmat(body).reshape(3, 3).copy()

    def _eef(self) -> tuple[np.ndarray, np.ndarray]:
        """End-effector position and rotation in the base frame (rotation relative to home)."""
        p_base, r_base = self._base()
        site = self._robot.eef_site_id["right"]
        pos = r_base.T @ (self._sim.data.site_xpos[site] - p_base)
        rot = r_base.T @ self._sim.data.site_xmat[site].reshape(3, 3) @ self._home.T
        return pos, rot

    def _object(self, body_id: int) -> tuple[np.ndarray, np.ndarray]:
        p_base, r_base = self._base()
        data = self._sim.data
        pos = r_base.T @ (data.body_xpos[body_id] - p_base)
        return pos, r_base.T @ data.body_xmat[body_id].reshape(3, 3)

    def _opening(self) -> float:
        q = float(self._sim.data.qpos[self._gripper_qpos])
        g = (q - self._grip_closed) / (self._grip_open - self._grip_closed)
        return float(np.clip(g, 0.0, 1.0))

    def _calibrate(self) -> None:
        """Home orientation and the gripper joint's open/closed positions of this robot."""
        self._reset(0)
        self._drop_self_contacts()
        _, r_base = self._base()
        site = self._robot.eef_site_id["right"]
        self._home = snap_to_axes(r_base.T @ self._sim.data.site_xmat[site].reshape(3, 3))
        # Closing axis in the base frame when the gripper is exactly at home (yaw 0).
        r_site = r_base.T @ self._sim.data.site_xmat[site].reshape(3, 3)
        axis = self._home @ r_site.T @ (r_base.T @ self._pad_axis())
        self.finger_yaw = 0.0 if abs(axis[0]) >= abs(axis[1]) else np.pi / 2
        steps = max(3, math.ceil(_CALIBRATION_SECONDS * self.pair.hz))
        values = []
        for grip in (-1.0, 1.0):
            for _ in range(steps):
                self._env.step(np.r_[np.zeros(6), grip])
            values.append(float(self._sim.data.qpos[self._gripper_qpos]))
        self._grip_open, self._grip_closed = values
        if abs(self._grip_open - self._grip_closed) < 1e-6:
            raise RuntimeError(f"{self.pair}: the gripper joint does not move; cannot calibrate")

    def _pad_axis(self) -> np.ndarray:
        """World vector from the right to the left finger pad (the closing axis)."""
        model, data = self._mj()
        gripper = self._robot.gripper["right"]
        names = [model.geom(i).name for i in range(model.ngeom)]

        def centre(side: str) -> np.ndarray:
            listed = [n for n in gripper.important_geoms.get(f"{side}_fingerpad", ()) if n in names]
            guess = [n for n in names if n.startswith(gripper.naming_prefix) and side in n
                     and "pad" in n]
            ids = [names.index(n) for n in (listed or guess)]
            if not ids:
                raise RuntimeError(f"{self.pair}: cannot find the {side} finger pad geoms")
            return data.geom_xpos[ids].mean(axis=0)

        return centre("left") - centre("right")

    def _drop_self_contacts(self) -> None:
        """Stop robot geoms that already touch each other at the home pose from colliding.

        robosuite's Sawyer rests its link-0 collision mesh on its pedestal mesh; the friction of
        that permanent contact brakes the base joint so the arm cannot swing toward the table
        centre. A robot touching itself at rest is a model artefact, so the geom nearer the
        root loses its collisions (it is inside the robot's own footprint anyway).
        """
        model, data = self._mj()
        prefix = self._robot.robot_model.naming_prefix
        dropped = False
        for contact in data.contact[: data.ncon]:
            geoms = [int(contact.geom1), int(contact.geom2)]
            names = [model.geom(g).name for g in geoms]
            if all(n.startswith(prefix) for n in names):
                g = min(geoms, key=lambda g: model.geom_bodyid[g])
                model.geom_contype[g] = model.geom_conaffinity[g] = 0
                dropped = True
        if dropped:
            self._reset(0)

    # -- SimEnv ------------------------------------------------------------------------------
    def _reset(self, seed: int) -> None:
        # Re-seed the generator in place: the placement sampler holds a reference to it.
        self._env.rng.bit_generator.state = np.random.default_rng(seed).bit_generator.state
        self._env.reset()

    def _step(self, action: np.ndarray) -> bool:
        self._env.step(action)
        return bool(self._env._check_success())

    def _state(self) -> np.ndarray:
        pos, rot = self._eef()
        return np.concatenate([pos, rpy(rot), [self._opening()]])

    def objects(self) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Task objects: name -> (position, rotation, half sizes) in the base frame."""
        env = self._env
        if self.pair.task == "Lift":
            named = {"cube": (env.cube_body_id, env.cube)}
        else:
            named = {"cubeA": (env.cubeA_body_id, env.cubeA),
                     "cubeB": (env.cubeB_body_id, env.cubeB)}
        out = {}
        for name, (body_id, obj) in named.items():
            pos, rot = self._object(body_id)
            out[name] = (pos, rot, np.asarray(obj.size, dtype=np.float64))
        return out

    def _privileged(self) -> dict[str, Any]:
        pos, rot = self._eef()
        return {"eef_pos": pos, "eef_rot": rot, "gripper": self._opening(),
                "finger_yaw": self.finger_yaw, "objects": self.objects()}

    def _mj(self) -> tuple[Any, Any]:
        return self._sim.model._model, self._sim.data._data

    def cartesian_action(self, translation: np.ndarray, rotation: np.ndarray, grip: int
                         ) -> np.ndarray:
        action = np.r_[np.asarray(translation) / ROBOSUITE_METERS_PER_UNIT,
                       np.asarray(rotation) / ROBOSUITE_RADIANS_PER_UNIT, -float(grip)]
        return np.clip(action, -1.0, 1.0)

    def expert(self):
        from motionprior.sim.experts_robosuite import WaypointExpert

        return WaypointExpert(self.pair.task, self.gripper_name, self.pair.hz)

    def _close(self) -> None:
        self._env.close()
