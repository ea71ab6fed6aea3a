"""The real openpi-client (PyPI `openpi-client`) talks to the server unchanged: metadata,
inference equal to an in-process `VLAPolicy` with the same seed, health check, API key."""

from __future__ import annotations

import urllib.request

import numpy as np
import pytest
from openpi_client import msgpack_numpy
from openpi_client.websocket_client_policy import WebsocketClientPolicy
from serve_cases import CHUNK, EMBODIMENT, observation
from websockets.exceptions import InvalidStatus

from motionprior.policy.vla_policy import VLAPolicy
from motionprior.serve.background import BackgroundServer, load_engine
from motionprior.serve.config import ServeConfig


def test_metadata_then_chunks_equal_in_process_policy(server, engine):
    client = WebsocketClientPolicy(server.url)
    meta = client.get_server_metadata()
    assert meta["server"] == "motionprior" and meta["variant"] == "flow"
    assert meta["embodiments"] == [EMBODIMENT] and meta["cameras"] == ["scene"]
    assert meta["image_shape"] == [32, 32, 3] and meta["state_dims"] == {EMBODIMENT: 4}
    assert meta["chunk"] == CHUNK and meta["max_message_bytes"] == 8 * 1024 * 1024
    local = VLAPolicy(engine.loaded, EMBODIMENT, seed=0)  # a fresh connection = a fresh policy
    for i in range(3):  # the connection's noise stream continues like the local one's
        obs = observation(i)
        reply = client.infer(obs)
        chunk, words = local.predict_chunk(obs)
        assert reply["actions"].dtype == np.float32 and reply["actions"].shape == (CHUNK, 4)
        np.testing.assert_array_equal(reply["actions"], chunk)
        assert reply["motion"] == words and reply["embodiment"] == EMBODIMENT
        timing = reply["server_timing"]
        assert timing["infer_ms"] > 0 and timing["total_ms"] >= timing["infer_ms"]
        assert (timing["prev_total_ms"] is None) == (i == 0)


def test_seed_key_reseeds_and_noise_matters(server, engine):
    client = WebsocketClientPolicy(server.url)
    obs = observation(5)
    first = client.infer({**obs, "seed": 7})["actions"]
    again = client.infer({**obs, "seed": 7})["actions"]
    other = client.infer({**obs, "seed": 8})["actions"]
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)  # the flow noise reaches the actions
    local = VLAPolicy(engine.loaded, EMBODIMENT, seed=7)
    np.testing.assert_array_equal(first, local.predict_chunk(obs)[0])


def test_motion_words_and_openpi_prompt_key(serve_runs):
    engine = load_engine(serve_runs["motion+tokens"])
    obs = observation(3)
    chunk, words = VLAPolicy(engine.loaded, EMBODIMENT).predict_chunk(obs)
    with BackgroundServer(engine, ServeConfig(port=0)) as srv:
        client = WebsocketClientPolicy(srv.url)
        assert client.get_server_metadata()["variant"] == "motion+tokens"
        prompt = {k: v for k, v in obs.items() if k != "instruction"}
        reply = client.infer({**prompt, "prompt": obs["instruction"], "request_id": "r-1"})
    assert isinstance(reply["motion"], str) and reply["motion"] == words
    np.testing.assert_array_equal(reply["actions"], chunk)
    assert reply["request_id"] == "r-1"


def test_health_check_over_plain_http(server):
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz", timeout=5) as r:
        assert r.status == 200 and r.read() == b"ok\n"


def test_binds_localhost_by_default():
    from motionprior.cli import build_parser

    assert ServeConfig().host == "127.0.0.1"
    args = build_parser().parse_args(["serve", "ckpt"])
    assert args.host == "127.0.0.1" and args.port == 8000


def test_api_key_refuses_missing_and_wrong_keys(engine):
    with BackgroundServer(engine, ServeConfig(port=0, api_key="s3cret")) as srv:
        for key in (None, "wrong"):
            with pytest.raises(InvalidStatus) as info:
                WebsocketClientPolicy(srv.url, api_key=key)
            assert info.value.response.status_code == 401
            assert b"missing or wrong API key" in info.value.response.body
        client = WebsocketClientPolicy(srv.url, api_key="s3cret")
        assert client.infer(observation())["actions"].shape == (CHUNK, 4)
        assert srv.stats.connections == 1


def test_openpi_codec_reads_our_frames_and_we_read_its():
    from motionprior.serve import wire

    msg = {"a": np.arange(12, dtype=np.float64).reshape(3, 4), "u": np.uint8(7),
           "img": np.zeros((2, 2, 3), np.uint8), "s": "text", "nested": {"n": [1, 2.5]}}
    for decoded in (wire.unpackb(msgpack_numpy.packb(msg)), msgpack_numpy.unpackb(wire.packb(msg))):
        np.testing.assert_array_equal(decoded["a"], msg["a"])
        assert decoded["a"].dtype == np.float64 and decoded["img"].shape == (2, 2, 3)
        assert decoded["u"] == 7 and decoded["u"].dtype == np.uint8
        assert decoded["s"] == "text" and decoded["nested"] == {"n": [1, 2.5]}
