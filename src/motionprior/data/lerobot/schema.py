"""The LeRobot v3.0 schema: paths, feature declarations and their Arrow/`datasets` types.

A LeRobot v3.0 dataset is a folder::

    meta/info.json                          codebase_version "v3.0", fps, features, totals, paths
    meta/stats.json                         per-feature min/max/mean/std/count/q01..q99
    meta/tasks.parquet                      one row per task string (pandas index) -> task_index
    meta/episodes/chunk-XXX/file-XXX.parquet  one row per episode: length, file, frame range, stats
    data/chunk-XXX/file-XXX.parquet         one row per frame, one column per non-video feature
    videos/<key>/chunk-XXX/file-XXX.mp4     optional: features of dtype "video"
    meta/motionprior.json                   motionprior's extras (embodiment spec, success flags)

A feature is declared in info.json as `{"dtype", "shape", "names"}`. LeRobot maps it to a
Hugging Face `datasets` type: "image" -> `Image()` (an Arrow struct {bytes, path} holding PNG
bytes), "video" -> not in the parquet, shape `[1]` -> a scalar `Value(dtype)`, shape `[D]` ->
a fixed-length list of D values. Strings (dtype "string", shape `[1]`) are scalar `Value`s too,
and LeRobot computes no statistics for them.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from motionprior.data.embodiment import EmbodimentSpec

CODEBASE_VERSION = "v3.0"
INFO_PATH = "meta/info.json"
STATS_PATH = "meta/stats.json"
TASKS_PATH = "meta/tasks.parquet"
EXTRAS_PATH = "meta/motionprior.json"
EPISODES_DIR = "meta/episodes"
CHUNK_FILE = "chunk-{chunk_index:03d}/file-{file_index:03d}"
EPISODES_PATH = EPISODES_DIR + "/" + CHUNK_FILE + ".parquet"
DATA_PATH = "data/" + CHUNK_FILE + ".parquet"
VIDEO_PATH = "videos/{video_key}/" + CHUNK_FILE + ".mp4"

DEFAULT_CHUNKS_SIZE = 1000  # files per chunk folder
DEFAULT_DATA_FILE_MB = 100  # a data file is closed once it holds this much (uncompressed)
DEFAULT_VIDEO_FILE_MB = 200

ACTION = "action"
STATE = "observation.state"
MOTION = "motion"
IMAGE_PREFIX = "observation.images."

# Bookkeeping columns every LeRobot dataset has, in LeRobot's order.
INDEX_FEATURES: dict[str, dict[str, Any]] = {
    "timestamp": {"dtype": "float32", "shape": [1], "names": None},
    "frame_index": {"dtype": "int64", "shape": [1], "names": None},
    "episode_index": {"dtype": "int64", "shape": [1], "names": None},
    "index": {"dtype": "int64", "shape": [1], "names": None},
    "task_index": {"dtype": "int64", "shape": [1], "names": None},
}
QUANTILES = (0.01, 0.10, 0.50, 0.90, 0.99)
STAT_KEYS = ("min", "max", "mean", "std", "count") + tuple(
    f"q{round(q * 100):02d}" for q in QUANTILES
)

IMAGE_TYPE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
_NUMERIC = {"float32", "float64", "int64", "int32", "int16", "int8", "uint8", "bool"}


def camera_key(camera: str) -> str:
    """Feature key of a camera name: "front" -> "observation.images.front"."""
    return camera if camera.startswith("observation.") else IMAGE_PREFIX + camera


def camera_name(key: str) -> str:
    """Camera name of a feature key: "observation.images.front" -> "front",
    "observation.image" -> "image" (the single-camera LeRobot convention)."""
    if key.startswith(IMAGE_PREFIX):
        return key[len(IMAGE_PREFIX):]
    return key.removeprefix("observation.")


def build_features(
    spec: EmbodimentSpec, image_shapes: dict[str, tuple[int, int, int]], motion: bool,
    video: bool = False,
) -> dict[str, dict[str, Any]]:
    """info.json `features` for episodes of `spec` with the given cameras ([H, W, 3] each),
    stored as `image` features or (`video=True`) as `video` features (mp4 files)."""
    feats: dict[str, dict[str, Any]] = {
        ACTION: {"dtype": "float32", "shape": [spec.action_dim], "names": list(spec.action.names)},
        STATE: {"dtype": "float32", "shape": [spec.state_dim], "names": list(spec.state.names)},
    }
    for cam in sorted(image_shapes):
        feats[camera_key(cam)] = {
            "dtype": "video" if video else "image",
            "shape": list(image_shapes[cam]),
            "names": ["height", "width", "channels"],
        }
    if motion:
        feats[MOTION] = motion_feature()
    feats.update({k: dict(v) for k, v in INDEX_FEATURES.items()})
    return feats


def motion_feature() -> dict[str, Any]:
    return {"dtype": "string", "shape": [1], "names": None}


def is_scalar(ft: dict[str, Any]) -> bool:
    """LeRobot stores a feature of shape [1] as a scalar column, not a 1-element list."""
    return list(ft["shape"]) == [1]


def arrow_type(ft: dict[str, Any]) -> pa.DataType:
    """Arrow type of a (non-video) feature's parquet column, as `datasets` writes it."""
    dtype = ft["dtype"]
    if dtype == "image":
        return IMAGE_TYPE
    if dtype == "string":
        return pa.string()
    value = pa.from_numpy_dtype(dtype) if dtype != "bool" else pa.bool_()
    if is_scalar(ft):
        return value
    out = value
    for n in reversed(list(ft["shape"])):
        out = pa.list_(out, int(n))
    return out


