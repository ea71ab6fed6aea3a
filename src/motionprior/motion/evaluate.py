"""Scoring labels against annotations: exact match, per-part precision/recall, confusions.

Parts scored: each move axis (x: forward/backward, y: left/right, z: up/down), tilt, rotate,
gripper, and stop. For a part with directions, a step counts as a true positive when the
predicted direction is present and equals the true one, a false positive when a direction is
predicted that is not the true one, a false negative when the true direction is present and
not predicted (a wrong direction is both a false positive and a false negative). For stop, the
classes are "stop" and "not stop".

Given each episode's rate, `score` also reports the segment-level scores of
`motionprior.motion.segments` (boundary-tolerant accuracy, segmental F1, edit score).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from motionprior.errors import DataError
from motionprior.motion.segments import SegmentScore, score_segments
from motionprior.motion.vocabulary import (
    PARTS,
    STOP_CODE,
    code_table,
    codes_to_values,
    labels_to_codes,
)

SCORED_PARTS = (*PARTS, "stop")


@dataclass(frozen=True)
class PartScore:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float("nan")

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")


@dataclass(frozen=True)
class LabelScore:
    """Agreement of predicted labels with true labels over all steps."""

    steps: int
    exact: int
    parts: dict[str, PartScore]
    confusion: Counter = field(default_factory=Counter)  # (true, predicted) -> steps, errors only
    segments: SegmentScore | None = None  # when the episodes' rates are known

    @property
    def accuracy(self) -> float:
        return self.exact / self.steps if self.steps else float("nan")


def score(
    predicted: Sequence[Sequence[str]], truth: Sequence[Sequence[str]],
    fps: Sequence[float] | None = None, tolerance: float = 0.1,
) -> LabelScore:
    """Score per-episode label lists (same lengths) against the true ones; with `fps` (one
    rate per episode) also the segment-level scores, steps within `tolerance` seconds of a
    true label counting as tolerant hits."""
    if len(predicted) != len(truth):
        raise DataError(f"{len(predicted)} predicted episodes for {len(truth)} annotated ones")
    for i, (p, t) in enumerate(zip(predicted, truth, strict=True)):
        if len(p) != len(t):
            raise DataError(f"episode {i}: {len(p)} predicted labels for {len(t)} true labels")
    pred_codes = [labels_to_codes(ep) for ep in predicted]
    true_codes = [labels_to_codes(ep) for ep in truth]
    result = score_codes(_concat(pred_codes), _concat(true_codes))
    if fps is None:
        return result
    return dataclasses.replace(result, segments=score_segments(pred_codes, true_codes, fps,
                                                               tolerance))


def _concat(codes: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(codes) if codes else np.zeros(0, dtype=np.int64)


def score_codes(pred: np.ndarray, true: np.ndarray) -> LabelScore:
    """Score [N] predicted label codes against [N] true codes."""
    pv, tv = codes_to_values(pred), codes_to_values(true)
    parts = {}
    for k, name in enumerate(PARTS):
        p, t = pv[:, k], tv[:, k]
        parts[name] = PartScore(
            tp=int(np.sum((p != 0) & (p == t))),
            fp=int(np.sum((p != 0) & (p != t))),
            fn=int(np.sum((t != 0) & (p != t))),
        )
    ps, ts = pred == STOP_CODE, true == STOP_CODE
    parts["stop"] = PartScore(int(np.sum(ps & ts)), int(np.sum(ps & ~ts)), int(np.sum(~ps & ts)))
    wrong = pred != true
    pairs, counts = np.unique(np.stack([true[wrong], pred[wrong]], 1), axis=0, return_counts=True)
    table = code_table()
    confusion = Counter({(table[a], table[b]): int(c) for (a, b), c in zip(pairs, counts,
                                                                             strict=True)})
    return LabelScore(steps=int(pred.size), exact=int(np.sum(~wrong)), parts=parts,
                      confusion=confusion)


def format_score(s: LabelScore, *, title: str = "", top: int = 10) -> str:
    """A plain-text report: accuracy, per-part precision/recall, the most frequent confusions."""
    lines = [title] if title else []
    lines.append(f"per-step exact match: {s.accuracy:.1%} ({s.exact}/{s.steps} steps)")
    if s.segments is not None:
        lines.append(s.segments.describe())
    lines.append(f"{'part':<8} {'precision':>9} {'recall':>7} {'true steps':>10}")
    for name in SCORED_PARTS:
        ps = s.parts[name]
        lines.append(f"{name:<8} {_pct(ps.precision):>9} {_pct(ps.recall):>7} {ps.tp + ps.fn:>10}")
    errors = s.steps - s.exact
    if errors:
        lines.append(f"most frequent confusions (true -> predicted), of {errors} wrong steps:")
        for (t, p), c in s.confusion.most_common(top):
            lines.append(f"  {c:>7}  {c / errors:6.1%}  {t!r} -> {p!r}")
    return "\n".join(lines)


def _pct(x: float) -> str:
    return "n/a" if x != x else f"{x:.1%}"
