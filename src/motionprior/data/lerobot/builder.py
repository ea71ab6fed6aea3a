"""The dataset builder behind `write_dataset`: streams episodes into data files, then meta/."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from motionprior import atomic
from motionprior.data.embodiment import EmbodimentSpec
from motionprior.data.embodiments import register_embodiment
from motionprior.data.episode import Episode
from motionprior.data.lerobot import meta
from motionprior.data.lerobot.arrow_io import read_table, stat_column, to_numpy, write_table
from motionprior.data.lerobot.frames import EpisodeRows, episode_rows, image_shapes
from motionprior.data.lerobot.layout import DatasetLayout
from motionprior.data.lerobot.schema import (
    ACTION,
    DATA_PATH,
    EPISODES_PATH,
    INDEX_FEATURES,
    MOTION,
    STAT_KEYS,
    STATE,
    STATS_PATH,
    VIDEO_PATH,
    build_features,
    camera_name,
    data_schema,
    empty_info,
    has_stats,
    is_numeric,
    motion_feature,
    next_chunk_file,
)
from motionprior.data.lerobot.stats import dataset_stats, stats_to_json
from motionprior.data.lerobot.video_encode import CameraVideos, VideoConfig, video_info
from motionprior.errors import DataError

HIST_PREFIX = "motionprior/histogram/"  # per-episode [3 x 256] pixel counts, for exact stats
META_ROWS_PER_FILE = 1000


@dataclass
class ExistingDataset:
    """What appending needs to know about a dataset already on disk."""

    info: dict[str, Any]
    spec: EmbodimentSpec
    fps: float
    tasks: list[str]
    success: list[bool]
    data_files: list[str]
    num_frames: int
    last_data: tuple[int, int]
    last_meta: tuple[int, int]
    histograms: dict[str, np.ndarray] = field(default_factory=dict)
    last_video: dict[str, tuple[int, int]] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path) -> ExistingDataset:
        with warnings.catch_warnings(record=True):  # video warnings: rejected just below
            layout = DatasetLayout(root)
        extras = meta.load_extras(root)
        if extras is None:
            raise DataError(f"{root}: cannot append: no meta/motionprior.json (append works on "
                            "datasets written by motionprior)")
        if layout.missing_videos:
            raise DataError(f"{root}: cannot append: video file(s) are missing "
                            f"({', '.join(layout.missing_videos)})")
        for key, ft in layout.features.items():
            if ft["dtype"] not in ("image", "video", "string") and key not in (ACTION, STATE) and (
                key not in INDEX_FEATURES
            ):
                raise DataError(f"{root}: cannot append: new episodes cannot fill column {key!r}")
        eps = meta.read_episodes(root)
        hist = {c[len(HIST_PREFIX):]: np.asarray(eps.column(c).to_pylist(), dtype=np.int64)
                for c in eps.column_names if c.startswith(HIST_PREFIX)}
        last = eps.num_rows - 1
        return cls(
            info=layout.info,
            spec=register_embodiment(EmbodimentSpec.from_dict(extras["embodiment"])),
            fps=float(extras.get("fps", layout.fps)),
            tasks=layout.tasks,
            success=[bool(s) for s in extras["success"]],
            data_files=list(layout.files),
            num_frames=layout.num_frames,
            last_data=(_int(eps, "data/chunk_index", last), _int(eps, "data/file_index", last)),
            last_meta=(_int(eps, "meta/episodes/chunk_index", last),
                       _int(eps, "meta/episodes/file_index", last)),
            histograms={k: v.reshape(len(v), 3, 256).sum(axis=0) for k, v in hist.items()},
            last_video={k: (_int(eps, f"videos/{k}/chunk_index", last),
                            _int(eps, f"videos/{k}/file_index", last)) for k in layout.video_keys},
        )


def _int(table: pa.Table, col: str, row: int) -> int:
    return int(table.column(col)[row].as_py()) if col in table.column_names else 0


class DatasetBuilder:
    """Streams episodes into `root` (a staging directory for `target`); `finish()` writes meta/."""

    def __init__(self, root: Path, existing: ExistingDataset | None, target: Path,
                 video: VideoConfig | None = None) -> None:
        self.root, self.existing, self.target, self.video = root, existing, target, video
        self.features: dict[str, dict[str, Any]] | None = None
        self.info: dict[str, Any] | None = None
        self.tasks: list[str] = []
        self.success: list[bool] = []
        self.data_files: list[str] = []
        self.num_frames = 0
        self.next_data, self.next_meta = (0, 0), (0, 0)
        self.histograms: dict[str, np.ndarray] = {}
        self._writer: pq.ParquetWriter | None = None
        self._written = 0
        self._meta_rows: list[dict[str, Any]] = []
        self._videos: CameraVideos | None = None
        self._video_start: dict[str, tuple[int, int]] = {}
        if existing is not None:
            self.info = dict(existing.info)
            self.features = dict(existing.info["features"])
            self.spec, self.fps = existing.spec, existing.fps
            self.tasks, self.success = list(existing.tasks), list(existing.success)
            self.data_files, self.num_frames = list(existing.data_files), existing.num_frames
            self.histograms = dict(existing.histograms)
            self.next_data = next_chunk_file(*existing.last_data, self._chunks_size)
            self.next_meta = next_chunk_file(*existing.last_meta, self._chunks_size)
            self._video_start = {k: next_chunk_file(*v, self._chunks_size)
                                 for k, v in existing.last_video.items()}
            self._check_storage(existing)

    @property
    def _chunks_size(self) -> int:
        return int((self.info or {}).get("chunks_size", 1000))

    def add(self, ep: Episode) -> None:
        if not isinstance(ep, Episode):
            raise DataError(f"write_dataset expects Episode objects, got {type(ep).__name__}")
        if self.features is None:
            self.spec, self.fps = ep.spec, ep.fps
            self.features = build_features(ep.spec, image_shapes(ep), ep.motion is not None,
                                           video=self.video is not None)
            self.info = empty_info(ep.fps, self.features, ep.spec.name)
            if self.video is not None and ep.images:
                self.info["video_path"] = VIDEO_PATH
        self._check(ep)
        if ep.motion is not None and MOTION not in self.features:
            self._add_motion_column()
        if ep.instruction not in self.tasks:
            self.tasks.append(ep.instruction)
        index = len(self.success)
        task = self.tasks.index(ep.instruction)
        rows = episode_rows(ep, self.features, data_schema(self.features), episode_index=index,
                            first_frame=self.num_frames, task_index=task, fps=self.fps)
        self._write_rows(rows.table)
        spans = self._write_videos(ep)
        self._add_meta_row(ep, index, rows, spans)
        for key, h in rows.histograms.items():
            self.histograms[key] = self.histograms.get(key, 0) + h
        self.success.append(ep.success)
        self.num_frames += len(ep)

    def close(self, flush: bool = True) -> None:
        """Close open data and video files (`flush=False` after an error: the files are
        discarded with the staging directory)."""
        try:
            if self._videos is not None:
                self._videos.close(flush)
        finally:
            if self._writer is not None:
                self._writer.close()
                self._writer = None

    def finish(self) -> None:
        """Write meta/: episodes, tasks, stats, motionprior.json and, last, info.json."""
        self.close()
        if not self.success:
            raise DataError(f"{self.target}: no episodes to write")
        self._flush_meta()
        meta.write_tasks(self.root, self.tasks)
        columns = {k: self._read_all(k) for k, ft in self.features.items()
                   if is_numeric(ft) and has_stats(ft)}
        stats = dataset_stats(self.features, columns, self.histograms, self.num_frames)
        atomic.write_json(self.root / STATS_PATH, stats_to_json(stats), indent=4)
        meta.write_extras(self.root, self.spec.to_dict(), self.fps, self.success)
        for key, ft in self.features.items():
            if ft["dtype"] == "video" and "info" not in ft:
                ft["info"] = video_info(self._videos.first[key])
        n = len(self.success)
        self.info.update(features=self.features, total_episodes=n, total_frames=self.num_frames,
                         total_tasks=len(self.tasks), splits={"train": f"0:{n}"})
        meta.write_info(self.root, self.info)

    # -- internals --------------------------------------------------------------------------
    def _check(self, ep: Episode) -> None:
        where = f"episode {len(self.success)}"
        if ep.embodiment != self.spec.name:
            raise DataError(f"{where}: embodiment {ep.embodiment!r}, but the dataset holds "
                            f"{self.spec.name!r} (one embodiment per dataset)")
        if ep.fps != self.fps:
            raise DataError(f"{where}: fps {ep.fps:g}, but the dataset has fps {self.fps:g}")
        have = {camera_name(k): tuple(ft["shape"]) for k, ft in self.features.items()
                if ft["dtype"] in ("image", "video")}
        if image_shapes(ep) != have:
            raise DataError(f"{where}: cameras {image_shapes(ep)}, but the dataset has {have} "
                            "(name: [H, W, 3])")

    def _check_storage(self, existing: ExistingDataset) -> None:
        kinds = {ft["dtype"] for ft in existing.info["features"].values()} & {"image", "video"}
        if "video" in kinds and self.video is None:
            raise DataError(f"{self.target}: cameras are stored as mp4 video; append with "
                            "video=True (--video on the command line)")
        if "image" in kinds and self.video is not None:
            raise DataError(f"{self.target}: cameras are stored as PNG images; append without "
                            "video=True (--video)")
        if "video" in kinds:
            first = next(ft for ft in existing.info["features"].values()
                         if ft["dtype"] == "video")
            self.video = VideoConfig.from_info(first.get("info", {}))

    def _write_videos(self, ep: Episode) -> dict[str, tuple[int, int, float, float]]:
        """Encode the episode's cameras; per key (chunk, file, from_timestamp, to_timestamp)."""
        keys = [k for k, ft in self.features.items() if ft["dtype"] == "video"]
        if keys and self._videos is None:
            self._videos = CameraVideos(self.root, self.fps, self.video,
                                        float(self.info.get("video_files_size_in_mb", 200)),
                                        self._chunks_size, self._video_start)
        return {k: self._videos.add(k, tuple(self.features[k]["shape"]),
                                    ep.images[camera_name(k)]) for k in keys}

    def _write_rows(self, table: pa.Table) -> None:
        limit = float(self.info.get("data_files_size_in_mb", 100)) * 1024**2
        if self._writer is not None and self._written + table.nbytes > limit:
            self._roll()
        if self._writer is None:
            name = DATA_PATH.format(chunk_index=self.next_data[0], file_index=self.next_data[1])
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            plain = [f.name for f in table.schema if self.features[f.name]["dtype"] != "image"]
            self._writer = pq.ParquetWriter(path, table.schema, compression="snappy",
                                            use_dictionary=plain)
            self.data_files.append(name)
            self._written = 0
        self._writer.write_table(table)
        self._written += table.nbytes

    def _roll(self) -> None:
        if self._writer is not None:
            self.close()
            self.next_data = next_chunk_file(*self.next_data, self._chunks_size)

    def _add_motion_column(self) -> None:
        """The first episode with motion labels: rewrite earlier files with an empty column."""
        self._roll()
        feats = {k: v for k, v in self.features.items() if k not in INDEX_FEATURES}
        feats[MOTION] = motion_feature()
        feats.update({k: self.features[k] for k in INDEX_FEATURES})
        schema = data_schema(feats)
        for name in self.data_files:
            old = read_table(self.root / name)
            old = old.append_column(MOTION, pa.nulls(old.num_rows, pa.string()))
            write_table(self.root / name, old.select(schema.names).cast(schema))
        self.features = feats

    def _add_meta_row(self, ep: Episode, index: int, rows: EpisodeRows,
                      spans: dict[str, tuple[int, int, float, float]]) -> None:
        data_chunk, data_file = self.next_data
        row: dict[str, Any] = {
            "episode_index": index,
            "tasks": [ep.instruction],
            "length": len(ep),
            "data/chunk_index": data_chunk,
            "data/file_index": data_file,
            "dataset_from_index": self.num_frames,
            "dataset_to_index": self.num_frames + len(ep),
        }
        for key, (chunk, file, start, end) in spans.items():
            row[f"videos/{key}/chunk_index"], row[f"videos/{key}/file_index"] = chunk, file
            row[f"videos/{key}/from_timestamp"], row[f"videos/{key}/to_timestamp"] = start, end
        for key, st in rows.stats.items():
            for s in STAT_KEYS:
                row[f"stats/{key}/{s}"] = st[s]
        row["meta/episodes/chunk_index"], row["meta/episodes/file_index"] = self.next_meta
        for key, h in rows.histograms.items():
            row[HIST_PREFIX + key] = h.reshape(-1)
        self._meta_rows.append(row)
        if len(self._meta_rows) >= META_ROWS_PER_FILE:
            self._flush_meta()

    def _flush_meta(self) -> None:
        if not self._meta_rows:
            return
        rows, self._meta_rows = self._meta_rows, []
        cols: dict[str, pa.Array] = {}
        for key in rows[0]:
            values = [r[key] for r in rows]
            if key == "tasks":
                cols[key] = pa.array(values, type=pa.list_(pa.string()))
            elif isinstance(values[0], np.ndarray):
                cols[key] = stat_column(values)
            elif isinstance(values[0], float):
                cols[key] = pa.array(values, type=pa.float64())
            else:
                cols[key] = pa.array(values, type=pa.int64())
        path = self.root / EPISODES_PATH.format(chunk_index=self.next_meta[0],
                                                file_index=self.next_meta[1])
        write_table(path, pa.table(cols))
        self.next_meta = next_chunk_file(*self.next_meta, self._chunks_size)

    def _read_all(self, key: str) -> np.ndarray:
        shape = tuple(self.features[key]["shape"])
        parts = [to_numpy(read_table(self.root / f, [key]).column(key), shape, f"{f}: {key}")
                 for f in self.data_files]
        return np.concatenate(parts)
