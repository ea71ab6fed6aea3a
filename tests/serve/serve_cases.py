"""Helpers of the server tests: observations for the debug checkpoints, raw connections."""

from __future__ import annotations

import json

import numpy as np
from websockets.sync.client import connect

from motionprior.serve import wire

PAIR = "metaworld/reach-v3"
EMBODIMENT = "metaworld_sawyer"
CHUNK = 16  # the debug preset's flow chunk (the horizon of the debug action prior)


def observation(which: int = 0, **changes) -> dict:
    """A valid observation for the debug checkpoints (a 32x32 'scene' camera, 4-d state)."""
    rng = np.random.default_rng(which)
    obs = {"images": {"scene": rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)},
           "state": rng.uniform(-0.2, 0.2, 4).astype(np.float32),
           "instruction": "reach the goal", "embodiment": EMBODIMENT}
    obs.update(changes)
    return obs


def raw_connect(url: str, **kwargs):
    """A plain websocket connection (no openpi-client) and the metadata the server sent."""
    ws = connect(url, compression=None, max_size=None, **kwargs)
    return ws, wire.unpackb(ws.recv(10))


def error_of(frame) -> dict:
    """The `error` map of an error reply (a JSON text frame)."""
    assert isinstance(frame, str), f"expected an error text frame, got {type(frame).__name__}"
    return json.loads(frame)["error"]


class SlowEngine:
    """An engine whose inference first sleeps `delay` seconds (a slow model)."""

    def __init__(self, engine, delay: float) -> None:
        self._engine, self.delay = engine, delay

    def __getattr__(self, name):
        return getattr(self._engine, name)

    def infer_many(self, requests):
        import time

        time.sleep(self.delay)
        return self._engine.infer_many(requests)
