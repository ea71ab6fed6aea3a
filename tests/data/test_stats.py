import numpy as np
import pytest

from motionprior.data.stats import Normalizer, compute_stats, normalize, unnormalize
from motionprior.errors import DataError, UnknownNameError


def test_stats_equal_numpy_exactly():
    x = np.random.default_rng(0).standard_t(3, size=(1001, 5))
    s = compute_stats(x)
    np.testing.assert_array_equal(s.q01, np.quantile(x, 0.01, axis=0))
    np.testing.assert_array_equal(s.q99, np.quantile(x, 0.99, axis=0))
    np.testing.assert_array_equal(s.mean, x.mean(0))
    np.testing.assert_array_equal(s.std, x.std(0))
    np.testing.assert_array_equal(s.min, x.min(0))
    np.testing.assert_array_equal(s.max, x.max(0))
    assert s.count == 1001


def test_exact_quantiles_differ_from_average_of_per_episode_quantiles():
    rng = np.random.default_rng(1)
    episodes = [rng.normal(loc=i, size=(50, 1)) for i in range(4)]
    exact = compute_stats(np.concatenate(episodes)).q99[0]
    averaged = np.mean([np.quantile(e, 0.99) for e in episodes])
    assert abs(exact - averaged) > 0.3  # the approximation some libraries use is far off


def test_normalization_formula_clip_and_constant_dims():
    x = np.array([[0.0, 5.0, 1.0], [10.0, 5.0, 0.0]] * 50 + [[100.0, 5.0, 1.0]])
    s = compute_stats(x, mask=np.array([True, True, False]))
    y = normalize(s, x)
    expect = np.clip(2 * (x[:, 0] - s.q01[0]) / (s.q99[0] - s.q01[0] + 1e-8) - 1, -1, 1)
    np.testing.assert_allclose(y[:, 0], expect, rtol=1e-6)
    assert y[-1, 0] == 1.0  # the outlier is clipped, not allowed to stretch the range
    np.testing.assert_array_equal(y[:, 1], 0.0)  # constant dim maps to 0
    np.testing.assert_array_equal(y[:, 2], x[:, 2])  # masked dim passes through
    back = unnormalize(s, y[:2])
    np.testing.assert_allclose(back, x[:2], atol=1e-5)
    assert y.dtype == np.float32


def test_normalizer_save_load_and_unknown_key(tmp_path):
    n = Normalizer()
    n.add("panda", "action", compute_stats(np.arange(20.0).reshape(10, 2)))
    n.save(tmp_path / "stats.json")
    m = Normalizer.load(tmp_path / "stats.json")
    np.testing.assert_array_equal(m.get("panda", "action").q99, n.get("panda", "action").q99)
    with pytest.raises(UnknownNameError, match="unknown statistics key 'sawyer'; known: panda"):
        m.normalize("sawyer", "action", np.zeros((1, 2)))
    with pytest.raises(DataError, match="expected last dimension 2"):
        m.normalize("panda", "action", np.zeros((1, 3)))
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(DataError, match="bad.json: not valid JSON"):
        Normalizer.load(tmp_path / "bad.json")
    with pytest.raises(DataError, match="missing.json: statistics file not found"):
        Normalizer.load(tmp_path / "missing.json")


def test_bad_statistics_input():
    with pytest.raises(DataError, match="non-empty"):
        compute_stats(np.zeros((0, 3)))
    with pytest.raises(DataError, match="NaN or inf"):
        compute_stats(np.array([[np.nan]]))
