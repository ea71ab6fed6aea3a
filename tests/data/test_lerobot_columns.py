"""write_frame_column: add or replace a per-frame column, atomically."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from motionprior.data.lerobot import columns as columns_module
from motionprior.data.lerobot import open_dataset, write_dataset, write_frame_column
from motionprior.errors import DataError

sys.path.insert(0, str(Path(__file__).parent))  # tests run with --import-mode=importlib
from lerobot_cases import assert_same_episode, make_episode, tree_bytes  # noqa: E402


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """Two data files (the second episode starts a new file via an append)."""
    root = tmp_path_factory.mktemp("col") / "ds"
    eps = [make_episode(6, 1), make_episode(4, 2, instruction="b")]
    write_dataset(root, eps[:1], progress=False)
    write_dataset(root, eps[1:], append=True, progress=False)
    return root, eps


@pytest.fixture
def ds(pristine, tmp_path):
    root = tmp_path / "ds"
    shutil.copytree(pristine[0], root)
    return root, pristine[1]


def test_string_column_round_trip_and_replace(ds):
    root, eps = ds
    labels = [f"move {i}" for i in range(10)]
    write_frame_column(root, "motion", labels)
    reader = open_dataset(root)
    assert reader.column("motion").tolist() == labels
    assert reader.episode(1).motion == tuple(labels[6:])
    assert reader.features["motion"] == {"dtype": "string", "shape": [1], "names": None}
    assert list(reader.features)[-6:] == ["motion", "timestamp", "frame_index", "episode_index",
                                          "index", "task_index"]
    write_frame_column(root, "motion", ["stop"] * 6 + [None] * 4)
    reader = open_dataset(root)
    assert reader.episode(0).motion == ("stop",) * 6 and reader.episode(1).motion is None
    for i, ep in enumerate(eps):  # everything else untouched
        got = reader.episode(i)
        assert np.array_equal(got.actions, ep.actions)
        assert all(np.array_equal(got.images[c], ep.images[c]) for c in ep.images)
    assert "motion" not in json.loads((root / "meta/stats.json").read_text())
    hf = json.loads(pq.read_schema(root / "data/chunk-000/file-000.parquet")
                    .metadata[b"huggingface"])
    assert hf["info"]["features"]["motion"] == {"dtype": "string", "_type": "Value"}


def test_numeric_column_round_trip_with_stats(ds):
    root, _ = ds
    reward = np.linspace(0, 1, 10, dtype=np.float32)
    write_frame_column(root, "next.reward", reward)
    vec = np.arange(20, dtype=np.int64).reshape(10, 2)
    write_frame_column(root, "observation.extra", vec)
    reader = open_dataset(root)
    assert np.array_equal(reader.column("next.reward"), reward)
    assert np.array_equal(reader.column("observation.extra"), vec)
    assert reader.features["observation.extra"] == {"dtype": "int64", "shape": [2], "names": None}
    stats = reader.stats()
    assert np.allclose(stats["next.reward"]["q90"], np.quantile(reward.astype(np.float64), 0.9))
    assert stats["observation.extra"]["max"].tolist() == [18, 19]
    rows = pq.read_table(root / "meta/episodes/chunk-000/file-001.parquet").to_pylist()
    assert rows[0]["stats/next.reward/min"] == pytest.approx([float(reward[6])])
    assert rows[0]["stats/observation.extra/count"] == [4]


def test_interrupted_write_leaves_dataset_intact(ds, monkeypatch):
    root, eps = ds
    before = tree_bytes(root)
    calls = []

    def failing_write(path, table, **kw):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(path, table, **kw)

    real = columns_module.write_table
    monkeypatch.setattr(columns_module, "write_table", failing_write)
    with pytest.raises(KeyboardInterrupt):
        write_frame_column(root, "motion", ["x"] * 10)
    assert len(calls) == 2 and tree_bytes(root) == before
    assert sorted(p.name for p in root.parent.iterdir()) == ["ds"]
    reader = open_dataset(root)
    assert "motion" not in reader.features
    assert_same_episode(reader.episode(1), eps[1])


@pytest.mark.parametrize("key, values, message", [
    ("motion", ["x"] * 9, r"column 'motion' needs 10 values \(one per frame\), got 9"),
    ("reward", np.zeros(11), r"column 'reward' needs 10 values .* got shape \(11,\)"),
    ("reward", np.full(10, np.nan), r"column 'reward' contains NaN or inf"),
    ("motion", [1] * 10, r"column 'motion' must be strings or a numeric array, got a int"),
    ("index", np.zeros(10, np.int64), r"column 'index' is a bookkeeping or camera column"),
    ("observation.images.front", ["x"] * 10, r"'observation.images.front' is a bookkeeping or"),
    ("a/b", ["x"] * 10, r"column name 'a/b' must be non-empty and contain no '/'"),
])
def test_bad_columns_are_rejected(pristine, key, values, message):
    root, _ = pristine
    before = tree_bytes(root)
    with pytest.raises(DataError, match=message):
        write_frame_column(root, key, values)
    assert tree_bytes(root) == before
