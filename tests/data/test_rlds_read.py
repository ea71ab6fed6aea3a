"""RLDS episodes: shard resolution, cameras, standardization entries and bad input."""

import io
import json
import shutil

import numpy as np
import pytest
from PIL import Image

from motionprior.data.rlds import (
    RLDSStandardization,
    get_standardization,
    read_rlds,
    resolve_shards,
    serialize_example,
    write_records,
)
from motionprior.data.rlds.example import parse_example
from motionprior.data.rlds.reader import episode_from_example
from motionprior.errors import ConfigError, DataError

SHARD = "bridge_dataset-{}.tfrecord-00000-of-00001"


@pytest.fixture
def bridge(shared_data):
    return shared_data / "bridge_rlds_sample"


def _jpeg(color=(10, 20, 30), size=8) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buf, format="JPEG")
    return buf.getvalue()


def _record(steps=3, **over) -> dict:
    f = {"steps/is_first": np.array([1] + [0] * (steps - 1)),
         "steps/action": np.arange(steps * 7, dtype=np.float32),
         "steps/observation/state": -np.arange(steps * 7, dtype=np.float32),
         "steps/language_instruction": [b"", b"  wipe the table "] + [b"x"] * (steps - 2)}
    for cam in ("image_0", "image_1", "image_2"):
        f[f"steps/observation/{cam}"] = [_jpeg()] * steps
    f.update(over)
    return {k: v for k, v in f.items() if v is not None}


def test_both_splits_have_the_documented_shape_and_hold_the_same_episodes(bridge):
    train, val = list(read_rlds(bridge, split="train")), list(read_rlds(bridge, split="val"))
    assert len(train) == len(val) == 25
    for a in train + val:
        assert a.actions.shape == a.state.shape == (10, 7) and a.actions.dtype == np.float32
        assert a.actions.flags.writeable and a.instruction != ""
        assert {k: v.shape for k, v in a.images.items()} == {
            c: (10, 64, 64, 3) for c in ("primary", "secondary", "tertiary")}
        assert a.actions[:, 6].min() >= 0.0 and a.actions[:, 6].max() <= 1.0
    grip = np.concatenate([a.actions[:, 6] for a in train])
    assert np.isin(grip, [0.0, 1.0]).sum() == 241  # 0/1 commands, 9 in-between steps
    # the same 25 episodes, stored in another order
    by_actions = {b.actions.tobytes(): b for b in val}
    for a in train:
        b = by_actions[a.actions.tobytes()]
        assert a.instruction == b.instruction
        np.testing.assert_array_equal(a.state, b.state)
        np.testing.assert_array_equal(a.images["primary"], b.images["primary"])


def test_explicit_files_list_reads_both_shards_in_order(bridge):
    files = [bridge / SHARD.format("val"), bridge / SHARD.format("train")]
    assert resolve_shards(files).files == tuple(files)
    episodes = list(read_rlds(files, images=False))
    assert len(episodes) == 50 and episodes[0].images == {}
    with pytest.raises(DataError, match="missing.tfrecord: no such TFRecord file"):
        resolve_shards([bridge / "missing.tfrecord"])


def test_camera_selection_by_key_or_name(bridge):
    ep = next(read_rlds(bridge, cameras=["image_3", "primary"]))
    assert sorted(ep.images) == ["image_3", "primary"]
    assert ep.images["image_3"].max() == 0  # the placeholder slot is all black
    assert ep.images["primary"].mean() > 50
    with pytest.raises(ConfigError, match="a camera is chosen twice"):
        next(read_rlds(bridge, cameras=["image_0", "primary"]))
    with pytest.raises(DataError, match=r"record 0 at byte 0: missing feature "
                                        r"'steps/observation/wrist'; the record has "
                                        r"episode_metadata/episode_id, "):
        next(read_rlds(bridge, cameras=["wrist"]))


def _copy_dataset(bridge, tmp_path, **info_changes):
    out = tmp_path / "ds"
    shutil.copytree(bridge, out)
    out.chmod(0o755)  # the shared samples are read-only
    for f in out.iterdir():
        f.chmod(0o644)
    info = json.loads((out / "dataset_info.json").read_text())
    info.update(info_changes)
    (out / "dataset_info.json").write_text(json.dumps(info))
    return out, info


def test_dataset_info_is_checked(bridge, tmp_path):
    out, info = _copy_dataset(bridge, tmp_path)
    info["splits"][0]["shardLengths"] = ["24"]
    (out / "dataset_info.json").write_text(json.dumps(info))
    with pytest.raises(DataError, match=r"train.tfrecord-00000-of-00001: holds 25 episodes but "
                                        r".*dataset_info.json says 24"):
        list(read_rlds(out, images=False))
    (out / SHARD.format("val")).unlink()
    with pytest.raises(DataError, match=r"val.tfrecord-00000-of-00001: shard 1 of 1 of split "
                                        r"'val' listed in .*dataset_info.json is missing"):
        list(read_rlds(out, split="val"))
    (out / "dataset_info.json").write_text("{not json")
    with pytest.raises(DataError, match="dataset_info.json: not a readable TFDS dataset_info"):
        list(read_rlds(out))


