"""`ServeConfig`: how the policy server listens, guards and batches."""

from __future__ import annotations

import math
from dataclasses import dataclass

from motionprior.errors import ConfigError

DEFAULT_MAX_MESSAGE_MB = 8.0  # an observation of two 224x224 cameras is ~0.3 MB


@dataclass(frozen=True)
class ServeConfig:
    """Listening address, API key, message size limit, batching and the noise seed.

    `max_batch` 1 runs each request alone (the default); above 1 the server gathers the
    requests that arrive within `batch_window_ms` of each other (from any clients) into one
    forward pass of up to `max_batch` observations.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    api_key: str | None = None
    max_message_mb: float = DEFAULT_MAX_MESSAGE_MB
    max_batch: int = 1
    batch_window_ms: float = 2.0
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port must be in [0, 65535], got {self.port}")
        if not (math.isfinite(self.max_message_mb) and self.max_message_mb > 0):
            raise ConfigError(f"max_message_mb must be > 0, got {self.max_message_mb}")
        if self.max_batch < 1:
            raise ConfigError(f"max_batch must be >= 1, got {self.max_batch}")
        if not (math.isfinite(self.batch_window_ms) and self.batch_window_ms >= 0):
            raise ConfigError(f"batch_window_ms must be >= 0, got {self.batch_window_ms}")
        if self.api_key is not None and not self.api_key.strip():
            raise ConfigError("api_key must not be empty (omit it to serve without a key)")

    @property
    def max_message_bytes(self) -> int:
        return int(self.max_message_mb * 1024 * 1024)
