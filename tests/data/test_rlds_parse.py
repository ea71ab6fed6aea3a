"""RLDS reading below the episode level: CRC32C, framing, the Example wire format, parsing."""

import struct

import numpy as np
import pytest

from motionprior.data.rlds import (
    count_records,
    count_rlds,
    crc32c,
    iter_records,
    masked_crc32c,
    parse_example,
    read_rlds,
    serialize_example,
    summarize_rlds,
    write_records,
)
from motionprior.data.rlds.example import Example, FloatList
from motionprior.errors import DataError

SHARD = "bridge_rlds_sample/bridge_dataset-{}.tfrecord-00000-of-00001"


def _crc32c_reference(data: bytes) -> int:
    """Bitwise CRC32C (reflected polynomial 0x82F63B78), the textbook definition."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


@pytest.mark.parametrize("data, expected", [
    (b"", 0x00000000),
    (b"123456789", 0xE3069283),           # the standard check value
    (bytes(32), 0x8A9136AA),              # RFC 3720 B.4: 32 bytes of zeros
    (b"\xff" * 32, 0x62A8AB43),           # RFC 3720 B.4: 32 bytes of 0xff
    (bytes(range(32)), 0x46DD794E),       # RFC 3720 B.4: ascending bytes
])
def test_crc32c_known_vectors(data, expected):
    assert crc32c(data) == expected == _crc32c_reference(data)
    rotated = ((expected >> 15) | (expected << 17)) & 0xFFFFFFFF
    assert masked_crc32c(data) == (rotated + 0xA282EAD8) % 2**32


def test_record_framing_matches_the_bytes_on_disk(shared_data):
    path = shared_data / SHARD.format("train")
    raw = path.read_bytes()
    (length,) = struct.unpack_from("<Q", raw, 0)
    (length_crc,) = struct.unpack_from("<I", raw, 8)
    (data_crc,) = struct.unpack_from("<I", raw, 12 + length)
    first = next(iter_records(path))
    assert (first.index, first.offset, first.data) == (0, 0, raw[12:12 + length])
    assert length_crc == masked_crc32c(raw[:8]) and data_crc == masked_crc32c(first.data)
    assert count_records(path) == 25 == sum(1 for _ in iter_records(path))


def test_write_records_round_trip_and_empty_payload(tmp_path):
    payloads = [b"", b"a", bytes(range(256)) * 10]
    path = write_records(tmp_path / "x.tfrecord", payloads)
    assert [r.data for r in iter_records(path)] == payloads
    assert [r.offset for r in iter_records(path)] == [0, 16, 33]
    assert count_records(path) == 3


def test_truncated_header_and_gzip_are_named(tmp_path, shared_data):
    data = (shared_data / SHARD.format("train")).read_bytes()
    (length,) = struct.unpack_from("<Q", data, 0)
    cut = tmp_path / "cut.tfrecord"
    cut.write_bytes(data[: 16 + length + 5])  # record 1's header is cut after 5 bytes
    with pytest.raises(DataError, match=rf"cut.tfrecord: record 1 at byte {16 + length}: "
                                        r"truncated header \(5 of 12 bytes\)"):
        list(iter_records(cut))
    short = tmp_path / "short.tfrecord"
    short.write_bytes(data[:1000])
    with pytest.raises(DataError, match=rf"record 0 at byte 0: truncated record \(needs "
                                        rf"{length + 4} bytes, 988 left\)"):
        count_records(short)
    gz = tmp_path / "z.tfrecord.gz"
    gz.write_bytes(b"\x1f\x8b\x08\x00" + bytes(20))
    with pytest.raises(DataError, match="z.tfrecord.gz: record 0 at byte 0: the file is "
                                        "GZIP-compressed; decompress it first"):
        list(iter_records(gz))
    with pytest.raises(DataError, match="nope.tfrecord: tfrecord file not found"):
        list(iter_records(tmp_path / "nope.tfrecord"))


def _wire_fields(buf: bytes):
    """Minimal protobuf wire decoder: yields (field number, wire type, value) per field."""
    pos = 0

    def varint():
        nonlocal pos
        shift = result = 0
        while True:
            b = buf[pos]
            pos += 1
            result |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return result

    while pos < len(buf):
        key = varint()
        number, wire = key >> 3, key & 7
        if wire == 2:
            n = varint()
            yield number, wire, buf[pos:pos + n]
            pos += n
        elif wire == 0:
            yield number, wire, varint()
        elif wire == 5:
            yield number, wire, buf[pos:pos + 4]
            pos += 4
        else:
            raise AssertionError(f"unexpected wire type {wire}")


def _manual_decode(payload: bytes) -> dict[str, tuple[int, bytes]]:
    """Example(1: Features(1: map entry(1: key, 2: Feature))) -> {key: (kind field, body)}."""
    out = {}
    [(_, _, features)] = list(_wire_fields(payload))
    for _, _, entry in _wire_fields(features):
        fields = {n: v for n, _, v in _wire_fields(entry)}
        [(kind, _, body)] = list(_wire_fields(fields[2]))
        out[fields[1].decode()] = (kind, body)
    return out


def test_parse_matches_a_hand_written_wire_decode_of_the_first_record(shared_data):
    payload = next(iter_records(shared_data / SHARD.format("train"))).data
    manual = _manual_decode(payload)
    parsed = parse_example(payload, "r")
    assert sorted(parsed) == sorted(manual) and len(parsed) == 20
    for key, (kind, body) in manual.items():
        if kind == 2:  # float_list: one packed run of float32
            [(_, wire, run)] = list(_wire_fields(body))
            assert wire == 2
            np.testing.assert_array_equal(parsed[key], np.frombuffer(run, "<f4"))
        elif kind == 1:  # bytes_list
            assert parsed[key] == [v for _, _, v in _wire_fields(body)]
    assert manual["steps/action"][0] == 2 and parsed["steps/action"].shape == (70,)
    assert parsed["steps/is_first"].tolist() == [1] + [0] * 9
    first = next(read_rlds(shared_data / SHARD.format("train")))
    action_run = list(_wire_fields(manual["steps/action"][1]))[0][2]
    np.testing.assert_array_equal(first.actions, np.frombuffer(action_run, "<f4").reshape(10, 7))
    state_run = list(_wire_fields(manual["steps/observation/state"][1]))[0][2]
    np.testing.assert_array_equal(first.state, np.frombuffer(state_run, "<f4").reshape(10, 7))
    text = list(_wire_fields(manual["steps/language_instruction"][1]))[0][2]
    assert first.instruction == text.decode() == "put cup from counter or drying rack into sink"


def test_example_classes_use_the_real_field_numbers_and_packed_floats():
    assert FloatList(value=[1.5, 2.5]).SerializeToString().hex() == "0a080000c03f00002040"
    ex = Example()
    ex.features.feature["k"].int64_list.value.extend([1, 300])
    # Example.features=1 / map entry=1 / key=1, value=2 / Feature.int64_list=3 / packed varints
    assert ex.SerializeToString().hex() == "0a0e0a0c0a016b12071a050a0301ac02"
    assert _manual_decode(ex.SerializeToString()) == {"k": (3, bytes.fromhex("0a0301ac02"))}


def test_unpacked_and_split_float_lists_decode_like_packed_ones():
    unpacked = b"".join(b"\x0d" + np.float32(v).tobytes() for v in (1.5, -2.0, 3.25))
    split = (b"\x0a\x04" + np.float32(1.5).tobytes()
             + b"\x0a\x08" + np.float32([-2.0, 3.25]).tobytes())
    for body in (unpacked, split):
        feature = b"\x12" + bytes([len(body)]) + body
        entry = b"\x0a\x01k\x12" + bytes([len(feature)]) + feature
        payload = b"\x0a" + bytes([len(entry) + 2]) + b"\x0a" + bytes([len(entry)]) + entry
        assert parse_example(payload, "r")["k"].tolist() == [1.5, -2.0, 3.25]
        assert list(Example.FromString(payload).features.feature["k"].float_list.value) == [
            1.5, -2.0, 3.25]


def test_serialize_then_parse_keeps_kinds_and_values():
    values = {"f": np.float32([0.1, -7.0]), "i": np.array([3, -4]), "b": [b"x", b""],
              "s": ["text"], "e": np.zeros(0, np.float32)}
    parsed = parse_example(serialize_example(values), "r")
    assert parsed["f"].dtype == np.float32 and parsed["f"].tolist() == values["f"].tolist()
    assert parsed["i"].dtype == np.int64 and parsed["i"].tolist() == [3, -4]
    assert parsed["b"] == [b"x", b""] and parsed["s"] == [b"text"] and parsed["e"].size == 0


def test_float_run_of_odd_length_is_rejected():
    body = b"\x0a\x03abc"
    feature = b"\x12" + bytes([len(body)]) + body
    entry = b"\x0a\x01k\x12" + bytes([len(feature)]) + feature
    payload = b"\x0a" + bytes([len(entry) + 2]) + b"\x0a" + bytes([len(entry)]) + entry
    with pytest.raises(DataError, match="r: float feature 'k' holds 3 bytes, not float32s"):
        parse_example(payload, "r")


def test_count_and_summary_of_the_fixture(shared_data):
    src = shared_data / "bridge_rlds_sample"
    assert count_rlds(src) == 25 == count_rlds(src, "val")
    summary = summarize_rlds(src, "bridge", "val", images=True)
    assert (summary.episodes, summary.steps, len(summary.files)) == (25, 250, 1)
    assert summary.instructions["put carrot on plate"] == 8 and sum(
        summary.instructions.values()) == 25
    assert summary.black_frames["image_3"] == (250, 250)
    assert all(summary.black_frames[f"image_{k}"] == (0, 250) for k in range(3))
    assert "steps/observation/image_3" in summary.keys
    assert summary.lines()[0] == "dataset bridge, split val: 25 episodes, 250 steps in 1 file(s)"
    assert summarize_rlds(src).black_frames == {}
