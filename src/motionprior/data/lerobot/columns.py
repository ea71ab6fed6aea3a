"""Add or replace one per-frame column of a dataset, atomically (e.g. the "motion" labels)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from motionprior import atomic
from motionprior.data.lerobot import meta
from motionprior.data.lerobot.arrow_io import from_numpy, read_table, stat_column, write_table
from motionprior.data.lerobot.layout import DatasetLayout
from motionprior.data.lerobot.schema import (
    INDEX_FEATURES,
    INFO_PATH,
    STAT_KEYS,
    STATS_PATH,
    arrow_type,
    hf_feature,
)
from motionprior.data.lerobot.staging import staged_copy
from motionprior.data.lerobot.stats import numeric_stats, stats_to_json
from motionprior.errors import DataError

_NUMERIC_KINDS = "fiub"


def write_frame_column(root: str | Path, key: str, values: list[str] | np.ndarray) -> None:
    """Add (or replace) the per-frame feature `key` of the dataset at `root`.

    `values` has one entry per frame, in global frame order: strings (declared as dtype
    "string", shape [1], e.g. motion labels; None marks a missing label) or a numeric array
    `[N]` or `[N, ...]` (declared with its dtype and shape; its stats are added to
    meta/stats.json and to the per-episode stats). The dataset is staged and swapped in, so an
    interruption leaves it as it was. Bookkeeping columns and cameras cannot be replaced.
    """
    root = Path(root)
    layout = DatasetLayout(root)
    old = layout.features.get(key)
    if not key or "/" in key:
        raise DataError(f"{root}: column name {key!r} must be non-empty and contain no '/'")
    if key in INDEX_FEATURES or (old is not None and old["dtype"] in ("image", "video")):
        raise DataError(f"{root}: column {key!r} is a bookkeeping or camera column; "
                        "pick another name")
    array, feature = _as_column(values, layout.num_frames, root, key)
    features = _with_feature(layout.features, key, feature)
    episode_files = meta.episode_files(root)
    skip = {*layout.files, INFO_PATH, STATS_PATH, *(p.relative_to(root).as_posix()
                                                   for p in episode_files)}
    with staged_copy(root, skip) as tmp:
        for name, start, end in zip(layout.files, layout._file_starts, layout._file_ends,
                                    strict=True):
            table = read_table(root / name)
            column = _arrow(array[start:end], feature)
            write_table(tmp / name, _set_column(table, key, column, features, feature))
        starts, ends = layout.episode_bounds()
        for path in episode_files:
            table = read_table(path)
            table = table.drop_columns([c for c in table.column_names
                                        if c.startswith(f"stats/{key}/")])
            if feature["dtype"] != "string":
                eps = table.column("episode_index").to_numpy()
                per = [numeric_stats(array[starts[e]:ends[e]]) for e in eps]
                for s in STAT_KEYS:
                    table = table.append_column(f"stats/{key}/{s}",
                                                stat_column([p[s] for p in per]))
            write_table(tmp / path.relative_to(root), table)
        stats = meta.load_json(root / STATS_PATH) if (root / STATS_PATH).exists() else {}
        stats.pop(key, None)
        if feature["dtype"] != "string":
            stats.update(stats_to_json({key: numeric_stats(array)}))
        atomic.write_json(tmp / STATS_PATH, stats, indent=4)
        meta.write_info(tmp, {**layout.info, "features": features})


def _as_column(values: Any, n: int, root: Path, key: str) -> tuple[np.ndarray, dict[str, Any]]:
    if isinstance(values, np.ndarray) and values.dtype.kind in _NUMERIC_KINDS:
        array = values
        if array.ndim == 0 or len(array) != n:
            raise DataError(f"{root}: column {key!r} needs {n} values (one per frame), "
                            f"got shape {tuple(array.shape)}")
        if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
            raise DataError(f"{root}: column {key!r} contains NaN or inf")
        dtype = "bool" if array.dtype == np.bool_ else str(array.dtype)
        shape = [1] if array.ndim == 1 else [int(s) for s in array.shape[1:]]
        return array, {"dtype": dtype, "shape": shape, "names": None}
    labels = list(values)
    if len(labels) != n:
        raise DataError(f"{root}: column {key!r} needs {n} values (one per frame), "
                        f"got {len(labels)}")
    bad = next((v for v in labels if v is not None and not isinstance(v, str)), None)
    if bad is not None:
        raise DataError(f"{root}: column {key!r} must be strings or a numeric array, "
                        f"got a {type(bad).__name__}")
    return np.array(labels, dtype=object), {"dtype": "string", "shape": [1], "names": None}


def _with_feature(features: dict[str, Any], key: str, ft: dict[str, Any]) -> dict[str, Any]:
    """`features` with `key` replaced in place, or added before the bookkeeping columns."""
    if key in features:
        return {k: (ft if k == key else v) for k, v in features.items()}
    out = {k: v for k, v in features.items() if k not in INDEX_FEATURES}
    out[key] = ft
    out.update({k: v for k, v in features.items() if k in INDEX_FEATURES})
    return out


def _arrow(values: np.ndarray, ft: dict[str, Any]) -> pa.Array:
    if ft["dtype"] == "string":
        return pa.array(values.tolist(), type=pa.string())
    return from_numpy(values, arrow_type(ft))


def _set_column(table: pa.Table, key: str, column: pa.Array, features: dict[str, Any],
                ft: dict[str, Any]) -> pa.Table:
    """`table` with `key` set to `column`, columns in feature order, `datasets` metadata updated."""
    if key in table.column_names:
        table = table.drop_columns([key])
    table = table.append_column(pa.field(key, column.type), column)
    order = [k for k in features if k in table.column_names]
    order += [c for c in table.column_names if c not in order]
    table = table.select(order)
    metadata = dict(table.schema.metadata or {})
    if b"huggingface" in metadata:
        hf = json.loads(metadata[b"huggingface"])
        feats = hf.setdefault("info", {}).setdefault("features", {})
        feats[key] = hf_feature(ft)
        hf["info"]["features"] = {k: feats[k] for k in order if k in feats}
        metadata[b"huggingface"] = json.dumps(hf).encode()
    return table.replace_schema_metadata(metadata)
