"""Segment-level agreement of labels with annotations, beside the per-step exact match.

Per-step exact match charges every step of a boundary placed one step off, although where a
slow start or a slow end of a motion begins is a matter of convention even for human
annotators. These scores separate "right motion, boundary a little off" from "wrong motion":

- **tolerant accuracy**: the fraction of steps whose predicted label is the true label of some
  step at most `tolerance` seconds away (in the same episode);
- **segmental F1@k** (as in temporal action segmentation, e.g. MS-TCN): runs of one label are
  segments; a predicted segment is a true positive when its intersection-over-union with a not
  yet matched true segment of the same label (the one it overlaps most) is at least k%, else a
  false positive; unmatched true segments are false negatives; counts are summed over episodes;
- **edit score**: 100 * (1 - Levenshtein distance between the predicted and the true sequence of
  segment labels / the longer length), averaged over episodes (order of motions, not timing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from motionprior.errors import DataError
from motionprior.motion.smoothing import run_bounds

OVERLAPS = (10, 25, 50)


@dataclass(frozen=True)
class SegmentScore:
    """Tolerant accuracy, segmental F1 per overlap threshold (percent) and edit score."""

    tolerance: float  # seconds
    tolerant: float
    f1: dict[int, float]
    edit: float

    def describe(self) -> str:
        f1 = "/".join(f"{self.f1[k]:.2f}" for k in sorted(self.f1))
        at = "/".join(str(k) for k in sorted(self.f1))
        return (f"within {self.tolerance:g} s of a true label: {self.tolerant:.1%} of steps; "
                f"segmental F1@{at}: {f1}; edit score {self.edit:.1f}")


def runs(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(label, first step, end step exclusive) of each run of equal values in `codes`."""
    codes = np.asarray(codes)
    if codes.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return codes[:0], empty, empty
    starts, lengths = run_bounds(codes)
    return codes[starts], starts, starts + lengths


def tolerant_hits(pred: np.ndarray, true: np.ndarray, steps: int) -> np.ndarray:
    """Per step, whether `pred[t]` equals `true[s]` for some |s - t| <= `steps`."""
    n = true.size
    hit = pred == true
    idx = np.arange(n)
    for d in range(1, steps + 1):
        hit |= pred == true[np.minimum(idx + d, n - 1)]
        hit |= pred == true[np.maximum(idx - d, 0)]
    return hit


def segment_counts(pred: np.ndarray, true: np.ndarray, overlap: float) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of one episode at IoU >= `overlap`."""
    p_lab, p_start, p_end = runs(pred)
    t_lab, t_start, t_end = runs(true)
    matched = np.zeros(t_lab.size, dtype=bool)
    tp = 0
    for lab, a, b in zip(p_lab, p_start, p_end, strict=True):
        inter = np.minimum(b, t_end) - np.maximum(a, t_start)
        union = np.maximum(b, t_end) - np.minimum(a, t_start)
        iou = np.where(t_lab == lab, np.clip(inter, 0, None) / union, 0.0)
        best = int(np.argmax(iou)) if iou.size else -1
        if best >= 0 and iou[best] >= overlap and not matched[best]:
            matched[best] = True
            tp += 1
    return tp, int(p_lab.size - tp), int(t_lab.size - tp)


def edit_score(pred: np.ndarray, true: np.ndarray) -> float:
    """100 * (1 - normalized Levenshtein distance) between the segment label sequences."""
    a, b = runs(pred)[0].tolist(), runs(true)[0].tolist()
    if max(len(a), len(b)) == 0:
        return 100.0
    row = list(range(len(b) + 1))  # Levenshtein, one row at a time (runs are few)
    for i, x in enumerate(a, start=1):
        prev, row = row, [i]
        for j, y in enumerate(b, start=1):
            row.append(min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (x != y)))
    return 100.0 * (1.0 - row[-1] / max(len(a), len(b)))


def score_segments(predicted: Sequence[np.ndarray], truth: Sequence[np.ndarray],
                   fps: Sequence[float], tolerance: float = 0.1,
                   overlaps: Sequence[int] = OVERLAPS) -> SegmentScore:
    """Segment-level scores of per-episode label codes (see the module docstring)."""
    if not len(predicted) == len(truth) == len(fps):
        raise DataError(f"got {len(predicted)} predicted, {len(truth)} true episodes and "
                        f"{len(fps)} rates; they must match")
    if tolerance < 0:
        raise DataError(f"tolerance must be >= 0 seconds, got {tolerance}")
    hits = steps = 0
    counts = {k: np.zeros(3, dtype=np.int64) for k in overlaps}
    edits = []
    for p, t, f in zip(predicted, truth, fps, strict=True):
        p, t = np.asarray(p), np.asarray(t)
        if p.shape != t.shape:
            raise DataError(f"{p.size} predicted labels for {t.size} true labels")
        hits += int(tolerant_hits(p, t, int(round(tolerance * f))).sum())
        steps += t.size
        for k in overlaps:
            counts[k] += segment_counts(p, t, k / 100.0)
        edits.append(edit_score(p, t))
    f1 = {}
    for k, (tp, fp, fn) in counts.items():
        f1[k] = float(2 * tp / (2 * tp + fp + fn)) if tp + fp + fn else 1.0
    return SegmentScore(tolerance, hits / steps if steps else float("nan"), f1,
                        float(np.mean(edits)) if edits else float("nan"))
