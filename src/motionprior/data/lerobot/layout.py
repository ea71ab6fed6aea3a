"""Where every frame of a LeRobot v3.0 dataset lives, checked once when the dataset is opened.

`DatasetLayout` reads meta/ (info, tasks, episodes), maps global frame indices to data files and
rows, checks every data file's footer (row count, declared features present), indexes the mp4
files of video features (`self.videos`) and names the missing ones. Column reads are cached
per file and are vectorized (Arrow -> numpy, no Python loop over frames). The layout is
picklable: the cache is per process and rebuilt lazily.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from motionprior.data.lerobot.arrow_io import read_metadata, read_table, to_numpy, to_strings
from motionprior.data.lerobot.images import image_bytes
from motionprior.data.lerobot.meta import load_info, read_episodes, read_tasks
from motionprior.data.lerobot.schema import ACTION, INFO_PATH, STATE, camera_name, is_numeric
from motionprior.data.lerobot.video_index import VideoIndex, video_indexes
from motionprior.errors import DataError

_PACKAGE_DIR = str(Path(__file__).parent)


def warn(message: str) -> None:
    """`warnings.warn` attributed to the first caller outside this package."""
    level, frame = 2, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, UserWarning, stacklevel=level)


class DatasetLayout:
    """Format-level view of a LeRobot v3.0 dataset (no embodiment needed)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.info: dict[str, Any] = load_info(self.root)
        self.features: dict[str, dict[str, Any]] = self.info["features"]
        self.tasks: list[str] = read_tasks(self.root)
        episodes = read_episodes(self.root)
        self._starts, self._ends = self._check_bounds(episodes)
        self.files, self._file_starts, self._file_ends = self._map_files(episodes)
        self._check_files()
        self.videos: dict[str, VideoIndex] = {}
        self.missing_videos: list[str] = self._find_missing_videos(episodes)
        self._cache: dict[tuple[int, str], Any] = {}

    # -- public, format-level API ---------------------------------------------------------
    def check_widths(self, embodiment: str, action_dim: int, state_dim: int) -> None:
        """The action and state features exist with the widths `embodiment` declares."""
        for key, dim in ((ACTION, action_dim), (STATE, state_dim)):
            ft = self.features.get(key)
            if ft is None:
                raise DataError(f"{self.root / INFO_PATH}: no {key!r} feature; motionprior needs "
                                "both 'action' and 'observation.state'")
            if list(ft["shape"]) != [dim]:
                raise DataError(
                    f"{self.root / INFO_PATH}: {key} has shape {list(ft['shape'])} but embodiment "
                    f"{embodiment!r} declares {dim} dims"
                )

    @property
    def fps(self) -> float:
        return float(self.info["fps"])

    @property
    def num_episodes(self) -> int:
        return len(self._starts)

    @property
    def num_frames(self) -> int:
        return int(self._ends[-1]) if len(self._ends) else 0

    @property
    def image_keys(self) -> list[str]:
        """Features stored as images in the parquet files."""
        return [k for k, ft in self.features.items() if ft["dtype"] == "image"]

    @property
    def video_keys(self) -> list[str]:
        return [k for k, ft in self.features.items() if ft["dtype"] == "video"]

    @property
    def camera_keys(self) -> list[str]:
        """Features of the cameras that can be read: images, and videos whose files exist."""
        return [k for k, ft in self.features.items()
                if ft["dtype"] == "image" or k in self.videos]

    @property
    def cameras(self) -> list[str]:
        """Names of the cameras that can be read ("front" for "observation.images.front")."""
        return [camera_name(k) for k in self.camera_keys]

    def episode_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(starts, ends): episode e covers global frames `starts[e] <= i < ends[e]`."""
        return self._starts.copy(), self._ends.copy()

    def column(self, key: str) -> np.ndarray:
        """One feature over all frames: numbers as `[N, *shape]` (`[N]` for shape `[1]`),
        strings as an object array (None where missing). Cameras: see `frame_images`."""
        if self._feature(key)["dtype"] == "image":
            raise DataError(f"{self.root}: {key!r} is a camera; read it with frame_images")
        parts = [self._file_column(f, key) for f in range(len(self.files))]
        return np.concatenate(parts) if parts else np.zeros(0)

    # -- internals --------------------------------------------------------------------------
    def _feature(self, key: str) -> dict[str, Any]:
        ft = self.features.get(key)
        if ft is None:
            raise DataError(
                f"{self.root}: no feature {key!r}; features: {', '.join(self.features)}"
            )
        if ft["dtype"] == "video":
            raise DataError(f"{self.root}: feature {key!r} is a video, not a parquet column")
        return ft

    def _file_column(self, f: int, key: str) -> Any:
        """Column `key` of data file `f` (numpy, or Arrow PNG bytes for images), cached."""
        hit = self._cache.get((f, key))
        if hit is not None:
            return hit
        ft = self._feature(key)
        path = self.root / self.files[f]
        column = read_table(path, [key]).column(key)
        where = f"{path}: column {key!r}"
        if ft["dtype"] == "image":
            value: Any = image_bytes(column)
        elif ft["dtype"] == "string":
            value = to_strings(column)
        elif is_numeric(ft):
            value = to_numpy(column, tuple(ft["shape"]), where)
        else:
            value = np.array(column.to_pylist(), dtype=object)
        self._cache[(f, key)] = value
        return value

    def _locate(self, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(file, row) of every global frame index in `frames`."""
        frames = np.asarray(frames, dtype=np.int64).reshape(-1)
        if frames.size and (frames.min() < 0 or frames.max() >= self.num_frames):
            raise DataError(
                f"{self.root}: frame index out of range [0, {self.num_frames}): "
                f"{int(frames.min())}..{int(frames.max())}"
            )
        f = np.searchsorted(self._file_starts, frames, side="right") - 1
        return f, frames - self._file_starts[f]

    def _check_bounds(self, eps: pa.Table) -> tuple[np.ndarray, np.ndarray]:
        where = self.root / "meta/episodes"
        index = eps.column("episode_index").to_numpy()
        starts = eps.column("dataset_from_index").to_numpy().astype(np.int64)
        ends = eps.column("dataset_to_index").to_numpy().astype(np.int64)
        lengths = eps.column("length").to_numpy().astype(np.int64)
        n = len(index)
        if not np.array_equal(index, np.arange(n)):
            raise DataError(f"{where}: episode_index must be 0..{n - 1} without gaps")
        if n and (starts[0] != 0 or np.any(starts[1:] != ends[:-1])):
            raise DataError(f"{where}: episode frame ranges are not contiguous from 0")
        if np.any(ends - starts != lengths) or np.any(lengths <= 0):
            raise DataError(f"{where}: length disagrees with dataset_to_index - dataset_from_index")
        info_path = self.root / INFO_PATH
        total = int(ends[-1]) if n else 0
        if self.info["total_episodes"] != n or self.info["total_frames"] != total:
            raise DataError(
                f"{info_path}: total_episodes/total_frames say {self.info['total_episodes']}/"
                f"{self.info['total_frames']} but meta/episodes has {n}/{total}"
            )
        return starts, ends

    def _map_files(self, eps: pa.Table) -> tuple[list[str], np.ndarray, np.ndarray]:
        chunk = eps.column("data/chunk_index").to_numpy()
        file = eps.column("data/file_index").to_numpy()
        files: list[str] = []
        first: list[int] = []
        last: list[int] = []
        for e, (c, f) in enumerate(zip(chunk.tolist(), file.tolist(), strict=True)):
            name = self.info["data_path"].format(chunk_index=c, file_index=f)
            if not files or files[-1] != name:
                if name in files:
                    raise DataError(f"{self.root / name}: its episodes are not consecutive")
                files.append(name)
                first.append(int(self._starts[e]))
                last.append(int(self._ends[e]))
            else:
                last[-1] = int(self._ends[e])
        return files, np.asarray(first, dtype=np.int64), np.asarray(last, dtype=np.int64)

    def _check_files(self) -> None:
        declared = [k for k, ft in self.features.items() if ft["dtype"] != "video"]
        for name, start, end in zip(self.files, self._file_starts, self._file_ends, strict=True):
            path = self.root / name
            meta = read_metadata(path)
            if meta.num_rows != end - start:
                raise DataError(
                    f"{path}: has {meta.num_rows} rows but meta/episodes puts "
                    f"{end - start} frames in it"
                )
            present = set(meta.schema.to_arrow_schema().names)
            for key in declared:
                if key not in present:
                    raise DataError(
                        f"{path}: feature {key!r} is declared in meta/info.json but missing "
                        "from the parquet file"
                    )

    def _find_missing_videos(self, eps: pa.Table) -> list[str]:
        self.videos, missing = video_indexes(self.root, self.info, eps)
        flat = sorted(set().union(*missing.values())) if missing else []
        if flat:
            warn(
                f"{self.root}: {len(flat)} video file(s) declared in meta/info.json are missing "
                f"({', '.join(flat)}); cameras {', '.join(missing)} are skipped, every other "
                "feature loads"
            )
        return flat

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_cache"] = {}  # decoded columns are per process; workers re-read lazily
        return state
