"""The episode: one demonstration, validated at construction."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from motionprior.data.embodiment import EmbodimentSpec
from motionprior.errors import DataError


@dataclass(frozen=True, eq=False)
class Episode:
    """One demonstration.

    actions: `[T, A]` float; state: `[T, S]` float; images: camera name -> `[T, H, W, 3]` uint8;
    instruction: the language instruction; embodiment: a registered embodiment name (its spec
    fixes A, S and the meaning of every dim); fps: control frequency; success: whether the
    demonstration achieved its task; motion: optional per-step motion labels (`T` strings).
    Arrays are stored as given (float32 for actions/state); nothing is copied needlessly.
    """

    actions: np.ndarray
    state: np.ndarray
    instruction: str
    embodiment: str
    fps: float
    images: dict[str, np.ndarray] = field(default_factory=dict)
    success: bool = True
    motion: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        from motionprior.data.embodiments import get_embodiment

        spec = get_embodiment(self.embodiment)
        actions = _float_matrix("actions", self.actions)
        state = _float_matrix("state", self.state)
        length = actions.shape[0]
        if length == 0:
            raise DataError("episode is empty: actions has 0 steps")
        if state.shape[0] != length:
            raise DataError(f"length mismatch: actions has {length} steps, state {state.shape[0]}")
        if actions.shape[1] != spec.action_dim:
            raise DataError(
                f"actions have {actions.shape[1]} dims but embodiment {spec.name!r} "
                f"declares {spec.action_dim}"
            )
        if state.shape[1] != spec.state_dim:
            raise DataError(
                f"state has {state.shape[1]} dims but embodiment {spec.name!r} "
                f"declares {spec.state_dim}"
            )
        if not (isinstance(self.fps, (int, float)) and np.isfinite(self.fps) and self.fps > 0):
            raise DataError(f"fps must be a positive number, got {self.fps!r}")
        if not isinstance(self.instruction, str):
            raise DataError(f"instruction must be a string, got {type(self.instruction).__name__}")
        for cam, img in self.images.items():
            _check_images(cam, img, length)
        motion = self.motion
        if motion is not None:
            motion = tuple(motion)
            if len(motion) != length or not all(isinstance(m, str) for m in motion):
                raise DataError(f"motion must be {length} strings, got {len(motion)} items")
        object.__setattr__(self, "actions", actions)
        object.__setattr__(self, "state", state)
        object.__setattr__(self, "images", dict(self.images))
        object.__setattr__(self, "motion", motion)
        object.__setattr__(self, "fps", float(self.fps))
        object.__setattr__(self, "success", bool(self.success))

    def __len__(self) -> int:
        return int(self.actions.shape[0])

    @property
    def spec(self) -> EmbodimentSpec:
        from motionprior.data.embodiments import get_embodiment

        return get_embodiment(self.embodiment)

    @property
    def cameras(self) -> list[str]:
        return sorted(self.images)


def _float_matrix(name: str, x: np.ndarray) -> np.ndarray:
    if not isinstance(x, np.ndarray):
        raise DataError(f"{name} must be a numpy array, got {type(x).__name__}")
    if x.ndim != 2:
        raise DataError(f"{name} must be 2-d [T, dims], got shape {tuple(x.shape)}")
    if not np.issubdtype(x.dtype, np.floating):
        raise DataError(f"{name} must be a float array, got dtype {x.dtype}")
    if not np.all(np.isfinite(x)):
        bad = np.argwhere(~np.isfinite(x))[0]
        raise DataError(f"{name} contains NaN or inf (first at step {bad[0]}, dim {bad[1]})")
    return x if x.dtype == np.float32 else x.astype(np.float32)


def _check_images(cam: str, img: np.ndarray, length: int) -> None:
    if not isinstance(img, np.ndarray) or img.dtype != np.uint8:
        dtype = getattr(img, "dtype", type(img).__name__)
        raise DataError(f"images[{cam!r}] must be a uint8 array, got {dtype}")
    if img.ndim != 4 or img.shape[-1] != 3:
        raise DataError(f"images[{cam!r}] must have shape [T, H, W, 3], got {tuple(img.shape)}")
    if img.shape[0] != length:
        raise DataError(f"images[{cam!r}] has {img.shape[0]} frames but the episode {length} steps")
