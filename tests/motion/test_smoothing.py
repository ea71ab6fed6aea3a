"""Jitter suppression: short runs merge into the preceding long run, never across episodes."""

from __future__ import annotations

import numpy as np

from motionprior.motion.smoothing import suppress_short_runs


def run(values, offsets, min_len):
    return suppress_short_runs(np.array(values, dtype=np.int8)[None], np.array(offsets),
                               np.array([min_len]))[0].tolist()


def test_short_runs_take_the_preceding_long_value():
    assert run([0, 0, 0, 1, 0, 0, 0], [0, 7], 2) == [0] * 7  # a one-step blip
    assert run([1, 1, 1, 0, 1, 1, 1], [0, 7], 2) == [1] * 7  # a one-step gap in a move
    assert run([0, 0, 0, -1, 1, 1, 1], [0, 7], 2) == [0, 0, 0, 0, 1, 1, 1]
    assert run([0, 0, 0, 1, 1, 0, 0], [0, 7], 2) == [0, 0, 0, 1, 1, 0, 0]  # long enough


def test_episode_starts_take_the_following_run_and_episodes_stay_apart():
    assert run([1, 0, 0, 0, 1, 1, 1], [0, 7], 2) == [0, 0, 0, 0, 1, 1, 1]
    # two episodes [0, 4) and [4, 8): the blip at 4 must not take the value of episode 0
    assert run([1, 1, 1, 1, 0, -1, -1, -1], [0, 4, 8], 2) == [1, 1, 1, 1, -1, -1, -1, -1]
    assert run([1, 0, 1], [0, 3], 5) == [1, 0, 1]  # only short runs: left alone


def test_rows_are_independent_and_min_len_is_per_row():
    v = np.array([[0, 1, 0, 0], [0, 1, 0, 0]], dtype=np.int8)
    out = suppress_short_runs(v, np.array([0, 4]), np.array([2, 1]))
    assert out.tolist() == [[0, 0, 0, 0], [0, 1, 0, 0]]
    assert out is not v
