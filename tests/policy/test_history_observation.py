"""An observation's own `history/state` and `history/action` (raw units, oldest first) give the
history token exactly the steps an in-process `VLAPolicy` keeps by `act()` calls."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "vla"))  # --import-mode=importlib
from history_cases import ACTION_DIM, STATE_DIM, history_loaded, observation  # noqa: E402

from motionprior.errors import DataError  # noqa: E402
from motionprior.policy.history import StepHistory  # noqa: E402
from motionprior.policy.vla_policy import VLAPolicy  # noqa: E402

STEPS = 11  # more than the debug prior's history_len (8): only the last 8 count


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    yield


def run_episode(policy: VLAPolicy) -> tuple[np.ndarray, np.ndarray]:
    """`act()` over STEPS observations; the raw states and actions executed, oldest first."""
    states, actions = [], []
    for t in range(STEPS):
        obs = observation(t)
        actions.append(policy.act(obs))
        states.append(obs["state"])
    return np.stack(states), np.stack(actions)


def chunk_of(policy: VLAPolicy, obs: dict, seed: int = 5) -> np.ndarray:
    policy.generator.manual_seed(seed)  # the same flow noise for every compared chunk
    return policy.predict_chunk(obs)[0]


@pytest.mark.parametrize("variant", ["flow+prior", "motion+flow+prior"])
def test_explicit_history_equals_the_history_act_built(variant):
    loaded = history_loaded(variant)
    kept = VLAPolicy(loaded, "arm_a", query_period=3)
    states, actions = run_episode(kept)
    assert len(kept.history) == kept.history.length == 8
    nxt = observation(STEPS)
    want = chunk_of(kept, nxt)
    sent = VLAPolicy(loaded, "arm_a")  # a fresh policy: its own history is empty
    for k in (STEPS, 8):  # the whole episode or just the last history_len steps
        got = chunk_of(sent, {**nxt, "history/state": states[-k:],
                              "history/action": actions[-k:]})
        np.testing.assert_array_equal(got, want)
    empty = chunk_of(VLAPolicy(loaded, "arm_a"), nxt)
    assert not np.allclose(want, empty)  # the history reaches the chunk
    # the keys take precedence over the kept history: K' = 0 is the empty history
    start = {**nxt, "history/state": np.zeros((0, STATE_DIM)), "history/action": []}
    np.testing.assert_array_equal(chunk_of(kept, start), empty)


def test_explicit_history_is_laid_out_like_pushed_steps():
    loaded = history_loaded()
    policy = VLAPolicy(loaded, "arm_a")
    states, actions = run_episode(VLAPolicy(loaded, "arm_a"))
    pushed = StepHistory(8, policy.cfg.d_max, STATE_DIM, ACTION_DIM)
    for s, a in zip(states[-3:], actions[-3:], strict=True):
        pushed.push(policy.batch(observation(0, state=s))["state"][0, :STATE_DIM].numpy(),
                    np.asarray(loaded.normalizer.normalize("arm_a", "action", a)))
    batch = policy.batch({**observation(0), "history/state": states[-3:],
                          "history/action": actions[-3:]})
    for key, value in pushed.batch().items():
        assert batch[key].dtype == value.dtype and bool((batch[key] == value).all()), key
    assert batch["history_mask"][0, :5].sum() == 0 and batch["history_mask"][0, 5:, :4].all()


def test_a_policy_without_history_ignores_the_keys():
    policy = VLAPolicy(history_loaded(history=False), "arm_a")
    assert policy.history is None
    obs = observation(1)
    odd = {**obs, "history/state": np.ones((2, STATE_DIM)), "history/action": np.ones((2, 4))}
    np.testing.assert_array_equal(chunk_of(policy, obs), chunk_of(policy, odd))


EXPECTED = (r"send 'history/state' \[K, 5\] and 'history/action' \[K, 4\] for arm_a \(K past "
            r"steps, oldest first, raw units\)")


@pytest.mark.parametrize("history, message", [
    ({"history/state": np.zeros(5), "history/action": np.zeros((1, 4))},
     r"observation\['history/state'\] must have shape \[K, 5\], got \[5\]; " + EXPECTED),
    ({"history/state": np.zeros((2, 5)), "history/action": np.zeros((2, 3))},
     r"observation\['history/action'\] must have shape \[K, 4\], got \[2, 3\]; " + EXPECTED),
    ({"history/state": np.zeros((3, 5)), "history/action": np.zeros((2, 4))},
     "observation has 3 history states but 2 history actions; " + EXPECTED),
    ({"history/state": np.zeros((2, 5)), "history/action": np.full((2, 4), np.nan)},
     r"observation\['history/action'\] holds NaN or inf"),
    ({"history/state": np.zeros((2, 5))},
     "observation has 'history/state' without the other; send both 'history/state'"),
    ({"history/state": "abc", "history/action": np.zeros((0, 4))},
     r"observation\['history/state'\] must be a numeric array; " + EXPECTED),
])
def test_bad_history_is_a_one_line_error_naming_the_shape(history, message):
    policy = VLAPolicy(history_loaded(), "arm_a")
    with pytest.raises(DataError, match=message) as info:
        policy.act({**observation(0), **history})
    assert "\n" not in str(info.value)
