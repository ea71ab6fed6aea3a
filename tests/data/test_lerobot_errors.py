"""Bad datasets and bad calls: each a one-line DataError naming the file and the problem."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from motionprior.data.lerobot import open_dataset, write_dataset
from motionprior.errors import ConfigError, DataError

sys.path.insert(0, str(Path(__file__).parent))  # tests run with --import-mode=importlib
from lerobot_cases import make_episode, three_episodes  # noqa: E402

DATA = "data/chunk-000/file-000.parquet"
EPISODES = "meta/episodes/chunk-000/file-000.parquet"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    return write_dataset(tmp_path_factory.mktemp("bad") / "ds", three_episodes(), progress=False)


@pytest.fixture
def ds(pristine, tmp_path):
    root = tmp_path / "ds"
    shutil.copytree(pristine, root)
    return root


def _edit_info(root: Path, **changes) -> None:
    info = json.loads((root / "meta/info.json").read_text())
    info.update(changes)
    (root / "meta/info.json").write_text(json.dumps(info))


def _one_line(excinfo) -> str:
    message = str(excinfo.value)
    assert "\n" not in message
    return message


def test_missing_info_json(ds):
    (ds / "meta/info.json").unlink()
    with pytest.raises(DataError, match=r"meta/info.json: file is missing; .* is not a LeRobot "
                                        r"v3.0 dataset") as e:
        open_dataset(ds)
    _one_line(e)


def test_wrong_codebase_version_says_how_to_convert(ds):
    _edit_info(ds, codebase_version="v2.1")
    with pytest.raises(DataError, match=r"meta/info.json: codebase_version is 'v2.1', but only "
                                        r"LeRobot v3.0 datasets are supported; convert it with "
                                        r"LeRobot first: python -m lerobot.datasets.v30."
                                        r"convert_dataset_v21_to_v30") as e:
        open_dataset(ds)
    _one_line(e)


@pytest.mark.parametrize("path", [DATA, EPISODES, "meta/tasks.parquet"])
def test_truncated_parquet_names_the_file(ds, path):
    data = (ds / path).read_bytes()
    (ds / path).write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=rf"{path}: corrupt or truncated parquet file \(") as e:
        open_dataset(ds)
    _one_line(e)


def test_garbage_parquet_names_the_file(ds):
    (ds / DATA).write_bytes(b"not a parquet file at all" * 10)
    with pytest.raises(DataError, match=rf"{DATA}: corrupt or truncated parquet file"):
        open_dataset(ds)


def test_missing_data_file(ds):
    (ds / DATA).unlink()
    with pytest.raises(DataError, match=rf"{DATA}: file is missing"):
        open_dataset(ds)


def test_declared_feature_absent_from_parquet(ds):
    table = pq.read_table(ds / DATA).drop_columns(["observation.state"])
    pq.write_table(table, ds / DATA)
    with pytest.raises(DataError, match=rf"{DATA}: feature 'observation.state' is declared in "
                                        r"meta/info.json but missing from the parquet file") as e:
        open_dataset(ds)
    _one_line(e)


def test_row_count_disagreeing_with_episodes(ds):
    table = pq.read_table(ds / DATA)
    pq.write_table(table.slice(0, 20), ds / DATA)
    with pytest.raises(DataError, match=rf"{DATA}: has 20 rows but meta/episodes puts 26"):
        open_dataset(ds)


def test_totals_disagreeing_with_episodes(ds):
    _edit_info(ds, total_frames=99)
    with pytest.raises(DataError, match=r"info.json: total_episodes/total_frames say 3/99 but "
                                        r"meta/episodes has 3/26"):
        open_dataset(ds)


def test_invalid_json_and_missing_fields(ds):
    (ds / "meta/info.json").write_text("{not json")
    with pytest.raises(DataError, match=r"meta/info.json: not valid JSON"):
        open_dataset(ds)
    (ds / "meta/info.json").write_text(json.dumps({"codebase_version": "v3.0"}))
    with pytest.raises(DataError, match=r"info.json: missing field\(s\) fps, features, data_path"):
        open_dataset(ds)


def test_state_dims_disagreeing_with_embodiment(ds):
    with pytest.raises(DataError, match=r"action has shape \[7\] but embodiment 'so101_follower' "
                                        r"declares 6 dims"):
        open_dataset(ds, embodiment="so101_follower")


def test_missing_dataset_directory(tmp_path):
    with pytest.raises(DataError, match=r"nope: no such dataset directory"):
        open_dataset(tmp_path / "nope")


def test_bad_write_calls(tmp_path):
    with pytest.raises(ConfigError, match="video must be True, False or a VideoConfig, got 1"):
        write_dataset(tmp_path / "v", [make_episode(3, 0)], video=1, progress=False)
    with pytest.raises(DataError, match=r"e: no episodes to write"):
        write_dataset(tmp_path / "e", [], progress=False)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(DataError, match="write_dataset expects Episode objects, got dict"):
        write_dataset(tmp_path / "d", [{"actions": 1}], progress=False)
    mixed = [make_episode(3, 0), make_episode(3, 1, cameras=("top",))]
    with pytest.raises(DataError, match=r"episode 1: cameras \{'top'"):
        write_dataset(tmp_path / "m", mixed, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_unknown_camera_and_out_of_range(pristine):
    reader = open_dataset(pristine)
    with pytest.raises(KeyError, match=r"unknown camera 'side'; known: front, wrist"):
        reader.frame_images([0], "side")
    with pytest.raises(DataError, match=r"frame index out of range \[0, 26\)"):
        reader.frame_images([26], "front")
    with pytest.raises(DataError, match=r"episode 3 out of range \[0, 3\)"):
        reader.episode(3)
    with pytest.raises(DataError, match=r"no feature 'reward'; features: action"):
        reader.column("reward")
