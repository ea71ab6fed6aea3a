"""Motion words of a rollout: per-step words to run-length segments, and GIF caption strips.

    motion_segments(["move up", "move up", None, "stop"])
    # [{"start": 0, "end": 2, "words": "move up"}, {"start": 3, "end": 4, "words": "stop"}]

A segment covers steps `start .. end - 1` (end exclusive); steps without words belong to no
segment. `caption_frames` writes the words of each frame in a dark strip below it, wrapped to
the image width (readable at 128 px wide); every frame of a captioned episode gets the same strip
height (GIF frames share one size), and frames without words get an empty strip.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

STRIP_RGB = (16, 16, 16)
TEXT_RGB = (255, 255, 255)
FONT_PX = 10
LINE_PX = 12
PAD_PX = 2


def motion_segments(words: Sequence[str | None]) -> list[dict[str, Any]]:
    """Run-length segments of per-step words (None or "" = no words at that step)."""
    segments: list[dict[str, Any]] = []
    for t, w in enumerate(words):
        if not w:
            continue
        if segments and segments[-1]["words"] == w and segments[-1]["end"] == t:
            segments[-1]["end"] = t + 1
        else:
            segments.append({"start": t, "end": t + 1, "words": w})
    return segments


def words_per_step(segments: Sequence[dict[str, Any]], steps: int) -> list[str | None]:
    """The inverse of `motion_segments` over `steps` steps."""
    words: list[str | None] = [None] * steps
    for s in segments:
        for t in range(s["start"], min(s["end"], steps)):
            words[t] = s["words"]
    return words


@lru_cache(maxsize=4)
def _font(size: int):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: the fixed bitmap font
        return ImageFont.load_default()


def _wrap(text: str, width: int, draw, font) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def caption_frames(frames: Sequence[np.ndarray], words: Sequence[str | None]
                   ) -> list[np.ndarray]:
    """`frames` (uint8 [H, W, 3]) with `words[i]` in a strip below frame i; unchanged if no
    frame has words."""
    if not any(words):
        return list(frames)
    from PIL import Image, ImageDraw

    width = frames[0].shape[1]
    font = _font(FONT_PX)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    wrapped = {w: _wrap(w, width - 2 * PAD_PX, probe, font) for w in set(words) if w}
    lines = max(len(v) for v in wrapped.values())
    strip_px = lines * LINE_PX + 2 * PAD_PX
    out = []
    for frame, w in zip(frames, words, strict=True):
        strip = Image.new("RGB", (width, strip_px), STRIP_RGB)
        if w:
            draw = ImageDraw.Draw(strip)
            for k, line in enumerate(wrapped[w]):
                draw.text((PAD_PX, PAD_PX + k * LINE_PX), line, fill=TEXT_RGB, font=font)
        out.append(np.concatenate([frame, np.asarray(strip)], axis=0))
    return out
