"""The Policy protocol's registry and the Wilson interval (no simulator run)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from motionprior.errors import ConfigError, UnknownNameError
from motionprior.policy import protocol
from motionprior.policy.protocol import (
    Policy,
    PolicyContext,
    register_checkpoint_loader,
    register_policy,
    resolve_policy,
)
from motionprior.sim.evaluate import wilson_interval


class Zero:
    def reset(self) -> None:
        pass

    def act(self, observation):
        return np.zeros(4)


def test_named_policies_and_checkpoint_loaders_resolve(tmp_path, monkeypatch):
    monkeypatch.setattr(protocol, "_NAMED", dict(protocol._NAMED))
    monkeypatch.setattr(protocol, "_LOADERS", [])
    register_policy("zero", lambda ctx: Zero())
    ctx = PolicyContext("metaworld/reach-v3", "metaworld_sawyer", 4, 80.0)
    assert isinstance(resolve_policy("zero")(ctx), Policy)
    ckpt = tmp_path / "model.ckpt"
    ckpt.write_text("weights")
    with pytest.raises(ConfigError, match=r"model\.ckpt: no checkpoint loader recognises"):
        resolve_policy(ckpt)
    register_checkpoint_loader(lambda p: (lambda c: Zero()) if p.suffix == ".ckpt" else None)
    assert isinstance(resolve_policy(str(ckpt))(ctx), Zero)
    with pytest.raises(ConfigError, match="already registered"):
        register_policy("zero", lambda ctx: Zero())


def test_unknown_policy_lists_the_known_names():
    import motionprior.sim.evaluate  # noqa: F401  (registers "expert")

    with pytest.raises(UnknownNameError, match=r"unknown policy 'nosuch'; known: .*expert"):
        resolve_policy("nosuch")


def _score_bound(k: int, n: int, z: float, upper: bool) -> float:
    """Reference: the Wilson bound is where the score test statistic equals z (bisection)."""
    p_hat = k / n
    lo, hi = (p_hat, 1.0) if upper else (0.0, p_hat)
    for _ in range(200):
        mid = (lo + hi) / 2
        stat = abs(p_hat - mid) / math.sqrt(mid * (1 - mid) / n) if 0 < mid < 1 else math.inf
        inside = stat < z
        if upper:
            lo, hi = (mid, hi) if inside else (lo, mid)
        else:
            lo, hi = (lo, mid) if inside else (mid, hi)
    return (lo + hi) / 2


@pytest.mark.parametrize("k, n", [(0, 10), (3, 10), (8, 10), (10, 10), (47, 50), (1, 1)])
def test_wilson_interval_matches_the_inverted_score_test(k, n):
    z = 1.959963984540054
    low, high = wilson_interval(k, n)
    ref_low = 0.0 if k == 0 else _score_bound(k, n, z, upper=False)
    ref_high = 1.0 if k == n else _score_bound(k, n, z, upper=True)
    assert low == pytest.approx(ref_low, abs=1e-9) and high == pytest.approx(ref_high, abs=1e-9)
    assert low <= k / n <= high


def test_wilson_interval_known_value_and_edges():
    low, high = wilson_interval(8, 10)  # textbook value: [0.4902, 0.9433]
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError, match=r"successes must be in \[0, 5\]"):
        wilson_interval(6, 5)
