"""Fixtures of the server tests: tiny debug checkpoints trained in seconds, observations,
and a running server.

The checkpoints come from the debug chain of tests/vla/test_vla_end_to_end.py, run through the
CLI (collect two Meta-World demos at 32 px, label, train 4 steps): `flow` (noise, so seeds
matter) and `motion+tokens` (motion words).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from motionprior.cli import main

sys.path.insert(0, str(Path(__file__).parent))  # tests run with --import-mode=importlib
from serve_cases import PAIR  # noqa: E402


@pytest.fixture(scope="session")
def serve_runs(tmp_path_factory) -> dict[str, Path]:
    import torch

    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("serve_runs")
    data = root / "data" / "metaworld_reach-v3"
    assert main(["collect", "--suite", PAIR, "--demos", "2", "--out", str(root / "data"),
                 "--image-size", "32", "--quiet"]) == 0
    assert main(["label", str(data)]) == 0
    runs = {}
    for variant in ("flow", "motion+tokens"):
        out = root / variant.replace("+", "_")
        assert main(["train", "--variant", variant, "--data", str(data), "--out", str(out),
                     "--preset", "debug", "--no-progress"]) == 0
        runs[variant] = out
    return runs


@pytest.fixture(scope="session")
def engine(serve_runs):
    from motionprior.serve.background import load_engine

    return load_engine(serve_runs["flow"])


@pytest.fixture
def server(engine):
    """A server on a free localhost port (default settings), stopped after the test."""
    from motionprior.serve.background import BackgroundServer
    from motionprior.serve.config import ServeConfig

    with BackgroundServer(engine, ServeConfig(port=0)) as srv:
        yield srv
