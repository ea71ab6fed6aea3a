"""Read a LeRobot v3.0 dataset as motionprior episodes: `open_dataset(root) -> DatasetReader`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from motionprior.data.embodiment import EmbodimentSpec
from motionprior.data.embodiments import get_embodiment, known_embodiments, register_embodiment
from motionprior.data.episode import Episode
from motionprior.data.lerobot.images import decode_png
from motionprior.data.lerobot.layout import DatasetLayout
from motionprior.data.lerobot.meta import load_extras, load_json
from motionprior.data.lerobot.schema import (
    ACTION,
    EXTRAS_PATH,
    INFO_PATH,
    MOTION,
    STATE,
    STATS_PATH,
    camera_key,
)
from motionprior.data.lerobot.stats import Stats, stats_from_json
from motionprior.data.lerobot.video import TOLERANCE_S
from motionprior.errors import ConfigError, DataError, UnknownNameError

SUCCESS = "next.success"  # per-frame success flag some LeRobot datasets (e.g. PushT) carry


class DatasetReader(DatasetLayout):
    """A LeRobot v3.0 dataset with its embodiment: episodes, columns and camera frames.

    The embodiment comes from `embodiment=` if given, else from meta/motionprior.json (the spec
    written with the data, registered on open), else from info.json `robot_type` when that names
    a registered embodiment. Picklable for DataLoader workers: files are opened lazily and the
    per-file cache is rebuilt in each process.
    """

    def __init__(self, root: str | Path, *, embodiment: str | None = None,
                 tolerance_s: float = TOLERANCE_S) -> None:
        super().__init__(root)
        self.tolerance_s = float(tolerance_s)
        self._timestamps: np.ndarray | None = None
        extras = load_extras(self.root)
        self.spec: EmbodimentSpec = self._resolve_spec(extras, embodiment)
        self.embodiment: str = self.spec.name
        self.check_widths(self.spec.name, self.spec.action_dim, self.spec.state_dim)
        self._fps = float(extras["fps"]) if extras and "fps" in extras else float(self.info["fps"])
        self._success = self._load_success(extras)

    @property
    def fps(self) -> float:
        return self._fps

    def successes(self) -> list[bool]:
        """Per-episode success flags (True for datasets that record none)."""
        return list(self._success)

    def column(self, key: str) -> np.ndarray:
        """As `DatasetLayout.column`, but "action" and "observation.state" are always `[N, D]`."""
        out = super().column(key)
        return out.reshape(len(out), -1) if key in (ACTION, STATE) else out

    def episode_instructions(self) -> list[str]:
        """The instruction (task string) of every episode: the task of its first frame."""
        task_index = self.column("task_index")[self._starts]
        return [self._task(int(t)) for t in task_index]

    def frame_images(self, frames: np.ndarray | list[int], camera: str) -> np.ndarray:
        """Frames `[B, H, W, 3] uint8` of `camera` ("front" or "observation.images.front"),
        decoded from PNG image features or from mp4 video features."""
        key = self._camera_feature(camera)
        frames = np.asarray(frames, dtype=np.int64).reshape(-1)
        files, rows = self._locate(frames)
        if key in self.videos:
            return self._video_frames(key, frames)
        shape = tuple(self.features[key]["shape"])
        out = np.empty((len(frames), *shape), dtype=np.uint8)
        for j, (f, r) in enumerate(zip(files.tolist(), rows.tolist(), strict=True)):
            data = self._file_column(f, key)[r].as_py()
            where = f"{self.root / self.files[f]}: {key} row {r}"
            if data is None:
                raise DataError(f"{where}: image bytes are missing")
            img = decode_png(data, where)
            if img.shape != shape:
                raise DataError(f"{where}: image is {img.shape}, info.json declares {shape}")
            out[j] = img
        return out

    def episode(self, i: int, images: bool = True) -> Episode:
        """Episode `i` (0-based) as an `Episode`; `images=False` skips decoding cameras."""
        if not 0 <= i < self.num_episodes:
            raise DataError(f"{self.root}: episode {i} out of range [0, {self.num_episodes})")
        s, e = int(self._starts[i]), int(self._ends[i])
        rows = np.arange(s, e)
        cams = {c: self.frame_images(rows, c) for c in self.cameras} if images else {}
        motion = None
        if MOTION in self.features:
            labels = self._slice(MOTION, s, e)
            if not all(m is None for m in labels):
                motion = tuple("" if m is None else str(m) for m in labels)
        return Episode(
            actions=self._slice(ACTION, s, e).reshape(e - s, -1).copy(),  # never expose the cache
            state=self._slice(STATE, s, e).reshape(e - s, -1).copy(),
            instruction=self._task(int(self._slice("task_index", s, s + 1)[0])),
            embodiment=self.embodiment,
            fps=self._fps,
            images=cams,
            success=self._success[i],
            motion=motion,
        )

    def stats(self) -> dict[str, Stats] | None:
        """meta/stats.json as numpy arrays ({feature: {stat: array}}), None if absent."""
        path = self.root / STATS_PATH
        if not path.exists():
            return None
        try:
            return stats_from_json(load_json(path))
        except DataError as e:
            text = str(e)
            raise DataError(text if text.startswith(str(path)) else f"{path}: {text}") from None

    def __setstate__(self, state: dict[str, Any]) -> None:
        """A spawned DataLoader worker starts with an empty registry: register the spec again."""
        self.__dict__.update(state)
        register_embodiment(self.spec)

    # -- internals --------------------------------------------------------------------------
    def _slice(self, key: str, start: int, stop: int) -> np.ndarray:
        """Rows `start:stop` (global frames of one episode, so within one file)."""
        files, rows = self._locate(np.array([start]))
        f, r = int(files[0]), int(rows[0])
        return self._file_column(f, key)[r : r + stop - start]

    def _video_frames(self, key: str, frames: np.ndarray) -> np.ndarray:
        """Video frames at LeRobot's query times: from_timestamp + the frame's timestamp."""
        if self._timestamps is None:
            self._timestamps = np.asarray(self.column("timestamp"), dtype=np.float32)
        episodes = np.searchsorted(self._starts, frames, side="right") - 1
        steps = frames - self._starts[episodes]
        return self.videos[key].frames(self.root, episodes, steps,
                                       self._timestamps[frames].astype(np.float64),
                                       self.tolerance_s)

    def _task(self, t: int) -> str:
        if not 0 <= t < len(self.tasks):
            raise DataError(f"{self.root}: task_index {t} is not in meta/tasks.parquet")
        return self.tasks[t]

    def _camera_feature(self, camera: str) -> str:
        for key in (camera, camera_key(camera)):
            if key in self.camera_keys:
                return key
        for key in (camera, camera_key(camera)):
            if key in self.video_keys:
                raise DataError(f"{self.root}: camera {camera!r} cannot be read: its video "
                                f"file(s) are missing ({', '.join(self.missing_videos)})")
        raise UnknownNameError("camera", camera, self.cameras)

    def _resolve_spec(self, extras: dict[str, Any] | None, override: str | None) -> EmbodimentSpec:
        if override is not None:
            return get_embodiment(override)
        if extras is not None:
            path = self.root / EXTRAS_PATH
            try:
                spec = EmbodimentSpec.from_dict(extras["embodiment"])
                return register_embodiment(spec)
            except ConfigError as e:
                raise DataError(f"{path}: {e}; open with embodiment=<name> to override") from None
        robot = self.info.get("robot_type")
        if robot and robot in known_embodiments():
            return get_embodiment(robot)
        err = UnknownNameError("embodiment", str(robot), known_embodiments())
        err.args = (
            f"{self.root}: no meta/motionprior.json and robot_type {robot!r} in "
            f"{INFO_PATH} is not a registered embodiment; pass embodiment=<name> "
            f"(known: {', '.join(known_embodiments())}) or register a spec first",
        )
        raise err

    def _load_success(self, extras: dict[str, Any] | None) -> list[bool]:
        if extras is not None:
            success = extras["success"]
            if len(success) != self.num_episodes:
                raise DataError(f"{self.root / EXTRAS_PATH}: {len(success)} success flags for "
                                f"{self.num_episodes} episodes")
            return [bool(s) for s in success]
        if SUCCESS in self.features:
            flags = np.asarray(self.column(SUCCESS)).reshape(self.num_frames, -1).any(axis=1)
            return [bool(flags[s:e].any()) for s, e in zip(self._starts, self._ends, strict=True)]
        return [True] * self.num_episodes


def open_dataset(root: str | Path, *, embodiment: str | None = None,
                 tolerance_s: float = TOLERANCE_S) -> DatasetReader:
    """Open the LeRobot v3.0 dataset at `root` (see `DatasetReader`); `tolerance_s` is
    LeRobot's rule for video frames: the nearest frame must be within it of the query time."""
    return DatasetReader(root, embodiment=embodiment, tolerance_s=tolerance_s)
