"""Meta-World v3 (Sawyer) adapter: goal-observable task envs, seeded resets, built-in experts.

Simulator facts kept here and nowhere else:
- the Sawyer base sits at the world origin facing +y; world +x is the robot's right, so the
  canonical position is (y, -x, z);
- the corner cameras are mounted upside down and are turned upright by the renderer;
- the goal of reach, push and pick-place (and their wall/back variants, `GOAL_MARKER_TASKS`) is
  a free point that no object marks. Meta-World draws it as a 2 cm sphere site, 2-3 pixels
  at 128x128 and about 1 at 64x64, red on the red robot in reach-v3, and it moves that site only
  at the first step, so the reset image shows a stale goal. For these tasks the site is
  hidden and a visual-only marker is drawn at the true goal instead (`show_goal`, default on):
  a 4 cm bright yellow sphere with a thin pole down to the table (the pole tells height from
  depth). With `show_goal=False` the images show no goal at all;
- `step` returns `info["success"]`; the scripted policies read the 39-d observation vector
  (hand, gripper, object poses, goal), which the adapter passes as `privileged`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from motionprior.data.embodiments.sim import METAWORLD_METERS_PER_UNIT
from motionprior.errors import UnknownNameError
from motionprior.sim.env import SimEnv
from motionprior.sim.render import CameraSpec, Marker
from motionprior.sim.suites import PairSpec

# Episode horizon in 80 Hz steps. The experts need 36-130 steps on most tasks (20 seeds each,
# benchmarks/RESULTS_sim.md); the few slow ones get more room.
DEFAULT_MAX_STEPS = 300
MAX_STEPS = {"push-back-v3": 500, "bin-picking-v3": 400, "peg-insert-side-v3": 400,
             "stick-pull-v3": 400}

GOAL_MARKER_TASKS = frozenset({"reach-v3", "push-v3", "pick-place-v3", "reach-wall-v3",
                               "push-wall-v3", "pick-place-wall-v3", "push-back-v3"})
GOAL_RGBA = (1.0, 0.85, 0.0, 0.6)  # yellow: unlike the red arm, the brown table, the grey floor
GOAL_RADIUS = 0.04  # m; about 3 pixels across at 64x64 from the scene camera
POLE_RADIUS = 0.006


def goal_marker(goal: np.ndarray) -> tuple[Marker, ...]:
    """The sphere at `goal` (world, m) and, above the table (z = 0), a pole down to it."""
    x, y, z = (float(v) for v in goal)
    sphere = Marker("sphere", (x, y, z), (GOAL_RADIUS,), GOAL_RGBA, emission=1.0)
    if z <= GOAL_RADIUS:
        return (sphere,)
    pole = Marker("cylinder", (x, y, z / 2), (POLE_RADIUS, z / 2), GOAL_RGBA, emission=0.6)
    return (sphere, pole)


def to_canonical(p: np.ndarray) -> np.ndarray:
    """A Meta-World world position (Sawyer base at the origin) in the canonical frame."""
    return np.array([p[1], -p[0], p[2]], dtype=np.float64)


class MetaWorldEnv(SimEnv):
    CAMERAS = {
        "scene": CameraSpec("scene", "corner4", rotate180=True),
        "wrist": CameraSpec("wrist", "gripperPOV"),
    }

    def __init__(self, pair: PairSpec, cameras: tuple[str, ...], image_size: tuple[int, int],
                 max_steps: int | None = None, show_goal: bool = True) -> None:
        horizon = max_steps or MAX_STEPS.get(pair.task, DEFAULT_MAX_STEPS)
        super().__init__(pair, cameras, image_size, horizon, show_goal=show_goal)
        from metaworld.env_dict import ALL_V3_ENVIRONMENTS_GOAL_OBSERVABLE as envs

        key = f"{pair.task}-goal-observable"
        if key not in envs:
            known = [k.removesuffix("-goal-observable") for k in envs]
            raise UnknownNameError("metaworld task", pair.task, known)
        self._env = envs[key]()
        self._env._freeze_rand_vec = False
        self._env.seeded_rand_vec = True
        self._env.max_path_length = self.max_steps + 1  # our horizon governs, not Meta-World's
        self._obs: np.ndarray | None = None
        self._marks_goal = pair.task in GOAL_MARKER_TASKS
        if self._marks_goal:  # the marker replaces the small, stale site (visual only)
            self._env.model.site("goal").rgba[3] = 0.0

    def _reset(self, seed: int) -> None:
        self._env.seed(seed)
        self._obs, _ = self._env.reset()

    def _step(self, action: np.ndarray) -> bool:
        if self._env.curr_path_length >= self._env.max_path_length - 1:
            self._env.max_path_length += self.max_steps  # a caller may run past max_steps
        self._obs, _, _, _, info = self._env.step(action.astype(np.float32))
        return bool(info["success"])

    def _state(self) -> np.ndarray:
        obs = self._obs
        # obs[3] is the finger distance / 0.1 m clipped to [0, 1]: 1 = open.
        return np.concatenate([to_canonical(obs[:3]), [float(obs[3])]])

    @property
    def goal_position(self) -> np.ndarray | None:
        """The goal point of the episode (world frame, m) if the task has a marked goal."""
        return np.array(self._env._target_pos, dtype=np.float64) if self._marks_goal else None

    def goal_markers(self) -> tuple[Marker, ...]:
        goal = self.goal_position
        return () if goal is None or self._obs is None else goal_marker(goal)

    def _privileged(self) -> np.ndarray:
        return self._obs.copy()

    def _mj(self) -> tuple[Any, Any]:
        return self._env.model, self._env.data

    def cartesian_action(self, translation: np.ndarray, rotation: np.ndarray, grip: int
                         ) -> np.ndarray:
        # The action moves the mocap target, not the hand (which trails it): aim the target
        # at hand + translation, so the hand is not driven into oscillation.
        target = self._state()[:3] + np.asarray(translation)
        mocap = to_canonical(self._env.data.mocap_pos[0])
        cx, cy, cz = (target - mocap) / METAWORLD_METERS_PER_UNIT  # world = (-y, x, z)
        return np.clip(np.array([-cy, cx, cz, -float(grip)]), -1.0, 1.0)

    def expert(self) -> MetaWorldExpert:
        return MetaWorldExpert(self.pair.task)

    def _close(self) -> None:
        self._env.close()


class MetaWorldExpert:
    """Meta-World's own scripted policy of the task, behind the `Policy` protocol."""

    def __init__(self, task: str) -> None:
        from metaworld.policies import ENV_POLICY_MAP

        self._policy = ENV_POLICY_MAP[task]()

    def reset(self) -> None:
        pass

    def act(self, observation: dict[str, Any]) -> np.ndarray:
        with warnings.catch_warnings():  # "Constant(s) may be too high": harmless, every step
            warnings.simplefilter("ignore")
            action = self._policy.get_action(observation["privileged"])
        return np.clip(np.asarray(action, dtype=np.float64), -1.0, 1.0)
