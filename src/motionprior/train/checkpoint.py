"""Checkpoints: one directory per step, written atomically.

```
<run>/checkpoints/step_00000500/
    model.safetensors      weights (the raw, trained ones)
    ema.safetensors        averaged weights (when EMA is on)
    optimizer.pt           optimizer and LR-scheduler state (torch.save, loaded weights_only)
    rng.json               RNG states of every process (torch, numpy, python, loss generator)
    config.json            the run configuration (model + training + data)
    stats.json             normalization statistics keyed by embodiment (when given)
    meta.json              model_type, step, world size, format version
<run>/checkpoints/latest   name of the newest complete checkpoint
```
A checkpoint directory appears only once complete (`atomic_directory`), and `latest` is
rewritten only after it, so a kill at any instant leaves the previous checkpoint usable. A file
damaged later (truncated, overwritten) is a `CheckpointError`: `FILE: corrupt checkpoint (...)`;
`verify_checkpoint` reads every file once, `intact_before` finds an older usable checkpoint.
"""

from __future__ import annotations

import base64
import json
import pickle
import random
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from motionprior import atomic
from motionprior.errors import ConfigError, DataError

FORMAT_VERSION = 1
_STEP_PREFIX = "step_"
_STEP_NAME = re.compile(r"^step_\d+$")
_RNG_KEYS = ("torch", "generator", "numpy", "python")


class CheckpointError(DataError):
    """A checkpoint file that cannot be read back: `FILE: corrupt checkpoint (reason)`."""

    def __init__(self, path: Path, reason: str, fix: str = "") -> None:
        self.path, self.reason = Path(path), " ".join(reason.split())[:240]
        tail = f"; {fix}" if fix else ""
        super().__init__(f"{path}: corrupt checkpoint ({self.reason}){tail}")


def checkpoint_root(run_dir: str | Path) -> Path:
    return Path(run_dir) / "checkpoints"


def save_checkpoint(run_dir: str | Path, step: int, *, model: torch.nn.Module,
                    model_type: str, config: dict[str, Any],
                    optimizer: torch.optim.Optimizer | None = None,
                    scheduler: Any = None, ema_state: dict[str, torch.Tensor] | None = None,
                    rng: list[dict[str, Any]] | None = None, stats: dict | None = None,
                    world_size: int = 1, keep: int = 2, keep_every: int = 0) -> Path:
    """Write checkpoint `step` of `run_dir` atomically, point `latest` at it, and delete all but
    the newest `keep` checkpoints and those at a multiple of `keep_every` steps (0: none)."""
    root = checkpoint_root(run_dir)
    name = f"{_STEP_PREFIX}{step:08d}"
    with atomic.atomic_directory(root / name) as tmp:
        save_file(_contiguous(model.state_dict()), str(tmp / "model.safetensors"),
                  metadata={"model_type": model_type, "step": str(step)})
        if ema_state is not None:
            save_file(_contiguous(ema_state), str(tmp / "ema.safetensors"),
                      metadata={"model_type": model_type, "step": str(step)})
        if optimizer is not None:
            torch.save({"optimizer": optimizer.state_dict(),
                        "scheduler": scheduler.state_dict() if scheduler is not None else None},
                       tmp / "optimizer.pt")
        if rng is not None:
            atomic.write_json(tmp / "rng.json", rng)
        atomic.write_json(tmp / "config.json", config)
        if stats is not None:
            atomic.write_json(tmp / "stats.json", stats)
        atomic.write_json(tmp / "meta.json", {"format": FORMAT_VERSION, "model_type": model_type,
                                              "step": step, "world_size": world_size})
    atomic.write_text(root / "latest", name + "\n")
    for old in list_checkpoints(run_dir)[:-keep]:
        if keep_every and int(old.name[len(_STEP_PREFIX):]) % keep_every == 0:
            continue
        shutil.rmtree(old, ignore_errors=True)
    return root / name


def list_checkpoints(run_dir: str | Path) -> list[Path]:
    """Complete checkpoint directories of a run, oldest first."""
    root = checkpoint_root(run_dir)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir()
                  if p.is_dir() and _STEP_NAME.match(p.name) and (p / "meta.json").exists())


def latest_checkpoint(run_dir: str | Path) -> Path | None:
    """The checkpoint named by `latest` (or the newest complete one), or None."""
    root = checkpoint_root(run_dir)
    pointer = root / "latest"
    if pointer.exists():
        path = root / pointer.read_text().strip()
        if (path / "meta.json").exists():
            return path
    found = list_checkpoints(run_dir)
    return found[-1] if found else None


def resolve_checkpoint(path: str | Path) -> Path:
    """A checkpoint directory from either itself or a run directory holding checkpoints."""
    path = Path(path)
    if (path / "meta.json").exists():
        return path
    found = latest_checkpoint(path)
    if found is None:
        raise DataError(f"{path}: no checkpoint found (expected a run directory with "
                        "checkpoints/ or a checkpoint directory with meta.json)")
    return found


def read_meta(ckpt: str | Path, expected_model_type: str | None = None) -> dict[str, Any]:
    """meta.json of a checkpoint; a different model type is a ConfigError."""
    ckpt = Path(ckpt)
    meta = read_json(ckpt, "meta.json")
    if not isinstance(meta, dict) or not isinstance(meta.get("step"), int):
        raise CheckpointError(ckpt / "meta.json", "expected an object with an integer 'step'")
    if expected_model_type is not None and meta.get("model_type") != expected_model_type:
        raise ConfigError(f"{ckpt} holds a {meta.get('model_type')!r} checkpoint, not "
                          f"{expected_model_type!r}; point at a checkpoint of the right model")
    return meta