def hf_feature(ft: dict[str, Any]) -> dict[str, Any]:
    """The `datasets.Features` dict of one feature (stored in the parquet schema metadata)."""
    if ft["dtype"] == "image":
        return {"_type": "Image"}
    value = {"dtype": ft["dtype"], "_type": "Value"}
    if is_scalar(ft):
        return value
    out: dict[str, Any] = value
    for n in reversed(list(ft["shape"])):
        out = {"feature": out, "length": int(n), "_type": "List"}
    return out


def data_schema(features: dict[str, dict[str, Any]]) -> pa.Schema:
    """Parquet schema of the data files: every non-video feature, with `datasets` metadata."""
    cols = {k: ft for k, ft in features.items() if ft["dtype"] != "video"}
    meta = {"info": {"features": {k: hf_feature(ft) for k, ft in cols.items()}}}
    fields = [pa.field(k, arrow_type(ft)) for k, ft in cols.items()]
    return pa.schema(fields, metadata={b"huggingface": json.dumps(meta).encode()})


def is_numeric(ft: dict[str, Any]) -> bool:
    return ft["dtype"] in _NUMERIC


def has_stats(ft: dict[str, Any]) -> bool:
    """Features LeRobot keeps statistics for: numbers and cameras, not strings."""
    return ft["dtype"] in ("image", "video") or is_numeric(ft)


def empty_info(fps: float, features: dict[str, dict[str, Any]], robot_type: str | None) -> dict:
    """A v3.0 info.json for an empty dataset (totals are filled in by the writer)."""
    return {
        "codebase_version": CODEBASE_VERSION,
        "robot_type": robot_type,
        "total_episodes": 0,
        "total_frames": 0,
        "total_tasks": 0,
        "chunks_size": DEFAULT_CHUNKS_SIZE,
        "data_files_size_in_mb": DEFAULT_DATA_FILE_MB,
        "video_files_size_in_mb": DEFAULT_VIDEO_FILE_MB,
        "fps": int(fps) if float(fps).is_integer() else float(fps),
        "splits": {},
        "data_path": DATA_PATH,
        "video_path": None,
        "features": features,
    }


def next_chunk_file(chunk: int, file: int, chunks_size: int) -> tuple[int, int]:
    """The (chunk, file) after `(chunk, file)`: a chunk folder holds `chunks_size` files."""
    return (chunk + 1, 0) if file >= chunks_size - 1 else (chunk, file + 1)
