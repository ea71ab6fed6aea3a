"""`--policy ws://HOST:PORT`: the client policy acts exactly like the in-process policy."""

from __future__ import annotations

import numpy as np
import pytest
from serve_cases import CHUNK, EMBODIMENT, observation

from motionprior.errors import ConfigError, UnknownNameError
from motionprior.policy.protocol import PolicyContext, registered_modules, resolve_policy
from motionprior.policy.vla_policy import VLAPolicy
from motionprior.serve.client_policy import WebsocketPolicy


@pytest.mark.parametrize("options", [{}, {"execution": "ensemble", "ensemble_decay": 0.1},
                                     {"query_period": 3, "seed": 4}])
def test_actions_equal_the_in_process_policy_across_resets(server, engine, options):
    remote = WebsocketPolicy(server.url, EMBODIMENT, **options)
    local = VLAPolicy(engine.loaded, EMBODIMENT, **options)
    for episode in range(2):  # reset re-seeds both the same way
        remote.reset()
        local.reset()
        for step in range(6):
            obs = observation(10 * episode + step, step=step, privileged={"not": "sent"})
            np.testing.assert_array_equal(remote.act(obs), local.act(obs))
            assert remote.last_info == local.last_info
    remote.close()


def test_ws_urls_resolve_to_a_factory(server):
    factory = resolve_policy(server.url)
    ctx = PolicyContext(pair="metaworld/reach-v3", embodiment=EMBODIMENT, action_dim=4, fps=80)
    policy = factory(ctx)
    assert isinstance(policy, WebsocketPolicy) and policy.metadata["chunk"] == CHUNK
    assert "motionprior.serve.client_policy" in registered_modules()  # eval workers import it
    with pytest.raises(UnknownNameError, match="embodiment of the policy server at ws://"
                       r".*'robosuite_panda'; known: metaworld_sawyer"):
        factory(PolicyContext(pair="robosuite/Lift/Panda", embodiment="robosuite_panda",
                              action_dim=7, fps=20))


def test_unreachable_or_bad_urls_are_one_line_config_errors():
    with pytest.raises(ConfigError, match="cannot reach the policy server at ws://127.0.0.1:1: "
                       ".*start one with `motionprior serve CHECKPOINT`"):
        resolve_policy("ws://127.0.0.1:1")
    with pytest.raises(ConfigError, match="a policy server URL is ws://HOST:PORT"):
        resolve_policy("ws://127.0.0.1:8000/some/path")
