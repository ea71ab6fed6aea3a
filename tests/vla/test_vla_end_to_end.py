"""The whole chain with the debug preset: collect, label, pretrain-motion, train every
variant, resume, evaluate one episode closed loop, and the CLI's errors."""

import json

import pytest

from motionprior.cli import build_parser, main
from motionprior.cli.train import build_config

PAIR = "metaworld/reach-v3"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("vla_e2e")
    assert main(["collect", "--suite", PAIR, "--demos", "2", "--out", str(root / "data"),
                 "--image-size", "32"]) == 0
    return root, str(root / "data" / "metaworld_reach-v3")


def test_keep_every_flag_reaches_the_training_config(tmp_path):
    args = build_parser().parse_args(["train", "--variant", "flow", "--data", str(tmp_path),
                                      "--out", str(tmp_path / "run"), "--keep-every", "3000"])
    assert build_config(args, "flow").train.keep_every == 3000
    assert build_config(build_parser().parse_args(
        ["train", "--variant", "flow", "--data", str(tmp_path), "--out", str(tmp_path / "r")]),
        "flow").train.keep_every == 0


def test_motion_variant_needs_labels_first(dataset, capsys):
    root, data = dataset
    code = main(["pretrain-motion", "--data", data, "--out", str(root / "nolabel"),
                 "--preset", "debug", "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "no 'motion' column; label the dataset first: motionprior label" in err[0]


def test_debug_chain_end_to_end(dataset, capsys):
    root, data = dataset
    assert main(["label", data]) == 0
    assert main(["pretrain-motion", "--data", data, "--out", str(root / "motion"),
                 "--preset", "debug", "--no-progress"]) == 0
    runs = {}
    for variant in ("tokens", "motion+tokens", "flow"):
        out = root / variant.replace("+", "_")
        extra = ["--init", str(root / "motion")] if variant == "motion+tokens" else []
        assert main(["train", "--variant", variant, "--data", data, "--out", str(out),
                     "--preset", "debug", "--no-progress", *extra]) == 0
        runs[variant] = out
    out = capsys.readouterr().out
    assert "initialised from" in out and "tensors loaded" in out
    # resume: a finished run continues to more steps only with the same configuration
    assert main(["train", "--variant", "flow", "--data", data, "--out", str(runs["flow"]),
                 "--preset", "debug", "--no-progress", "--resume", "--steps", "6"]) == 2
    assert "configuration differs" in capsys.readouterr().err
    # a motion-pretraining checkpoint is not a policy
    code = main(["eval", "--policy", str(root / "motion"), "--suite", PAIR, "--episodes", "1",
                 "--out", str(root / "eval_motion"), "--image-size", "32", "--quiet"])
    assert code == 2 and "emits words, not actions" in capsys.readouterr().err
    # rendering fewer cameras than the policy was trained with is refused before any episode
    code = main(["eval", "--policy", str(runs["flow"]), "--suite", PAIR, "--episodes", "1",
                 "--out", str(root / "eval_wrist"), "--cameras", "wrist", "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and not (root / "eval_wrist").exists()
    assert "needs cameras scene but the evaluation renders wrist: pass --cameras scene" in err[0]
    for variant, run in runs.items():
        ev = root / f"eval_{run.name}"
        execution = (["--execution", "ensemble", "--ensemble-decay", "0.1"]
                     if variant == "flow" else ["--query-period", "1"])
        assert main(["eval", "--policy", str(run), "--suite", PAIR, "--episodes", "1",
                     "--out", str(ev), "--image-size", "32", "--max-steps", "12",
                     "--videos", "1", "--workers", "1", "--quiet", *execution]) == 0
        config = json.loads((ev / "config.json").read_text())
        assert config["cameras"] == ["scene"]  # no --cameras: the checkpoint's own
        assert config["policy_options"] == ({"execution": "ensemble", "ensemble_decay": 0.1}
                                            if variant == "flow" else {"query_period": 1})
        summary = json.loads((ev / "summary.json").read_text())
        record = summary["pairs"][PAIR]
        assert record["episodes"] == 1 and record["errors"] == 0, variant
        episode = json.loads(next((ev / "metaworld_reach-v3" / "episodes").glob("*.json"))
                             .read_text())
        assert episode["steps"] == 12 or episode["success"], episode["reason"]
        if variant == "motion+tokens":  # the words the policy said, as run-length segments
            assert isinstance(episode["motion"], list)  # (a 4-step model may say nothing)
            assert all(seg["words"] for seg in episode["motion"])