def test_folder_of_another_registered_dataset_is_refused(bridge, tmp_path):
    other = RLDSStandardization(name="other_test_ds", embodiment="widowx_bridge", fps=3.0,
                                cameras=(), aliases=("other_builder",))
    from motionprior.data.rlds.standardize import _REGISTRY, register_standardization

    register_standardization(other)
    try:
        out, _ = _copy_dataset(bridge, tmp_path, name="other_builder")
        (out / "bridge_dataset-train.tfrecord-00000-of-00001").rename(
            out / "other_builder-train.tfrecord-00000-of-00001")
        with pytest.raises(ConfigError, match=r"describes dataset 'other_builder', but 'bridge' "
                                              r"was requested; use dataset='other_test_ds'"):
            next(read_rlds(out))
        ep = next(read_rlds(out, "other_test_ds"))
        assert ep.fps == 3.0 and ep.images == {}
    finally:
        del _REGISTRY["other_test_ds"]


def test_folder_without_dataset_info_globs_the_split(bridge, tmp_path):
    shutil.copy(bridge / SHARD.format("val"), tmp_path)
    assert len(list(read_rlds(tmp_path, split="val", images=False))) == 25
    with pytest.raises(DataError, match=r"no tfrecord shards for split 'train'"):
        list(read_rlds(tmp_path))


def test_episode_mapping_values_and_placeholders():
    entry = get_standardization("bridge")
    f = parse_example(serialize_example(_record(**{
        "steps/observation/image_1": [_jpeg((200, 0, 0)), b"", _jpeg((200, 0, 0))]})), "r")
    ep = episode_from_example(f, entry, "r")
    np.testing.assert_array_equal(ep.actions, np.arange(21, dtype=np.float32).reshape(3, 7))
    np.testing.assert_array_equal(ep.state, -np.arange(21, dtype=np.float32).reshape(3, 7))
    assert ep.instruction == "wipe the table"  # first non-empty step, stripped
    assert ep.images["secondary"][1].max() == 0 and ep.images["secondary"][0, 0, 0, 0] > 150
    ep = episode_from_example(parse_example(serialize_example(
        _record(**{"steps/is_first": None})), "r"), entry, "r")
    assert len(ep) == 3  # without is_first the action length fixes the step count


@pytest.mark.parametrize("override, message", [
    ({"steps/observation/state": np.zeros(20, np.float32)},
     "r: steps/observation/state has 20 values, expected 3 steps x 7 dims"),
    ({"steps/language_instruction": [b"a"] * 4},
     "r: steps/language_instruction has 4 values for 3 steps"),
    ({"steps/is_first": np.array([1, 0])}, "r: steps/action has 21 values, expected 2 steps"),
    ({"steps/action": [b"not floats"] * 3}, "r: steps/action holds bytes values, expected float"),
    ({"steps/language_instruction": np.zeros(3, np.float32)},
     "r: steps/language_instruction holds float32 numbers, expected bytes"),
    ({"steps/observation/image_2": [b"", b"", b""]},
     r"r image_2: every frame is empty; leave this camera out \(--cameras\)"),
    ({"steps/observation/image_2": [_jpeg(), _jpeg(size=4), _jpeg()]},
     r"r image_2: frames differ in size \[\(4, 4, 3\), \(8, 8, 3\)\]"),
    ({"steps/observation/image_0": [b"\xff\xd8junk"] * 3},
     "r image_0: undecodable image at step 0"),
    ({"steps/is_first": np.zeros(0, np.int64)}, "r: episode has no steps"),
    ({"steps/language_instruction": [b"\xff\xfe"] * 3}, "r: the language instruction is not UTF"),
])
def test_bad_episode_content_is_a_one_line_error(override, message):
    f = parse_example(serialize_example(_record(**override)), "r")
    with pytest.raises(DataError, match=message) as info:
        episode_from_example(f, get_standardization("bridge"), "r")
    assert "\n" not in str(info.value)


def test_entry_meaning_must_match_the_embodiment():
    entry = RLDSStandardization(name="t", embodiment="widowx_bridge", fps=5.0, cameras=(),
                                action_meaning=("dx", "dy"))
    f = parse_example(serialize_example(_record()), "r")
    with pytest.raises(ConfigError, match="standardization 't': 2 action dims named but "
                                          "embodiment 'widowx_bridge' has 7"):
        episode_from_example(f, entry, "r")
    with pytest.raises(ConfigError, match="fps must be > 0"):
        RLDSStandardization(name="t", embodiment="widowx_bridge", fps=0.0, cameras=())


def test_a_written_rlds_file_reads_back(tmp_path):
    path = write_records(tmp_path / "mine-train.tfrecord-00000-of-00001",
                         [serialize_example(_record(steps=s)) for s in (2, 5)])
    episodes = list(read_rlds(tmp_path))
    assert [len(e) for e in episodes] == [2, 5] and path.exists()
