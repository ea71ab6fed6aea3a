"""End to end with the debug preset: collect, inspect, label, pretrain, evaluate, then resume."""

import json

from motionprior.data.lerobot import open_dataset
from motionprior.quickstart import QuickstartConfig, run_quickstart


def test_the_whole_chain_runs_and_resumes(tmp_path):
    cfg = QuickstartConfig(pairs=("metaworld/reach-v3",), demos=2, prior_preset="debug",
                           prior_steps=2, eval_episodes=1)
    lines: list[str] = []
    run_quickstart(tmp_path, cfg, log=lines.append)
    dataset = open_dataset(tmp_path / "data" / "metaworld_reach-v3")
    assert dataset.num_episodes == 2
    episode = dataset.episode(0, images=False)
    assert episode.motion is not None and all(episode.motion)  # labeled, every step
    assert (tmp_path / "labels.png").stat().st_size > 10_000
    config = json.loads((tmp_path / "prior" / "config.json").read_text())
    assert config["train"]["steps"] == 2
    summary = json.loads((tmp_path / "eval_expert" / "summary.json").read_text())
    assert summary["pairs"]["metaworld/reach-v3"]["episodes"] == 1
    assert summary["mean_success"] == 1.0
    assert any(line.startswith("\n$ motionprior pretrain-prior") for line in lines)
    # a second run resumes: nothing is collected twice and the prior run continues
    lines.clear()
    run_quickstart(tmp_path, cfg, log=lines.append)
    assert open_dataset(tmp_path / "data" / "metaworld_reach-v3").num_episodes == 2
    assert any("--resume" in line for line in lines)
