"""Declare the embodiment of a LeRobot dataset recorded elsewhere.

A dataset motionprior did not write has no meta/motionprior.json; it opens only when its
info.json `robot_type` names a registered embodiment. `declare_embodiment(root, spec)` writes
that file (the spec, the dataset's fps, its per-episode success flags), atomically, after
checking the spec against the dataset's action and state widths and frequency, so that every
verb (`label`, `train`, `pretrain-prior`, ...) reads the dataset as that robot. LeRobot
ignores the file; the dataset stays a valid LeRobot dataset.
"""

from __future__ import annotations

from pathlib import Path

from motionprior.data.embodiment import EmbodimentSpec
from motionprior.data.embodiments import register_embodiment
from motionprior.data.lerobot.layout import DatasetLayout
from motionprior.data.lerobot.meta import load_extras, write_extras
from motionprior.data.lerobot.reader import DatasetReader, open_dataset
from motionprior.data.lerobot.schema import EXTRAS_PATH
from motionprior.errors import ConfigError


def declare_embodiment(root: str | Path, spec: EmbodimentSpec, *,
                       force: bool = False) -> DatasetReader:
    """Write `root`/meta/motionprior.json declaring `spec`; returns the dataset reopened."""
    root = Path(root)
    path = root / EXTRAS_PATH
    if path.exists() and not force:
        declared = (load_extras(root) or {}).get("embodiment", {}).get("name")
        raise ConfigError(f"{path} exists (the dataset declares embodiment {declared!r}); "
                          "pass --force to replace it")
    layout = DatasetLayout(root)
    layout.check_widths(spec.name, spec.action_dim, spec.state_dim)
    if abs(layout.fps - spec.fps) > 1e-6 * spec.fps:
        raise ConfigError(f"embodiment {spec.name!r} runs at {spec.fps:g} Hz but {root} was "
                          f"recorded at {layout.fps:g} Hz; give the spec the dataset's fps")
    register_embodiment(spec)  # only once it fits: a refused spec leaves no trace
    reader = open_dataset(root, embodiment=spec.name)
    write_extras(root, spec.to_dict(), reader.fps, reader.successes())
    return open_dataset(root)
