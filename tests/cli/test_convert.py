"""`motionprior convert`: RLDS -> LeRobot v3 round trip and one-line errors at the CLI."""

import re
import struct

import numpy as np
import pytest

from motionprior.cli import build_parser, main
from motionprior.data.lerobot import open_dataset
from motionprior.data.rlds import read_rlds, serialize_example, write_records

SHARD = "bridge_dataset-train.tfrecord-00000-of-00001"


@pytest.fixture
def bridge(shared_data):
    return shared_data / "bridge_rlds_sample"


def test_full_train_split_round_trips_bit_exactly(bridge, tmp_path, capsys):
    out = tmp_path / "bridge"
    assert main(["convert", str(bridge), str(out), "--no-progress"]) == 0
    assert capsys.readouterr().out == (f"wrote {out}: 25 episodes, 250 steps, embodiment "
                                       "widowx_bridge, cameras primary, secondary, tertiary\n")
    reader = open_dataset(out)
    expected = list(read_rlds(bridge))
    assert (reader.num_episodes, reader.num_frames, reader.fps) == (25, 250, 5.0)
    assert reader.embodiment == "widowx_bridge"
    assert reader.episode_instructions() == [e.instruction for e in expected]
    starts, ends = reader.episode_bounds()
    assert (ends - starts).tolist() == [10] * 25
    np.testing.assert_array_equal(reader.column("action"),
                                  np.concatenate([e.actions for e in expected]))
    for i, want in enumerate(expected):
        got = reader.episode(i)
        assert got.actions.dtype == want.actions.dtype == np.float32
        assert got.actions.tobytes() == want.actions.tobytes()
        assert got.state.tobytes() == want.state.tobytes()
        assert sorted(got.images) == sorted(want.images)
        for cam, frames in want.images.items():
            assert got.images[cam].tobytes() == frames.tobytes()


def test_append_cameras_and_no_images(bridge, tmp_path, capsys):
    out = tmp_path / "o"
    args = ["convert", str(bridge), str(out), "--no-progress", "--limit", "2"]
    assert main(args + ["--cameras", "image_0, image_3"]) == 0
    assert "cameras image_3, primary" in capsys.readouterr().out
    assert main(args + ["--split", "val", "--append", "--cameras", "primary,image_3"]) == 0
    reader = open_dataset(out)
    assert reader.num_episodes == 4
    assert reader.episode(3).images["image_3"].max() == 0
    val = list(read_rlds(bridge, split="val", cameras=["image_0", "image_3"]))
    assert reader.episode(2).images["primary"].tobytes() == val[0].images["primary"].tobytes()
    assert main(["convert", str(bridge), str(tmp_path / "n"), "--no-images", "--limit", "3",
                 "--no-progress"]) == 0
    assert open_dataset(tmp_path / "n").cameras == []


def test_video_flag_and_progress_reach_the_writer(bridge, tmp_path, monkeypatch):
    import motionprior.data.convert as convert

    seen = {}

    class Stop(Exception):
        pass

    def fake_write(out, episodes, **kwargs):
        seen.update(kwargs, n=sum(1 for _ in episodes))
        raise Stop

    monkeypatch.setattr(convert, "write_dataset", fake_write)
    with pytest.raises(Stop):
        main(["convert", str(bridge), str(tmp_path / "v"), "--video", "--limit", "2",
              "--no-progress"])
    assert seen == {"append": False, "video": True, "progress": False, "n": 2}


def _one_line_error(capsys, argv) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    line = captured.err.split("\r")[-1]  # after an erased progress bar, if one was shown
    assert line.startswith("motionprior convert: error: ")
    return line


