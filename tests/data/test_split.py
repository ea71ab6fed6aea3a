"""Which episodes train and which are held out (motionprior.data.split)."""

from types import SimpleNamespace

import numpy as np
import pytest

from motionprior.data.split import (
    episodes_needed,
    held_out_count,
    split_by_episode,
    training_count,
    training_frames,
)
from motionprior.errors import ConfigError
from motionprior.prior.config import PriorDataConfig


def table(lengths):
    ends = np.cumsum(lengths)
    return SimpleNamespace(starts=ends - np.array(lengths), ends=ends, num_frames=int(ends[-1]))


def test_counts_match_hand_computed_values():
    assert [held_out_count(n, 0.1) for n in (1, 2, 10, 11, 28)] == [0, 1, 1, 2, 3]
    assert held_out_count(10, 0.0) == 0
    assert training_count(10, 0.1) == 9 and training_count(28, 0.1, train_episodes=25) == 25
    assert training_count(28, 0.1, train_episodes=5) == 5
    assert training_count(28, 0.1, train_fraction=0.25) == 7  # ceil(25 * 0.25)
    assert training_count(28, 0.1, 10, 0.5) == 5
    assert [episodes_needed(n, 0.1) for n in (5, 10, 25)] == [6, 12, 28]
    for n in (5, 10, 25):
        assert training_count(episodes_needed(n, 0.1), 0.1) == n


def test_subsets_are_prefixes_and_held_out_episodes_stay_the_same():
    windows = SimpleNamespace(tables=[table([3, 4, 5, 6]), table([2, 2])])
    full_train, full_val = split_by_episode(windows, 0.25)
    train, val = split_by_episode(windows, 0.25, train_episodes=1)
    assert np.array_equal(val, full_val)  # the last episode of each dataset
    assert np.array_equal(full_val, [12, 13, 14, 15, 16, 17, 20, 21])
    assert np.array_equal(train, [0, 1, 2, 18, 19])  # first episode of each dataset
    assert set(train) < set(full_train)
    half, _ = split_by_episode(windows, 0.25, train_fraction=0.5)
    assert np.array_equal(half, [0, 1, 2, 3, 4, 5, 6, 18, 19])  # ceil(3 * .5) = 2, ceil(.5) = 1
    assert np.array_equal(training_frames(windows.tables[0], 0.25, train_episodes=2),
                          np.arange(7))


@pytest.mark.parametrize("kwargs, message", [
    ({"train_episodes": 0}, r"train_episodes must be >= 1 \(or None: all\), got 0"),
    ({"train_fraction": 0.0}, r"train_fraction must be in \(0, 1\], got 0.0"),
    ({"train_fraction": 1.5}, r"train_fraction must be in \(0, 1\], got 1.5"),
    ({"val_fraction": 1.0}, r"val_fraction must be in \[0, 1\), got 1.0"),
])
def test_bad_subsets_are_refused(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        PriorDataConfig(**kwargs)
