"""Jitter suppression: steps of short runs join the nearest long run, never across episodes."""

from __future__ import annotations

import numpy as np

from motionprior.motion.smoothing import merge_short_runs


def run(values, offsets, min_len):
    return merge_short_runs(np.array(values, dtype=np.int8)[None], np.array(offsets),
                            np.array([min_len]))[0].tolist()


def test_short_runs_join_the_nearest_long_run():
    assert run([0, 0, 0, 1, 0, 0, 0], [0, 7], 2) == [0] * 7  # a one-step blip
    assert run([1, 1, 1, 0, 1, 1, 1], [0, 7], 2) == [1] * 7  # a one-step gap in a move
    # a short stretch between two motions is split at its middle (a tie goes to the earlier)
    assert run([0, 0, 0, -1, 2, 1, 1, 1], [0, 8], 2) == [0, 0, 0, 0, 1, 1, 1, 1]
    assert run([0, 0, 0, -1, 2, 3, 1, 1, 1], [0, 9], 2) == [0, 0, 0, 0, 0, 1, 1, 1, 1]
    assert run([0, 0, 0, 1, 1, 0, 0], [0, 7], 2) == [0, 0, 0, 1, 1, 0, 0]  # long enough


def test_episode_ends_take_the_only_neighbour_and_episodes_stay_apart():
    assert run([1, 0, 0, 0, 1, 1, 1], [0, 7], 2) == [0, 0, 0, 0, 1, 1, 1]
    assert run([1, 1, 1, 0, 2], [0, 5], 2) == [1, 1, 1, 1, 1]
    # two episodes [0, 4) and [4, 8): the blip at 4 must not take the value of episode 0
    assert run([1, 1, 1, 1, 0, -1, -1, -1], [0, 4, 8], 2) == [1, 1, 1, 1, -1, -1, -1, -1]
    # a run that continues across an episode boundary is two runs
    assert run([1, 1, 1, 1, 1, 0, 0, 0], [0, 4, 8], 2) == [1, 1, 1, 1, 0, 0, 0, 0]
    assert run([1, 0, 1], [0, 3], 5) == [1, 0, 1]  # only short runs: left alone


def test_rows_are_independent_and_min_len_is_per_row():
    v = np.array([[0, 1, 0, 0], [0, 1, 0, 0]], dtype=np.int8)
    out = merge_short_runs(v, np.array([0, 4]), np.array([2, 1]))
    assert out.tolist() == [[0, 0, 0, 0], [0, 1, 0, 0]]
    assert out is not v


def test_runs_lost_entirely_are_restored_and_shifted_ones_are_not():
    from motionprior.motion.smoothing import restore_lost_runs

    before = np.array([0, 0, -1, -1, 0, 0, 1, 1, 1, 0], dtype=np.int8)
    after = np.array([0, 0, 0, 0, 0, 0, 0, 1, 1, 1], dtype=np.int8)
    # the -1 run vanished: it comes back; the +1 run only moved: it stays as merged
    assert restore_lost_runs(before, after, np.array([0, 10])).tolist() == [
        0, 0, -1, -1, 0, 0, 0, 1, 1, 1]
    assert restore_lost_runs(before, before, np.array([0, 10])).tolist() == before.tolist()
