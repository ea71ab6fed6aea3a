"""Cameras written as LeRobot mp4 video features read back within the codec's loss."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from motionprior.data.frames import FrameTable
from motionprior.data.lerobot import open_dataset, write_dataset
from motionprior.data.lerobot.video_encode import VideoConfig
from motionprior.errors import ConfigError, DataError

sys.path.insert(0, str(Path(__file__).parent))  # tests run with --import-mode=importlib
from lerobot_cases import make_episode, tree_bytes, video_episode  # noqa: E402

FRONT = "observation.images.front"


def _read_all(root: Path, cam: str) -> np.ndarray:
    reader = open_dataset(root)
    return reader.frame_images(np.arange(reader.num_frames), cam)


def _mae(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


@pytest.mark.parametrize("codec,name,width", [("libsvtav1", "av1", 48), ("h264", "h264", 48),
                                              ("hevc", "hevc", 64)])
def test_video_round_trip_within_codec_loss(tmp_path, codec, name, width):
    eps = [video_episode(7, 1, size=(32, width)),
           video_episode(5, 2, size=(32, width), instruction="open the drawer")]
    root = write_dataset(tmp_path / "ds", eps, video=VideoConfig(codec=codec), progress=False)
    info = json.loads((root / "meta/info.json").read_text())
    ft = info["features"][FRONT]
    assert info["video_path"] == ("videos/{video_key}/chunk-{chunk_index:03d}/"
                                  "file-{file_index:03d}.mp4")
    assert ft["dtype"] == "video" and ft["shape"] == [32, width, 3]
    assert ft["info"] == {"video.height": 32, "video.width": width, "video.codec": name,
                          "video.pix_fmt": "yuv420p", "video.is_depth_map": False,
                          "video.fps": 5, "video.channels": 3, "has_audio": False}
    assert not list((root / "data").rglob("*.png"))
    schema = pq.read_schema(root / "data/chunk-000/file-000.parquet")
    assert FRONT not in schema.names  # video features live in the mp4 files only
    eps_meta = pq.read_table(root / "meta/episodes/chunk-000/file-000.parquet").to_pydict()
    assert eps_meta[f"videos/{FRONT}/from_timestamp"] == [0.0, 7 / 5]
    assert eps_meta[f"videos/{FRONT}/to_timestamp"] == [7 / 5, 12 / 5]
    assert eps_meta[f"videos/{FRONT}/file_index"] == [0, 0]
    for cam in ("front", "wrist"):
        got = _read_all(root, cam)
        want = np.concatenate([e.images[cam] for e in eps])
        assert got.shape == want.shape and got.dtype == np.uint8
        assert _mae(got, want) < 5.0, (codec, cam, _mae(got, want))
        assert _mae(got, np.roll(want, 1, axis=0)) > 2 * _mae(got, want)  # frames not shifted


def test_video_stats_describe_the_written_frames(tmp_path):
    eps = [video_episode(6, 3)]
    root = write_dataset(tmp_path / "ds", eps, video=True, progress=False)
    stats = json.loads((root / "meta/stats.json").read_text())[FRONT]
    want = eps[0].images["front"].reshape(-1, 3).mean(axis=0) / 255
    np.testing.assert_allclose(np.asarray(stats["mean"]).reshape(3), want, rtol=1e-9)
    assert stats["count"] == [6]


def test_append_adds_new_video_files_and_keeps_old_bytes(tmp_path):
    root = write_dataset(tmp_path / "ds", [video_episode(6, 1)], video=True, progress=False)
    before = tree_bytes(root)
    write_dataset(root, [video_episode(4, 2), video_episode(3, 3)], video=True, append=True,
                  progress=False)
    after = tree_bytes(root)
    for rel in (p for p in before if p.endswith((".mp4", ".parquet")) and "meta/" not in p[:5]):
        assert after[rel] == before[rel], rel
    assert f"videos/{FRONT}/chunk-000/file-001.mp4" in after
    reader = open_dataset(root)
    starts, _ = reader.episode_bounds()
    assert reader.videos[FRONT].files[1].endswith("file-001.mp4")
    np.testing.assert_allclose(reader.videos[FRONT].from_ts, [0.0, 0.0, 4 / 5])
    ep = reader.episode(2)
    assert _mae(ep.images["wrist"], video_episode(3, 3).images["wrist"]) < 3.0
    assert len(starts) == 3


def test_append_must_keep_the_camera_storage(tmp_path):
    video_root = write_dataset(tmp_path / "v", [video_episode(4, 1)], video=True, progress=False)
    with pytest.raises(DataError, match=r"stored as mp4 video; append with video=True"):
        write_dataset(video_root, [video_episode(4, 2)], append=True, progress=False)
    png_root = write_dataset(tmp_path / "p", [video_episode(4, 1)], progress=False)
    with pytest.raises(DataError, match=r"stored as PNG images; append without video=True"):
        write_dataset(png_root, [video_episode(4, 2)], video=True, append=True, progress=False)


def test_frame_cache_serves_video_frames(tmp_path):
    root = write_dataset(tmp_path / "ds", [video_episode(5, 1), video_episode(6, 2)], video=True,
                         progress=False)
    reader = open_dataset(root)
    table = FrameTable.from_reader(reader, cache_dir=str(tmp_path / "cache"))
    idx = np.array([10, 0, 5, 4])
    for cam in ("front", "wrist"):
        np.testing.assert_array_equal(table.image_fn(idx, cam), reader.frame_images(idx, cam))
    assert len(list((tmp_path / "cache/frames").glob("*.npy"))) == 2


def test_bad_video_settings_are_rejected_before_writing(tmp_path):
    with pytest.raises(ConfigError, match=r"video codec 'vp9' is not supported; choose one of "
                                          r"libsvtav1, h264, hevc"):
        VideoConfig(codec="vp9")
    with pytest.raises(ConfigError, match="video must be True, False or a VideoConfig"):
        write_dataset(tmp_path / "x", [video_episode(3, 1)], video="av1", progress=False)
    odd = make_episode(3, 1, size=15)
    with pytest.raises(DataError, match=r"file-000.mp4: yuv420p video needs an even height and "
                                        r"width, got 15x15"):
        write_dataset(tmp_path / "odd", [odd], video=True, progress=False)
    assert not (tmp_path / "odd").exists()
    assert not list(tmp_path.glob(".odd*"))  # the staging directory is gone too
    with pytest.raises(DataError, match=r"HEVC frames must be at least 64 px wide, got 48"):
        write_dataset(tmp_path / "narrow", [video_episode(3, 1)], video=VideoConfig(codec="hevc"),
                      progress=False)