def read_json(ckpt: str | Path, name: str) -> Any:
    """A JSON file of a checkpoint (None if absent); unreadable is a CheckpointError."""
    path = Path(ckpt) / name
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError(path, f"not valid JSON: {e}") from None


def load_weights(ckpt: str | Path, *, ema: bool = False) -> dict[str, torch.Tensor]:
    """The model (or EMA) state dict of a checkpoint."""
    name = "ema.safetensors" if ema else "model.safetensors"
    path = Path(ckpt) / name
    if not path.exists():
        raise DataError(f"{path}: missing (was EMA switched off for this run?)")
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError, RuntimeError) as e:
        raise CheckpointError(path, str(e)) from None


def load_state_dict(model: torch.nn.Module, state: dict[str, torch.Tensor], path: Path) -> None:
    """`model.load_state_dict(state)`; weights that do not fit the model are a CheckpointError."""
    try:
        model.load_state_dict(state)
    except RuntimeError as e:
        raise CheckpointError(path, f"weights do not fit the model: {str(e)[:200]}") from None


def _training_state(path: Path) -> dict[str, Any]:
    try:
        state = torch.load(path, weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, OSError, ValueError) as e:
        first = (str(e).splitlines() or [""])[0].split(". ")[0]
        raise CheckpointError(path, f"{type(e).__name__}: {first}") from None
    if not isinstance(state, dict) or not isinstance(state.get("optimizer"), dict):
        raise CheckpointError(path, "expected a dict with the optimizer state")
    return state


def load_training_state(ckpt: str | Path, optimizer: torch.optim.Optimizer,
                        scheduler: Any = None) -> None:
    path = Path(ckpt) / "optimizer.pt"
    state = _training_state(path)
    try:
        optimizer.load_state_dict(state["optimizer"])
        if scheduler is not None and state.get("scheduler") is not None:
            scheduler.load_state_dict(state["scheduler"])
    except (KeyError, ValueError, TypeError) as e:
        raise CheckpointError(path, f"optimizer state does not fit: {e}") from None


def verify_checkpoint(ckpt: str | Path) -> None:
    """Read every file of `ckpt` once; the first unreadable one is a CheckpointError."""
    ckpt = Path(ckpt)
    read_meta(ckpt)
    load_weights(ckpt)
    if (ckpt / "ema.safetensors").exists():
        load_weights(ckpt, ema=True)
    if (ckpt / "optimizer.pt").exists():
        _training_state(ckpt / "optimizer.pt")
    rng = read_json(ckpt, "rng.json")
    if rng is not None and not (isinstance(rng, list) and rng and all(
            isinstance(r, dict) and all(k in r for k in _RNG_KEYS) for r in rng)):
        raise CheckpointError(ckpt / "rng.json", f"expected a list of {{{', '.join(_RNG_KEYS)}}}")
    if rng is not None:
        _try_rng(rng, ckpt / "rng.json")
    for name in ("config.json", "stats.json"):
        read_json(ckpt, name)


def intact_before(ckpt: str | Path) -> Path | None:
    """The newest checkpoint of the same run older than `ckpt` that passes verification."""
    ckpt = Path(ckpt)
    for older in reversed([p for p in list_checkpoints(ckpt.parent.parent) if p.name < ckpt.name]):
        try:
            verify_checkpoint(older)
            return older
        except DataError:
            continue
    return None


def _contiguous(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.detach().contiguous().cpu() for k, v in state.items()}


# -- RNG state --------------------------------------------------------------------------------
def _b64(t: torch.Tensor) -> str:
    return base64.b64encode(t.cpu().numpy().tobytes()).decode("ascii")


def _unb64(s: str) -> torch.Tensor:
    return torch.frombuffer(bytearray(base64.b64decode(s)), dtype=torch.uint8).clone()


def capture_rng(generator: torch.Generator) -> dict[str, Any]:
    """RNG state of this process (global torch/numpy/python and the loop's generator)."""
    np_state = np.random.get_state()
    py_state = random.getstate()
    out = {"torch": _b64(torch.get_rng_state()), "generator": _b64(generator.get_state()),
           "numpy": [np_state[0], np_state[1].tolist(), *[float(x) if isinstance(x, float)
                                                           else int(x) for x in np_state[2:]]],
           "python": [py_state[0], list(py_state[1]), py_state[2]]}
    if torch.cuda.is_available():
        out["cuda"] = [_b64(s) for s in torch.cuda.get_rng_state_all()]
    return out


def _try_rng(states: list[dict[str, Any]], path: Path) -> None:
    """Restore each RNG state once (then the current one again): bad content is an error."""
    generator = torch.Generator()
    current = capture_rng(generator)
    try:
        for state in states:
            restore_rng(state, generator)
    except (KeyError, IndexError, TypeError, ValueError, RuntimeError) as e:
        raise CheckpointError(path, f"unusable RNG state: {type(e).__name__}: {e}") from None
    finally:
        restore_rng(current, generator)


def restore_rng(state: dict[str, Any], generator: torch.Generator) -> None:
    torch.set_rng_state(_unb64(state["torch"]))
    generator.set_state(_unb64(state["generator"]))
    n = state["numpy"]
    np.random.set_state((n[0], np.asarray(n[1], dtype=np.uint32), int(n[2]), int(n[3]),
                         float(n[4])))
    p = state["python"]
    random.setstate((p[0], tuple(p[1]), p[2]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([_unb64(s) for s in state["cuda"]])
