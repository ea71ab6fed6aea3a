"""Experiment grids: the plan, the resumable parallel runner, the results and the CLI."""

import json
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from motionprior import atomic
from motionprior.cli import main
from motionprior.errors import ConfigError, UnknownNameError
from motionprior.experiment import runner
from motionprior.experiment.config import ExperimentConfig, load_experiment
from motionprior.experiment.plan import Job, build_plan
from motionprior.experiment.results import (
    bootstrap_interval,
    group_results,
    markdown_table,
    pool_seeds,
)


def test_plan_of_a_toml_config(tmp_path):
    path = tmp_path / "study.toml"
    path.write_text('preset = "first-comparison"\nseeds = [0, 1]\narms = ["flow", '
                    '"motion-pre+motion+tokens", "flow+prior", "mine"]\nprior_fractions = '
                    '[0.5, 1.0]\ndemos = [5]\ncameras = ["scene"]\ncurve_every = 0\n'
                    '[custom_arms.mine]\nvariant = "tokens"\nflags = ["--lr", "1e-3"]\n')
    cfg = load_experiment(str(path))
    jobs = {j.name: j for j in build_plan(cfg, tmp_path / "x")}
    assert jobs["collect-demos"].argv[:5] == ("collect", "--suite", "xemb13", "--demos", "6")
    assert "train:flow+prior/d5_s1_f0.5" in jobs and "train:flow/d5_s1" in jobs
    fp = jobs["train:flow+prior/d5_s1_f0.5"]
    assert fp.deps == ("label-demos", "prior-f0.5") and fp.resumable
    assert fp.argv[fp.argv.index("--prior") + 1].endswith("prior/f0.5")
    assert "--prior" not in jobs["train:flow/d5_s0"].argv
    mine = jobs["train:mine/d5_s0"].argv
    assert mine[:3] == ("train", "--variant", "tokens") and mine[-2:] == ("--lr", "1e-3")
    assert jobs["train:motion-pre+motion+tokens/d5_s1"].deps == ("label-demos",
                                                                 "motion-d5_s1")
    assert jobs["prior-f0.5"].argv[jobs["prior-f0.5"].argv.index("--train-fraction") + 1] == "0.5"
    assert jobs["eval:flow/d5_s0"].deps == ("train:flow/d5_s0",)
    assert sum(n.startswith("train:") for n in jobs) == 2 * (1 + 1 + 2 + 1)
    assert all(j.argv[j.argv.index("--cameras") + 1] == "scene" for j in jobs.values()
               if j.kind in ("train", "eval", "pretrain-motion") or j.name == "collect-demos")
    ev = jobs["eval:flow/d5_s0"].argv
    assert ev[ev.index("--workers") + 1] == "1"
    paper = {j.name: j for j in build_plan(load_experiment("paper"), tmp_path / "p")}
    ev = paper["eval:flow/d50_s2"].argv
    assert ev[ev.index("--workers") + 1] == "8" and ev[ev.index("--episodes") + 1] == "50"


def test_cameras_reach_collection_training_and_evaluation(tmp_path):
    path = tmp_path / "wrist.toml"
    path.write_text('preset = "first-comparison"\narms = ["flow", "motion-pre+motion+tokens"]'
                    '\ncameras = ["scene", "wrist"]\n')
    jobs = build_plan(load_experiment(str(path)), tmp_path / "x")
    with_cameras = {j.name for j in jobs if "--cameras" in j.argv
                    and j.argv[j.argv.index("--cameras") + 1] == "scene,wrist"}
    assert with_cameras == {"collect-demos", "motion-d10_s0", "train:flow/d10_s0",
                            "eval:flow/d10_s0", "train:motion-pre+motion+tokens/d10_s0",
                            "eval:motion-pre+motion+tokens/d10_s0"}


def test_distill_steps_reach_the_distilling_prior_arms_only(tmp_path):
    path = tmp_path / "long.toml"
    path.write_text('preset = "prior-comparison"\nseeds = [0]\ndistill_steps = 1200\n')
    jobs = {j.name: j for j in build_plan(load_experiment(str(path)), tmp_path / "x")}
    distilled = {n for n, j in jobs.items() if "--distill-steps" in j.argv
                 and j.argv[j.argv.index("--distill-steps") + 1] == "1200"}
    assert distilled == {"train:flow+prior/d10_s0_f1", "train:flow+prior-no-history/d10_s0_f1",
                         "train:motion+flow+prior/d10_s0_f1"}
    assert not any("--distill-steps" in j.argv for j in
                   build_plan(load_experiment("debug"), tmp_path / "y"))


