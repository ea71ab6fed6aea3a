import pickle

import numpy as np
import pytest

from motionprior.data.frame_cache import CachedFrames, dataset_fingerprint
from motionprior.data.frames import FrameTable
from motionprior.data.lerobot import open_dataset, write_dataset
from motionprior.data.windows import WindowConfig, WindowDataset, make_dataloader


@pytest.fixture
def dataset_root(tmp_path, episode_factory):
    root = tmp_path / "ds"
    write_dataset(root, [episode_factory(6, seed=s, cameras=("front", "wrist")) for s in (0, 1)],
                  progress=False)
    return root


def test_cached_frames_equal_decoded_frames_and_survive_pickling(tmp_path, dataset_root):
    reader = open_dataset(dataset_root)
    cache = CachedFrames(reader, ["front", "wrist"], tmp_path / "cache", progress=False)
    frames = np.array([11, 0, 5, 6])
    for cam in ("front", "wrist"):
        np.testing.assert_array_equal(cache(frames, cam), reader.frame_images(frames, cam))
    clone = pickle.loads(pickle.dumps(cache))
    np.testing.assert_array_equal(clone(frames, "front"), cache(frames, "front"))
    assert len(list((tmp_path / "cache" / "frames").glob("*.npy"))) == 2
    assert not list((tmp_path / "cache" / "frames").glob(".*tmp"))


def test_fingerprint_changes_when_the_dataset_grows(dataset_root, episode_factory):
    before = dataset_fingerprint(dataset_root)
    write_dataset(dataset_root, [episode_factory(4, seed=9, cameras=("front", "wrist"))],
                  append=True, progress=False)
    assert dataset_fingerprint(dataset_root) != before


def test_windows_from_a_lerobot_dataset_match_the_in_memory_episodes(tmp_path, dataset_root,
                                                                      episode_factory):
    episodes = [episode_factory(6, seed=s, cameras=("front", "wrist")) for s in (0, 1)]
    config = WindowConfig(chunk=4, history=3, d_max=8)
    disk = WindowDataset([FrameTable.from_reader(open_dataset(dataset_root),
                                                 cache_dir=tmp_path / "c")], config)
    memory = WindowDataset([FrameTable.from_episodes(episodes)], config)
    a = next(iter(make_dataloader(disk, 12, shuffle=False, num_workers=2)))
    b = next(iter(make_dataloader(memory, 12, shuffle=False)))
    for key in ("actions", "action_mask", "history_state", "history_mask", "state"):
        assert (a[key] == b[key]).all(), key
    for cam in ("front", "wrist"):
        assert (a["images"][cam] == b["images"][cam]).all()
    assert a["instruction"] == b["instruction"]
    actions_only = FrameTable.from_reader(open_dataset(dataset_root), images=False)
    assert actions_only.cameras == () and actions_only.image_fn is None
