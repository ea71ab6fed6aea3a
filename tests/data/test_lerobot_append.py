"""Appending keeps what was there; a crash mid-write leaves nothing that reads as a dataset."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from motionprior.data.lerobot import open_dataset, write_dataset
from motionprior.errors import DataError

sys.path.insert(0, str(Path(__file__).parent))  # tests run with --import-mode=importlib
from lerobot_cases import (  # noqa: E402
    assert_same_episode,
    make_episode,
    so101_path,
    three_episodes,
    tree_bytes,
)


def _siblings(root: Path) -> list[str]:
    return sorted(p.name for p in root.parent.iterdir())


def test_append_keeps_old_episodes_bit_identical(tmp_path):
    root = tmp_path / "ds"
    old = three_episodes()
    write_dataset(root, old, progress=False)
    before = tree_bytes(root)
    new = [make_episode(5, 7, instruction="stack the blocks", success=False),
           make_episode(4, 8, instruction="open the drawer", motion=True)]
    write_dataset(root, new, append=True, progress=False)
    after = tree_bytes(root)
    for name, data in before.items():  # old data and episode files untouched, byte for byte
        if name.startswith(("data/", "meta/episodes/")):
            assert after[name] == data, name
    assert len([n for n in after if n.startswith("data/")]) == 2
    reader = open_dataset(root)
    assert reader.num_episodes == 5 and reader.num_frames == 26 + 9
    assert reader.tasks == ["pick up the cube", "open the drawer", "stack the blocks"]
    for i, ep in enumerate(old + new):
        assert_same_episode(reader.episode(i), ep)
    assert reader.column("index").tolist() == list(range(35))
    assert reader.column("episode_index")[26:].tolist() == [3] * 5 + [4] * 4
    assert reader.column("task_index")[-1] == 1  # an existing task keeps its index
    assert reader.successes() == [True, False, True, False, True]
    stats = reader.stats()
    every = np.concatenate([e.state for e in old + new]).astype(np.float64)
    assert np.allclose(stats["observation.state"]["q01"], np.quantile(every, 0.01, axis=0))
    pixels = np.concatenate([e.images["front"] for e in old + new]).reshape(-1, 3) / 255.0
    assert np.allclose(stats["observation.images.front"]["q50"].ravel(),
                       np.quantile(pixels, 0.5, axis=0), rtol=0, atol=1e-12)
    assert stats["observation.images.front"]["count"].tolist() == [35]
    assert _siblings(root) == ["ds"]  # no temporary directory left behind


def test_append_to_missing_dir_writes_new_dataset(tmp_path):
    write_dataset(tmp_path / "ds", [make_episode(3, 0)], append=True, progress=False)
    assert open_dataset(tmp_path / "ds").num_episodes == 1


def _failing(episodes, exc):
    yield from episodes
    raise exc


@pytest.mark.parametrize("exc", [RuntimeError("boom"), KeyboardInterrupt()])
def test_interrupted_append_leaves_old_dataset_intact(tmp_path, exc):
    root = tmp_path / "ds"
    write_dataset(root, three_episodes(), progress=False)
    before = tree_bytes(root)
    with pytest.raises(type(exc)):
        write_dataset(root, _failing([make_episode(5, 9)], exc), append=True, progress=False)
    assert tree_bytes(root) == before
    assert _siblings(root) == ["ds"]
    reader = open_dataset(root)
    assert reader.num_episodes == 3
    assert_same_episode(reader.episode(2), three_episodes()[2])


def test_interrupted_first_write_leaves_no_dataset(tmp_path):
    root = tmp_path / "ds"
    with pytest.raises(KeyboardInterrupt):
        write_dataset(root, _failing(three_episodes(), KeyboardInterrupt()), progress=False)
    assert not root.exists() and list(tmp_path.iterdir()) == []
    with pytest.raises(DataError, match="no such dataset directory"):
        open_dataset(root)


def test_existing_dataset_without_append_is_an_error(tmp_path):
    root = tmp_path / "ds"
    write_dataset(root, [make_episode(3, 0)], progress=False)
    with pytest.raises(DataError, match=r"ds: already exists and is not empty; pass append=True"):
        write_dataset(root, [make_episode(3, 1)], progress=False)
    (tmp_path / "empty").mkdir()
    write_dataset(tmp_path / "empty", [make_episode(3, 1)], progress=False)  # empty dir is fine
    assert open_dataset(tmp_path / "empty").num_frames == 3


def test_append_rejects_episodes_that_do_not_fit(tmp_path):
    root = tmp_path / "ds"
    write_dataset(root, [make_episode(3, 0)], progress=False)
    before = tree_bytes(root)
    with pytest.raises(DataError, match=r"episode 1: cameras \{'front': \(12, 12, 3\)\}, but the "
                                        r"dataset has \{'front': \(12, 12, 3\), 'wrist'"):
        write_dataset(root, [make_episode(3, 1, cameras=("front",))], append=True,
                      progress=False)
    ep = make_episode(3, 2)
    other_fps = type(ep)(actions=ep.actions, state=ep.state, instruction="x",
                         embodiment="widowx_bridge", fps=10.0, images=ep.images)
    with pytest.raises(DataError, match="episode 1: fps 10, but the dataset has fps 5"):
        write_dataset(root, [other_fps], append=True, progress=False)
    assert tree_bytes(root) == before


def test_motion_labels_after_unlabeled_episodes_add_the_column(tmp_path):
    root = tmp_path / "ds"
    plain = [make_episode(4, 0), make_episode(3, 1)]
    write_dataset(root, plain, progress=False)
    labeled = make_episode(5, 2, motion=True)
    write_dataset(root, [labeled], append=True, progress=False)
    reader = open_dataset(root)
    assert "motion" in reader.features
    assert reader.episode(0).motion is None and reader.episode(2).motion == labeled.motion
    assert_same_episode(reader.episode(1), plain[1])


def test_append_to_a_foreign_dataset_is_refused(tmp_path):
    import shutil

    root = tmp_path / "so101"
    shutil.copytree(so101_path(), root)
    before = tree_bytes(root)
    with pytest.raises(DataError, match=r"so101: cannot append: no meta/motionprior.json"):
        write_dataset(root, [make_episode(3, 0)], append=True, progress=False)
    assert tree_bytes(root) == before


def test_files_roll_over_by_size_and_chunk(tmp_path, monkeypatch):
    """Data files close at data_files_size_in_mb, chunk folders hold chunks_size files, and
    episode meta files hold META_ROWS_PER_FILE rows: all still read back exactly."""
    import json

    from motionprior.data.lerobot import builder

    monkeypatch.setattr(builder, "META_ROWS_PER_FILE", 2)
    root = tmp_path / "ds"
    eps = three_episodes()
    write_dataset(root, eps[:1], progress=False)
    info = json.loads((root / "meta/info.json").read_text())
    info.update(data_files_size_in_mb=0.001, chunks_size=2)  # every episode overflows a file
    (root / "meta/info.json").write_text(json.dumps(info))
    write_dataset(root, eps[1:] + eps, append=True, progress=False)
    reader = open_dataset(root)
    assert reader.files == [f"data/chunk-{c:03d}/file-{f:03d}.parquet"
                            for c in range(3) for f in range(2)]
    episode_files = sorted(p.relative_to(root).as_posix()
                           for p in (root / "meta/episodes").rglob("*.parquet"))
    assert episode_files == ["meta/episodes/chunk-000/file-000.parquet",
                             "meta/episodes/chunk-000/file-001.parquet",
                             "meta/episodes/chunk-001/file-000.parquet",
                             "meta/episodes/chunk-001/file-001.parquet"]
    for i, ep in enumerate(eps[:1] + eps[1:] + eps):
        assert_same_episode(reader.episode(i), ep)
