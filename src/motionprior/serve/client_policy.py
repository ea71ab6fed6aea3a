"""`--policy ws://HOST:PORT`: a `Policy` whose chunks come from a running policy server.

The closed-loop harness (`motionprior eval`) uses it like any learned policy: it executes the
server's chunks with the same executors (`execution`, `query_period`, `ensemble_decay`) and
exposes the server's motion words as `last_info["motion"]`. After every `reset()` the first
request carries ``"seed"``, so the server re-seeds this connection's noise exactly as an
in-process `VLAPolicy` does at reset: an evaluation through the server equals one in process.
When the server's model reads a history token (metadata `history_len` > 0), the client keeps
the episode's executed steps (the raw state of each observation and the raw action it
returned), cleared at reset, and sends the last `history_len` of them with every request as
``history/state`` `[K, S]` and ``history/action`` `[K, A]`, as the in-process policy keeps them.
The API key, if the server wants one, is read from ``MOTIONPRIOR_API_KEY`` (not a flag, so it
stays out of process listings).
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import numpy as np
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import ClientConnection, connect

from motionprior.errors import ConfigError, DataError, UnknownNameError
from motionprior.policy.chunking import make_executor
from motionprior.policy.history import HISTORY_ACTION_KEY, HISTORY_STATE_KEY
from motionprior.policy.protocol import PolicyContext, PolicyFactory, register_policy_resolver
from motionprior.serve import wire

API_KEY_ENV = "MOTIONPRIOR_API_KEY"
TIMEOUT_S = 120.0


class ServerError(DataError):
    """An error reply of the policy server (its code and message)."""


def open_connection(url: str, api_key: str | None = None) -> tuple[ClientConnection, dict]:
    """Connect to a policy server; the connection and the metadata it sent."""
    key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
    headers = {"Authorization": f"Api-Key {key}"} if key else None
    try:
        ws = connect(url, compression=None, max_size=None, additional_headers=headers,
                     open_timeout=TIMEOUT_S)
        metadata = wire.unpackb(ws.recv(TIMEOUT_S))
    except (OSError, InvalidHandshake, InvalidURI, ConnectionClosed, TimeoutError) as e:
        reason = " ".join(str(e).split()) or type(e).__name__
        raise ConfigError(f"cannot reach the policy server at {url}: {reason} (start one with "
                          "`motionprior serve CHECKPOINT`; set "
                          f"{API_KEY_ENV} if it has a key)") from None
    if not isinstance(metadata, dict) or "embodiments" not in metadata:
        ws.close()
        raise ConfigError(f"{url} is not a motionprior policy server (its first message "
                          "holds no 'embodiments')")
    return ws, metadata


class WebsocketPolicy:
    """`reset()` / `act(observation)` over one websocket connection."""

    def __init__(self, url: str, embodiment: str, *, execution: str = "receding",
                 query_period: int | None = None, ensemble_decay: float = 0.01,
                 seed: int = 0, api_key: str | None = None) -> None:
        self.url, self.embodiment, self.seed = url, embodiment, seed
        self._ws, self.metadata = open_connection(url, api_key)
        if embodiment not in self.metadata["embodiments"]:
            self.close()
            raise UnknownNameError(f"embodiment of the policy server at {url}", embodiment,
                                   list(self.metadata["embodiments"]))
        period = query_period or int(self.metadata["default_query_period"])
        self.executor = make_executor(execution, period, ensemble_decay)
        self.last_info: dict[str, Any] = {}
        self._words, self._reseed = "", True
        self.history_len = int(self.metadata.get("history_len", 0))
        self._steps: deque[tuple[np.ndarray, np.ndarray]] = deque(maxlen=self.history_len or 1)

    def reset(self) -> None:
        self.executor.reset()
        self.last_info, self._words, self._reseed = {}, "", True
        self._steps.clear()

    def act(self, observation: Mapping[str, Any]) -> np.ndarray:
        action = np.asarray(self.executor.act(lambda: self.predict_chunk(observation)),
                            dtype=np.float32)
        self.last_info = {"motion": self._words}
        if self.history_len:
            self._steps.append((np.array(observation["state"]), action.copy()))
        return action

    def history(self) -> dict[str, np.ndarray]:
        """The `history/*` arrays of the next request: the last `history_len` executed steps
        (raw units, oldest first), empty `[0, D]` arrays at the episode start."""
        if not self._steps:
            return {HISTORY_STATE_KEY: np.zeros((0, self._dim("state_dims")), np.float32),
                    HISTORY_ACTION_KEY: np.zeros((0, self._dim("action_dims")), np.float32)}
        states, actions = zip(*self._steps, strict=True)
        return {HISTORY_STATE_KEY: np.stack(states), HISTORY_ACTION_KEY: np.stack(actions)}

    def _dim(self, key: str) -> int:
        return int(self.metadata[key][self.embodiment])

    def predict_chunk(self, observation: Mapping[str, Any]) -> np.ndarray:
        """One request: the server's chunk `[H, A]` (raw units) for this observation."""
        message = {"images": {k: np.asarray(v) for k, v in observation["images"].items()},
                   "state": np.asarray(observation["state"]),
                   "instruction": observation["instruction"], "embodiment": self.embodiment,
                   "step": int(observation.get("step", 0))}
        if self._reseed:
            message["seed"], self._reseed = self.seed, False
        if self.history_len:
            message.update(self.history())
        try:
            self._ws.send(wire.packb(message))
            frame = self._ws.recv(TIMEOUT_S)
        except (ConnectionClosed, TimeoutError, OSError) as e:
            raise DataError(f"policy server {self.url}: no reply ({type(e).__name__}: "
                            f"{' '.join(str(e).split())})") from None
        if isinstance(frame, str):
            error = json.loads(frame).get("error", {})
            raise ServerError(f"policy server {self.url}: {error.get('code', 'error')}: "
                              f"{error.get('message', frame)}")
        reply = wire.unpackb(frame)
        self._words = str(reply.get("motion", ""))
        return np.asarray(reply["actions"], dtype=np.float32)

    def close(self) -> None:
        self._ws.close()

    def __del__(self) -> None:
        try:
            self._ws.close()
        except Exception:  # noqa: BLE001  (interpreter shutdown)
            pass


def _resolve_ws(argument: str) -> PolicyFactory | None:
    if not argument.startswith(("ws://", "wss://")):
        return None
    parts = urlsplit(argument)
    if not parts.hostname or parts.path not in ("", "/"):
        raise ConfigError(f"{argument}: a policy server URL is ws://HOST:PORT")
    open_connection(argument)[0].close()  # fail early, with one line, if nobody answers

    def factory(ctx: PolicyContext) -> WebsocketPolicy:
        return WebsocketPolicy(argument, ctx.embodiment, **dict(ctx.options))

    factory.__name__ = argument
    return factory


register_policy_resolver(_resolve_ws)
