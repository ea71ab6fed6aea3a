"""The meta/ folder: info.json, tasks.parquet, episodes parquet files, motionprior.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from motionprior import atomic
from motionprior.data.lerobot.arrow_io import read_metadata, read_table, write_table
from motionprior.data.lerobot.schema import (
    CODEBASE_VERSION,
    EPISODES_DIR,
    EXTRAS_PATH,
    INFO_PATH,
    TASKS_PATH,
)
from motionprior.errors import DataError

_CONVERT = (
    "convert it with LeRobot first: python -m lerobot.datasets.v30.convert_dataset_v21_to_v30 "
    "--repo-id=<name> --root=<dataset dir> --push-to-hub=false"
)
_REQUIRED = ("fps", "features", "data_path", "total_episodes", "total_frames")
EXTRAS_FORMAT = 1


def load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"{path}: file is missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DataError(f"{path}: not valid JSON ({' '.join(str(e).split())})") from None


def load_info(root: Path) -> dict[str, Any]:
    """meta/info.json, checked: a v3.0 dataset with the fields a reader needs."""
    path = root / INFO_PATH
    if root.exists() and not root.is_dir():
        raise DataError(f"{root}: is a file, not a dataset directory; pass the folder that "
                        "holds meta/info.json")
    if not root.is_dir():
        from motionprior.atomic import hidden_copies, sweep

        sweep(root.parent)  # an interrupted replace may have left the dataset aside: restore it
        copies = hidden_copies(root) if not root.is_dir() else []
        if copies:
            raise DataError(f"{root}: no such dataset directory; an interrupted write left a copy "
                            f"at {copies[-1]}: if no other program is writing it, rename it back "
                            f"(mv {copies[-1]} {root})")
    if not root.is_dir():
        raise DataError(f"{root}: no such dataset directory")
    if not path.is_file():
        raise DataError(f"{path}: file is missing; {root} is not a LeRobot v3.0 dataset")
    info = load_json(path)
    if not isinstance(info, dict):
        raise DataError(f"{path}: expected a JSON object, got {type(info).__name__}")
    version = info.get("codebase_version")
    if version != CODEBASE_VERSION:
        hint = _CONVERT if str(version).startswith("v2") else "write it with LeRobot >= 0.4"
        raise DataError(
            f"{path}: codebase_version is {version!r}, but only LeRobot {CODEBASE_VERSION} "
            f"datasets are supported; {hint}"
        )
    missing = [k for k in _REQUIRED if k not in info]
    if missing:
        raise DataError(f"{path}: missing field(s) {', '.join(missing)}")
    for key, ft in info["features"].items():
        if not isinstance(ft, dict) or "dtype" not in ft or "shape" not in ft:
            raise DataError(f"{path}: feature {key!r} needs a dtype and a shape, got {ft!r}")
    if not (isinstance(info["fps"], int | float) and info["fps"] > 0):
        raise DataError(f"{path}: fps must be a positive number, got {info['fps']!r}")
    return info


def write_info(root: Path, info: dict[str, Any]) -> None:
    atomic.write_text(root / INFO_PATH, json.dumps(info, indent=4, ensure_ascii=False) + "\n")


def write_tasks(root: Path, tasks: list[str]) -> None:
    """meta/tasks.parquet as pandas writes `DataFrame({"task_index": ...}, index=tasks)`."""
    pandas_meta = {
        "index_columns": ["__index_level_0__"],
        "column_indexes": [{"name": None, "field_name": None, "pandas_type": "unicode",
                            "numpy_type": "object", "metadata": {"encoding": "UTF-8"}}],
        "columns": [
            {"name": "task_index", "field_name": "task_index", "pandas_type": "int64",
             "numpy_type": "int64", "metadata": None},
            {"name": None, "field_name": "__index_level_0__", "pandas_type": "unicode",
             "numpy_type": "object", "metadata": None},
        ],
        "attributes": {},
        "creator": {"library": "pyarrow", "version": pa.__version__},
        "pandas_version": "2.2.3",
    }
    schema = pa.schema(
        [("task_index", pa.int64()), ("__index_level_0__", pa.string())],
        metadata={b"pandas": json.dumps(pandas_meta).encode()},
    )
    table = pa.table([pa.array(range(len(tasks)), pa.int64()), pa.array(tasks, pa.string())],
                     schema=schema)
    write_table(root / TASKS_PATH, table)


def read_tasks(root: Path) -> list[str]:
    """Task strings ordered by task_index (the pandas index column holds the string)."""
    path = root / TASKS_PATH
    table = read_table(path)
    names = table.column_names
    text_col = _task_text_column(table, path)
    if "task_index" not in names:
        raise DataError(f"{path}: no task_index column (columns: {', '.join(names)})")
    index = table.column("task_index").to_pylist()
    text = table.column(text_col).to_pylist()
    if sorted(index) != list(range(len(index))):
        raise DataError(f"{path}: task_index must be 0..{len(index) - 1}, got {sorted(index)}")
    out = [""] * len(index)
    for i, t in zip(index, text, strict=True):
        out[i] = t
    return out


def _task_text_column(table: pa.Table, path: Path) -> str:
    meta = table.schema.metadata or {}
    if b"pandas" in meta:
        cols = json.loads(meta[b"pandas"]).get("index_columns", [])
        if cols and isinstance(cols[0], str) and cols[0] in table.column_names:
            return cols[0]
    for name in ("task", "__index_level_0__"):
        if name in table.column_names:
            return name
    raise DataError(f"{path}: cannot find the task string column")


def episode_files(root: Path) -> list[Path]:
    """meta/episodes/chunk-*/file-*.parquet in order."""
    files = sorted((root / EPISODES_DIR).glob("*/*.parquet"))
    if not files:
        raise DataError(f"{root / EPISODES_DIR}: no episodes parquet file")
    return files


def read_episodes(root: Path, *, stats: bool = False) -> pa.Table:
    """All episode rows (sorted by episode_index); `stats=False` skips the stats/ columns."""
    tables = []
    for path in episode_files(root):
        names = read_metadata(path).schema.to_arrow_schema().names
        cols = names if stats else [c for c in names if not c.startswith("stats/")]
        tables.append(read_table(path, cols))
    try:
        table = pa.concat_tables(tables, promote_options="permissive")
    except pa.ArrowException as e:
        raise DataError(f"{root / EPISODES_DIR}: episode files disagree on columns ({e})") from None
    for col in ("episode_index", "length", "dataset_from_index", "dataset_to_index",
                "data/chunk_index", "data/file_index"):
        if col not in table.column_names:
            raise DataError(f"{root / EPISODES_DIR}: episodes parquet has no {col!r} column")
    return table.sort_by("episode_index")


def load_extras(root: Path) -> dict[str, Any] | None:
    """meta/motionprior.json (embodiment spec, fps, success flags) or None if absent."""
    path = root / EXTRAS_PATH
    if not path.exists():
        return None
    extras = load_json(path)
    if not isinstance(extras, dict) or "embodiment" not in extras or "success" not in extras:
        raise DataError(f"{path}: expected an object with 'embodiment' and 'success'")
    return extras


def write_extras(root: Path, spec: dict[str, Any], fps: float, success: list[bool]) -> None:
    extras = {"format": EXTRAS_FORMAT, "embodiment": spec, "fps": fps, "success": success}
    atomic.write_json(root / EXTRAS_PATH, extras)