def test_the_two_comparisons_share_their_common_cells(tmp_path):
    first, prior = ({j.name: j.argv for j in build_plan(load_experiment(name), tmp_path)}
                    for name in ("first-comparison", "prior-comparison"))
    common = set(first) & set(prior)
    assert {"train:tokens/d10_s0", "eval:motion+tokens/d10_s0", "train:flow/d10_s0",
            "collect-demos"} <= common
    assert all(first[n] == prior[n] for n in common)


def test_the_history_follow_up_adds_two_arms_to_the_prior_comparison(tmp_path):
    """benchmarks/history_followup.toml runs into the comparison's folder: every job of the
    comparison is shared verbatim, and the new jobs are its two arms, each one flag away."""
    bench = Path(__file__).parents[2] / "benchmarks"
    prior, follow = ({j.name: j.argv for j in build_plan(load_experiment(cfg), tmp_path)}
                     for cfg in (bench / "prior_comparison.toml", bench / "history_followup.toml"))
    assert all(follow[n] == argv for n, argv in prior.items())
    new = {n.split(":")[1].split("/")[0] for n in set(follow) - set(prior)}
    assert new == {"flow+prior-hdrop", "motion+flow+prior-no-history"}
    base, hdrop, nohist = (follow[f"train:{a}/d10_s2_f1"] for a in
                           ("motion+flow+prior", "flow+prior-hdrop",
                            "motion+flow+prior-no-history"))
    assert [a for a in nohist if a not in base and "/runs/" not in a] == ["--no-history"]
    assert hdrop[hdrop.index("--history-dropout") + 1] == "0.5"


