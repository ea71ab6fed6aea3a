"""Segment-level scores against values worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from motionprior.errors import DataError
from motionprior.motion.evaluate import format_score, score
from motionprior.motion.segments import (
    edit_score,
    runs,
    score_segments,
    segment_counts,
    tolerant_hits,
)


def test_runs_are_label_start_end():
    lab, start, end = runs(np.array([3, 3, 1, 1, 1, 3]))
    assert lab.tolist() == [3, 1, 3]
    assert start.tolist() == [0, 2, 5] and end.tolist() == [2, 5, 6]
    assert [x.size for x in runs(np.array([], dtype=int))] == [0, 0, 0]


def test_tolerant_hits_forgive_boundaries_off_by_up_to_k_steps():
    true = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2, 2])
    pred = np.array([0, 0, 0, 0, 0, 1, 1, 1, 2, 5])  # boundary 2 steps late, 1 late, a wrong
    assert tolerant_hits(pred, true, 0).tolist() == (pred == true).tolist()
    one = tolerant_hits(pred, true, 1)
    assert one.tolist() == [1, 1, 1, 1, 0, 1, 1, 1, 1, 0]
    two = tolerant_hits(pred, true, 2)
    assert two.tolist() == [1, 1, 1, 1, 1, 1, 1, 1, 1, 0]  # a wrong label never becomes right
    assert tolerant_hits(pred, true, 50).sum() == 9  # windows stop at the episode's ends


def test_segment_counts_match_iou_by_hand():
    true = np.array([0] * 4 + [1] * 4 + [2] * 2)
    # predicted 0 over [0, 5): IoU with true 0 [0, 4) = 4/5; predicted 1 over [5, 8): 3/4;
    # predicted 2 over [8, 9): 1/2; predicted 7 over [9, 10): no true segment with that label
    pred = np.array([0] * 5 + [1] * 3 + [2] + [7])
    assert segment_counts(pred, true, 0.5) == (3, 1, 0)
    assert segment_counts(pred, true, 0.76) == (1, 3, 2)
    # two predicted pieces of one true segment: only the first to match counts
    assert segment_counts(np.array([0, 0, 1, 0, 0]), np.zeros(5, dtype=int), 0.1) == (1, 2, 0)


def test_edit_score_is_normalized_levenshtein_of_segment_sequences():
    assert edit_score(np.array([1, 1, 2, 2, 3]), np.array([1, 2, 2, 2, 3])) == 100.0  # timing
    # segments a b c vs a c: one deletion over max length 3
    assert edit_score(np.array([1, 2, 3]), np.array([1, 1, 3])) == pytest.approx(100 * 2 / 3)
    # a b vs c d: two substitutions
    assert edit_score(np.array([1, 2]), np.array([3, 4])) == 0.0


def test_score_segments_sums_counts_over_episodes_and_checks_inputs():
    true = [np.array([0, 0, 1, 1]), np.array([2, 2, 2, 2])]
    pred = [np.array([0, 1, 1, 1]), np.array([2, 2, 2, 2])]
    s = score_segments(pred, true, fps=[10.0, 10.0], tolerance=0.1, overlaps=(50, 75))
    assert s.tolerant == 1.0  # the only wrong step is one step from its true label
    # episode 1: 0 [0,1) vs [0,2): IoU 0.5; 1 [1,4) vs [2,4): 2/3; episode 2: exact
    assert s.f1[50] == 1.0
    assert s.f1[75] == pytest.approx(2 * 1 / (2 * 1 + 2 + 2))
    assert s.edit == 100.0
    assert "within 0.1 s of a true label: 100.0% of steps" in s.describe()
    with pytest.raises(DataError, match="got 2 predicted, 2 true episodes and 1 rates"):
        score_segments(pred, true, fps=[10.0])
    with pytest.raises(DataError, match="tolerance must be >= 0 seconds, got -1"):
        score_segments(pred, true, fps=[10.0, 10.0], tolerance=-1)
    with pytest.raises(DataError, match="3 predicted labels for 4 true labels"):
        score_segments([pred[0][:3], pred[1]], true, fps=[10.0, 10.0])


def test_score_reports_segments_only_when_rates_are_given():
    truth = [["stop", "stop", "move up", "move up", "move up"]]
    pred = [["stop", "stop", "stop", "move up", "move up"]]
    plain = score(pred, truth)
    assert plain.segments is None and plain.accuracy == pytest.approx(0.8)
    full = score(pred, truth, fps=[10.0], tolerance=0.1)
    assert full.accuracy == pytest.approx(0.8) and full.segments.tolerant == 1.0
    assert "within 0.1 s of a true label: 100.0%" in format_score(full)
    assert "within" not in format_score(plain)
