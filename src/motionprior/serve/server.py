"""The websocket policy server (openpi's protocol, so `openpi-client` works unchanged).

On connect the server sends the policy's metadata (one msgpack map). Then each binary frame
holding an observation is answered with one frame ``{"actions": float32 [H, A], "motion": str,
"embodiment": str, "request_id": <echoed when sent>, "server_timing": {...}}``, plus
``"warning": str`` when the answer is degraded (a history model got no ``history/*`` keys;
logged once per connection). A request that cannot be answered gets a *text* frame holding
JSON ``{"error": {"code", "message", "request_id"}}`` (openpi-client raises it as a
RuntimeError) and the connection stays open.
Frames over the size limit close that connection with code 1009 (message too big).

`GET /healthz` answers ``ok`` over plain HTTP. With an API key, a websocket handshake without
the header ``Authorization: Api-Key KEY`` (what openpi-client sends) is refused with 401.
Inference runs in one worker thread, fed by a queue that may batch requests of several
clients, so the event loop keeps accepting, answering health checks and reading frames.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from motionprior.errors import DataError, MotionpriorError, UnknownNameError
from motionprior.serve import wire
from motionprior.serve.config import ServeConfig
from motionprior.serve.engine import MissingKeyError, PolicyEngine, Reply, Session

log = logging.getLogger("motionprior.serve")
HEALTH_PATH = "/healthz"


@dataclass
class ServerStats:
    """Counters (read by tests and the load benchmark)."""

    connections: int = 0
    served: int = 0
    errors: int = 0
    dropped: int = 0  # replies whose client had gone before the answer was ready
    batches: int = 0


def error_code(exc: BaseException) -> str:
    """The `code` of the error reply for an exception."""
    for kind, code in ((wire.WireError, "malformed_message"), (MissingKeyError, "missing_key"),
                       (UnknownNameError, "unknown_embodiment"), (DataError, "bad_observation"),
                       (MotionpriorError, "bad_request")):
        if isinstance(exc, kind):
            return code
    return "internal_error"


def error_frame(exc: BaseException, request_id: Any = None) -> str:
    """The JSON text frame of an error reply."""
    message = " ".join(str(exc).split()) or type(exc).__name__
    if error_code(exc) == "internal_error":
        message = f"{type(exc).__name__}: {message}"
    body = {"code": error_code(exc), "message": message}
    if isinstance(request_id, str | int) and not isinstance(request_id, bool):
        body["request_id"] = request_id
    return json.dumps({"error": body})


class PolicyServer:
    """Serves one `PolicyEngine`; `await run(ready)` until cancelled."""

    def __init__(self, engine: PolicyEngine, cfg: ServeConfig) -> None:
        self.engine, self.cfg = engine, cfg
        self.stats = ServerStats()
        self.metadata = wire.packb({**engine.metadata(),
                                    "max_message_bytes": cfg.max_message_bytes,
                                    "max_batch": cfg.max_batch})
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="motionprior-infer")
        self._queue: asyncio.Queue | None = None

    async def run(self, ready: Callable[[int], None] | None = None) -> None:
        """Listen until cancelled; `ready(port)` is called once the socket is bound."""
        self._queue = asyncio.Queue()
        batcher = asyncio.create_task(self._batch_loop())
        try:
            async with serve(self._handle, self.cfg.host, self.cfg.port, compression=None,
                             max_size=self.cfg.max_message_bytes,
                             process_request=self._process_request) as server:
                port = next(iter(server.sockets)).getsockname()[1]
                if ready is not None:
                    ready(port)
                await asyncio.Future()
        finally:
            batcher.cancel()
            self._executor.shutdown(wait=False, cancel_futures=True)

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.path == HEALTH_PATH:
            return connection.respond(HTTPStatus.OK, "ok\n")
        key = self.cfg.api_key
        if key is not None:
            sent = request.headers.get("Authorization", "")
            if not hmac.compare_digest(sent.encode(), f"Api-Key {key}".encode()):
                log.warning("refused a connection without the API key")
                return connection.respond(HTTPStatus.UNAUTHORIZED,
                                          "missing or wrong API key (header "
                                          "'Authorization: Api-Key KEY')\n")
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        self.stats.connections += 1
        number = self.stats.connections
        session = self.engine.new_session()
        prev_total_ms: float | None = None
        warned = False
        try:
            await ws.send(self.metadata)
            async for frame in ws:
                start = time.perf_counter()
                request_id = None
                try:
                    obs = wire.unpackb(frame)
                    if not isinstance(obs, dict):
                        raise wire.WireError("a request must be a msgpack map (the "
                                             f"observation), got {type(obs).__name__}")
                    request_id = obs.get("request_id")
                    reply, timing = await self._infer(session, obs)
                except Exception as e:  # noqa: BLE001  (every failure is one error reply)
                    self.stats.errors += 1
                    if error_code(e) == "internal_error":
                        log.exception("request failed")
                    await ws.send(error_frame(e, request_id))
                    continue
                total_ms = (time.perf_counter() - start) * 1000
                message = {"actions": reply.actions, "motion": reply.motion,
                           "embodiment": reply.embodiment,
                           "server_timing": {**timing, "total_ms": total_ms,
                                             "prev_total_ms": prev_total_ms}}
                if request_id is not None:
                    message["request_id"] = request_id
                if reply.warning is not None:
                    message["warning"] = reply.warning
                    if not warned:
                        log.warning("connection %d: %s", number, reply.warning)
                        warned = True
                self.stats.served += 1  # before the send: a client holding its reply sees it
                try:
                    await ws.send(wire.packb(message))
                except ConnectionClosed:  # the client left while its request ran
                    self.stats.served -= 1
                    self.stats.dropped += 1
                    return
                prev_total_ms = total_ms
        except ConnectionClosed:
            pass  # gone between requests (or while an error reply was sent)
        finally:
            session.policies.clear()

    async def _infer(self, session: Session, obs: dict) -> tuple[Reply, dict[str, float]]:
        future = asyncio.get_running_loop().create_future()
        await self._queue.put((session, obs, future, time.perf_counter()))
        return await future

    async def _batch_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            items = [await self._queue.get()]
            deadline = loop.time() + self.cfg.batch_window_ms / 1000
            while len(items) < self.cfg.max_batch:
                try:
                    items.append(self._queue.get_nowait())
                    continue
                except asyncio.QueueEmpty:
                    pass
                left = deadline - loop.time()
                if left <= 0:
                    break
                try:
                    items.append(await asyncio.wait_for(self._queue.get(), left))
                except TimeoutError:
                    break
            begin = time.perf_counter()
            try:
                results = await loop.run_in_executor(
                    self._executor, self.engine.infer_many, [(s, o) for s, o, _, _ in items])
            except Exception as e:  # noqa: BLE001  (the worker itself failed)
                results = [e] * len(items)
            infer_ms = (time.perf_counter() - begin) * 1000
            self.stats.batches += 1
            for (_, _, future, queued), result in zip(items, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, Exception):
                    future.set_exception(result)
                else:
                    future.set_result((result, {"infer_ms": infer_ms, "batch_size": len(items),
                                                "queue_ms": (begin - queued) * 1000}))
