"""Annotation files: per-step true motion labels for trajectories (read by `label-eval`).

Format: JSON Lines (UTF-8; gzip-compressed when the name ends in `.gz`), one episode per line:

```json
{"group": "panda_20hz", "fps": 20.0,
 "position": [[x, y, z], ...],          // [T, 3], canonical frame, any consistent unit
 "rotation": [[roll, pitch, yaw], ...], // optional, [T, 3] radians (omit or null)
 "gripper": [1.0, 0.98, ...],           // optional, [T] opening in [0, 1], 1 = open
 "labels": ["stop", "move forward", ...]}
```

- `labels` has one label per step (the grammar of `motionprior.motion.vocabulary`); instead of
  `labels` a line may give `"segments": [[start, end, "label"], ...]` with `end` exclusive,
  covering steps 0..T-1 in order without gaps (how people usually annotate).
- Instead of `position`/`rotation`/`gripper`/`fps`, a line may point at an episode of a LeRobot
  dataset: `{"dataset": "path/to/dataset", "episode": 3, "labels": [...]}` (a relative path is
  relative to the annotation file); the trajectory is built with `adapters.trajectory_from_episode`.
- `group` (optional, default: the dataset path, else "default") names the dataset an episode
  belongs to: labelers are fitted once per group, on all of that group's episodes in the file.
The label of step t describes the motion that starts at step t (from t to t + 1 and on).
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from motionprior.atomic import write_bytes
from motionprior.errors import DataError
from motionprior.motion.trajectory import Trajectory
from motionprior.motion.vocabulary import labels_to_codes


@dataclass(frozen=True)
class AnnotatedTrajectory:
    """A trajectory, its true per-step labels, and the group (dataset) it belongs to."""

    trajectory: Trajectory
    labels: list[str]
    group: str = "default"

    def __post_init__(self) -> None:
        if len(self.labels) != len(self.trajectory):
            raise DataError(
                f"{len(self.labels)} labels for a trajectory of {len(self.trajectory)} steps"
            )


def save_annotations(path: str | os.PathLike, items: Iterable[AnnotatedTrajectory]) -> None:
    """Write `items` in the format above (atomically)."""
    lines = []
    for it in items:
        tr = it.trajectory
        row = {"group": it.group, "fps": tr.fps, "position": np.round(tr.position, 9).tolist()}
        if tr.rotation is not None:
            row["rotation"] = np.round(tr.rotation, 9).tolist()
        if tr.gripper is not None:
            row["gripper"] = np.round(tr.gripper, 9).tolist()
        row["labels"] = list(it.labels)
        lines.append(json.dumps(row, separators=(",", ":")))
    data = ("\n".join(lines) + "\n").encode("utf-8")
    write_bytes(path, gzip.compress(data, mtime=0) if str(path).endswith(".gz") else data)


def load_annotations(path: str | os.PathLike) -> list[AnnotatedTrajectory]:
    """Read an annotation file; every problem is a `DataError` naming the file and line."""
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not an annotation file; pass a .jsonl or "
                        ".jsonl.gz file")
    if not path.is_file():
        raise DataError(f"annotation file {path} does not exist")
    raw = path.read_bytes()
    try:
        text = (gzip.decompress(raw) if path.suffix == ".gz" else raw).decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as e:  # EOFError: a truncated .gz
        what = "truncated or corrupt gzip data" if isinstance(e, EOFError) else str(e)
        raise DataError(f"{path}: cannot read ({what})") from None
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append(_parse_line(json.loads(line), path))
        except json.JSONDecodeError as e:
            raise DataError(f"{path}:{number}: not valid JSON ({e.msg})") from None
        except (DataError, KeyError, TypeError, ValueError) as e:
            msg = f"missing key {e}" if isinstance(e, KeyError) else str(e)
            raise DataError(f"{path}:{number}: {msg}") from None
    if not out:
        raise DataError(f"annotation file {path} holds no episodes")
    return out


def _parse_line(row: dict, path: Path) -> AnnotatedTrajectory:
    if not isinstance(row, dict):
        raise DataError("each line must be a JSON object")
    if "dataset" in row:
        from motionprior.data.lerobot import open_dataset
        from motionprior.motion.adapters import trajectory_from_episode

        root = Path(row["dataset"])
        root = root if root.is_absolute() else path.parent / root
        reader = open_dataset(root)
        traj = trajectory_from_episode(reader.episode(int(row["episode"]), images=False),
                                       reader.spec)
        group = str(row.get("group", row["dataset"]))
    else:
        traj = Trajectory(
            np.asarray(row["position"], dtype=np.float64),
            row["fps"],
            None if row.get("rotation") is None else np.asarray(row["rotation"], np.float64),
            None if row.get("gripper") is None else np.asarray(row["gripper"], np.float64),
        )
        group = str(row.get("group", "default"))
    if "labels" in row:
        labels = [str(x) if isinstance(x, str) else x for x in row["labels"]]
    elif "segments" in row:
        labels = _from_segments(row["segments"], len(traj))
    else:
        raise DataError("a line needs 'labels' (one per step) or 'segments'")
    labels_to_codes(labels)  # validates every label against the grammar
    return AnnotatedTrajectory(traj, labels, group)


def _from_segments(segments: list, length: int) -> list[str]:
    labels: list[str] = []
    for seg in segments:
        if not (isinstance(seg, list) and len(seg) == 3):
            raise DataError(f"a segment must be [start, end, label], got {seg!r}")
        start, end, label = int(seg[0]), int(seg[1]), seg[2]
        if start != len(labels) or end <= start:
            raise DataError(
                f"segment {seg!r}: segments must cover the steps in order without gaps "
                f"(expected start {len(labels)} and end > start)"
            )
        labels += [label] * (end - start)
    if len(labels) != length:
        raise DataError(f"segments cover {len(labels)} steps but the trajectory has {length}")
    return labels
