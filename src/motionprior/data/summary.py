"""A readable summary of a dataset on disk (what `motionprior info` prints)."""

from __future__ import annotations

from typing import Any

import numpy as np

from motionprior.data.lerobot.finite import first_nonfinite
from motionprior.data.lerobot.layout import warn
from motionprior.data.stats import compute_stats
from motionprior.errors import DataError


def describe(reader) -> dict[str, Any]:
    """Episodes, steps, embodiment, fps, tasks, missing videos and per-dim action/state stats."""
    starts, ends = reader.episode_bounds()
    lengths = np.asarray(ends) - np.asarray(starts)
    out: dict[str, Any] = {
        "path": str(reader.root),
        "episodes": int(reader.num_episodes),
        "steps": int(reader.num_frames),
        "episode_length": {"min": int(lengths.min()), "median": float(np.median(lengths)),
                           "max": int(lengths.max())} if len(lengths) else {},
        "embodiment": reader.embodiment,
        "fps": float(reader.fps),
        "tasks": list(reader.tasks),
        "cameras": list(reader.cameras),
        "camera_storage": {name: _storage(reader.features[key])
                           for name, key in zip(reader.cameras, reader.camera_keys, strict=True)},
        "missing_videos": list(reader.missing_videos),
        "stats": {},
    }
    try:
        reader.stats()
    except DataError as e:
        warn(f"{e} (motionprior recomputes statistics, but LeRobot reads this file: rewrite "
             "or delete it)")
    spec = reader.spec
    # Recomputed rather than read from meta/stats.json: a foreign dataset's stats.json may hold
    # LeRobot's per-episode averaged quantiles, and METHOD.md asks for exact ones.
    for feature, key, names in (("action", "action", spec.action.names),
                                ("state", "observation.state", spec.state.names)):
        bad = first_nonfinite(reader, key)
        if bad is not None:
            warn(f"{bad}; no {feature} statistics shown")
            continue
        s = compute_stats(reader.column(key))
        out["stats"][feature] = {
            name: {"q01": float(s.q01[i]), "q99": float(s.q99[i]), "mean": float(s.mean[i]),
                   "std": float(s.std[i])}
            for i, name in enumerate(names)
        }
    return out


def _storage(ft: dict[str, Any]) -> str:
    """How a camera is stored: "png 128x128" or "video av1 128x128"."""
    shape = ft.get("shape", [])
    size = f"{shape[0]}x{shape[1]}" if len(shape) >= 2 else "?"
    if ft["dtype"] != "video":
        return f"image {size}"
    return f"video {ft.get('info', {}).get('video.codec', '?')} {size}"


def format_summary(info: dict[str, Any]) -> str:
    """Plain-text rendering of `describe`'s output."""
    lines = [
        f"dataset     {info['path']}",
        f"episodes    {info['episodes']}   steps {info['steps']}   "
        f"length min/median/max {info['episode_length'].get('min')}/"
        f"{info['episode_length'].get('median')}/{info['episode_length'].get('max')}",
        f"embodiment  {info['embodiment']}   fps {info['fps']:g}",
        "cameras     " + (", ".join(f"{c} ({info['camera_storage'].get(c, '?')})"
                                    for c in info["cameras"]) or "(none)"),
    ]
    if info["missing_videos"]:
        lines.append(f"missing     {len(info['missing_videos'])} video file(s): "
                     + ", ".join(info["missing_videos"]))
    lines.append(f"tasks       {len(info['tasks'])}")
    lines += [f"  - {t}" for t in info["tasks"][:20]]
    if len(info["tasks"]) > 20:
        lines.append(f"  ... and {len(info['tasks']) - 20} more")
    for feature, dims in info["stats"].items():
        lines.append(f"{feature:<10}  {'dim':<20} {'q01':>10} {'q99':>10} {'mean':>10} {'std':>10}")
        for name, s in dims.items():
            lines.append(f"{'':<10}  {name:<20} {s['q01']:>10.4g} {s['q99']:>10.4g} "
                         f"{s['mean']:>10.4g} {s['std']:>10.4g}")
    return "\n".join(lines)
