"""Run-directory bookkeeping: never overwrite a run, and resume only the same run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from motionprior import atomic
from motionprior.errors import ConfigError
from motionprior.train import checkpoint as ckpt_io
from motionprior.train.config import config_diff

CONFIG_NAME = "config.json"
RUN_NAME = "run.json"


def check_resume(run_dir: Path, resume: bool, model_type: str, run_config: dict[str, Any],
                 world_size: int) -> Path | None:
    """The checkpoint to resume from (None = start at step 0), or a ConfigError.

    Without `resume`, a directory that already holds a run is an error (nothing is
    overwritten). With `resume`, the saved model type, configuration and process count must
    equal the current ones.
    """
    latest = ckpt_io.latest_checkpoint(run_dir)
    has_run = latest is not None or (run_dir / CONFIG_NAME).exists()
    if not resume:
        if has_run:
            raise ConfigError(f"{run_dir} already holds a run; pass --resume to continue it or "
                              "choose another output directory (nothing was overwritten)")
        return None
    if not has_run:
        raise ConfigError(f"nothing to resume in {run_dir}: no config.json or checkpoint there")
    if latest is not None:
        _check_intact(latest)
    saved_type = _saved_model_type(run_dir, latest)
    if saved_type != model_type:
        raise ConfigError(f"{run_dir} holds a {saved_type!r} run, not {model_type!r}; "
                          "resume it with the matching command or choose another directory")
    saved = json.loads(((latest or run_dir) / CONFIG_NAME).read_text())
    diff = config_diff(saved, json.loads(json.dumps(run_config)))
    if diff:
        shown = "; ".join(diff[:6]) + (f"; ... ({len(diff)} in all)" if len(diff) > 6 else "")
        raise ConfigError(f"cannot resume {run_dir}: the configuration differs from the saved "
                          f"one ({shown}); rerun with the saved configuration or a new directory")
    if latest is not None:
        saved_world = int(ckpt_io.read_meta(latest).get("world_size", 1))
        if saved_world != world_size:
            raise ConfigError(f"cannot resume {latest} with {world_size} processes: it was "
                              f"written by {saved_world} (data order and RNG are per process)")
    return latest


def _check_intact(ckpt: Path) -> None:
    """Resume only from a checkpoint that reads back; name an older intact one if any."""
    try:
        ckpt_io.verify_checkpoint(ckpt)
    except ckpt_io.CheckpointError as e:
        older = ckpt_io.intact_before(ckpt)
        aside = ckpt.parent / f"corrupt_{ckpt.name}"
        fix = (f"the older checkpoint {older.name} is intact: to resume from it, move the bad "
               f"one aside (mv {ckpt} {aside}) and rerun with --resume" if older is not None
               else "no older checkpoint is intact; start again in a new --out directory")
        raise ckpt_io.CheckpointError(e.path, e.reason,
                                      f"cannot resume from {ckpt.name}; {fix}") from None


def _saved_model_type(run_dir: Path, latest: Path | None) -> str | None:
    if latest is not None:
        return ckpt_io.read_meta(latest).get("model_type")
    path = run_dir / RUN_NAME
    return json.loads(path.read_text()).get("model_type") if path.exists() else None


def prepare_run_dir(run_dir: Path, run_config: dict[str, Any], model_type: str) -> None:
    """Create `run_dir` with config.json and run.json (kept if already there)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    if not (run_dir / CONFIG_NAME).exists():
        atomic.write_json(run_dir / CONFIG_NAME, run_config)
    if not (run_dir / RUN_NAME).exists():
        atomic.write_json(run_dir / RUN_NAME, {"model_type": model_type, "format": 1})
