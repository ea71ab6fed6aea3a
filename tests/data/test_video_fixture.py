"""A video dataset LeRobot 0.4.4 recorded (tests/data/fixtures/README.md) reads in motionprior."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from motionprior.data.frames import FrameTable
from motionprior.data.lerobot import open_dataset

FIXTURE = Path(__file__).parent / "fixtures" / "lerobot_video_so101"
FRAMES = np.load(FIXTURE.parent / "lerobot_video_so101.frames.npz")


def test_every_frame_equals_what_lerobot_returns(recwarn):
    reader = open_dataset(FIXTURE)
    assert not [w for w in recwarn if "video" in str(w.message)]  # no "skipped" warnings
    assert reader.embodiment == "so101_follower" and reader.fps == 10
    assert reader.cameras == ["front", "wrist"] and reader.missing_videos == []
    assert reader.episode_bounds()[1].tolist() == [12, 21, 36]
    for cam, shape in (("front", (48, 64, 3)), ("wrist", (32, 32, 3))):
        got = reader.frame_images(np.arange(36), cam)
        assert got.shape == (36, *shape)
        np.testing.assert_array_equal(got, FRAMES[f"lerobot_{cam}"])  # bit-identical decode
        loss = np.abs(got.astype(np.int16) - FRAMES[f"written_{cam}"]).mean()
        assert 0.5 < loss < 6.0, loss  # lossy AV1, but the recorded frames
        # random access (a seek into the shared file) returns the same frames as a full scan
        idx = np.array([35, 12, 0, 20, 21, 11])
        np.testing.assert_array_equal(reader.frame_images(idx, cam), got[idx])


def test_episodes_and_columns_of_the_lerobot_dataset():
    reader = open_dataset(FIXTURE)
    data = pq.read_table(FIXTURE / "data/chunk-000/file-000.parquet").to_pydict()
    ep = reader.episode(1)
    np.testing.assert_array_equal(ep.actions, np.asarray(data["action"][12:21], np.float32))
    assert ep.instruction == "place it in the box"
    np.testing.assert_array_equal(ep.images["wrist"], FRAMES["lerobot_wrist"][12:21])
    np.testing.assert_allclose(reader.videos["observation.images.front"].from_ts, [0, 1.2, 2.1])


def test_cached_training_frames_of_the_lerobot_dataset(tmp_path):
    reader = open_dataset(FIXTURE)
    table = FrameTable.from_reader(reader, cache_dir=str(tmp_path))
    clone = pickle.loads(pickle.dumps(table.image_fn))  # as a DataLoader worker receives it
    idx = np.array([3, 30, 17])
    np.testing.assert_array_equal(clone(idx, "front"), FRAMES["lerobot_front"][idx])


def test_a_pickled_reader_decodes_video_in_a_worker():
    reader = pickle.loads(pickle.dumps(open_dataset(FIXTURE)))  # what a DataLoader worker gets
    np.testing.assert_array_equal(reader.frame_images([7, 29], "wrist"),
                                  FRAMES["lerobot_wrist"][[7, 29]])
