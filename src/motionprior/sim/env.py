"""The simulator adapter shared by Meta-World and robosuite: seeded reset, checked step,
observations in the form of the `Policy` protocol (see `motionprior.policy.protocol`).

    env = make_env("robosuite/Lift/Panda@20hz", cameras=("scene",), image_size=(128, 128))
    env = make_env("metaworld/reach-v3", show_goal=False)   # no goal marker in the images
    env = make_env(pair, lazy_images=True)  # cameras rendered when first read (evaluation)
    obs = env.reset(seed)               # seed fixes the scene and the paraphrase
    obs, success = env.step(action)     # action: raw robot units, checked first
    env.expert()                        # the scripted expert of the pair (a Policy)

The state is the embodiment's canonical state (see `motionprior.data.embodiments.sim`); the
simulator-specific parts (axes, gripper, cameras) live in the two subclasses only.

Goal visibility (`show_goal`, on by default): tasks whose goal is a free point in space that no
object marks (Meta-World reach, push, pick-place and their variants, see
`metaworld_env.GOAL_MARKER_TASKS`) draw a visual-only goal marker into every image; with
`show_goal=False` the images carry no goal at all. Other tasks ignore the switch: their goal is
the scene itself (robosuite Lift: lift the cube; Stack: cube A onto cube B; a drawer, a door).

Lazy images (`lazy_images`, off by default): `observation["images"]` is a
`motionprior.sim.lazy_images.LazyImages` that renders a camera when it is first read, so a chunk
policy that looks every k-th step pays for every k-th frame only; the episode is the same.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any

import numpy as np

from motionprior.data.embodiment import EmbodimentSpec
from motionprior.data.embodiments import get_embodiment, known_embodiments, register_embodiment
from motionprior.errors import ConfigError, MotionpriorError, UnknownNameError
from motionprior.policy.protocol import Policy
from motionprior.sim.instructions import instructions_for, pick_instruction
from motionprior.sim.lazy_images import LazyImages
from motionprior.sim.render import CameraRenderer, CameraSpec, Marker
from motionprior.sim.suites import PairSpec, parse_pair

CAMERA_NAMES = ("scene", "wrist")


class ActionError(MotionpriorError):
    """A policy returned an action the embodiment cannot take (wrong shape, NaN or inf)."""


class SimEnv(abc.ABC):
    """One task-embodiment pair in its simulator (built once, reset per episode)."""

    CAMERAS: Mapping[str, CameraSpec] = {}
    HIDE_GEOM_GROUPS: tuple[int, ...] = ()

    def __init__(self, pair: PairSpec, cameras: tuple[str, ...], image_size: tuple[int, int],
                 max_steps: int, show_goal: bool = True) -> None:
        for cam in cameras:
            if cam not in self.CAMERAS:
                raise UnknownNameError("camera", cam, list(self.CAMERAS))
        if len(set(cameras)) != len(cameras):
            raise ConfigError(f"camera listed twice in {cameras}")
        if max_steps < 1:
            raise ConfigError(f"max_steps must be >= 1, got {max_steps}")
        self.pair = pair
        self.cameras = tuple(cameras)
        self.image_size = tuple(image_size)
        self.max_steps = int(max_steps)
        self.show_goal = bool(show_goal)
        self.instructions = instructions_for(pair.simulator, pair.task)
        self.instruction = self.instructions[0]
        self.spec = _embodiment_spec(pair)
        self.steps = 0
        self.lazy_images = False
        self._moves = 0  # resets and steps so far: an observation is current while it holds
        self._renderer: CameraRenderer | None = None

    # -- the simulator-specific part -------------------------------------------------------
    @abc.abstractmethod
    def _reset(self, seed: int) -> None: ...

    @abc.abstractmethod
    def _step(self, action: np.ndarray) -> bool:
        """Apply a checked raw action; return whether the task is solved now."""

    @abc.abstractmethod
    def _state(self) -> np.ndarray: ...

    @abc.abstractmethod
    def _privileged(self) -> Any: ...

    @abc.abstractmethod
    def _mj(self) -> tuple[Any, Any]:
        """The MuJoCo `(MjModel, MjData)` to render."""

    @abc.abstractmethod
    def cartesian_action(self, translation: np.ndarray, rotation: np.ndarray, grip: int
                         ) -> np.ndarray:
        """The raw action that moves the end effector by `translation` (m, canonical frame) and
        turns it by the axis-angle `rotation` (rad, base frame; ignored without a wrist), with
        the gripper commanded open (`grip` = +1) or closed (-1); clipped to the action range."""

    @abc.abstractmethod
    def expert(self) -> Policy:
        """A new scripted expert for this pair."""

    def _close(self) -> None:  # noqa: B027 - optional hook
        pass

    def goal_markers(self) -> tuple[Marker, ...]:
        """The visual goal marker of the current episode (empty: the task needs none)."""
        return ()

    # -- the common part -------------------------------------------------------------------
    @property
    def action_dim(self) -> int:
        return self.spec.action_dim

    @property
    def fps(self) -> float:
        return self.spec.fps

    def reset(self, seed: int) -> dict[str, Any]:
        """Start an episode; the seed fixes object placement, robot noise and paraphrase."""
        seed = int(seed)
        if seed < 0:
            raise ConfigError(f"seeds must be >= 0, got {seed}")
        self.instruction = pick_instruction(self.instructions, seed)
        self._moves += 1
        self._reset(seed)
        self.steps = 0
        return self.observation()

    def step(self, action: Any) -> tuple[dict[str, Any], bool]:
        """Apply `action` (checked first); returns the new observation and task success."""
        checked = self.check_action(action)
        self._moves += 1
        success = self._step(checked)
        self.steps += 1
        return self.observation(), bool(success)

    def check_action(self, action: Any) -> np.ndarray:
        """`action` as float64 `[A]`; a wrong shape or a non-finite value is an `ActionError`."""
        try:
            a = np.asarray(action, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise ActionError(f"action is not a numeric array ({e})") from None
        if a.shape != (self.action_dim,):
            raise ActionError(
                f"action has shape {a.shape}, but {self.spec.name} takes shape "
                f"({self.action_dim},) {list(self.spec.action.names)}"
            )
        bad = np.flatnonzero(~np.isfinite(a))
        if bad.size:
            raise ActionError(f"action is not finite (NaN or inf in dims {bad.tolist()})")
        return a

    def observation(self) -> dict[str, Any]:
        """The observation of the `Policy` protocol for the current simulator state."""
        if self.lazy_images:
            moves = self._moves
            images: Mapping[str, np.ndarray] = LazyImages(
                self.cameras, lambda cams: self.render(cameras=cams),
                lambda: self._moves == moves, self.steps)
        else:
            images = self.render()
        return {
            "images": images,
            "state": self._state().astype(np.float32),
            "instruction": self.instruction,
            "embodiment": self.spec.name,
            "step": self.steps,
            "privileged": self._privileged(),
        }

    def render(self, segmentation: bool = False, cameras: tuple[str, ...] | None = None
               ) -> dict[str, np.ndarray]:
        """Every camera's image (or `cameras`' only) for the current simulator state."""
        if not self.cameras:
            return {}
        model, data = self._mj()
        if self._renderer is None:
            specs = tuple(self.CAMERAS[c] for c in self.cameras)
            self._renderer = CameraRenderer(model, specs, self.image_size, self.HIDE_GEOM_GROUPS)
        markers = self.goal_markers() if self.show_goal else ()
        return self._renderer.render(data, segmentation=segmentation, markers=markers,
                                     cameras=cameras)

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
        self._close()

    def __enter__(self) -> SimEnv:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _embodiment_spec(pair: PairSpec) -> EmbodimentSpec:
    """The registered spec of the pair's embodiment (robosuite rates are registered on use)."""
    if pair.simulator == "robosuite" and pair.embodiment not in known_embodiments():
        from motionprior.data.embodiments.sim import robosuite_spec

        register_embodiment(robosuite_spec(pair.robot, pair.hz))
    return get_embodiment(pair.embodiment)


