"""Write episodes as LeRobot v3.0, read them back bit-exact; the on-disk schema is LeRobot's."""

from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from motionprior.data import EmbodimentSpec, VectorSpec, get_embodiment
from motionprior.data.embodiments import _REGISTRY
from motionprior.data.lerobot import open_dataset, write_dataset
from motionprior.errors import DataError, UnknownNameError

sys.path.insert(0, str(Path(__file__).parent))  # tests run with --import-mode=importlib
from lerobot_cases import SO101, assert_same_episode, make_episode, three_episodes  # noqa: E402


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    eps = three_episodes()
    root = write_dataset(tmp_path_factory.mktemp("rt") / "ds", eps, progress=False)
    return root, eps


def test_round_trip_is_bit_exact(written):
    root, eps = written
    reader = open_dataset(root)
    assert (reader.num_episodes, reader.num_frames, reader.fps) == (3, 26, 5.0)
    assert reader.tasks == ["pick up the cube", "open the drawer"]
    assert reader.embodiment == "widowx_bridge" and reader.spec == get_embodiment("widowx_bridge")
    assert reader.cameras == ["front", "wrist"] and reader.missing_videos == []
    for i, ep in enumerate(eps):
        assert_same_episode(reader.episode(i), ep)
    assert reader.episode(1).motion is None  # unlabeled episode stays unlabeled
    assert reader.episode(0, images=False).images == {}
    assert reader.episode_instructions() == [ep.instruction for ep in eps]
    assert reader.successes() == [True, False, True]
    starts, ends = reader.episode_bounds()
    assert starts.tolist() == [0, 9, 15] and ends.tolist() == [9, 15, 26]
    assert np.array_equal(reader.column("action"), np.concatenate([e.actions for e in eps]))
    frames = reader.frame_images(np.array([25, 0, 10]), "observation.images.wrist")
    want = np.stack([eps[2].images["wrist"][10], eps[0].images["wrist"][0],
                     eps[1].images["wrist"][1]])
    assert frames.dtype == np.uint8 and np.array_equal(frames, want)


def test_reader_pickles_without_its_cache(written):
    root, eps = written
    reader = open_dataset(root)
    reader.frame_images([3], "front")
    assert reader._cache  # filled by the read above
    clone = pickle.loads(pickle.dumps(reader))
    assert clone._cache == {}
    assert np.array_equal(clone.frame_images([3], "front")[0], eps[0].images["front"][3])


def test_info_json_follows_lerobot_v30(written):
    root, _ = written
    info = json.loads((root / "meta/info.json").read_text())
    fixture = json.loads((SO101 / "meta/info.json").read_text()) if SO101.exists() else None
    if fixture is not None:
        assert set(info) == set(fixture)
    assert info["codebase_version"] == "v3.0" and info["robot_type"] == "widowx_bridge"
    assert (info["total_episodes"], info["total_frames"], info["total_tasks"]) == (3, 26, 2)
    assert info["fps"] == 5 and isinstance(info["fps"], int)
    assert info["splits"] == {"train": "0:3"} and info["chunks_size"] == 1000
    assert info["data_path"] == "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
    feats = info["features"]
    assert list(feats) == ["action", "observation.state", "observation.images.front",
                           "observation.images.wrist", "motion", "timestamp", "frame_index",
                           "episode_index", "index", "task_index"]
    assert feats["action"] == {"dtype": "float32", "shape": [7],
                               "names": list(get_embodiment("widowx_bridge").action.names)}
    assert feats["observation.images.front"] == {
        "dtype": "image", "shape": [12, 12, 3], "names": ["height", "width", "channels"]}
    assert feats["motion"] == {"dtype": "string", "shape": [1], "names": None}
    assert feats["index"] == {"dtype": "int64", "shape": [1], "names": None}


def test_data_parquet_columns_have_lerobot_types(written):
    root, eps = written
    table = pq.read_table(root / "data/chunk-000/file-000.parquet")
    types = {f.name: str(f.type) for f in table.schema}
    assert types["action"].startswith("fixed_size_list<") and types["action"].endswith("[7]")
    assert types["observation.images.front"] == "struct<bytes: binary, path: string>"
    assert types["timestamp"] == "float" and types["index"] == "int64"
    assert types["motion"] == "string"
    png = table.column("observation.images.front")[0].as_py()["bytes"]
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    hf = json.loads(table.schema.metadata[b"huggingface"])["info"]["features"]
    assert hf["observation.images.front"] == {"_type": "Image"}
    assert hf["action"] == {"feature": {"dtype": "float32", "_type": "Value"}, "length": 7,
                            "_type": "List"}
    assert table.column("timestamp").to_numpy()[:3].tolist() == pytest.approx([0, 0.2, 0.4])
    assert table.column("frame_index").to_pylist()[:3] == [0, 1, 2]


