"""Dataset conversion: RLDS (Open X-Embodiment tfrecords) to LeRobot v3."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from tqdm.auto import tqdm

from motionprior.data.episode import Episode
from motionprior.data.lerobot import write_dataset
from motionprior.data.rlds import count_rlds, get_standardization, read_rlds


def rlds_to_lerobot(source: str | Path | Sequence[str | Path], out: str | Path, *,
                    dataset: str = "bridge", split: str = "train", limit: int | None = None,
                    append: bool = False, images: bool = True,
                    cameras: Sequence[str] | None = None, video: bool = False,
                    progress: bool = True) -> Path:
    """Convert the episodes of an RLDS split into a LeRobot v3 dataset at `out` (atomically).

    The dataset name, split and every shard's record headers (length checksums) are checked
    before anything is written; a corrupt payload found later aborts the write and leaves `out`
    as it was. `limit` keeps the first N episodes; `cameras` picks cameras (RLDS keys or camera
    names) instead of the dataset's defaults; `video` asks the writer for mp4 features.
    """
    get_standardization(dataset).select_cameras(cameras)  # bad names fail before any work
    total = count_rlds(source, split)
    if limit is not None:
        total = min(total, limit)
    episodes = read_rlds(source, dataset, split, images=images, cameras=cameras)
    if limit is not None:
        episodes = itertools.islice(episodes, limit)
    bar = tqdm(total=total, desc=f"converting {dataset}/{split}", unit="episode",
               disable=not progress)
    try:
        return write_dataset(out, _counted(episodes, bar), append=append, video=video,
                             progress=False)
    except BaseException:
        bar.leave = False  # erase the bar so an error message stands on its own line
        raise
    finally:
        bar.close()


def _counted(episodes: Iterable[Episode], bar: tqdm) -> Iterator[Episode]:
    """Advance `bar` per episode (tqdm's own iterator would close it, bar and all, on error)."""
    for episode in episodes:
        yield episode
        bar.update(1)
