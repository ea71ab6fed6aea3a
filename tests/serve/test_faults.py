"""Bad input and bad clients: each gets its error message, and the server keeps serving."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

import msgpack
import numpy as np
import pytest
from openpi_client.websocket_client_policy import WebsocketClientPolicy
from serve_cases import CHUNK, SlowEngine, error_of, observation, raw_connect
from websockets.exceptions import ConnectionClosedError

from motionprior.serve import wire
from motionprior.serve.background import BackgroundServer
from motionprior.serve.config import ServeConfig


def _array(dtype: str, shape: list, data: bytes) -> dict:
    return {b"__ndarray__": True, b"data": data, b"dtype": dtype, b"shape": shape}


GARBAGE = [
    (b"\xc1\x00garbage", "malformed_message", "malformed msgpack"),
    (wire.packb(observation())[:-7], "malformed_message",
     "malformed msgpack: Unpack failed: incomplete input"),
    (msgpack.packb([1, 2, 3]), "malformed_message",
     "a request must be a msgpack map (the observation), got list"),
    (msgpack.packb({"state": _array("|O", [1], b"\x00" * 8)}), "malformed_message",
     "array dtype '|O' is not allowed (object, void and complex arrays are refused"),
    (msgpack.packb({"state": _array("<f4", [4], b"\x00" * 15)}), "malformed_message",
     "array <f4 [4] needs 16 bytes, got 15"),
    (msgpack.packb({"state": _array("not-a-dtype", [4], b"")}), "malformed_message",
     "array with an invalid dtype 'not-a-dtype'"),
    ("a text frame", "malformed_message", "expected a binary frame (msgpack); got a text frame"),
]


def test_garbage_frames_get_errors_and_the_connection_keeps_working(server):
    ws, _ = raw_connect(server.url)
    for frame, code, message in GARBAGE:
        ws.send(frame)
        error = error_of(ws.recv(10))
        assert error["code"] == code and message in error["message"], (frame, error)
    ws.send(wire.packb(observation()))
    assert wire.unpackb(ws.recv(10))["actions"].shape == (CHUNK, 4)
    assert server.stats.errors == len(GARBAGE) and server.stats.served == 1


BAD_OBSERVATIONS = [
    ({"drop": "images"}, "missing_key", "observation lacks 'images' (required: images, state, "
     "instruction; optional: embodiment, step, seed, request_id)"),
    ({"drop": "state"}, "missing_key", "observation lacks 'state'"),
    ({"drop": "instruction"}, "missing_key", "observation lacks 'instruction'"),
    ({"images": {"scene": np.zeros((64, 64, 3), np.uint8)}}, "bad_observation",
     "camera 'scene': expected uint8 [32, 32, 3], got uint8 [64, 64, 3]"),
    ({"images": {"scene": np.zeros((32, 32, 3), np.float32)}}, "bad_observation",
     "camera 'scene': expected uint8 [32, 32, 3], got float32 [32, 32, 3]"),
    ({"images": {"wrist": np.zeros((32, 32, 3), np.uint8)}}, "bad_observation",
     "observation lacks camera 'scene'; the policy needs ['scene']"),
    ({"state": np.array([0.1, np.nan, 0.0, 0.0], np.float32)}, "bad_observation",
     "state holds NaN or inf"),
    ({"state": np.array([0.1, np.inf, 0.0, 0.0])}, "bad_observation", "state holds NaN or inf"),
    ({"state": np.zeros(7, np.float32)}, "bad_observation",
     "state must have shape [4] for metaworld_sawyer, got [7]"),
    ({"state": "zero"}, "bad_observation", "observation['state'] must be a numeric array"),
    ({"instruction": ""}, "bad_observation", "observation['instruction'] must be a non-empty"),
    ({"embodiment": "robosuite_panda"}, "unknown_embodiment",
     "unknown embodiment of checkpoint"),
    ({"seed": -3}, "bad_observation", "observation['seed'] must be an integer >= 0, got -3"),
]


@pytest.mark.parametrize("change, code, message", BAD_OBSERVATIONS,
                         ids=[m[:30] for _, _, m in BAD_OBSERVATIONS])
def test_bad_observation_gets_its_error_through_openpi_client(server, change, code, message):
    change = dict(change)
    obs = observation(request_id=41)
    obs.pop(change.pop("drop", None), None)
    client = WebsocketClientPolicy(server.url)
    with pytest.raises(RuntimeError) as info:
        client.infer({**obs, **change})
    text = str(info.value)
    assert text.startswith("Error in inference server:\n")
    error = error_of(text.split("\n", 1)[1])
    assert error["code"] == code and message in error["message"], error
    assert error["request_id"] == 41
    assert client.infer(observation())["actions"].shape == (CHUNK, 4)  # same connection, served


def test_unknown_embodiment_names_the_known_ones(server):
    ws, _ = raw_connect(server.url)
    ws.send(wire.packb(observation(embodiment="robosuite_panda")))
    message = error_of(ws.recv(10))["message"]
    assert "'robosuite_panda'; known: metaworld_sawyer" in message


def test_oversized_message_closes_that_connection_only(engine):
    cfg = ServeConfig(port=0, max_message_mb=0.05)  # 52428 bytes
    with BackgroundServer(engine, cfg) as srv:
        ws, meta = raw_connect(srv.url)
        assert meta["max_message_bytes"] == 52428
        big = observation(images={"scene": np.zeros((32, 32, 3), np.uint8)},
                          padding=np.zeros(60_000, np.uint8))
        ws.send(wire.packb(big))
        with pytest.raises(ConnectionClosedError) as info:
            ws.recv(10)
        assert info.value.rcvd.code == 1009
        assert "exceeds limit of 52428 bytes" in info.value.rcvd.reason
        client = WebsocketClientPolicy(srv.url)  # the server is still up
        assert client.infer(observation())["actions"].shape == (CHUNK, 4)


KILLED_CLIENT = """
import sys, time
from openpi_client.websocket_client_policy import WebsocketClientPolicy
from openpi_client import msgpack_numpy
import numpy as np
client = WebsocketClientPolicy(sys.argv[1])
obs = {"images": {"scene": np.zeros((32, 32, 3), np.uint8)}, "state": np.zeros(4, np.float32),
       "instruction": "reach the goal"}
