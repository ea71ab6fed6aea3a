"""The real SO-101 LeRobot v3.0 sample (recorded with LeRobot; its mp4 files are absent)."""

from __future__ import annotations

import pickle
import sys
import warnings
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from motionprior.data.lerobot import open_dataset
from motionprior.errors import DataError

sys.path.insert(0, str(Path(__file__).parent))  # tests run with --import-mode=importlib
from lerobot_cases import so101_path  # noqa: E402

MISSING = ["videos/observation.images.front/chunk-000/file-000.mp4",
           "videos/observation.images.top/chunk-000/file-000.mp4"]


@pytest.fixture(scope="module")
def so101():
    path = so101_path()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reader = open_dataset(path)
    return path, reader, caught


def test_so101_sample_reads_every_non_video_feature(so101):
    path, reader, _ = so101
    assert (reader.num_episodes, reader.num_frames, reader.fps) == (4, 1492, 30.0)
    assert reader.tasks == ["Pick the orange cube and place it in the box"]
    assert reader.embodiment == "so101_follower"  # from info.json robot_type
    assert reader.cameras == [] and reader.video_keys == [
        "observation.images.front", "observation.images.top"]
    starts, ends = reader.episode_bounds()
    assert starts[0] == 0 and ends[-1] == 1492 and np.all(starts[1:] == ends[:-1])
    raw = pq.read_table(path / "data/chunk-000/file-000.parquet")
    want = np.stack(raw.column("action").to_numpy(zero_copy_only=False))
    assert np.array_equal(reader.column("action"), want)
    ep = reader.episode(2)
    s, e = starts[2], ends[2]
    assert len(ep) == e - s and np.array_equal(ep.actions, want[s:e])
    assert ep.images == {} and ep.instruction == reader.tasks[0] and ep.success
    assert ep.motion is None and ep.fps == 30.0
    assert reader.column("frame_index")[s] == 0
    stats = reader.stats()
    assert stats["action"]["mean"].shape == (6,)
    assert stats["observation.images.top"]["mean"].shape == (3, 1, 1)


def test_missing_videos_are_listed_and_warned_once(so101):
    _, reader, caught = so101
    assert reader.missing_videos == MISSING
    lines = [str(w.message) for w in caught]
    assert len(lines) == 1 and "\n" not in lines[0]
    assert "2 video file(s) declared in meta/info.json are missing" in lines[0]
    assert all(m in lines[0] for m in MISSING)
    assert caught[0].filename == __file__  # attributed to the caller, not library internals


def test_video_camera_is_a_clear_error(so101):
    _, reader, _ = so101
    with pytest.raises(DataError, match=r"camera 'front' cannot be read: its video file\(s\) are "
                                        r"missing \(videos/observation.images.front/chunk-000/"
                                        r"file-000.mp4, "):
        reader.frame_images([0], "front")


def test_fixture_reader_pickles(so101):
    _, reader, _ = so101
    clone = pickle.loads(pickle.dumps(reader))
    assert np.array_equal(clone.column("observation.state"), reader.column("observation.state"))
