"""Damaged checkpoint files are named as corrupt; resume offers the older intact checkpoint."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from motionprior.cli import main

FILES = ("model.safetensors", "ema.safetensors", "optimizer.pt", "config.json", "rng.json",
         "stats.json")


@pytest.fixture(scope="module")
def run(tmp_path_factory, datasets) -> Path:
    """A finished debug run with checkpoints at steps 10 and 20."""
    out = tmp_path_factory.mktemp("prior") / "run"
    assert main(["pretrain-prior", "--data", str(datasets["ok"]), "--out", str(out),
                 "--preset", "debug", "--no-progress"]) == 0
    names = sorted(p.name for p in (out / "checkpoints").iterdir())
    assert names == ["latest", "step_00000010", "step_00000020"]
    return out


def _damaged(run: Path, tmp_path: Path, name: str, how: str) -> Path:
    copy = Path(shutil.copytree(run, tmp_path / "run"))
    path = copy / "checkpoints" / "step_00000020" / name
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3] if how == "truncated" else b"\x00garbage{" * 7)
    return copy


@pytest.mark.parametrize("how", ["truncated", "garbage"])
@pytest.mark.parametrize("name", FILES)
def test_resume_names_the_bad_file_and_offers_the_older_checkpoint(run, tmp_path, datasets,
                                                                   expect_error, name, how):
    copy = _damaged(run, tmp_path, name, how)
    bad = copy / "checkpoints" / "step_00000020"
    line = expect_error(["pretrain-prior", "--data", str(datasets["ok"]), "--out", str(copy),
                         "--preset", "debug", "--no-progress", "--resume"],
                        f"{bad / name}: corrupt checkpoint (", "cannot resume from step_00000020",
                        "the older checkpoint step_00000010 is intact",
                        f"mv {bad} {copy / 'checkpoints' / 'corrupt_step_00000020'}")
    assert "weights_only" not in line


@pytest.mark.parametrize("name", ["ema.safetensors", "config.json", "stats.json"])
def test_eval_prior_names_the_corrupt_file(run, tmp_path, datasets, expect_error, name):
    copy = _damaged(run, tmp_path, name, "truncated")
    expect_error(["eval-prior", "--prior", str(copy), "--data", str(datasets["ok"]),
                  "--out", str(tmp_path / "eval")],
                 f"{copy / 'checkpoints' / 'step_00000020' / name}: corrupt checkpoint (")


def test_following_the_advice_resumes_from_the_older_checkpoint(run, tmp_path, datasets):
    copy = _damaged(run, tmp_path, "model.safetensors", "truncated")
    root = copy / "checkpoints"
    (root / "step_00000020").rename(root / "corrupt_step_00000020")
    assert main(["pretrain-prior", "--data", str(datasets["ok"]), "--out", str(copy),
                 "--preset", "debug", "--no-progress", "--resume"]) == 0
    assert (root / "latest").read_text().strip() == "step_00000020"
    import torch
    from safetensors.torch import load_file

    resumed = load_file(root / "step_00000020" / "model.safetensors")
    full = load_file(run / "checkpoints" / "step_00000020" / "model.safetensors")
    assert all(torch.equal(resumed[k], full[k]) for k in full)  # the same as uninterrupted


def test_no_intact_checkpoint_says_so(run, tmp_path, datasets, expect_error):
    copy = _damaged(run, tmp_path, "optimizer.pt", "garbage")
    older = copy / "checkpoints" / "step_00000010" / "rng.json"
    older.write_text("[{}]")
    expect_error(["pretrain-prior", "--data", str(datasets["ok"]), "--out", str(copy),
                  "--preset", "debug", "--no-progress", "--resume"],
                 "optimizer.pt: corrupt checkpoint", "no older checkpoint is intact")