def make_env(pair: PairSpec | str, cameras: tuple[str, ...] = ("scene",),
             image_size: tuple[int, int] = (128, 128), max_steps: int | None = None,
             osc_kp: float | None = None, show_goal: bool = True,
             lazy_images: bool = False) -> SimEnv:
    """Build the adapter of `pair` (a `PairSpec` or a pair name). `osc_kp` replaces the
    stiffness of robosuite's OSC controller (default 150; higher tracks commands more tightly);
    Meta-World's mocap arm has none. `show_goal` draws the goal marker of tasks whose goal no
    object shows (module docstring); robosuite's goals are its objects, so it ignores it.
    `lazy_images` renders each camera of an observation when it is first read."""
    pair = parse_pair(pair) if isinstance(pair, str) else pair
    if pair.simulator == "metaworld":
        if osc_kp is not None:
            raise ConfigError(f"osc_kp applies to robosuite pairs only, not {pair.name}")
        from motionprior.sim.metaworld_env import MetaWorldEnv

        env: SimEnv = MetaWorldEnv(pair, cameras, image_size, max_steps, show_goal=show_goal)
    else:
        from motionprior.sim.robosuite_env import RobosuiteEnv

        env = RobosuiteEnv(pair, cameras, image_size, max_steps, osc_kp=osc_kp,
                           show_goal=show_goal)
    env.lazy_images = bool(lazy_images)
    return env
