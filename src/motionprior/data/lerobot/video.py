"""Decode frames of LeRobot v3.0 mp4 camera features by timestamp (PyAV, FFmpeg in its wheel).

LeRobot stores each camera as shared mp4 files `videos/<key>/chunk-XXX/file-XXX.mp4`; episode e
occupies `[from_timestamp, to_timestamp)` of its file (columns of meta/episodes), and frame t of
e is the video frame nearest to `from_timestamp + timestamp[t]`. LeRobot's rule, kept here: the
nearest decoded frame must lie strictly within `tolerance_s` (default 1e-4 s) of the query, else
the read fails. Any codec the bundled FFmpeg decodes works (AV1 via libdav1d, H.264, HEVC).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import av
import numpy as np

from motionprior.errors import DataError

TOLERANCE_S = 1e-4  # LeRobotDataset's default tolerance_s
logging.getLogger("libav").setLevel(logging.ERROR)  # FFmpeg warnings become our errors


def _say(e: BaseException) -> str:
    return " ".join(str(e).split())


def decode_frames(
    path: Path,
    timestamps: np.ndarray,
    labels: Sequence[str],
    shape: tuple[int, ...],
    tolerance_s: float = TOLERANCE_S,
) -> np.ndarray:
    """Frames `[B, H, W, 3] uint8` of the mp4 at `path` nearest to `timestamps` (seconds).

    `labels[j]` names query j in errors (e.g. "observation.images.front episode 2 frame 17").
    Raises `DataError` naming the file and the frame for a missing, truncated or undecodable
    file, an unreadable codec, a frame of the wrong size or a timestamp with no frame within
    `tolerance_s`.
    """
    ts = np.asarray(timestamps, dtype=np.float64).reshape(-1)
    out = np.empty((len(ts), *shape), dtype=np.uint8)
    if not len(ts):
        return out
    if not path.is_file():
        raise DataError(f"{path}: video file is missing (needed for {labels[0]}); restore it or "
                        "re-download the dataset")
    order = np.argsort(ts, kind="stable")
    sorted_ts = ts[order]
    where = f"{path}: {labels[int(order[0])]}"
    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError) as e:
        raise DataError(f"{where}: cannot open the video ({_say(e)}); the file is truncated or "
                        "not an mp4, re-encode or re-download it") from None
    with container:
        if not container.streams.video:
            raise DataError(f"{where}: the file has no video stream (truncated or not a video); "
                            "re-encode or re-download it")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        _check_decoder(stream, where)
        margin = 0.0
        while True:  # a seek can land past the query (reordered frames): seek earlier, retry
            start = sorted_ts[0] - margin
            best, first = _scan(container, stream, sorted_ts, order, out, shape, tolerance_s,
                                start if start > tolerance_s else None, path, labels)
            if first <= sorted_ts[0] + tolerance_s or start <= tolerance_s:
                break
            margin = max(2 * margin, 0.25)
    missed = np.flatnonzero(~(best < tolerance_s))
    if len(missed):
        k = int(order[missed[0]])
        raise DataError(
            f"{path}: {labels[k]}: no video frame within {tolerance_s:g} s of t={ts[k]:.6f} s "
            f"({len(missed)} of {len(ts)} queries missed); the file is shorter than meta/episodes "
            "says or its timestamps disagree"
        )
    return out


def _scan(container, stream, sorted_ts: np.ndarray, order: np.ndarray, out: np.ndarray,
          shape: tuple[int, ...], tolerance_s: float, seek_s: float | None, path: Path,
          labels: Sequence[str]) -> tuple[np.ndarray, float]:
    """Decode from the keyframe at or before `seek_s` (None: the start) past the last query;
    fill `out[order[k]]` with the frame nearest to `sorted_ts[k]`. Returns (distance of each
    sorted query to its frame, time of the first decoded frame)."""
    base = stream.time_base
    where = f"{path}: {labels[int(order[0])]}"
    best = np.full(len(sorted_ts), np.inf)
    first = np.inf
    try:
        container.seek(int(seek_s / base) if seek_s is not None else 0, stream=stream,
                       backward=True)
        for frame in container.decode(stream):
            if frame.pts is None:
                continue
            t = float(frame.pts * base)
            first = min(first, t)
            if t > sorted_ts[-1] + tolerance_s:
                break
            lo = np.searchsorted(sorted_ts, t - tolerance_s, side="right")
            hi = np.searchsorted(sorted_ts, t + tolerance_s, side="left")
            if hi <= lo:
                continue
            dist = np.abs(sorted_ts[lo:hi] - t)
            closer = dist < best[lo:hi]
            if not closer.any():
                continue
            img = frame.to_ndarray(format="rgb24")
            if img.shape != tuple(shape):
                raise DataError(f"{where}: video frames are {img.shape}, meta/info.json declares "
                                f"{tuple(shape)}")
            for k in np.flatnonzero(closer) + lo:
                out[order[k]] = img
            best[lo:hi] = np.minimum(best[lo:hi], dist)
    except av.FFmpegError as e:
        pending = np.flatnonzero(np.isinf(best))
        if len(pending):
            where = f"{path}: {labels[int(order[pending[0]])]}"
        raise DataError(f"{where}: cannot decode the video ({_say(e)}); the file is truncated or "
                        "corrupt, re-encode or re-download it") from None
    return best, first


def _check_decoder(stream: av.video.stream.VideoStream, where: str) -> None:
    """A one-line error when the installed FFmpeg has no decoder for the stream's codec."""
    ctx = stream.codec_context  # None when FFmpeg has no decoder for the stream
    if ctx is None or ctx.codec is None or not ctx.codec.is_decoder:
        raise DataError(f"{where}: the installed FFmpeg (PyAV {av.__version__}) has no decoder "
                        "for this video's codec; re-encode it as AV1, H.264 or HEVC")
