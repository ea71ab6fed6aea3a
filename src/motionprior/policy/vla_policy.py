"""The stateful VLA policy: observation checks, normalization, chunk execution, motion words.

`VLAPolicy` wraps a pure `VLAModel` (LeRobot's ACT / ACTPolicy split): it checks each
observation against what the checkpoint was trained on, normalizes the state and
un-normalizes the actions with the checkpoint's statistics for the observation's embodiment,
runs the chunk executor (`motionprior.policy.chunking`) and exposes the motion words of the
current chunk as `last_info["motion"]`. A checkpoint path given as `--policy` resolves here
(`register_checkpoint_loader`); options: `execution` (`receding` | `ensemble`),
`query_period` (default: half the chunk for flow, the whole chunk for tokens), `ensemble_decay`
(0.01), `seed` (flow noise; re-seeded at every reset so an episode does not depend on which
episodes ran before it), `query_threads` (intra-op threads of one batch-1 query, default 1:
at batch 1 a second OpenMP thread makes a `cpu`-preset query about 4x slower, measured in
`benchmarks/RESULTS_vla.md`; the process's thread count is restored after each query, so a
server batching several clients still uses all of its threads). A policy whose model reads
a history token keeps the episode's past steps (`motionprior.policy.history.StepHistory`),
cleared by `reset()`; an observation that carries `history/state` and `history/action` (raw
units, oldest first) is queried with that history instead (a policy server, whose clients
keep the episode).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from motionprior.data.stats import normalize, unnormalize
from motionprior.errors import ConfigError, DataError, UnknownNameError
from motionprior.policy.chunking import make_executor
from motionprior.policy.history import StepHistory, read_history
from motionprior.policy.protocol import PolicyContext, PolicyFactory, register_checkpoint_loader


class VLAPolicy:
    """`reset()` / `act(observation) -> action [A]` around a loaded VLA (`LoadedVLA`)."""

    def __init__(self, loaded: Any, embodiment: str, *, execution: str = "receding",
                 query_period: int | None = None, ensemble_decay: float = 0.01,
                 seed: int = 0, query_threads: int | None = 1) -> None:
        cfg = loaded.config.model
        if query_threads is not None and query_threads < 1:
            raise ConfigError(f"query_threads must be >= 1 (or None: the process's), got "
                              f"{query_threads}")
        self.query_threads = query_threads
        if embodiment not in cfg.embodiments or embodiment not in loaded.normalizer.keys:
            raise UnknownNameError(f"embodiment of checkpoint {loaded.checkpoint}", embodiment,
                                   list(cfg.embodiments))
        if cfg.chunk == 0:
            raise ConfigError(f"{loaded.checkpoint} is a motion-pretraining checkpoint (it "
                              "emits words, not actions); train a policy from it with "
                              "`motionprior train --init`")
        self.loaded, self.cfg, self.embodiment = loaded, cfg, embodiment
        self.model = loaded.model
        self.action_stats = loaded.normalizer.get(embodiment, "action")
        self.state_stats = loaded.normalizer.get(embodiment, "state")
        period = query_period or (cfg.chunk // 2 if cfg.uses_flow else cfg.chunk)
        if period > cfg.chunk:
            raise ConfigError(f"query period {period} exceeds the chunk length {cfg.chunk}")
        self.executor = make_executor(execution, period, ensemble_decay)
        import torch

        self.seed = seed
        self.generator = torch.Generator().manual_seed(seed)
        self.last_info: dict[str, Any] = {}
        self._words = ""
        self.history = (StepHistory(cfg.flow.history_len, cfg.d_max, self.state_stats.dim,
                                    self.action_stats.dim) if cfg.uses_history else None)

    def reset(self) -> None:
        self.executor.reset()
        self.generator.manual_seed(self.seed)
        self.last_info, self._words = {}, ""
        if self.history is not None:
            self.history.reset()

    def act(self, observation: Mapping[str, Any]) -> np.ndarray:
        """The next action. The state is checked at every step; the images are read (and
        so, in a lazily rendering simulator, rendered) only when the executor re-plans."""
        state = self._checked_state(observation)
        action = np.asarray(self.executor.act(
            lambda: self._query(self._batch(observation, state))), dtype=np.float32)
        self.last_info = {"motion": self._words}
        if self.history is not None:
            self.history.push(normalize(self.state_stats, state).astype(np.float32),
                              normalize(self.action_stats, action.astype(np.float64)))
        return action

    def predict_chunk(self, observation: Mapping[str, Any]) -> tuple[np.ndarray, str]:
        """One query, no executor: the raw-unit chunk `[H, A]` and the motion words."""
        return self.predict_batch(self.batch(observation))

    def predict_batch(self, batch: dict[str, Any]) -> tuple[np.ndarray, str]:
        """`predict_chunk` of an observation already checked by `batch(observation)`."""
        chunk = self._query(batch)
        return chunk, self._words

    # -- internals ---------------------------------------------------------------------------
    def _query(self, batch: dict[str, Any]) -> np.ndarray:
        import torch

        from motionprior.vla.decoding import generate

        a = self.action_stats.dim
        with intra_op_threads(self.query_threads):
            out = generate(self.model, batch, torch.tensor([a]), generator=self.generator)
        self._words = out.motion[0]
        chunk = out.actions[0, :, :a].double().cpu().numpy()
        return unnormalize(self.action_stats, chunk).astype(np.float32)

    def batch(self, obs: Mapping[str, Any]) -> dict[str, Any]:
        """The model batch of one observation; every bad input is a one-line DataError."""
        return self._batch(obs, self._checked_state(obs))

    def _batch(self, obs: Mapping[str, Any], state: np.ndarray) -> dict[str, Any]:
        """`batch` of an observation whose state `_checked_state` returned."""
        import torch

        cfg = self.cfg
        images = obs.get("images")
        if not isinstance(images, Mapping):
            raise DataError("observation['images'] must map camera names to images")
        tensors = {}
        for cam in cfg.cameras:
            if cam not in images:
                raise DataError(f"observation lacks camera {cam!r}; the policy needs "
                                f"{list(cfg.cameras)}")
            img = np.asarray(images[cam])
            want = (*cfg.source_image_size, 3)
            if img.dtype != np.uint8 or img.shape != want:
                raise DataError(f"camera {cam!r}: expected uint8 {list(want)}, got "
                                f"{img.dtype} {list(img.shape)}")
            tensors[cam] = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1)[None]
        padded = np.zeros((1, cfg.d_max), dtype=np.float32)
        padded[0, : state.size] = normalize(self.state_stats, state)
        mask = np.zeros((1, cfg.d_max), dtype=bool)
        mask[0, : state.size] = True
        out = {"images": tensors, "instruction": [obs["instruction"]],
               "state": torch.from_numpy(padded), "state_mask": torch.from_numpy(mask),
               "embodiment_id": torch.tensor([cfg.embodiments.index(self.embodiment)])}
        if self.history is not None:
            out.update(self._history_of(obs).batch())
        return out

    def _checked_state(self, obs: Mapping[str, Any]) -> np.ndarray:
        """The observation's state `[S]` (float64, raw units) after checking the embodiment,
        the instruction and the state; every bad input is a one-line DataError."""
        emb = obs.get("embodiment", self.embodiment)
        if emb != self.embodiment:
            raise DataError(f"observation embodiment {emb!r} differs from this policy's "
                            f"{self.embodiment!r}")
        instruction = obs.get("instruction")
        if not isinstance(instruction, str) or not instruction.strip():
            raise DataError("observation['instruction'] must be a non-empty string")
        state = np.asarray(obs.get("state"), dtype=np.float64)
        if state.shape != (self.state_stats.dim,):
            raise DataError(f"state must have shape [{self.state_stats.dim}] for "
                            f"{self.embodiment}, got {list(state.shape)}")
        if not np.all(np.isfinite(state)):
            raise DataError("state holds NaN or inf")
        return state

    def _history_of(self, obs: Mapping[str, Any]) -> StepHistory:
        """The observation's own `history/*` steps when it carries them, else the kept ones."""
        assert self.history is not None
        steps = read_history(obs, self.state_stats.dim, self.action_stats.dim, self.embodiment)
        if steps is None:
            return self.history
        history = StepHistory(self.history.length, self.cfg.d_max, self.state_stats.dim,
                              self.action_stats.dim)
        history.replace(normalize(self.state_stats, steps[0]),
                        normalize(self.action_stats, steps[1]))
        return history


