"""Frame tables: one dataset's per-frame arrays in memory, the input of training windows.

A `FrameTable` holds actions and state of every frame, episode boundaries, the instruction of
every episode, and (optionally) a function that returns a frame's image. It is built from a
LeRobot dataset on disk or from in-memory `Episode`s, so windows never care where data came from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from motionprior.data.episode import Episode
from motionprior.errors import DataError

ImageFn = Callable[[np.ndarray, str], np.ndarray]  # (frame indices [B], camera) -> [B, H, W, 3]


@dataclass(frozen=True, eq=False)
class FrameTable:
    """Per-frame arrays of one dataset of one embodiment.

    `key` is the statistics key (by default the embodiment name, so datasets of one robot share
    normalization statistics). `starts[e]:ends[e]` are the frames of episode e.
    """

    key: str
    embodiment: str
    actions: np.ndarray  # [N, A] float32
    state: np.ndarray  # [N, S] float32
    starts: np.ndarray  # [E] int64
    ends: np.ndarray  # [E] int64
    instructions: tuple[str, ...]  # [E]
    task_index: np.ndarray  # [E] int64
    cameras: tuple[str, ...] = ()
    image_fn: ImageFn | None = field(default=None, repr=False)
    motion: np.ndarray | None = field(default=None, repr=False)  # [N] str: label per frame

    def __post_init__(self) -> None:
        n = self.actions.shape[0]
        if n == 0:
            raise DataError(f"dataset {self.key!r} has no frames")
        if self.state.shape[0] != n:
            rows = self.state.shape[0]
            raise DataError(f"dataset {self.key!r}: {n} action rows but {rows} state rows")
        if not (len(self.starts) == len(self.ends) == len(self.instructions)
                == len(self.task_index)):
            raise DataError(f"dataset {self.key!r}: episode arrays differ in length")
        if self.motion is not None and len(self.motion) != n:
            raise DataError(f"dataset {self.key!r}: {len(self.motion)} motion labels for {n} "
                            "frames")
        contiguous = (len(self.starts) > 0 and self.starts[0] == 0 and self.ends[-1] == n
                      and np.array_equal(self.starts[1:], self.ends[:-1]))
        if not contiguous or np.any(self.ends <= self.starts):
            raise DataError(f"dataset {self.key!r}: episode bounds do not tile its {n} frames")

    @property
    def num_frames(self) -> int:
        return int(self.actions.shape[0])

    @property
    def episode_of_frame(self) -> np.ndarray:
        """Episode index of every frame ([N] int64)."""
        return np.repeat(np.arange(len(self.starts)), self.ends - self.starts)

    @classmethod
    def from_episodes(cls, episodes: Sequence[Episode], key: str | None = None) -> FrameTable:
        """Concatenate in-memory episodes (one embodiment) into a table; images kept in memory."""
        if not episodes:
            raise DataError("no episodes given")
        names = {ep.embodiment for ep in episodes}
        if len(names) != 1:
            raise DataError(f"a frame table holds one embodiment, got {sorted(names)}")
        lengths = np.array([len(ep) for ep in episodes], dtype=np.int64)
        ends = np.cumsum(lengths)
        tasks = sorted({ep.instruction for ep in episodes})
        cameras = tuple(sorted(set.intersection(*(set(ep.images) for ep in episodes))))
        images = {cam: np.concatenate([ep.images[cam] for ep in episodes]) for cam in cameras}
        embodiment = names.pop()
        return cls(
            key=key or embodiment,
            embodiment=embodiment,
            actions=np.concatenate([ep.actions for ep in episodes]),
            state=np.concatenate([ep.state for ep in episodes]),
            starts=ends - lengths,
            ends=ends,
            instructions=tuple(ep.instruction for ep in episodes),
            task_index=np.array([tasks.index(ep.instruction) for ep in episodes], dtype=np.int64),
            cameras=cameras,
            image_fn=_InMemoryImages(images) if cameras else None,
        )

    @classmethod
    def from_reader(cls, reader, key: str | None = None, *, images: bool = True,
                    cache_images: bool = True, cache_dir: str | None = None,
                    motion: bool = False) -> FrameTable:
        """Build from a LeRobot v3 `DatasetReader` (motionprior.data.lerobot.open_dataset).

        `images=False` skips cameras entirely (action-only training never touches them).
        With `cache_images`, every camera is decoded once into a memory-mapped cache
        (`motionprior.data.frame_cache`); otherwise frames are decoded on every access.
        `motion=True` also reads the per-frame `motion` labels (`motionprior label`).
        """
        from motionprior.data.frame_cache import CachedFrames

        starts, ends = reader.episode_bounds()
        instructions = tuple(reader.episode_instructions())
        task_index = np.asarray(reader.column("task_index"), dtype=np.int64)[np.asarray(starts)]
        cameras = tuple(reader.cameras) if images else ()
        return cls(
            key=key or reader.embodiment,
            embodiment=reader.embodiment,
            actions=np.ascontiguousarray(reader.column("action"), dtype=np.float32),
            state=np.ascontiguousarray(reader.column("observation.state"), dtype=np.float32),
            starts=np.asarray(starts, dtype=np.int64),
            ends=np.asarray(ends, dtype=np.int64),
            instructions=instructions,
            task_index=task_index,
            cameras=cameras,
            image_fn=(CachedFrames(reader, list(cameras), cache_dir) if cache_images
                      else _ReaderImages(reader)) if cameras else None,
            motion=_motion_column(reader) if motion else None,
        )


def _motion_column(reader) -> np.ndarray:
    if "motion" not in reader.features:
        raise DataError(f"{reader.root}: no 'motion' column; label the dataset first: "
                        f"motionprior label {reader.root}")
    return np.asarray(reader.column("motion"), dtype=object)


class _InMemoryImages:
    """Picklable image lookup over concatenated in-memory frames."""

    def __init__(self, images: dict[str, np.ndarray]) -> None:
        self.images = images

    def __call__(self, frames: np.ndarray, camera: str) -> np.ndarray:
        return self.images[camera][frames]


class _ReaderImages:
    """Picklable image lookup through a dataset reader (lazy, per worker)."""

    def __init__(self, reader) -> None:
        self.reader = reader

    def __call__(self, frames: np.ndarray, camera: str) -> np.ndarray:
        return self.reader.frame_images(frames, camera)
