"""Bad inputs a new user tries: numbers out of range, misleading messages, silently ignored or
risky settings, overwriting a foreign file, and the demo's late validation."""

from __future__ import annotations

import argparse
import gzip
import shutil
import time

import pytest

from motionprior.cli import build_parser, main
from motionprior.cli.checks import RANGES
from motionprior.errors import ConfigError


# -- class 3: every count is range-checked -------------------------------------------------
@pytest.mark.parametrize("argv, message", [
    (["eval-prior", "--prior", "p", "--data", "{ok}", "--max-windows", "-1"],
     "--max-windows must be >= 1, got -1"),
    (["eval-prior", "--prior", "p", "--data", "{ok}", "--max-windows", "0"],
     "--max-windows must be >= 1, got 0"),
    (["pretrain-prior", "--data", "{ok}", "--eval-windows", "-1"],
     "--eval-windows must be >= 1, got -1"),
    (["pretrain-prior", "--data", "{ok}", "--eval-windows", "0"],
     "--eval-windows must be >= 1, got 0"),
    (["eval", "--policy", "expert", "--suite", "smoke", "--max-steps", "0"],
     "--max-steps must be >= 1, got 0"),
    (["collect", "--suite", "smoke", "--max-attempts", "0"], "--max-attempts must be >= 1, got 0"),
    (["label-eval", "--annotations", "a.jsonl", "--top", "-1"], "--top must be >= 0, got -1"),
    (["pretrain-prior", "--data", "{ok}", "--lr", "nan"], "--lr must be > 0, got nan"),
    (["label", "{ok}", "--method", "baseline", "--threshold", "-0.1"],
     "--threshold must be > 0, got -0.1"),
])
def test_counts_out_of_range_fail_before_any_work(argv, message, datasets, tmp_path,
                                                  expect_error):
    argv = [a.format(ok=datasets["ok"]) for a in argv]
    if argv[0] in ("eval-prior", "pretrain-prior", "eval", "collect"):
        argv += ["--out", str(tmp_path / "out")]
    expect_error(argv, message)


def test_every_numeric_flag_of_every_verb_is_range_checked():
    action = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    unchecked = []
    for verb, parser in action.choices.items():
        ranged = {dest for dest, *_ in parser.get_default(RANGES) or []}
        unchecked += [f"{verb} {a.option_strings[0]}" for a in parser._actions
                      if a.type in (int, float) and a.dest not in ranged]
    assert unchecked == []


def test_the_library_checks_the_same_counts():
    from motionprior.prior.pretrain import evaluate_run, pretrain_prior
    from motionprior.sim.collect import CollectConfig
    from motionprior.sim.evaluate import EvalConfig

    with pytest.raises(ConfigError, match="max_steps must be >= 1"):
        EvalConfig(max_steps=0)
    with pytest.raises(ConfigError, match="max_attempts must be >= 1"):
        CollectConfig(max_attempts=0)
    assert CollectConfig(demos=3, max_attempts=1).attempts == 1
    with pytest.raises(ConfigError, match="max_windows must be an integer >= 1, got 0"):
        evaluate_run("nowhere", [], "out", max_windows=0)
    with pytest.raises(ConfigError, match="eval_windows must be an integer >= 1, got -1"):
        pretrain_prior([], "out", None, eval_windows=-1)


# -- class 4: messages that name the real problem -------------------------------------------
def test_nan_in_a_dataset_names_file_column_episode_and_step(datasets, tmp_path, expect_error):
    expect_error(["pretrain-prior", "--data", str(datasets["nan"]), "--out", str(tmp_path / "r"),
                  "--preset", "debug", "--no-progress"],
                 "data/chunk-000/file-000.parquet: column 'action' holds NaN at episode 1, "
                 "step 5 (dim 2;")