@contextmanager
def intra_op_threads(n: int | None) -> Iterator[None]:
    """Run the block with `n` torch intra-op threads (None: unchanged), then restore."""
    import torch

    before = torch.get_num_threads()
    if n is None or n == before:
        yield
        return
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def predict_many(items: list[tuple[VLAPolicy, dict[str, Any]]]) -> list[tuple[np.ndarray, str]]:
    """`predict_batch` of several (policy, checked batch) pairs of one model in one forward
    pass (a policy server batching its clients). Each draws its flow noise from its own
    policy's generator, so the chunks equal one-by-one calls up to float rounding."""
    import torch

    from motionprior.vla.decoding import generate

    policies, batches = [p for p, _ in items], [b for _, b in items]
    merged: dict[str, Any] = {
        "images": {cam: torch.cat([b["images"][cam] for b in batches])
                   for cam in batches[0]["images"]},
        "instruction": [b["instruction"][0] for b in batches]}
    for key in batches[0].keys() - {"images", "instruction"}:  # state, masks, history
        merged[key] = torch.cat([b[key] for b in batches])
    dims = [p.action_stats.dim for p in policies]
    cfg, noise = policies[0].cfg, None
    if cfg.uses_flow:
        shape = (1, cfg.flow.horizon, cfg.flow.d_max)
        noise = torch.cat([torch.randn(shape, generator=p.generator) for p in policies])
    out = generate(policies[0].model, merged, torch.tensor(dims), noise=noise)
    return [(unnormalize(p.action_stats, out.actions[i, :, :a].double().cpu().numpy())
             .astype(np.float32), out.motion[i])
            for i, (p, a) in enumerate(zip(policies, dims, strict=True))]


_LOADED: dict[str, Any] = {}


def load_policy_model(path: str | Path) -> Any:
    """The `LoadedVLA` of a checkpoint, loaded once per process."""
    from motionprior.vla.training import load_vla

    key = str(Path(path).resolve())
    if key not in _LOADED:
        _LOADED[key] = load_vla(path)
    return _LOADED[key]


def _vla_loader(path: Path) -> PolicyFactory | None:
    from motionprior.train import checkpoint as ckpt_io
    from motionprior.vla.config import MODEL_TYPE

    try:
        ckpt = ckpt_io.resolve_checkpoint(path)
    except DataError:
        return None
    if ckpt_io.read_meta(ckpt).get("model_type") != MODEL_TYPE:
        return None

    def factory(ctx: PolicyContext) -> VLAPolicy:
        options = dict(ctx.options)
        return VLAPolicy(load_policy_model(ckpt), ctx.embodiment, **options)

    factory.__name__ = str(ckpt)
    model = (ckpt_io.read_json(ckpt, "config.json") or {}).get("model", {})
    factory.cameras = tuple(model.get("cameras", ()))  # type: ignore[attr-defined]
    return factory


register_checkpoint_loader(_vla_loader)
