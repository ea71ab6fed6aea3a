"""Two CPU processes (gloo) through `accelerate launch`: identical weights, sharded data."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from motionprior.train import checkpoint as ck

WORKER = Path(__file__).with_name("ddp_worker.py")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_process_ddp_keeps_ranks_identical_and_shards_data(tmp_path):
    # `--multi_gpu` selects Accelerate's torchrun launcher; without CUDA the loop's Accelerator
    # runs the processes as MULTI_CPU with gloo (checked below).
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu",
           "--num_processes", "2", "--num_machines", "1", "--mixed_precision", "no",
           "--dynamo_backend", "no",
           "--main_process_port", str(_free_port()), str(WORKER), str(tmp_path)]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    if proc.returncode != 0:
        pytest.fail(f"accelerate launch failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    logs = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert [(log["world"], log["type"], log["backend"]) for log in logs] == [
        (2, "MULTI_CPU", "gloo")] * 2
    weights = [load_file(str(tmp_path / f"rank{r}.safetensors")) for r in (0, 1)]
    for name in weights[0]:
        assert torch.equal(weights[0][name], weights[1][name]), name
    # the ranks started from different random weights (seeds 100, 101): equal now means the
    # broadcast at wrap time and the gradient all-reduce of every step both happened
    seen0, seen1 = logs[0]["seen"], logs[1]["seen"]
    assert len(seen0) == len(seen1) == 4
    for a, b in zip(seen0, seen1, strict=True):
        assert len(a) == len(b) == 4 and not set(a) & set(b)
    epoch = sorted(i for step in range(4) for i in seen0[step] + seen1[step])
    assert epoch == list(range(32))  # 4 steps x 2 ranks x 4 = one epoch, each window once
    saved = load_file(str(ck.latest_checkpoint(tmp_path / "run") / "model.safetensors"))
    assert all(torch.equal(saved[k], weights[0][k]) for k in saved)
    assert ck.read_meta(ck.latest_checkpoint(tmp_path / "run"))["world_size"] == 2
