"""Bad video input: one-line errors naming the file and the frame; nothing half-written."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from motionprior.data.lerobot import open_dataset, write_dataset
from motionprior.data.lerobot.video import decode_frames
from motionprior.errors import DataError

sys.path.insert(0, str(Path(__file__).parent))  # tests run with --import-mode=importlib
from lerobot_cases import tree_bytes, video_episode  # noqa: E402

FIXTURE = Path(__file__).parent / "fixtures" / "lerobot_video_so101"
FRONT_MP4 = "videos/observation.images.front/chunk-000/file-000.mp4"


@pytest.fixture
def ds(tmp_path) -> Path:
    root = tmp_path / "ds"
    shutil.copytree(FIXTURE, root)
    return root


def _one_line(e: pytest.ExceptionInfo) -> str:
    msg = str(e.value)
    assert "\n" not in msg
    return msg


def test_missing_mp4_is_named_at_open_and_at_read(ds):
    reader = open_dataset(ds)
    (ds / FRONT_MP4).unlink()
    with pytest.raises(DataError) as e:
        reader.frame_images([13], "front")
    msg = _one_line(e)
    assert msg.startswith(f"{ds / FRONT_MP4}: video file is missing (needed for "
                          "observation.images.front episode 1 frame 1)")
    with pytest.warns(UserWarning, match=r"1 video file\(s\) declared in meta/info.json are "
                                         r"missing \(videos/observation.images.front/chunk-000/"):
        reopened = open_dataset(ds)
    assert reopened.cameras == ["wrist"]
    with pytest.raises(DataError, match=r"camera 'front' cannot be read: its video file\(s\) are "
                                        r"missing"):
        reopened.frame_images([0], "front")


@pytest.mark.parametrize("keep,words", [(200, "the file has no video stream (truncated"),
                                        (0.6, "cannot decode the video"),
                                        (0, "cannot open the video")])
def test_truncated_mp4_names_file_and_frame(ds, keep, words):
    path = ds / FRONT_MP4
    data = path.read_bytes()
    path.write_bytes(data[: int(keep if keep >= 1 else keep * len(data))])
    with pytest.raises(DataError) as e:
        open_dataset(ds).frame_images(np.arange(36), "front")
    msg = _one_line(e)
    assert msg.startswith(f"{path}: observation.images.front episode ") and words in msg, msg
    assert "re-encode or re-download it" in msg


def test_timestamp_outside_the_file(ds):
    path = next((ds / "meta/episodes").rglob("*.parquet"))
    table = pq.read_table(path)
    col = "videos/observation.images.front/from_timestamp"
    shifted = pa.array([t + 10.0 for t in table.column(col).to_pylist()], pa.float64())
    pq.write_table(table.set_column(table.column_names.index(col), col, shifted), path)
    with pytest.raises(DataError) as e:
        open_dataset(ds).frame_images([14], "front")
    assert _one_line(e) == (
        f"{ds / FRONT_MP4}: observation.images.front episode 1 frame 2: no video frame within "
        "0.0001 s of t=11.400000 s (1 of 1 queries missed); the file is shorter than "
        "meta/episodes says or its timestamps disagree")


def test_the_tolerance_rule_is_lerobots(ds):
    mp4 = ds / FRONT_MP4
    ok = decode_frames(mp4, np.array([0.3 + 9e-5]), ["q"], (48, 64, 3))
    np.testing.assert_array_equal(ok, decode_frames(mp4, np.array([0.3]), ["q"], (48, 64, 3)))
    with pytest.raises(DataError, match=r"q: no video frame within 0.0001 s of t=0.300110 s"):
        decode_frames(mp4, np.array([0.3 + 1.1e-4]), ["q"], (48, 64, 3))
    loose = decode_frames(mp4, np.array([0.3 + 0.01]), ["q"], (48, 64, 3), tolerance_s=0.02)
    np.testing.assert_array_equal(loose, ok)


def test_codec_the_decoder_cannot_read(ds):
    path = ds / FRONT_MP4
    path.write_bytes(path.read_bytes().replace(b"av01", b"zz99"))  # an unknown sample entry
    with pytest.raises(DataError) as e:
        open_dataset(ds).frame_images([5], "front")
    assert _one_line(e).startswith(
        f"{path}: observation.images.front episode 0 frame 5: the installed FFmpeg (PyAV ")
    assert "has no decoder for this video's codec; re-encode it as AV1, H.264 or HEVC" in str(
        e.value)


def test_failed_append_leaves_the_video_dataset_untouched(tmp_path):
    root = write_dataset(tmp_path / "ds", [video_episode(4, 1)], video=True, progress=False)
    before = tree_bytes(root)
    bad = video_episode(4, 2, size=(16, 16))
    with pytest.raises(DataError, match=r"episode 2: cameras .* but the dataset has"):
        write_dataset(root, [video_episode(3, 3), bad], video=True, append=True, progress=False)
    assert tree_bytes(root) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]


def test_a_failed_cache_fill_leaves_no_cache_file(ds, tmp_path):
    from motionprior.data.frames import FrameTable

    path = ds / FRONT_MP4
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) * 6 // 10])
    with pytest.raises(DataError, match=r"file-000.mp4: observation.images.front episode \d "
                                        r"frame \d+: cannot decode the video"):
        FrameTable.from_reader(open_dataset(ds), cache_dir=str(tmp_path / "cache"))
    left = [p.name for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert all(name.endswith("-wrist.npy") for name in left), left  # front: no partial file