@pytest.mark.parametrize("text, message", [
    ('distill_steps = 0', "distill_steps must be >= 1"),
    ('arms = ["nope"]', "unknown arm 'nope'; known:"),
    ('seeds = []', "must not be empty"),
    ('cameras = []', "cameras must not be empty"),
    ('prior_fractions = [0]', r"prior_fractions must be in \(0, 1\]"),
    ('colour = "red"', r"unknown keys \['colour'\]"),
    ('preset = "huge"', "unknown experiment preset 'huge'"),
    ('seeds = [', "not valid TOML"),
    ('eval_workers = 0', "parallel, eval_workers and curve_episodes must be >= 1"),
])
def test_bad_configs_are_refused(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises((ConfigError, UnknownNameError), match=message):
        load_experiment(str(path))
    with pytest.raises(UnknownNameError, match="unknown experiment .* 'missing.toml'"):
        load_experiment("missing.toml")


def fake_commands(monkeypatch):
    """Jobs whose argv is ("py", CODE): run CODE in a fresh interpreter."""
    monkeypatch.setattr(runner, "command",
                        lambda job, launcher=(): [sys.executable, "-c", job.argv[1]])


def test_runner_orders_resumes_and_isolates_failures(tmp_path, monkeypatch):
    fake_commands(monkeypatch)
    marker = tmp_path / "order.txt"
    write = "open({!r}, 'a').write({!r})"
    jobs = [Job("a", ("py", write.format(str(marker), "a"))),
            Job("b", ("py", write.format(str(marker), "b")), ("a",)),
            Job("bad", ("py", "import sys; sys.exit(3)")),
            Job("after-bad", ("py", write.format(str(marker), "x")), ("bad",)),
            Job("c", ("py", write.format(str(marker), "c")), ("b",))]
    report = runner.run_plan(jobs, tmp_path, parallel=2, log=lambda s: None, poll=0.05)
    assert marker.read_text() == "abc"  # dependencies first; the failed job's dependent never
    assert sorted(report.done) == ["a", "b", "c"] and list(report.failed) == ["bad"]
    assert report.blocked == ["after-bad"]
    assert "$ " in (tmp_path / "logs" / "bad.log").read_text()
    again = runner.run_plan(jobs, tmp_path, parallel=2, log=lambda s: None, poll=0.05)
    assert marker.read_text() == "abc" and sorted(again.done) == ["a", "b", "c"]  # skipped
    changed = [Job("a", ("py", "print('other')"))]
    with pytest.raises(ConfigError, match="job a finished before with another command"):
        runner.run_plan(changed, tmp_path, log=lambda s: None)


def test_a_job_locked_by_another_runner_is_waited_for_never_run_twice(tmp_path, monkeypatch):
    fake_commands(monkeypatch)
    marker = tmp_path / "order.txt"
    write = "open({!r}, 'a').write({!r})"
    jobs = [Job("mine", ("py", write.format(str(marker), "m"))),
            Job("theirs", ("py", write.format(str(marker), "t"))),
            Job("dead", ("py", write.format(str(marker), "d"))),
            Job("after", ("py", write.format(str(marker), "a")), ("theirs", "dead"))]
    theirs, dead = runner.try_lock(tmp_path, jobs[1]), runner.try_lock(tmp_path, jobs[2])
    assert theirs is not None and runner.try_lock(tmp_path, jobs[1]) is None  # exclusive
    lines: list[str] = []
    thread = threading.Thread(target=lambda: lines.append(runner.run_plan(
        jobs, tmp_path, parallel=2, log=lines.append, poll=0.05)))
    thread.start()

    def wait_for(text: str) -> str:
        deadline = time.time() + 30
        while time.time() < deadline and not (marker.exists() and marker.read_text() == text):
            time.sleep(0.05)
        time.sleep(0.3)  # room for a wrong extra job to show up
        return marker.read_text()

    assert wait_for("m") == "m"  # only its own job; the locked two wait, and so does "after"
    os.close(dead)  # that runner died without finishing: this one takes the job over
    assert wait_for("md") == "md"
    atomic.write_json(runner.state_file(tmp_path, jobs[1]), {"argv": list(jobs[1].argv)})
    os.close(theirs)  # the other runner finished its job
    thread.join(timeout=20)
    report = lines[-1]
    assert marker.read_text() == "mda"  # "theirs" was never run here
    assert sorted(report.done) == ["after", "dead", "mine", "theirs"]
    assert "theirs is running in another runner; waiting for it" in lines
    assert any(str(x).endswith("theirs finished by another runner") for x in lines)


def test_with_a_launcher_trainings_run_one_at_a_time_beside_other_jobs(tmp_path,
                                                                       monkeypatch):
    fake_commands(monkeypatch)
    marker = tmp_path / "order.txt"
    path = str(marker)
    train = (f"import time; f = open({path!r}, 'a'); f.write('<'); f.flush(); "
             "time.sleep(1.5); f.write('>')")
    jobs = [Job("t1", ("py", train), kind="train"), Job("t2", ("py", train), kind="train"),
            Job("ev", ("py", f"open({str(marker)!r}, 'a').write('e')"), kind="eval")]
    report = runner.run_plan(jobs, tmp_path / "launched", parallel=2, log=lambda s: None,
                             poll=0.05, launcher=("accelerate", "launch"))
    order = marker.read_text()
    assert sorted(report.done) == ["ev", "t1", "t2"]
    assert order.replace("e", "") == "<><>"  # never two trainings at once
    assert order.index("e") < order.index(">")  # the evaluation ran beside the first one
    marker.unlink()
    runner.run_plan(jobs, tmp_path / "plain", parallel=2, log=lambda s: None, poll=0.05)
    assert marker.read_text().startswith("<<")  # without a launcher both train at once


def test_a_launcher_starts_the_trainings_only(tmp_path):
    launcher = ("/opt/accelerate", "launch", "--multi_gpu")
    train = Job("t", ("train", "--out", str(tmp_path / "run")), kind="train",
                out=str(tmp_path / "run"), resumable=True)
    assert runner.command(train, launcher) == [*launcher, "-m", "motionprior", "train",
                                               "--out", str(tmp_path / "run")]
    evaluate = Job("e", ("eval", "--policy", "x"), kind="eval")
    assert runner.command(evaluate, launcher)[:3] == [sys.executable, "-m", "motionprior"]
    # a program next to this Python (the environment's own accelerate) wins over PATH
    here = Path(sys.executable)
    assert runner.launcher_argv(f"{here.name} -X dev") == (str(here), "-X", "dev")
    assert runner.launcher_argv("sh -c 'echo a b'") == ("sh", "-c", "echo a b")  # on PATH
    with pytest.raises(ConfigError, match="'no-such-launcher' is not an executable on PATH"):
        runner.launcher_argv("no-such-launcher --x")
    with pytest.raises(ConfigError, match="--launcher is empty"):
        runner.launcher_argv("  ")


def test_command_expands_globs_and_resumes_trainings(tmp_path):
    (tmp_path / "d1").mkdir()
    (tmp_path / "d2").mkdir()
    job = Job("t", ("train", "--data", str(tmp_path / "d*")), out=str(tmp_path / "run"),
              resumable=True)
    argv = runner.command(job)
    assert argv[1:3] == ["-m", "motionprior"]
    assert argv[3:] == ["train", "--data", str(tmp_path / "d1"), str(tmp_path / "d2")]
    (tmp_path / "run" / "checkpoints").mkdir(parents=True)
    assert runner.command(job)[-1] == "--resume"
    with pytest.raises(ConfigError, match="nothing matches"):
        runner.command(Job("t", ("train", str(tmp_path / "none*"))))


def summary(rates, episodes=10):
    return {"pairs": {p: {"successes": int(r * episodes), "episodes": episodes}
                      for p, r in rates.items()}}


def test_results_pool_seeds_with_a_two_level_bootstrap(tmp_path):
    cfg = ExperimentConfig(arms=("flow", "tokens"), seeds=(0, 1))
    rates = {0: {"mw/a": 1.0, "mw/b": 0.5}, 1: {"mw/a": 0.6, "mw/b": 0.5}}
    for seed, r in rates.items():
        out = tmp_path / "eval" / "flow" / f"d10_s{seed}"
        out.mkdir(parents=True)
        (out / "summary.json").write_text(json.dumps(summary(r)))
    (groups,) = group_results(cfg, tmp_path)
    assert groups["arm"] == "flow" and groups["seeds"] == [0, 1]
    assert groups["per_seed"] == pytest.approx([0.75, 0.55]) and groups["mean"] == 0.65
    assert groups["ci_low"] < 0.65 < groups["ci_high"]
    assert groups["pairs"]["mw/a"]["success"] == 0.8 and groups["pairs"]["mw/a"]["episodes"] == 20
    table = markdown_table([groups])
    assert "| flow | 10 | - | 2 | **65.0%**" in table and "| a | b |" in table
    # all successes: a degenerate interval; one seed: the episode bootstrap only
    k, n = np.array([[10, 10]]), np.array([[10, 10]])
    assert bootstrap_interval(k, n) == (1.0, 1.0)
    low, high = bootstrap_interval(np.array([[5, 5]]), n)
    assert 0.25 <= low < 0.5 < high <= 0.75


def test_pooling_seeds_refuses_mismatched_or_no_evaluations():
    one = summary({"mw/a": 1.0, "mw/b": 0.5})
    pooled = pool_seeds([one, one])
    assert pooled["per_seed"] == [0.75, 0.75] and pooled["pairs"]["mw/b"]["successes"] == 10
    with pytest.raises(ValueError, match="different pairs"):
        pool_seeds([one, summary({"mw/a": 1.0})])
    with pytest.raises(ValueError, match="at least one"):
        pool_seeds([])


def test_cli_dry_run_and_only(tmp_path, capsys):
    out = tmp_path / "exp"
    assert main(["experiment", "first-comparison", "--out", str(out), "--dry-run",
                 "--only", "eval:flow/*"]) == 0
    text = capsys.readouterr().out
    assert "[todo] eval:flow/d10_s0" in text and "[todo] collect-demos" in text
    assert "tokens" not in text.replace("motion-tokens", "") and "4 jobs" in text
    assert main(["experiment", "first-comparison", "--out", str(out), "--dry-run", "--only",
                 "nothing*"]) == 2
    assert "no job matches ['nothing*']" in capsys.readouterr().err
    launcher = ["--launcher", "sh -c 'exec \"$0\" \"$@\"'"]
    assert main(["experiment", "first-comparison", "--out", str(out), "--dry-run", "--only",
                 "eval:flow/*", *launcher]) == 0
    text = capsys.readouterr().out
    assert "    sh -c 'exec \"$0\" \"$@\"' -m motionprior train --variant flow" in text
    assert "\n    motionprior eval --policy" in text and "\n    motionprior collect" in text
    assert main(["experiment", "first-comparison", "--out", str(out), "--dry-run",
                 "--launcher", "no-such-launcher launch"]) == 2
    assert "'no-such-launcher' is not an executable on PATH" in capsys.readouterr().err


def test_real_stage1_data_mixes_in_rlds_converted_first(tmp_path, shared_data, capsys):
    """prior_data takes LeRobot folders as they are and RLDS ones through a convert job; the
    real samples (SO-101 LeRobot, Bridge RLDS) then pretrain a prior together."""
    so101, bridge = shared_data / "so101_lerobot_v3_sample", shared_data / "bridge_rlds_sample"
    path = tmp_path / "real.toml"
    path.write_text(f'preset = "debug"\nprior_fractions = [1.0]\n'
                    f'prior_data = ["{so101}", "{bridge}"]\n')
    jobs = {j.name: j for j in build_plan(load_experiment(str(path)), tmp_path / "x")}
    convert, prior = jobs["convert-bridge_rlds_sample"], jobs["prior-f1"]
    converted = str(tmp_path / "x" / "data" / "real" / "bridge_rlds_sample")
    assert convert.argv == ("convert", str(bridge), converted, "--no-images", "--no-progress")
    assert convert.kind == "convert" and prior.deps == ("collect-prior",
                                                        "convert-bridge_rlds_sample")
    data = prior.argv[prior.argv.index("--data") + 1:prior.argv.index("--out")]
    assert data[1:] == (str(so101), converted)
    assert main(list(convert.argv)) == 0
    assert "25 episodes, 250 steps, embodiment widowx" in capsys.readouterr().out
    out = tmp_path / "prior"
    assert main(["pretrain-prior", "--data", *data[1:], "--out", str(out), "--preset", "debug",
                 "--no-progress"]) == 0
    stats = json.loads(next(out.glob("checkpoints/step_*/stats.json")).read_text())
    assert len(stats) == 2, sorted(stats)  # one statistics entry per real robot
