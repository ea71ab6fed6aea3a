"""Where each episode of a LeRobot v3.0 video feature lives: its mp4 file and start time.

meta/episodes holds, per video feature `key`, the columns `videos/<key>/chunk_index`,
`videos/<key>/file_index`, `videos/<key>/from_timestamp` and `videos/<key>/to_timestamp`;
info.json's `video_path` template turns (key, chunk, file) into a path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from motionprior.data.lerobot.video import TOLERANCE_S, decode_frames


@dataclass(frozen=True)
class VideoIndex:
    """Per-episode mp4 file (relative path) and time span of one video feature."""

    key: str
    shape: tuple[int, ...]
    files: tuple[str, ...]  # [E] relative paths
    from_ts: np.ndarray  # [E] float64 seconds
    to_ts: np.ndarray  # [E] float64 seconds

    def frames(self, root: Path, episodes: np.ndarray, steps: np.ndarray,
               timestamps: np.ndarray, tolerance_s: float = TOLERANCE_S) -> np.ndarray:
        """Frames `[B, H, W, 3]` of (episode, step, timestamp-within-episode) queries."""
        out = np.empty((len(episodes), *self.shape), dtype=np.uint8)
        query = self.from_ts[episodes] + np.asarray(timestamps, dtype=np.float64)
        names = np.asarray(self.files, dtype=object)[episodes]
        for name in dict.fromkeys(names.tolist()):
            sel = np.flatnonzero(names == name)
            labels = [f"{self.key} episode {int(episodes[j])} frame {int(steps[j])}" for j in sel]
            out[sel] = decode_frames(root / name, query[sel], labels, self.shape, tolerance_s)
        return out


def hwc_shape(ft: dict[str, Any]) -> tuple[int, ...]:
    """A camera feature's frame shape as [H, W, C] (some datasets declare [C, H, W])."""
    shape = tuple(int(s) for s in ft["shape"])
    names = ft.get("names") or []
    if len(shape) == 3 and list(names)[:1] == ["channels"]:
        return shape[1], shape[2], shape[0]
    return shape


def video_indexes(root: Path, info: dict[str, Any], eps: pa.Table
                  ) -> tuple[dict[str, VideoIndex], dict[str, set[str]]]:
    """(index of each video feature whose files all exist, {feature: missing paths} of the rest)."""
    found: dict[str, VideoIndex] = {}
    missing: dict[str, set[str]] = {}
    template = info.get("video_path") or ""
    for key, ft in info["features"].items():
        if ft["dtype"] != "video":
            continue
        cols = [f"videos/{key}/{c}" for c in ("chunk_index", "file_index", "from_timestamp")]
        if not template or not all(c in eps.column_names for c in cols):
            missing[key] = {f"videos/{key}/ (no video file index in meta/episodes)"}
            continue
        chunk, file, start = (eps.column(c).to_pylist() for c in cols)
        files = tuple(template.format(video_key=key, chunk_index=c, file_index=f)
                      for c, f in zip(chunk, file, strict=True))
        gone = {p for p in set(files) if not (root / p).is_file()}
        if gone:
            missing[key] = gone
            continue
        end_col = f"videos/{key}/to_timestamp"
        end = eps.column(end_col).to_pylist() if end_col in eps.column_names else start
        found[key] = VideoIndex(key, hwc_shape(ft), files,
                                np.asarray(start, dtype=np.float64),
                                np.asarray(end, dtype=np.float64))
    return found, missing
