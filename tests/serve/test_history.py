"""A served policy whose model reads the history token gets the episode's executed steps from
its clients (`history/state`, `history/action`): our client's actions equal the in-process
policy's; a request without them is answered with a warning; bad ones get an error reply."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import numpy as np
import pytest
from openpi_client.websocket_client_policy import WebsocketClientPolicy
from serve_cases import error_of, raw_connect
from serve_cases import observation as flow_observation

sys.path.insert(0, str(Path(__file__).parents[1] / "vla"))  # --import-mode=importlib
from history_cases import EMBODIMENT, history_loaded, observation  # noqa: E402

from motionprior.policy.vla_policy import VLAPolicy  # noqa: E402
from motionprior.serve import wire  # noqa: E402
from motionprior.serve.background import BackgroundServer  # noqa: E402
from motionprior.serve.client_policy import WebsocketPolicy  # noqa: E402
from motionprior.serve.config import ServeConfig  # noqa: E402
from motionprior.serve.engine import PolicyEngine  # noqa: E402

HISTORY_LEN = 8  # the debug prior's


@pytest.fixture(scope="module")
def history_engine() -> PolicyEngine:
    import torch

    torch.set_num_threads(1)
    return PolicyEngine(history_loaded())


@pytest.fixture
def history_server(history_engine):
    with BackgroundServer(history_engine, ServeConfig(port=0)) as srv:
        yield srv


@pytest.mark.parametrize("options", [{}, {"execution": "ensemble", "ensemble_decay": 0.1},
                                     {"query_period": 3, "seed": 4}])
def test_client_actions_equal_the_in_process_history_policy(history_server, history_engine,
                                                            options):
    remote = WebsocketPolicy(history_server.url, EMBODIMENT, **options)
    assert remote.history_len == HISTORY_LEN
    local = VLAPolicy(history_engine.loaded, EMBODIMENT, **options)
    blind = VLAPolicy(history_engine.loaded, EMBODIMENT, **options)  # never sees a history
    differs = False
    for episode in range(2):  # reset clears the history (and re-seeds) on both sides
        for p in (remote, local, blind):
            p.reset()
        for step in range(HISTORY_LEN + 3):  # past history_len: only the last 8 steps sent
            obs = observation(20 * episode + step, step=step)
            action = remote.act(obs)
            np.testing.assert_array_equal(action, local.act(obs))
            blind_action = blind.act(obs)
            blind.history.reset()
            differs |= not np.allclose(action, blind_action)
    assert differs  # the history reaches the actions, so the equality is not vacuous
    assert history_server.stats.errors == 0
    remote.close()


def test_batched_requests_with_histories_equal_one_by_one(history_engine):
    rng = np.random.default_rng(0)
    obs = [{**observation(i), "history/state": rng.uniform(-2, 2, (k, 5)),
            "history/action": rng.uniform(-2, 2, (k, 4))} for i, k in enumerate((0, 3, 12))]
    alone = [history_engine.infer_many([(history_engine.new_session(), o)])[0] for o in obs]
    together = history_engine.infer_many([(history_engine.new_session(), o) for o in obs])
    for a, b in zip(alone, together, strict=True):
        assert a.warning is None and b.warning is None
        np.testing.assert_allclose(a.actions, b.actions, atol=1e-5)
    assert not np.allclose(alone[0].actions, alone[1].actions, atol=1e-3)


def test_missing_history_is_served_with_a_warning_logged_once(history_server, caplog):
    client = WebsocketClientPolicy(history_server.url)  # openpi's client: sends what it gets
    meta = client.get_server_metadata()
    assert meta["history_len"] == HISTORY_LEN
    assert meta["observation_keys"]["history"] == ["history/state", "history/action"]
    with caplog.at_level(logging.WARNING, logger="motionprior.serve"):
        replies = [client.infer(observation(i)) for i in range(2)]
        sent = client.infer({**observation(2), "history/state": np.zeros((0, 5)),
                             "history/action": np.zeros((0, 4))})
    for reply in replies:
        assert reply["actions"].shape == (16, 4)
        assert ("this policy reads a history token but the observation has no 'history/state' "
                "and 'history/action', so it got an empty history") in reply["warning"]
        assert ("send the episode's last 8 executed steps as 'history/state' [K, S] and "
                "'history/action' [K, A], raw units, oldest first") in reply["warning"]
    assert "warning" not in sent
    logged = [r for r in caplog.records if "reads a history token" in r.getMessage()]
    assert len(logged) == 1  # once per connection, not once per request


def test_a_model_without_history_announces_0_and_never_warns(server):
    client = WebsocketClientPolicy(server.url)
    meta = client.get_server_metadata()
    assert meta["history_len"] == 0 and meta["observation_keys"]["history"] == []
    assert "warning" not in client.infer(flow_observation(0))
    assert WebsocketPolicy(server.url, "metaworld_sawyer").history_len == 0


@pytest.mark.parametrize("history, message", [
    ({"history/state": np.zeros(5), "history/action": np.zeros((1, 4))},
     "observation['history/state'] must have shape [K, 5], got [5]; send 'history/state' "
     "[K, 5] and 'history/action' [K, 4] for arm_a (K past steps, oldest first, raw units)"),
    ({"history/state": np.zeros((2, 5)), "history/action": np.zeros((2, 7))},
     "observation['history/action'] must have shape [K, 4], got [2, 7]"),
    ({"history/state": np.zeros((3, 5)), "history/action": np.zeros((1, 4))},
     "observation has 3 history states but 1 history actions"),
    ({"history/state": np.full((1, 5), np.inf), "history/action": np.zeros((1, 4))},
     "observation['history/state'] holds NaN or inf"),
    ({"history/action": np.zeros((1, 4))}, "observation has 'history/action' without the other"),
])
def test_bad_history_gets_an_error_reply_and_the_server_keeps_serving(history_server, history,
                                                                      message):
    ws, _ = raw_connect(history_server.url)
    ws.send(wire.packb({**observation(0), **history, "request_id": 3}))
    error = error_of(ws.recv(10))
    assert error["code"] == "bad_observation" and message in error["message"], error
    assert error["request_id"] == 3
    ws.send(wire.packb({**observation(0), "history/state": np.zeros((1, 5)),
                        "history/action": np.zeros((1, 4))}))
    assert wire.unpackb(ws.recv(10))["actions"].shape == (16, 4)
    ws.close()
