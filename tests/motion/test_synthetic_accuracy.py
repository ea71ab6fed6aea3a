"""The synthetic annotated data, and an accuracy guard for both labelers on it."""

from __future__ import annotations

import numpy as np

from motionprior.motion import FixedThresholdLabeler, MotionLabeler
from motionprior.motion.evaluate import score
from motionprior.motion.synthetic import NAMED_PROFILES, make_episode, random_profile
from motionprior.motion.vocabulary import labels_to_codes


def test_episodes_are_deterministic_and_annotated_per_step():
    a, b = make_episode(NAMED_PROFILES[0], 3), make_episode(NAMED_PROFILES[0], 3)
    assert a.labels == b.labels and np.array_equal(a.trajectory.position, b.trajectory.position)
    assert len(a.labels) == len(a.trajectory)
    labels_to_codes(a.labels)  # every label follows the grammar
    assert "stop" in a.labels and len(set(a.labels)) > 4
    pr = random_profile(5)
    assert pr == random_profile(5) and 5 <= pr.fps <= 80 and pr.unit in ("m", "cm", "mm")


def test_adaptive_beats_the_tuned_baseline_by_a_wide_margin():
    """A small version of benchmarks/bench_labeler_accuracy.py (held-out seeds, 3 profiles)."""
    thresholds = np.exp(np.linspace(np.log(1e-4), np.log(10.0), 41))
    gaps = []
    for pr in (NAMED_PROFILES[0], NAMED_PROFILES[1], NAMED_PROFILES[2]):
        tune = [make_episode(pr, s, duration=8.0) for s in range(3)]
        test = [make_episode(pr, 500 + s, duration=8.0) for s in range(3)]
        truth = [it.labels for it in test]
        trajectories = [it.trajectory for it in test]
        adaptive = score(MotionLabeler().fit(trajectories).label_many(trajectories), truth)
        best = max(thresholds, key=lambda thr: score(
            FixedThresholdLabeler(thr).label_many([it.trajectory for it in tune]),
            [it.labels for it in tune]).accuracy)
        baseline = score(FixedThresholdLabeler(best).label_many(trajectories), truth)
        assert adaptive.accuracy >= 0.85, (pr.name, adaptive.accuracy)
        assert adaptive.accuracy > baseline.accuracy + 0.05, (pr.name, baseline.accuracy)
        gaps.append(adaptive.accuracy - baseline.accuracy)
    assert np.mean(gaps) >= 0.15, gaps
