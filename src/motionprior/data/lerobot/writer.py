"""Write episodes as a LeRobot v3.0 dataset: `write_dataset(root, episodes, append=False)`.

The dataset is built in a temporary sibling directory and renamed into place, so a crash or
Ctrl-C never leaves a half-written dataset at `root`. Appending stages a hard-linked copy of the
existing dataset, adds new data files (old ones are never rewritten, so old episodes stay
bit-identical) and rewrites only the small meta files; meta/info.json is written last.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tqdm import tqdm

from motionprior.atomic import atomic_directory
from motionprior.data.episode import Episode
from motionprior.data.lerobot.builder import DatasetBuilder, ExistingDataset
from motionprior.data.lerobot.schema import EXTRAS_PATH, INFO_PATH, STATS_PATH, TASKS_PATH
from motionprior.data.lerobot.staging import link_tree
from motionprior.data.lerobot.video_encode import VideoConfig
from motionprior.errors import ConfigError, DataError

_REWRITTEN = {INFO_PATH, STATS_PATH, TASKS_PATH, EXTRAS_PATH}


def write_dataset(
    root: str | Path,
    episodes: Iterable[Episode],
    *,
    append: bool = False,
    video: bool | VideoConfig = False,
    progress: bool = True,
) -> Path:
    """Write `episodes` (one embodiment, one fps, the same cameras) to `root`; returns `root`.

    Cameras become LeRobot `image` features (PNG bytes in the parquet), or with `video=True`
    (or a `VideoConfig`) `video` features: one mp4 per camera and file, AV1 yuv420p by default,
    as LeRobot records them. `append=True` adds the episodes after those of an existing
    motionprior-written dataset (new data and video files; old files stay byte-identical);
    without it an existing, non-empty `root` is an error.
    """
    if not isinstance(video, bool | VideoConfig):
        raise ConfigError(f"video must be True, False or a VideoConfig, got {video!r}")
    cfg = VideoConfig() if video is True else (video or None)
    root = Path(root)
    exists = root.exists() and (not root.is_dir() or any(root.iterdir()))
    if exists and not append:
        raise DataError(
            f"{root}: already exists and is not empty; pass append=True (--append on the "
            "command line) to add episodes or choose a new directory"
        )
    existing = ExistingDataset.load(root) if exists else None
    bar = tqdm(episodes, desc=f"writing {root.name}", unit="episode", disable=not progress)
    with atomic_directory(root) as tmp:
        if existing is not None:
            link_tree(root, tmp, skip=_REWRITTEN)
        builder = DatasetBuilder(tmp, existing, root, cfg)
        try:
            for ep in bar:
                builder.add(ep)
        except BaseException:
            builder.close(flush=False)
            raise
        finally:
            bar.close()
        builder.finish()
    return root
