import struct

import numpy as np
import pytest

from motionprior.data.rlds import masked_crc32c, read_records, read_rlds
from motionprior.data.rlds.example import parse_example, serialize_example
from motionprior.data.rlds.reader import episode_from_example
from motionprior.data.rlds.standardize import get_standardization
from motionprior.data.rlds.tfrecord import write_records
from motionprior.errors import DataError, UnknownNameError

SHARD = "bridge_rlds_sample/bridge_dataset-{}.tfrecord-00000-of-00001"


def test_crc32c_matches_the_standard_check_value():
    import google_crc32c

    assert google_crc32c.value(b"123456789") == 0xE3069283
    # masked = rotr15(crc) + 0xa282ead8, checked by hand for crc32c(b"") == 0
    assert masked_crc32c(b"") == 0xA282EAD8


@pytest.mark.parametrize("split", ["train", "val"])
def test_both_bridge_shards_read(shared_data, split):
    episodes = list(read_rlds(shared_data / "bridge_rlds_sample", "bridge", split))
    assert len(episodes) == 25
    for ep in episodes:
        assert len(ep) == 10 and ep.actions.shape == (10, 7) and ep.state.shape == (10, 7)
        assert ep.embodiment == "widowx_bridge" and ep.fps == 5.0 and ep.instruction
        assert sorted(ep.images) == ["primary", "secondary", "tertiary"]
        assert ep.images["primary"].shape == (10, 64, 64, 3)
        assert ep.actions[:, 6].min() >= 0.0 and ep.actions[:, 6].max() <= 1.0  # gripper opening


def test_values_equal_a_direct_protobuf_decode(shared_data):
    from motionprior.data.rlds.example import Example

    path = shared_data / SHARD.format("train")
    raw = Example.FromString(next(read_records(path))).features.feature
    ep = next(read_rlds(path))
    np.testing.assert_array_equal(ep.actions.ravel(),
                                  np.float32(raw["steps/action"].float_list.value))
    np.testing.assert_array_equal(ep.state.ravel(),
                                  np.float32(raw["steps/observation/state"].float_list.value))
    assert ep.instruction == raw["steps/language_instruction"].bytes_list.value[0].decode()


def _copy(shared_data, tmp_path) -> bytes:
    return (shared_data / SHARD.format("train")).read_bytes()


def test_truncated_file(shared_data, tmp_path):
    bad = tmp_path / "t.tfrecord"
    bad.write_bytes(_copy(shared_data, tmp_path)[:50_000])
    with pytest.raises(DataError, match=r"t.tfrecord: record 0 at byte 0: truncated record"):
        list(read_records(bad))


def test_bad_length_and_data_checksums(shared_data, tmp_path):
    data = bytearray(_copy(shared_data, tmp_path))
    bad = tmp_path / "len.tfrecord"
    bad.write_bytes(bytes(data[:8]) + b"\0\0\0\0" + bytes(data[12:]))
    with pytest.raises(DataError, match="record 0 at byte 0: length checksum mismatch"):
        list(read_records(bad))
    (length,) = struct.unpack_from("<Q", data, 0)
    data[12 + length + 4 + 12 + 100] ^= 0xFF  # a byte inside record 1's payload
    bad = tmp_path / "data.tfrecord"
    bad.write_bytes(bytes(data))
    with pytest.raises(DataError, match=rf"record 1 at byte {length + 16}: data checksum mismatch"):
        list(read_records(bad))


def test_not_a_tfrecord_and_not_an_example(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello, this is not a tfrecord at all")
    with pytest.raises(DataError, match="notes.txt: record 0 at byte 0: length checksum mismatch"):
        list(read_records(bad))
    garbage = tmp_path / "g.tfrecord"
    write_records(garbage, [b"\xff\xff\xff\xff"])
    with pytest.raises(DataError, match="g.tfrecord: record 0 at byte 0: not a tf.train.Example"):
        list(read_rlds(garbage))


def _features(steps=3, **over):
    f = {"steps/is_first": np.array([1] + [0] * (steps - 1)),
         "steps/action": np.zeros(steps * 7, np.float32),
         "steps/observation/state": np.zeros(steps * 7, np.float32),
         "steps/language_instruction": [b"wipe the table"] * steps}
    for cam in ("image_0", "image_1", "image_2"):
        f[f"steps/observation/{cam}"] = [_jpeg()] * steps
    f.update(over)
    return parse_example(serialize_example(f), "x")


def _jpeg() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(buf, format="JPEG")
    return buf.getvalue()


def test_missing_key_and_step_count_mismatch_name_the_problem():
    entry = get_standardization("bridge")
    f = _features()
    del f["steps/action"]
    with pytest.raises(DataError, match="rec: missing feature 'steps/action'; the record has "):
        episode_from_example(f, entry, "rec")
    f = _features(**{"steps/action": np.zeros(20, np.float32)})
    with pytest.raises(DataError, match="steps/action has 20 values, expected 3 steps x 7 dims"):
        episode_from_example(f, entry, "rec")
    f = _features(**{"steps/observation/image_1": [_jpeg()] * 2})
    with pytest.raises(DataError, match="image_1 has 2 frames for 3 steps"):
        episode_from_example(f, entry, "rec")
    f = _features(**{"steps/observation/image_0": [b"not a jpeg"] * 3})
    with pytest.raises(DataError, match="rec image_0: undecodable image"):
        episode_from_example(f, entry, "rec")
    ep = episode_from_example(_features(), entry, "rec")
    assert ep.instruction == "wipe the table" and ep.images["primary"].shape == (3, 8, 8, 3)


def test_unknown_dataset_and_split(shared_data):
    with pytest.raises(UnknownNameError, match="unknown RLDS dataset 'fractal'; known: bridge"):
        list(read_rlds(shared_data / "bridge_rlds_sample", "fractal"))
    with pytest.raises(DataError, match="no split 'test'; the dataset has train, val"):
        list(read_rlds(shared_data / "bridge_rlds_sample", "bridge", "test"))