def test_messages_name_what_the_path_really_is(datasets, tmp_path, expect_error):
    afile = tmp_path / "afile.txt"
    afile.write_text("x")
    expect_error(["info", str(afile)], f"{afile}: is a file, not a dataset directory")
    expect_error(["label-eval", "--annotations", str(tmp_path)],
                 f"{tmp_path}: is a folder, not an annotation file")
    expect_error(["eval", "--policy", str(tmp_path / "ckpt" / "step_1"), "--suite", "smoke",
                  "--out", str(tmp_path / "e")], "step_1: no such checkpoint")
    line = expect_error(["convert", str(datasets["ok"]), str(afile)],
                        f"{afile} (OUT): is a regular file, but a folder is needed")
    assert "--append" not in line


def test_a_truncated_gzip_annotation_file_is_one_line(tmp_path, expect_error):
    path = tmp_path / "a.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"fps": 5}\n' * 50)[:30])
    expect_error(["label-eval", "--annotations", str(path)],
                 f"{path}: cannot read (truncated or corrupt gzip data)")


# -- class 5: silently ignored or risky settings --------------------------------------------
def test_threshold_with_the_adaptive_labeler_is_refused(datasets, expect_error):
    expect_error(["label", str(datasets["ok"]), "--threshold", "0.1"],
                 "--threshold 0.1 applies to the baseline labeler only",
                 watch=datasets["ok"])


def test_info_warns_about_an_invalid_stats_json(datasets, tmp_path):
    ds = shutil.copytree(datasets["ok"], tmp_path / "ds")
    (ds / "meta" / "stats.json").write_text("{not json")
    with pytest.warns(UserWarning, match=f"{ds / 'meta' / 'stats.json'}: not valid JSON"):
        assert main(["info", str(ds)]) == 0


def test_label_warns_about_nan_actions(datasets):
    with pytest.warns(UserWarning, match="column 'action' holds NaN at episode 1, step 5"):
        assert main(["label", str(datasets["nan"]), "--dry-run"]) == 0


def test_eval_prior_on_nan_data_refuses_before_writing(datasets, tmp_path, expect_error):
    run = tmp_path / "run"
    assert main(["pretrain-prior", "--data", str(datasets["ok"]), "--out", str(run), "--preset",
                 "debug", "--steps", "2", "--no-progress"]) == 0
    expect_error(["eval-prior", "--prior", str(run), "--data", str(datasets["nan"]), "--out",
                  str(tmp_path / "eval"), "--all-windows"], "column 'action' holds NaN")
    assert not (tmp_path / "eval").exists()


def test_one_episode_pretraining_says_evaluation_is_skipped(datasets, tmp_path):
    with pytest.warns(UserWarning, match="no held-out episodes .* evaluation .* is skipped"):
        assert main(["pretrain-prior", "--data", str(datasets["one"]), "--out",
                     str(tmp_path / "r"), "--preset", "debug", "--steps", "2",
                     "--batch-size", "8", "--no-progress"]) == 0
    assert not (tmp_path / "r" / "eval").exists()


# -- class 6: never overwrite a file motionprior did not write ------------------------------
def test_label_plot_refuses_to_overwrite_a_foreign_file(datasets, tmp_path, expect_error, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("my notes")
    expect_error(["label-plot", str(datasets["ok"]), "--episode", "0", "--out", str(target)],
                 f"{target} (--out): exists and was not written by motionprior; pass --force")
    assert target.read_text() == "my notes"
    plot = tmp_path / "labels.png"
    for _ in range(2):  # our own plot may be replaced without --force
        assert main(["label-plot", str(datasets["ok"]), "--episode", "0", "--out", str(plot)]) == 0
    assert main(["label-plot", str(datasets["ok"]), "--episode", "0", "--out", str(target),
                 "--force"]) == 0
    assert target.read_bytes().startswith(b"\x89PNG")


# -- class 8: the demo validates every flag before its first phase --------------------------
@pytest.mark.parametrize("flags, message", [
    (["--parallel", "0"], "--parallel must be >= 1, got 0"),
])
def test_demo_fails_at_once_on_a_bad_flag(flags, message, tmp_path, expect_error):
    start = time.perf_counter()
    expect_error(["demo", "--out", str(tmp_path / "demo"), *flags], message)
    assert time.perf_counter() - start < 20.0  # before any phase (a phase takes minutes)
    assert not (tmp_path / "demo").exists()
