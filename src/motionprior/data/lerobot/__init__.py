"""LeRobot dataset format v3.0: write episodes, read them back, add per-frame columns.

    write_dataset(root, episodes, append=False, video=False)  -> Path  (atomic; see writer.py)
    open_dataset(root, embodiment=None, tolerance_s=1e-4)    -> DatasetReader
    write_frame_column(root, key, values)         -> None   (atomic add/replace of a column)

Datasets written here load with LeRobot's own `LeRobotDataset(repo_id, root=...)` (checked in
tests/data/test_lerobot_compat.py when lerobot is importable); motionprior's extras live in
meta/motionprior.json, which LeRobot ignores. Cameras are PNG `image` features or, with
`video=True` / a `VideoConfig`, mp4 `video` features (AV1 yuv420p by default, LeRobot's layout);
both kinds are read, video through PyAV (video.py) with LeRobot's timestamp tolerance rule.
"""

from motionprior.data.lerobot.columns import write_frame_column
from motionprior.data.lerobot.layout import DatasetLayout
from motionprior.data.lerobot.reader import DatasetReader, open_dataset
from motionprior.data.lerobot.schema import CODEBASE_VERSION
from motionprior.data.lerobot.stats import channel_histogram, histogram_stats, numeric_stats
from motionprior.data.lerobot.video_encode import VideoConfig
from motionprior.data.lerobot.writer import write_dataset

__all__ = [
    "CODEBASE_VERSION",
    "DatasetLayout",
    "DatasetReader",
    "VideoConfig",
    "channel_histogram",
    "histogram_stats",
    "numeric_stats",
    "open_dataset",
    "write_dataset",
    "write_frame_column",
]
