"""Parallel evaluation workers give the sequential run's records, GIFs and summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from motionprior.errors import ConfigError
from motionprior.sim.evaluate import EvalConfig, evaluate
from motionprior.sim.parallel import WorkerError, picklable_reason
from motionprior.sim.suites import resolve_suite


def _run(out: Path, workers: int) -> dict:
    cfg = EvalConfig(episodes=2, cameras=("scene",), image_size=(32, 32), videos=1,
                     progress=False, workers=workers)
    return evaluate("expert", resolve_suite("smoke"), out, cfg, log=lambda line: None)


def _records(out: Path) -> dict[str, dict]:
    found = {}
    for path in sorted(out.glob("*/episodes/*.json")):
        record = json.loads(path.read_text())
        record.pop("seconds")
        found[str(path.relative_to(out))] = record
    return found


def test_two_workers_give_the_sequential_results(tmp_path):
    one = _run(tmp_path / "one", workers=1)
    two = _run(tmp_path / "two", workers=2)
    records = _records(tmp_path / "one")
    assert len(records) == 4 and records == _records(tmp_path / "two")
    assert all(r["success"] for r in records.values())
    gifs = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*.gif"))
    assert len(gifs) == 2
    for gif in gifs:
        assert (tmp_path / "one" / gif).read_bytes() == (tmp_path / "two" / gif).read_bytes()
    for summary in (one, two):
        for pair in summary["pairs"].values():
            pair.pop("seconds_per_episode")
    assert one == two and one["mean_success"] == 1.0
    assert json.loads((tmp_path / "one" / "config.json").read_text()) == json.loads(
        (tmp_path / "two" / "config.json").read_text())  # workers are not part of the identity
    again = _run(tmp_path / "two", workers=2)  # resume: nothing left, nothing re-run
    assert _records(tmp_path / "two") == records and again["pairs"].keys() == one["pairs"].keys()


def broken_factory(ctx):
    raise ConfigError(f"checkpoint has no head for {ctx.embodiment}")


def test_a_worker_error_is_one_line_and_unpicklable_factories_are_named(tmp_path):
    assert picklable_reason(broken_factory) is None
    assert "cannot be pickled" in picklable_reason(lambda ctx: None)
    cfg = EvalConfig(episodes=2, cameras=(), progress=False, workers=2)
    with pytest.raises(WorkerError, match="metaworld/reach-v3: checkpoint has no head for "
                                          "metaworld_sawyer"):
        evaluate(broken_factory, resolve_suite("metaworld/reach"), tmp_path,
                 cfg, log=lambda line: None)
    assert EvalConfig(workers=3).workers == 3
    with pytest.raises(ConfigError, match="workers must be >= 1"):
        EvalConfig(workers=0)
