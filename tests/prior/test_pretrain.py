"""`pretrain-prior` / `eval-prior` end to end on real LeRobot data, and every bad input."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from motionprior.errors import ConfigError
from motionprior.prior import preset
from motionprior.prior.pretrain import evaluate_run, load_prior, pretrain_prior
from motionprior.train import checkpoint as ck

SO101 = "so101_lerobot_v3_sample"


def _cfg(**train):
    cfg = preset("debug")
    tc = dataclasses.replace(cfg.train, **{"steps": 6, "batch_size": 8, "checkpoint_every": 3,
                                           "val_every": 3, **train})
    return dataclasses.replace(cfg, train=tc,
                               model=dataclasses.replace(cfg.model, use_embodiment=True))


def _widowx(root: Path) -> Path:
    """A small widowx_bridge dataset with a camera (which stage 1 must never decode)."""
    from motionprior.data import Episode
    from motionprior.data.lerobot import write_dataset

    rng = np.random.default_rng(0)
    eps = []
    for e in range(4):
        t = np.linspace(0, 1, 40, dtype=np.float32)[:, None]
        act = np.concatenate([np.sin(3 * t + e) * 0.01 * np.ones((1, 6)), (t > 0.5) * 1.0], 1)
        eps.append(Episode(actions=act.astype(np.float32) + rng.normal(0, 1e-3, (40, 7)).astype(
            np.float32), state=np.cumsum(act, 0).astype(np.float32), embodiment="widowx_bridge",
            instruction=["open the drawer", "wipe the table"][e % 2], fps=5.0,
            images={"wrist": rng.integers(0, 255, (40, 8, 8, 3), dtype=np.uint8)}))
    return write_dataset(root, eps, progress=False)


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_pretrain_two_embodiments_end_to_end(shared_data, tmp_path, monkeypatch):
    from motionprior.data.lerobot.reader import DatasetReader

    def no_images(*args, **kwargs):
        raise AssertionError("stage 1 decoded an image")

    monkeypatch.setattr(DatasetReader, "frame_images", no_images)
    data = [str(shared_data / SO101), str(_widowx(tmp_path / "widowx"))]
    out = tmp_path / "run"
    result = pretrain_prior(data, out, _cfg(), progress=False)
    assert result.step == 6 and result.checkpoint == ck.latest_checkpoint(out)
    assert "recon_mse" in result.val_metrics and "flow" in result.train_metrics
    metrics = json.loads((out / "eval" / "metrics.json").read_text())
    assert sorted(metrics["per_embodiment"]) == ["so101_follower", "widowx_bridge"]
    held_out = 373 + 40  # the last episode of each dataset
    assert metrics["windows"] == held_out
    assert (out / "eval" / "latents.png").read_bytes()[:4] == b"\x89PNG"

    loaded = load_prior(out)
    assert loaded.config.model.embodiments == ("so101_follower", "widowx_bridge")
    assert loaded.normalizer.keys == ["so101_follower", "widowx_bridge"]
    ema = ck.load_weights(result.checkpoint, ema=True)
    assert all(torch.equal(v, ema[k]) for k, v in loaded.model.state_dict().items())

    again = evaluate_run(out, data, tmp_path / "eval2")  # eval-prior: same numbers
    assert again == metrics

    before = _snapshot(out)
    with pytest.raises(ConfigError, match="already holds a run; pass --resume"):
        pretrain_prior(data, out, _cfg(), progress=False)
    with pytest.raises(ConfigError, match=r"configuration differs .*train.steps: 6 -> 9"):
        pretrain_prior(data, out, _cfg(steps=9), resume=True, progress=False)
    with pytest.raises(ConfigError, match=r"configuration differs .*datasets"):
        pretrain_prior(data[:1], out, _cfg(), resume=True, progress=False)
    assert _snapshot(out) == before


def test_bad_inputs(shared_data, tmp_path):
    so101 = str(shared_data / SO101)
    with pytest.raises(ConfigError, match="no dataset given: pass at least one LeRobot"):
        pretrain_prior([], tmp_path / "a", _cfg(), progress=False)
    narrow = _cfg()
    narrow = dataclasses.replace(narrow, model=dataclasses.replace(narrow.model, d_max=4))
    with pytest.raises(ConfigError, match=r"6 action dims \(embodiment 'so101_follower'\) "
                                          r"exceed d_max=4"):
        pretrain_prior([so101], tmp_path / "b", narrow, progress=False)
    with pytest.raises(ConfigError, match="a dataset is given twice"):
        pretrain_prior([so101, so101 + "/"], tmp_path / "c", _cfg(), progress=False)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    other = tmp_path / "other"
    ck.save_checkpoint(other, 1, model=torch.nn.Linear(2, 2), model_type="vla", config={})
    with pytest.raises(ConfigError, match="holds a 'vla' checkpoint, not 'action_prior'"):
        evaluate_run(other, [so101], tmp_path / "e")


def test_cli_verbs(shared_data, tmp_path, capsys):
    from motionprior.cli import eval_prior, pretrain_prior

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    pretrain_prior.register(sub)
    eval_prior.register(sub)
    so101 = str(shared_data / SO101)
    out = tmp_path / "run"
    args = parser.parse_args(["pretrain-prior", "--data", so101, "--out", str(out), "--preset",
                              "debug", "--steps", "3", "--batch-size", "8", "--no-progress",
                              "--eval-windows", "16"])
    assert args.func(args) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["step"] == 3 and Path(printed["checkpoint"]).name == "step_00000003"
    saved = json.loads((out / "config.json").read_text())
    assert saved["train"]["steps"] == 3 and saved["preset"] == "debug"
    assert saved["datasets"] == [str(Path(so101).resolve())]
    args = parser.parse_args(["eval-prior", "--prior", str(out), "--data", so101, "--out",
                              str(tmp_path / "ev"), "--all-windows", "--max-windows", "32"])
    assert args.func(args) == 0
    assert json.loads(capsys.readouterr().out)["windows"] == 32


def test_cli_main_prints_one_line_errors(shared_data, tmp_path, capsys):
    from motionprior import cli

    try:
        cli.build_parser()
    except ModuleNotFoundError as e:  # another helper's verb module is not written yet
        pytest.skip(f"motionprior CLI not complete yet: {e}")
    narrow = ["pretrain-prior", "--data", str(shared_data / SO101), "--out", str(tmp_path / "r"),
              "--preset", "debug", "--no-progress"]
    other = tmp_path / "vla"
    ck.save_checkpoint(other, 1, model=torch.nn.Linear(2, 2), model_type="vla", config={})
    code = cli.main(["eval-prior", "--prior", str(other), "--data", str(shared_data / SO101),
                     "--out", str(tmp_path / "e")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0
    assert err.startswith("motionprior eval-prior: error:") and "not 'action_prior'" in err
    assert cli.main(narrow + ["--steps", "0"]) == 2
    assert "steps must be >= 1" in capsys.readouterr().err


def test_normalization_statistics_come_from_training_episodes_only(tmp_path):
    """The held-out episodes (the last ones) must not shape the normalization: an outlier in
    the last episode leaves the statistics exactly as the training episodes alone give them."""
    from motionprior.data import Episode
    from motionprior.data.frames import FrameTable
    from motionprior.data.lerobot import open_dataset, write_dataset
    from motionprior.data.stats import compute_stats
    from motionprior.prior.pretrain import load_windows

    rng = np.random.default_rng(1)
    eps = []
    for e in range(5):
        act = rng.normal(0, 0.01, (30, 7)).astype(np.float32)
        if e == 4:
            act[:, :6] *= 100.0  # the held-out episode moves a hundred times more
        eps.append(Episode(actions=act, state=np.cumsum(act, 0).astype(np.float32),
                           embodiment="widowx_bridge", instruction="wipe", fps=5.0))
    root = write_dataset(tmp_path / "ds", eps, progress=False)
    cfg = _cfg()
    cfg = dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, val_fraction=0.2))
    data = load_windows([root], cfg)
    table = FrameTable.from_reader(open_dataset(root), images=False)
    expected = compute_stats(table.actions[: 4 * 30])
    got = data.normalizer.get(table.key, "action")
    np.testing.assert_array_equal(got.q01, expected.q01)
    np.testing.assert_array_equal(got.q99, expected.q99)
    assert len(data.val_indices) == 30  # the outlier episode is the held-out one
    everything = compute_stats(table.actions)
    assert not np.allclose(everything.q99, expected.q99)  # so the test can fail
    from motionprior.data.windows import fit_normalizer

    with pytest.raises(ConfigError, match="2 frame selections for 1 tables"):
        fit_normalizer([table], frames=[np.arange(3), np.arange(3)])
