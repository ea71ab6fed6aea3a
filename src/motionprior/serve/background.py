"""Running a `PolicyServer`: in the foreground (the CLI) or on a background thread (tests,
benchmarks, notebooks)."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable
from pathlib import Path

from motionprior.errors import ConfigError
from motionprior.serve.config import ServeConfig
from motionprior.serve.engine import PolicyEngine
from motionprior.serve.server import PolicyServer


def load_engine(checkpoint: str | Path, seed: int = 0) -> PolicyEngine:
    """The engine of a VLA checkpoint (a run directory or one checkpoint folder)."""
    from motionprior.policy.vla_policy import load_policy_model

    return PolicyEngine(load_policy_model(checkpoint), seed=seed)


def serve_forever(engine: PolicyEngine, cfg: ServeConfig,
                  ready: Callable[[int], None] | None = None) -> None:
    """Serve until interrupted (Ctrl-C); `ready(port)` once listening."""
    if threading.current_thread() is threading.main_thread():
        # Ctrl-C stops the server even when the process started with SIGINT ignored, as a
        # script's background job does: asyncio stops cleanly only under Python's handler.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        asyncio.run(PolicyServer(engine, cfg).run(ready))
    except OSError as e:  # port taken, address not local, ...
        raise ConfigError(f"cannot listen on {cfg.host}:{cfg.port}: {e.strerror or e}") from None


class BackgroundServer:
    """`with BackgroundServer(engine, cfg) as srv:` serves on a thread; `srv.url`, `srv.stats`."""

    def __init__(self, engine: PolicyEngine, cfg: ServeConfig) -> None:
        self.server = PolicyServer(engine, cfg)
        self.stats = self.server.stats
        self.host, self.port = cfg.host, cfg.port
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        self._thread = threading.Thread(target=self._main, name="motionprior-serve", daemon=True)

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    def __enter__(self) -> BackgroundServer:
        self._thread.start()
        if not self._ready.wait(30) or self._error is not None:
            raise ConfigError(f"the policy server did not start: {self._error}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._task is not None:
            self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(10)

    def _main(self) -> None:
        async def main() -> None:
            self._loop, self._task = asyncio.get_running_loop(), asyncio.current_task()
            await self.server.run(self._on_ready)

        try:
            asyncio.run(main())
        except asyncio.CancelledError:
            pass
        except BaseException as e:  # noqa: BLE001  (reported by __enter__)
            self._error = e
            self._ready.set()

    def _on_ready(self, port: int) -> None:
        self.port = port
        self._ready.set()