def test_episodes_and_tasks_parquet_match_lerobot(written):
    root, eps = written
    ep_table = pq.read_table(root / "meta/episodes/chunk-000/file-000.parquet")
    rows = ep_table.to_pylist()
    assert [r["episode_index"] for r in rows] == [0, 1, 2]
    assert [r["tasks"] for r in rows] == [[e.instruction] for e in eps]
    assert [r["length"] for r in rows] == [9, 6, 11]
    assert [(r["dataset_from_index"], r["dataset_to_index"]) for r in rows] == [
        (0, 9), (9, 15), (15, 26)]
    assert {r["data/chunk_index"] for r in rows} == {0}
    assert rows[0]["meta/episodes/file_index"] == 0
    want = eps[1].actions.astype(np.float64)
    assert rows[1]["stats/action/q99"] == pytest.approx(np.quantile(want, 0.99, axis=0).tolist())
    assert rows[1]["stats/action/count"] == [6]
    assert np.array(rows[1]["stats/observation.images.front/mean"]).shape == (3, 1, 1)
    assert rows[2]["stats/index/min"] == [15]
    if SO101.exists():  # every LeRobot column the real fixture has, with the same type
        real = pq.read_schema(SO101 / "meta/episodes/chunk-000/file-000.parquet")
        mine = ep_table.schema
        for name in ("episode_index", "tasks", "length", "dataset_from_index",
                     "stats/action/min", "stats/index/min", "stats/timestamp/mean",
                     "meta/episodes/chunk_index"):
            assert mine.field(name).type == real.field(name).type, name
        assert pq.read_schema(root / "meta/tasks.parquet") == pq.read_schema(
            SO101 / "meta/tasks.parquet").remove_metadata().with_metadata(
            pq.read_schema(root / "meta/tasks.parquet").metadata)
    tasks = pq.read_table(root / "meta/tasks.parquet")
    pandas_meta = json.loads(tasks.schema.metadata[b"pandas"])
    assert pandas_meta["index_columns"] == ["__index_level_0__"]
    assert tasks.to_pylist() == [
        {"task_index": 0, "__index_level_0__": "pick up the cube"},
        {"task_index": 1, "__index_level_0__": "open the drawer"}]


def test_motionprior_json_holds_spec_and_success(written):
    root, _ = written
    extras = json.loads((root / "meta/motionprior.json").read_text())
    assert EmbodimentSpec.from_dict(extras["embodiment"]) == get_embodiment("widowx_bridge")
    assert extras["success"] == [True, False, True] and extras["fps"] == 5.0


def test_spec_from_motionprior_json_is_registered_on_open(tmp_path, monkeypatch):
    spec = EmbodimentSpec(
        name="test_lerobot_arm", robot="arm", fps=10.0,
        action=VectorSpec(names=tuple(f"a{i}" for i in range(7))),
        state=VectorSpec(names=tuple(f"s{i}" for i in range(7))),
    )
    monkeypatch.setitem(_REGISTRY, spec.name, spec)
    ep = make_episode(4, 0)
    ep = type(ep)(actions=ep.actions, state=ep.state, instruction="x", embodiment=spec.name,
                  fps=10.0)
    write_dataset(tmp_path / "ds", [ep], progress=False)
    monkeypatch.delitem(_REGISTRY, spec.name)  # a fresh process that never saw this spec
    reader = open_dataset(tmp_path / "ds")
    assert reader.spec == spec and get_embodiment(spec.name) == spec
    assert reader.fps == 10.0 and reader.cameras == []


def test_foreign_dataset_maps_robot_type_or_needs_override(written, tmp_path):
    root, _ = written
    import shutil

    foreign = tmp_path / "foreign"
    shutil.copytree(root, foreign)
    (foreign / "meta/motionprior.json").unlink()
    assert open_dataset(foreign).embodiment == "widowx_bridge"  # robot_type is registered
    assert open_dataset(foreign).successes() == [True, True, True]  # no flags recorded
    info = json.loads((foreign / "meta/info.json").read_text())
    info["robot_type"] = "koch_follower"
    (foreign / "meta/info.json").write_text(json.dumps(info))
    with pytest.raises(UnknownNameError, match=r"robot_type 'koch_follower' in meta/info.json "
                                               r"is not a registered embodiment; pass embodiment="):
        open_dataset(foreign)
    assert open_dataset(foreign, embodiment="widowx_bridge").embodiment == "widowx_bridge"
    with pytest.raises(UnknownNameError, match="unknown embodiment 'nope'"):
        open_dataset(foreign, embodiment="nope")


def test_unpickling_registers_the_spec_again(tmp_path, monkeypatch):
    """DataLoader workers started with spawn have a fresh registry."""
    spec = EmbodimentSpec(name="test_lerobot_pickled", robot="arm", fps=5.0,
                          action=VectorSpec(names=tuple("abcdefg")),
                          state=VectorSpec(names=tuple("abcdefg")))
    monkeypatch.setitem(_REGISTRY, spec.name, spec)
    ep = make_episode(3, 0)
    ep = type(ep)(actions=ep.actions, state=ep.state, instruction="x", embodiment=spec.name,
                  fps=5.0)
    reader = open_dataset(write_dataset(tmp_path / "ds", [ep], progress=False))
    data = pickle.dumps(reader)
    monkeypatch.delitem(_REGISTRY, spec.name)
    clone = pickle.loads(data)
    assert get_embodiment(spec.name) == spec
    assert np.array_equal(clone.episode(0).actions, ep.actions)


def test_column_of_a_camera_points_to_frame_images(written):
    root, _ = written
    with pytest.raises(DataError, match="'observation.images.front' is a camera; read it with "
                                        "frame_images"):
        open_dataset(root).column("observation.images.front")