def _corrupt_copies(bridge, tmp_path):
    data = bytearray((bridge / SHARD).read_bytes())
    (length,) = struct.unpack_from("<Q", data, 0)
    files = {}
    files["truncated"] = data[: length // 2]
    files["length_crc"] = data[:8] + b"\0\0\0\0" + data[12:]
    flipped = bytearray(data)
    flipped[12 + length + 4 + 12 + 500] ^= 0x01
    files["data_crc"] = flipped
    files["text"] = bytearray(b'{"this": "is json, not a tfrecord"}\n')
    paths = {}
    for name, content in files.items():
        paths[name] = tmp_path / f"{name}.tfrecord"
        paths[name].write_bytes(bytes(content))
    return paths, length


def test_corrupt_files_fail_with_one_line_and_write_nothing(bridge, tmp_path, capsys):
    paths, length = _corrupt_copies(bridge, tmp_path)
    expected = {
        "truncated": rf"truncated.tfrecord: record 0 at byte 0: truncated record \(needs "
                     rf"{length + 4} bytes, {length // 2 - 12} left\)",
        "length_crc": "length_crc.tfrecord: record 0 at byte 0: length checksum mismatch",
        "data_crc": rf"data_crc.tfrecord: record 1 at byte {length + 16}: data checksum mismatch",
        "text": "text.tfrecord: record 0 at byte 0: length checksum mismatch "
                r"\(not a tfrecord, or corrupt\)",
    }
    for name, pattern in expected.items():
        out = tmp_path / f"out_{name}"
        err = _one_line_error(capsys, ["convert", str(paths[name]), str(out), "--no-progress"])
        assert re.search(pattern, err), err
        assert not out.exists()


def test_bad_examples_fail_with_one_line(tmp_path, capsys):
    garbage = write_records(tmp_path / "g.tfrecord", [b"\x0a\xff\xff"])
    err = _one_line_error(capsys, ["convert", str(garbage), str(tmp_path / "a")])
    assert "g.tfrecord: record 0 at byte 0: not a tf.train.Example protobuf" in err
    record = {"steps/is_first": np.array([1, 0]), "steps/action": np.zeros(14, np.float32),
              "steps/language_instruction": [b"go", b"go"]}
    missing = write_records(tmp_path / "m.tfrecord", [serialize_example(record)])
    err = _one_line_error(capsys, ["convert", str(missing), str(tmp_path / "b")])
    assert ("m.tfrecord: record 0 at byte 0: missing feature 'steps/observation/state'; the "
            "record has steps/action, steps/is_first, steps/language_instruction") in err
    record["steps/observation/state"] = np.zeros(21, np.float32)
    mismatch = write_records(tmp_path / "s.tfrecord", [serialize_example(record)])
    err = _one_line_error(capsys, ["convert", str(mismatch), str(tmp_path / "c"), "--no-images"])
    assert "steps/observation/state has 21 values, expected 2 steps x 7 dims" in err
    assert not any((tmp_path / d).exists() for d in "abc")


def test_bad_flags_fail_with_one_line(bridge, tmp_path, capsys):
    err = _one_line_error(capsys, ["convert", str(bridge), str(tmp_path / "x"), "--dataset",
                                   "fractal"])
    assert err.endswith("unknown RLDS dataset 'fractal'; known: bridge\n")
    err = _one_line_error(capsys, ["convert", str(bridge), str(tmp_path / "x"), "--split", "test"])
    assert "no split 'test'; the dataset has train, val" in err
    err = _one_line_error(capsys, ["convert", str(tmp_path / "nowhere"), str(tmp_path / "x")])
    assert "nowhere: no such file or folder" in err
    err = _one_line_error(capsys, ["convert", str(bridge), str(tmp_path / "x"), "--limit", "0"])
    assert "--limit must be >= 1, got 0" in err
    err = _one_line_error(capsys, ["convert", str(bridge), str(tmp_path / "x"), "--cameras", ","])
    assert "--cameras is empty" in err
    assert not (tmp_path / "x").exists()


def test_every_flag_has_help_text():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "verb").choices["convert"]
    for action in sub._actions:
        assert action.help, action.dest
