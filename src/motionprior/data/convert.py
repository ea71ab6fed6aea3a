"""Dataset conversion: RLDS (Open X-Embodiment tfrecords) to LeRobot v3."""

from __future__ import annotations

import itertools
from pathlib import Path

from motionprior.data.lerobot import write_dataset
from motionprior.data.rlds import get_standardization, read_rlds, shard_files


def rlds_to_lerobot(source: str | Path, out: str | Path, *, dataset: str = "bridge",
                    split: str = "train", limit: int | None = None, append: bool = False,
                    images: bool = True, progress: bool = True) -> Path:
    """Convert the episodes of an RLDS split into a LeRobot v3 dataset at `out` (atomically).

    Every shard is checked first (checksums included) so a corrupt file fails before anything
    is written; `limit` keeps the first N episodes.
    """
    get_standardization(dataset)  # a bad name, folder or split fails before any work
    shard_files(source, split)
    episodes = read_rlds(source, dataset, split, images=images)
    if limit is not None:
        episodes = itertools.islice(episodes, limit)
    return write_dataset(out, episodes, append=append, progress=progress)
