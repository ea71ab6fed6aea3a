"""Embodiment specs: what every action and state dimension of a robot means.

The canonical frame (METHOD.md): +x forward (away from the base into the workspace), +y left,
+z up, as seen by the robot; positive yaw is counterclockwise seen from above. A spec maps a
robot's raw axes into this frame; nothing else in the library knows a simulator's axes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from motionprior.errors import ConfigError

TranslationUnit = Literal["m", "cm", "mm", "normalized"]
RotationUnit = Literal["rad", "deg", "normalized"]
_METERS_PER_UNIT = {"m": 1.0, "cm": 0.01, "mm": 0.001, "normalized": 1.0}
_RADIANS_PER_UNIT = {"rad": 1.0, "deg": np.pi / 180.0, "normalized": 1.0}


@dataclass(frozen=True)
class VectorSpec:
    """Meaning of one vector (the action or the state) of an embodiment.

    `translation` gives the raw indices holding canonical x, y, z and `translation_sign` the
    sign that maps each raw axis to the canonical one (e.g. a simulator whose +y points right
    has sign -1 on y). `rotation` gives the indices of roll, pitch, yaw (any may be None).
    `gripper` is the index of the gripper dim; `gripper_closed`/`gripper_open` are its raw
    values when fully closed and fully open, which also fixes the sign (larger means open when
    `gripper_open > gripper_closed`). `kind` says whether translation/rotation are per-step
    deltas or absolute poses. Joint-space vectors leave translation and rotation as None.
    """

    names: tuple[str, ...]
    kind: Literal["delta", "absolute"] = "absolute"
    translation: tuple[int, int, int] | None = None
    translation_sign: tuple[float, float, float] = (1.0, 1.0, 1.0)
    translation_unit: TranslationUnit = "m"
    rotation: tuple[int | None, int | None, int | None] | None = None
    rotation_sign: tuple[float, float, float] = (1.0, 1.0, 1.0)
    rotation_unit: RotationUnit = "rad"
    gripper: int | None = None
    gripper_closed: float = 0.0
    gripper_open: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(self.names))
        dim = len(self.names)
        if dim == 0:
            raise ConfigError("a vector spec needs at least one named dimension")
        used = [i for i in (self.translation or ()) if i is not None]
        used += [i for i in (self.rotation or ()) if i is not None]
        used += [self.gripper] if self.gripper is not None else []
        for i in used:
            if not 0 <= i < dim:
                raise ConfigError(f"dimension index {i} out of range for {dim} dims {self.names}")
        if len(set(used)) != len(used):
            raise ConfigError(f"a dimension is mapped twice in {self.names}: indices {used}")
        if self.translation_unit not in _METERS_PER_UNIT:
            raise ConfigError(f"unknown translation unit {self.translation_unit!r}")
        if self.rotation_unit not in _RADIANS_PER_UNIT:
            raise ConfigError(f"unknown rotation unit {self.rotation_unit!r}")
        if self.gripper is not None and self.gripper_open == self.gripper_closed:
            raise ConfigError("gripper_open and gripper_closed must differ")

    @property
    def dim(self) -> int:
        return len(self.names)

    def canonical_translation(self, x: np.ndarray) -> np.ndarray | None:
        """Translation part of `x` ([..., dim]) in the canonical frame and meters, or None."""
        if self.translation is None:
            return None
        out = x[..., list(self.translation)].astype(np.float64) * np.asarray(self.translation_sign)
        return out * _METERS_PER_UNIT[self.translation_unit]

    def canonical_rotation(self, x: np.ndarray) -> np.ndarray | None:
        """Roll, pitch, yaw of `x` in radians and canonical signs ([..., 3], absent = 0)."""
        if self.rotation is None:
            return None
        out = np.zeros(x.shape[:-1] + (3,), dtype=np.float64)
        for k, i in enumerate(self.rotation):
            if i is not None:
                out[..., k] = x[..., i] * self.rotation_sign[k]
        return out * _RADIANS_PER_UNIT[self.rotation_unit]

    def gripper_opening(self, x: np.ndarray) -> np.ndarray | None:
        """Gripper opening in [0, 1] (1 = open), clipped, or None if there is no gripper."""
        if self.gripper is None:
            return None
        g = (x[..., self.gripper] - self.gripper_closed) / (self.gripper_open - self.gripper_closed)
        return np.clip(g.astype(np.float64), 0.0, 1.0)


@dataclass(frozen=True)
class EmbodimentSpec:
    """A robot body and its control interface: action/state meaning and control frequency."""

    name: str
    robot: str
    fps: float
    action: VectorSpec
    state: VectorSpec
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name or not self.name.replace("_", "").replace("-", "").isalnum():
            raise ConfigError(f"embodiment name must be a non-empty identifier, got {self.name!r}")
        if not (np.isfinite(self.fps) and self.fps > 0):
            raise ConfigError(f"embodiment {self.name!r}: fps must be > 0, got {self.fps}")

    @property
    def action_dim(self) -> int:
        return self.action.dim

    @property
    def state_dim(self) -> int:
        return self.state.dim

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EmbodimentSpec:
        try:
            fields = dict(d)
            fields["action"] = VectorSpec(**_tuples(d["action"]))
            fields["state"] = VectorSpec(**_tuples(d["state"]))
            return cls(**fields)
        except (KeyError, TypeError, AttributeError) as e:
            raise ConfigError(f"malformed embodiment spec: {e}") from None


def _tuples(d: dict[str, Any]) -> dict[str, Any]:
    """JSON turns tuples into lists; turn them back so specs compare and hash equal."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}