client._ws.send(msgpack_numpy.packb(obs))
print("sent", flush=True)
time.sleep(60)
"""


def test_clients_killed_mid_request_do_not_stop_the_server(engine):
    with BackgroundServer(SlowEngine(engine, 0.5), ServeConfig(port=0)) as srv:
        procs = [subprocess.Popen([sys.executable, "-c", KILLED_CLIENT, srv.url],
                                  stdout=subprocess.PIPE, text=True) for _ in range(2)]
        for proc in procs:
            assert proc.stdout.readline().strip() == "sent"
            proc.kill()  # SIGKILL while its request is queued or running
            proc.wait(10)
        client = WebsocketClientPolicy(srv.url)
        reply = client.infer(observation(request_id="after"))
        assert reply["request_id"] == "after" and reply["actions"].shape == (CHUNK, 4)
        deadline = time.time() + 10
        while srv.stats.dropped < 2 and time.time() < deadline:
            time.sleep(0.05)
        assert srv.stats.dropped == 2 and srv.stats.served == 1


def test_slow_inference_does_not_block_the_event_loop(engine):
    with BackgroundServer(SlowEngine(engine, 1.5), ServeConfig(port=0)) as srv:
        busy, _ = raw_connect(srv.url)
        busy.send(wire.packb(observation()))
        time.sleep(0.1)  # the request is now in the worker
        start = time.perf_counter()
        with urllib.request.urlopen(f"http://127.0.0.1:{srv.port}/healthz", timeout=5) as r:
            assert r.read() == b"ok\n"
        other, meta = raw_connect(srv.url)  # a new client gets its metadata meanwhile
        other.send(b"\xc1")  # and its garbage answered without waiting for the model
        assert error_of(other.recv(5))["code"] == "malformed_message"
        assert meta["server"] == "motionprior" and time.perf_counter() - start < 0.8
        assert wire.unpackb(busy.recv(10))["actions"].shape == (CHUNK, 4)
