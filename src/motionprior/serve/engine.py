"""The inference side of the server: per-connection sessions, checks, one or batched queries.

`PolicyEngine` wraps one loaded VLA. Each connection gets a `Session` holding one `VLAPolicy`
per embodiment it asked for (sharing the model), so every client has its own noise generator:
a fresh connection's first reply equals an in-process `VLAPolicy(..., seed).predict_chunk`.
`infer_many` runs in the server's worker thread; it returns one `Reply` or one exception per
request, so a bad observation never spoils the other requests of a batch.

A model that reads a history token (metadata `history_len` > 0) needs the episode's executed
steps, which only the client has: it sends them as `history/state` and `history/action`. An
observation without them is still answered, with an empty history and a `warning`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from motionprior.errors import DataError
from motionprior.policy.history import HISTORY_ACTION_KEY, HISTORY_KEYS, HISTORY_STATE_KEY
from motionprior.policy.vla_policy import VLAPolicy, predict_many

REQUIRED_KEYS = ("images", "state", "instruction")
OPTIONAL_KEYS = ("embodiment", "step", "seed", "request_id")


class MissingKeyError(DataError):
    """An observation without one of the required keys."""


@dataclass(frozen=True)
class Reply:
    """The answer to one observation: the raw-unit chunk `[H, A]` and the motion words."""

    actions: np.ndarray
    motion: str
    embodiment: str
    warning: str | None = None


@dataclass
class Session:
    """The policies (one per embodiment) of one connection."""

    policies: dict[str, VLAPolicy] = field(default_factory=dict)


@dataclass(frozen=True)
class _Prepared:
    policy: VLAPolicy
    batch: dict[str, Any]
    warning: str | None = None


def history_warning(history_len: int) -> str:
    """The `warning` of a reply whose observation lacked the history its model reads."""
    return ("this policy reads a history token but the observation has no "
            f"'{HISTORY_STATE_KEY}' and '{HISTORY_ACTION_KEY}', so it got an empty history "
            f"(degraded actions); send the episode's last {history_len} executed steps as "
            f"'{HISTORY_STATE_KEY}' [K, S] and '{HISTORY_ACTION_KEY}' [K, A], raw units, "
            "oldest first (only the last history_len count; K = 0 at the episode start)")


class PolicyEngine:
    """One loaded VLA (`LoadedVLA`) served to many sessions."""

    def __init__(self, loaded: Any, *, seed: int = 0) -> None:
        self.loaded, self.seed = loaded, seed
        self.cfg = loaded.config.model
        self.embodiments = tuple(e for e in self.cfg.embodiments if e in loaded.normalizer.keys)
        VLAPolicy(loaded, self.embodiments[0] if self.embodiments else "", seed=seed)  # checks

    def metadata(self) -> dict[str, Any]:
        """Sent to every client on connect."""
        from motionprior import __version__

        cfg, norm = self.cfg, self.loaded.normalizer
        return {
            "server": "motionprior", "version": __version__,
            "checkpoint": str(self.loaded.checkpoint), "step": int(self.loaded.step),
            "variant": cfg.variant, "chunk": int(cfg.chunk), "uses_flow": bool(cfg.uses_flow),
            "default_query_period": int(cfg.chunk // 2 if cfg.uses_flow else cfg.chunk),
            "embodiments": list(self.embodiments), "cameras": list(cfg.cameras),
            "image_shape": [*map(int, cfg.source_image_size), 3],
            "state_dims": {e: int(norm.get(e, "state").dim) for e in self.embodiments},
            "action_dims": {e: int(norm.get(e, "action").dim) for e in self.embodiments},
            "observation_keys": {"required": list(REQUIRED_KEYS),
                                 "optional": list(OPTIONAL_KEYS),
                                 "history": list(HISTORY_KEYS) if self.history_len else []},
            "history_len": self.history_len, "seed": self.seed,
        }

    @property
    def history_len(self) -> int:
        """How many past steps the model reads (0: no history token)."""
        return int(self.cfg.flow.history_len) if self.cfg.uses_history else 0

    def new_session(self) -> Session:
        return Session()

    def infer_many(self, requests: Sequence[tuple[Session, Any]]) -> list[Reply | Exception]:
        """Check every observation, then answer the good ones in one forward pass."""
        results: list[Reply | Exception | None] = [None] * len(requests)
        good: list[tuple[int, _Prepared]] = []
        for i, (session, obs) in enumerate(requests):
            try:
                good.append((i, self._prepare(session, obs)))
            except Exception as e:  # noqa: BLE001  (returned to that client only)
                results[i] = e
        if good:
            try:
                answers = self._forward([p for _, p in good])
            except Exception as e:  # noqa: BLE001
                answers = [e] * len(good)
            for (i, _), answer in zip(good, answers, strict=True):
                results[i] = answer
        return results  # type: ignore[return-value]

    # -- internals ---------------------------------------------------------------------------
    def _prepare(self, session: Session, obs: Any) -> _Prepared:
        if not isinstance(obs, Mapping):
            raise DataError(f"an observation must be a map, got {type(obs).__name__}")
        obs = dict(obs)
        if "instruction" not in obs and "prompt" in obs:  # openpi's name for it
            obs["instruction"] = obs["prompt"]
        for key in REQUIRED_KEYS:
            if key not in obs:
                raise MissingKeyError(f"observation lacks {key!r} (required: "
                                      f"{', '.join(REQUIRED_KEYS)}; optional: "
                                      f"{', '.join(OPTIONAL_KEYS)})")
        emb = obs.get("embodiment")
        if emb is None:
            if len(self.embodiments) != 1:
                raise MissingKeyError("observation lacks 'embodiment' (this checkpoint serves "
                                      f"{', '.join(self.embodiments)})")
            emb = obs["embodiment"] = self.embodiments[0]
        if not isinstance(emb, str):
            raise DataError(f"observation['embodiment'] must be a string, got "
                            f"{type(emb).__name__}")
        try:
            obs["state"] = np.asarray(obs["state"], dtype=np.float64)
        except (TypeError, ValueError):
            raise DataError("observation['state'] must be a numeric array") from None
        policy = session.policies.get(emb)
        if policy is None:  # UnknownNameError for an embodiment the checkpoint lacks
            policy = session.policies[emb] = VLAPolicy(self.loaded, emb, seed=self.seed)
        batch = policy.batch(obs)
        seed = obs.get("seed")
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
                raise DataError(f"observation['seed'] must be an integer >= 0, got {seed!r}")
            policy.generator.manual_seed(int(seed))
        warning = None
        if policy.history is not None and not any(k in obs for k in HISTORY_KEYS):
            warning = history_warning(self.history_len)
        return _Prepared(policy, batch, warning)

    def _forward(self, prepared: list[_Prepared]) -> list[Reply]:
        if len(prepared) == 1:
            p = prepared[0]
            chunk, words = p.policy.predict_batch(p.batch)
            return [Reply(chunk, words, p.policy.embodiment, p.warning)]
        answers = predict_many([(p.policy, p.batch) for p in prepared])
        return [Reply(chunk, words, p.policy.embodiment, p.warning)
                for (chunk, words), p in zip(answers, prepared, strict=True)]
