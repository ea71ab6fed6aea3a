import sys
from pathlib import Path

import numpy as np
import pytest

from motionprior.data.stats import Normalizer, compute_stats
from motionprior.errors import ConfigError, DataError, UnknownNameError
from motionprior.policy.chunking import RecedingHorizon, TemporalEnsemble, make_executor
from motionprior.policy.vla_policy import VLAPolicy

sys.path.insert(0, str(Path(__file__).parent))  # tests run with --import-mode=importlib
from vla_cases import make_model  # noqa: E402


def chunks_from(values):
    it = iter(values)
    calls = []

    def query():
        calls.append(1)
        return next(it)
    return query, calls


def test_receding_horizon_executes_k_actions_then_replans():
    ex = RecedingHorizon(2)
    query, calls = chunks_from([np.array([[1.0], [2.0], [3.0]]), np.array([[10.0], [20.0]])])
    out = [float(ex.act(query)[0]) for _ in range(4)]
    assert out == [1.0, 2.0, 10.0, 20.0] and len(calls) == 2
    ex.reset()
    query, calls = chunks_from([np.array([[5.0], [6.0]])])
    assert float(ex.act(query)[0]) == 5.0


def test_temporal_ensemble_hand_computed():
    m = 0.5
    ex = TemporalEnsemble(m)
    c0 = np.array([[0.0], [1.0], [2.0]])
    c1 = np.array([[10.0], [11.0], [12.0]])
    c2 = np.array([[20.0], [21.0], [22.0]])
    query, _ = chunks_from([c0, c1, c2])
    a0 = ex.act(query)
    a1 = ex.act(query)
    a2 = ex.act(query)
    w = np.exp(-m * np.arange(3))
    assert a0[0] == 0.0
    assert np.isclose(a1[0], (w[0] * 1.0 + w[1] * 10.0) / w[:2].sum())
    assert np.isclose(a2[0], (w[0] * 2.0 + w[1] * 11.0 + w[2] * 20.0) / w.sum())
    with pytest.raises(ConfigError, match="unknown execution mode"):
        make_executor("bogus", 1, 0.0)
    with pytest.raises(ConfigError, match="query period"):
        RecedingHorizon(0)


class Loaded:
    """What VLAPolicy needs of a checkpoint: model, config, statistics."""

    def __init__(self, model, normalizer):
        from motionprior.vla.config import VLARunConfig

        self.model, self.normalizer = model, normalizer
        self.config = VLARunConfig(model=model.cfg)
        self.checkpoint = "test-checkpoint"


def two_embodiments() -> Normalizer:
    norm = Normalizer()
    rng = np.random.default_rng(0)
    for name, scale in (("arm_a", 1.0), ("arm_b", 100.0)):
        norm.add(name, "action", compute_stats(rng.uniform(-scale, scale, (500, 4))))
        norm.add(name, "state", compute_stats(rng.uniform(-1, 1, (500, 5))))
    return norm


def observation(emb="arm_a", **over):
    obs = {"images": {"scene": np.zeros((32, 32, 3), np.uint8)}, "state": np.zeros(5),
           "instruction": "pick up the cube", "embodiment": emb}
    obs.update(over)
    return obs


def test_policy_unnormalizes_with_the_observations_embodiment():
    model = make_model("tokens").eval()
    norm = two_embodiments()
    a = VLAPolicy(Loaded(model, norm), "arm_a").predict_chunk(observation("arm_a"))[0]
    b = VLAPolicy(Loaded(model, norm), "arm_b").predict_chunk(observation("arm_b"))[0]
    assert a.shape == (2, 4)
    assert np.abs(a).max() <= 1.0 + 1e-6 and np.abs(b).max() > 2.0  # arm_b spans +-100
    with pytest.raises(UnknownNameError, match="arm_c"):
        VLAPolicy(Loaded(model, norm), "arm_c")


@pytest.mark.parametrize("obs, message", [
    (observation(images={}), "lacks camera 'scene'"),
    (observation(images={"scene": np.zeros((16, 16, 3), np.uint8)}),
     "expected uint8 \\[32, 32, 3\\]"),
    (observation(images={"scene": np.zeros((32, 32, 3), np.float32)}), "expected uint8"),
    (observation(instruction="  "), "non-empty string"),
    (observation(state=np.zeros(4)), "state must have shape \\[5\\]"),
    (observation(state=np.array([0, 0, np.nan, 0, 0])), "NaN or inf"),
    (observation(emb="arm_b"), "differs from this policy's 'arm_a'"),
])
def test_policy_rejects_bad_observations(obs, message):
    policy = VLAPolicy(Loaded(make_model("flow").eval(), two_embodiments()), "arm_a")
    with pytest.raises(DataError, match=message):
        policy.act(obs)


def test_policy_flow_episode_is_reproducible_after_reset():
    policy = VLAPolicy(Loaded(make_model("flow").eval(), two_embodiments()), "arm_a",
                       query_period=2)
    first = [policy.act(observation()) for _ in range(3)]
    policy.reset()
    again = [policy.act(observation()) for _ in range(3)]
    assert all(np.array_equal(x, y) for x, y in zip(first, again, strict=True))
    assert policy.last_info == {"motion": ""}


def test_policy_queries_on_its_own_thread_count_and_restores_the_process_one(monkeypatch):
    import torch

    import motionprior.vla.decoding as decoding

    seen, generate = [], decoding.generate

    def spy(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return generate(*args, **kwargs)

    monkeypatch.setattr(decoding, "generate", spy)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        loaded = Loaded(make_model("flow").eval(), two_embodiments())
        one = VLAPolicy(loaded, "arm_a").predict_chunk(observation())[0]
        assert seen == [1] and torch.get_num_threads() == 2
        same = VLAPolicy(loaded, "arm_a", query_threads=None).predict_chunk(observation())[0]
        assert seen == [1, 2] and torch.get_num_threads() == 2
        np.testing.assert_allclose(one, same, atol=1e-5)  # threads change speed, not actions
    finally:
        torch.set_num_threads(before)
    with pytest.raises(ConfigError, match="query_threads must be >= 1"):
        VLAPolicy(loaded, "arm_a", query_threads=0)


class CountingImages(dict):
    """A camera mapping that counts reads of its frames (a lazy simulator renders on read)."""

    reads = 0

    def __getitem__(self, key):
        CountingImages.reads += 1
        return super().__getitem__(key)


def test_policy_reads_the_images_only_when_it_replans():
    policy = VLAPolicy(Loaded(make_model("flow").eval(), two_embodiments()), "arm_a",
                       query_period=3)
    CountingImages.reads = 0
    reads = []
    for _ in range(7):
        policy.act(observation(images=CountingImages(scene=np.zeros((32, 32, 3), np.uint8))))
        reads.append(CountingImages.reads)
    assert reads == [1, 1, 1, 2, 2, 2, 3]  # queries at steps 0, 3 and 6
    with pytest.raises(DataError, match="NaN or inf"):  # the state is checked at every step
        policy.act(observation(state=np.array([0, 0, np.nan, 0, 0])))
