"""Encode camera frames into LeRobot v3.0 mp4 files, the way LeRobot's own encoder does.

LeRobot (0.4) encodes with PyAV: codec `libsvtav1` (AV1) by default, pixel format yuv420p, a
keyframe every 2 frames (`g=2`), `crf=30` (and SVT-AV1 preset 12); one file per camera holds
consecutive episodes, episode e spanning `[from_timestamp, to_timestamp)` seconds of it, and a
file is closed once it exceeds `video_files_size_in_mb`. `VideoFileWriter` streams episodes of
one camera into one file with frame k of the file at time k / fps.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from motionprior.data.lerobot.schema import VIDEO_PATH, next_chunk_file
from motionprior.errors import ConfigError, DataError

os.environ.setdefault("SVT_LOG", "1")  # SVT-AV1 prints its banner to stderr unless told not to
CODECS = ("libsvtav1", "h264", "hevc")  # LeRobot's software codecs (h264/hevc: x264/x265)
HEVC_MIN_WIDTH = 64  # libx265 (PyAV 18 wheel) crashes at widths 40 and 48; >= 64 all passed
_CANONICAL = {"libsvtav1": "av1", "h264": "h264", "hevc": "hevc"}


@dataclass(frozen=True)
class VideoConfig:
    """How cameras are encoded (LeRobot's defaults)."""

    codec: str = "libsvtav1"
    pix_fmt: str = "yuv420p"
    g: int = 2  # frames between keyframes: small, so random access decodes few frames
    crf: int = 30
    preset: int = 12  # SVT-AV1 speed preset (libsvtav1 only)

    def __post_init__(self) -> None:
        if self.codec not in CODECS:
            raise ConfigError(f"video codec {self.codec!r} is not supported; choose one of "
                              f"{', '.join(CODECS)}")
        if self.pix_fmt != "yuv420p":
            raise ConfigError(f"video pix_fmt {self.pix_fmt!r}: only yuv420p (LeRobot's "
                              "default) is written")
        if self.g < 1 or not 0 <= self.crf <= 63:
            raise ConfigError(f"video g must be >= 1 and crf in [0, 63], got {self.g}, "
                              f"{self.crf}")

    @classmethod
    def from_info(cls, info: dict[str, Any]) -> VideoConfig:
        """The config that wrote a feature's info.json `info` block (for appending)."""
        codec = {v: k for k, v in _CANONICAL.items()}.get(str(info.get("video.codec")))
        if codec is None:
            raise DataError(f"cannot append video encoded as {info.get('video.codec')!r}; "
                            f"motionprior writes {', '.join(_CANONICAL.values())}")
        return cls(codec=codec)

    def options(self) -> dict[str, str]:
        opts = {"g": str(self.g), "crf": str(self.crf)}
        if self.codec == "libsvtav1":
            opts["preset"] = str(self.preset)
        if self.codec == "hevc":
            opts["x265-params"] = "log-level=error"
        return opts


class VideoFileWriter:
    """One mp4 file of one camera, open for appending episodes (frames `[T, H, W, 3] uint8`)."""

    def __init__(self, path: Path, fps: float, shape: tuple[int, ...], cfg: VideoConfig) -> None:
        height, width = int(shape[0]), int(shape[1])
        if height % 2 or width % 2:
            raise DataError(f"{path}: {cfg.pix_fmt} video needs an even height and width, got "
                            f"{height}x{width}; resize the camera or write without video")
        if cfg.codec == "hevc" and width < HEVC_MIN_WIDTH:
            raise DataError(f"{path}: HEVC frames must be at least {HEVC_MIN_WIDTH} px wide, got "
                            f"{width} (the libx265 in PyAV's wheel corrupts memory on some "
                            "narrower ones); use codec libsvtav1 or h264")
        self.path, self.shape, self.frames, self._broken = path, tuple(shape), 0, False
        self.rate = Fraction(fps).limit_denominator(1001000)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._out = av.open(str(path), "w")
        self._stream = self._out.add_stream(cfg.codec, self.rate, options=cfg.options())
        self._stream.pix_fmt = cfg.pix_fmt
        self._stream.width, self._stream.height = width, height
        self._time_base = 1 / self.rate  # the muxer picks the stream's own (e.g. 1/15360)

    def add(self, frames: np.ndarray) -> tuple[float, float]:
        """Encode one episode; returns its (from_timestamp, to_timestamp) in this file."""
        start = self.frames
        try:
            for img in frames:
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
                frame.pts, frame.time_base = self.frames, self._time_base
                self._out.mux(self._stream.encode(frame))
                self.frames += 1
        except av.FFmpegError as e:
            self._broken = True  # flushing a failed encoder can abort the process
            raise DataError(f"{self.path}: cannot encode frame {self.frames - start} of the "
                            f"episode ({' '.join(str(e).split())})") from None
        return float(start / self.rate), float(self.frames / self.rate)

    def size_mb(self) -> float:
        return self.path.stat().st_size / 1024**2 if self.path.exists() else 0.0

    def close(self, flush: bool = True) -> None:
        """Flush the encoder and finish the file (`flush=False`: after an error, just close)."""
        out, self._out = self._out, None
        if out is None:
            return
        try:
            if flush and not self._broken:
                out.mux(self._stream.encode())
        finally:
            out.close()


def video_info(path: Path) -> dict[str, Any]:
    """A feature's info.json `info` block, read from the file as LeRobot's get_video_info does."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        info: dict[str, Any] = {
            "video.height": stream.height,
            "video.width": stream.width,
            "video.codec": stream.codec.canonical_name,
            "video.pix_fmt": stream.pix_fmt,
            "video.is_depth_map": False,
            "video.fps": int(stream.base_rate),
            "video.channels": 3,
            "has_audio": bool(container.streams.audio),
        }
    return info


class CameraVideos:
    """The open mp4 files of every video camera of a dataset being written.

    Episode frames go into `videos/<key>/chunk-XXX/file-XXX.mp4` starting at `start[key]` (the
    (chunk, file) after an existing dataset's last file, so appending never rewrites one); a
    file is closed once it reaches `limit_mb` and the next episode opens the next file.
    """

    def __init__(self, root: Path, fps: float, cfg: VideoConfig, limit_mb: float,
                 chunks_size: int, start: dict[str, tuple[int, int]] | None = None) -> None:
        self.root, self.fps, self.cfg, self.limit_mb = root, fps, cfg, limit_mb
        self.chunks_size = chunks_size
        self.next: dict[str, tuple[int, int]] = dict(start or {})
        self.first: dict[str, Path] = {}  # the first file written, per camera key
        self._open: dict[str, VideoFileWriter] = {}

    def add(self, key: str, shape: tuple[int, ...], frames: np.ndarray
            ) -> tuple[int, int, float, float]:
        """Encode one episode of camera `key`: (chunk, file, from_timestamp, to_timestamp)."""
        chunk, file = self.next.setdefault(key, (0, 0))
        writer = self._open.get(key)
        if writer is None:
            path = self.root / VIDEO_PATH.format(video_key=key, chunk_index=chunk,
                                                 file_index=file)
            writer = self._open[key] = VideoFileWriter(path, self.fps, shape, self.cfg)
            self.first.setdefault(key, path)
        start, end = writer.add(frames)
        if writer.size_mb() >= self.limit_mb:
            self._open.pop(key).close()
            self.next[key] = next_chunk_file(chunk, file, self.chunks_size)
        return chunk, file, start, end

    def close(self, flush: bool = True) -> None:
        """Finish every open file (`flush=False` after an error: they are discarded)."""
        errors = []
        for key in list(self._open):
            try:
                self._open.pop(key).close(flush)
            except av.FFmpegError as e:
                errors.append(e)
        if errors and flush:
            raise DataError(f"{self.root}: cannot finish a video file ({errors[0]})")
