import numpy as np
import pytest
import torch

from motionprior.data import Episode
from motionprior.data.frames import FrameTable
from motionprior.data.stats import normalize
from motionprior.data.windows import WindowConfig, WindowDataset, make_dataloader
from motionprior.errors import ConfigError


def _ramp_episode(length: int, offset: float) -> Episode:
    actions = (np.arange(length * 7, dtype=np.float32).reshape(length, 7) + offset)
    return Episode(actions=actions, state=-actions, instruction=f"task {offset}",
                   embodiment="widowx_bridge", fps=5.0,
                   images={"cam": np.full((length, 4, 4, 3), offset, np.uint8)})


@pytest.fixture
def dataset():
    table = FrameTable.from_episodes([_ramp_episode(5, 0.0), _ramp_episode(3, 100.0)])
    return WindowDataset([table], WindowConfig(chunk=4, history=2, d_max=10))


def test_length_and_location(dataset):
    assert len(dataset) == 8
    assert dataset.locate(5) == (0, 5)
    with pytest.raises(IndexError, match="out of range"):
        dataset[8]


def test_chunk_pads_past_episode_end_with_mask(dataset):
    table = dataset.tables[0]
    stats = dataset.normalizer.get("widowx_bridge", "action")
    s = dataset[3]  # episode 0 (frames 0..4), t = 3: chunk steps 3, 4 valid, 5, 6 padded
    expect = normalize(stats, table.actions[[3, 4, 4, 4]])
    np.testing.assert_allclose(s["actions"][:, :7].numpy(), expect)
    assert s["actions"][:, 7:].abs().sum() == 0
    assert s["action_mask"][:, :7].all(dim=1).tolist() == [True, True, False, False]
    assert not s["action_mask"][:, 7:].any()
    assert s["episode_index"] == 0 and s["frame_index"] == 3


def test_history_pads_before_episode_start_with_zeros(dataset):
    s = dataset[5]  # first frame of episode 1: no history at all
    assert not s["history_mask"].any()
    assert s["history_actions"].abs().sum() == 0 and s["history_state"].abs().sum() == 0
    s = dataset[6]  # second frame: one valid history step (the last one)
    assert s["history_mask"][:, 0].tolist() == [False, True]
    stats = dataset.normalizer.get("widowx_bridge", "state")
    np.testing.assert_allclose(s["history_state"][1, :7].numpy(),
                               normalize(stats, dataset.tables[0].state[5]))
    assert s["instruction"] == "task 100.0" and s["task_index"] == 1


def test_images_are_channels_first_uint8_and_resizable(dataset):
    img = dataset[6]["images"]["cam"]
    assert img.dtype == torch.uint8 and img.shape == (3, 4, 4) and int(img[0, 0, 0]) == 100
    table = dataset.tables[0]
    resized = WindowDataset([table], WindowConfig(chunk=2, history=1, d_max=8, image_size=16))
    assert resized[0]["images"]["cam"].shape == (3, 16, 16)
    no_images = WindowDataset([table], WindowConfig(images=False, d_max=8))
    assert "images" not in no_images[0]


def test_too_wide_and_empty_inputs_are_errors():
    table = FrameTable.from_episodes([_ramp_episode(4, 0.0)])
    with pytest.raises(ConfigError, match="has 7 action/state dims, more than d_max=6"):
        WindowDataset([table], WindowConfig(d_max=6))
    with pytest.raises(ConfigError, match="at least one dataset"):
        WindowDataset([], WindowConfig())
    with pytest.raises(ConfigError, match="lacks cameras"):
        WindowDataset([table], WindowConfig(cameras=("wrist",)))
    with pytest.raises(ConfigError, match="chunk must be >= 1"):
        WindowConfig(chunk=0)


def _order(loader):
    return [(b["episode_index"] * 100 + b["frame_index"]).tolist() for b in loader]


def test_dataloader_is_deterministic_with_workers(dataset):
    a = _order(make_dataloader(dataset, 2, seed=3, num_workers=2))
    b = _order(make_dataloader(dataset, 2, seed=3, num_workers=0))
    c = _order(make_dataloader(dataset, 2, seed=4, num_workers=0))
    assert a == b and a != c
    assert sorted(sum(a, [])) == sorted(sum(_order(make_dataloader(dataset, 8, shuffle=False)), []))


def test_workers_start_from_a_fork_server_not_a_fork_of_this_process(dataset):
    # a fork of a process holding pyarrow's or OpenMP's native threads can hang (it did in CI)
    assert make_dataloader(dataset, 2, num_workers=2).multiprocessing_context.get_start_method() \
        == "forkserver"
    assert make_dataloader(dataset, 2).multiprocessing_context is None


def test_batched_gather_equals_single_samples_across_tables():
    t1 = FrameTable.from_episodes([_ramp_episode(5, 0.0), _ramp_episode(3, 100.0)])
    t2 = FrameTable.from_episodes([_ramp_episode(4, 50.0)], key="other")
    ds = WindowDataset([t1, t2], WindowConfig(chunk=3, history=2, d_max=8))
    indices = [9, 0, 7, 10, 3, 8]
    batch = ds.__getitems__(indices)
    for row, i in enumerate(indices):
        single = ds[i]
        for key, value in single.items():
            if key == "images":
                assert torch.equal(batch[key]["cam"][row], value["cam"])
            elif isinstance(value, torch.Tensor):
                assert torch.equal(batch[key][row], value), key
            else:
                assert batch[key][row] == value, key
    assert batch["embodiment_id"].tolist() == [0] * 6  # one robot, two statistics keys
    assert ds.normalizer.keys == ["other", "widowx_bridge"]
