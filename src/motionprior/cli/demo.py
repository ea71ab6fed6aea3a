"""`motionprior demo`: the whole idea end to end on a small scale (what `make demo` runs).

    motionprior demo                       # quickstart preset into runs/demo (about 15 min)
    motionprior demo --preset debug        # seconds-sized, for a quick look at every step
"""

from __future__ import annotations

import argparse
import time

from motionprior.cli.checks import count, output

DEMO_PRESETS = ("quickstart", "debug")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "demo", help="the whole idea end to end: data, labels, priors, policies with and "
        "without them, closed-loop evaluation, a report",
        description="Collect scripted demonstrations (Meta-World and robosuite, three robots) "
        "and action-only trajectories for the prior, label motion words (a few examples are "
        "printed), pretrain the action prior, train policies with and without the priors on the "
        "same budget, evaluate them closed loop, and write report.html / report.md. Each phase "
        "is a job of `motionprior experiment <preset>` with its elapsed time; a rerun resumes, "
        "Ctrl-C leaves a resumable state, and a failing job is named with its log.")
    output(p, "--out", kind="dir", default="runs/demo", help="output folder (default runs/demo)")
    p.add_argument("--preset", choices=DEMO_PRESETS, default="quickstart",
                   help="quickstart (default; about 15 min on a 2-core CPU) or debug (a minute "
                   "or two, tiny models: every step runs, the numbers mean nothing)")
    count(p, "--parallel", minimum=1, help="jobs at once (default 2)")
    p.set_defaults(func=run)


def print_label_examples(root, limit: int = 3) -> None:
    """A few episodes' motion words as run-length segments (seconds)."""
    from motionprior.data.lerobot import open_dataset
    from motionprior.motion.plot import label_segments
    from motionprior.report.sections import demo_datasets

    for path in demo_datasets(root)[:limit]:
        reader = open_dataset(path)
        ep = reader.episode(0, images=False)
        segs = label_segments(list(ep.motion or []))
        text = "; ".join(f"{s / ep.fps:.1f}-{e / ep.fps:.1f}s {w}" for s, e, w in segs[:6])
        print(f"  {path.name}, episode 0: {text}{' ...' if len(segs) > 6 else ''}")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from motionprior.cli.experiment import select, write_results
    from motionprior.errors import ConfigError
    from motionprior.experiment.config import load_experiment
    from motionprior.experiment.plan import build_plan
    from motionprior.experiment.runner import run_plan
    from motionprior.report.build import headline

    start = time.time()
    cfg = load_experiment(args.preset)
    root = Path(args.out)
    jobs = build_plan(cfg, root)
    parallel = args.parallel or cfg.parallel
    phases = (("data and labels", select(jobs, ["label-demos"])), ("priors, policies and "
              "evaluations", jobs))
    for name, part in phases:
        print(f"== {name} ({len(part)} jobs; logs in {root / 'logs'})")
        report = run_plan(part, root, parallel=parallel)
        if report.failed or report.blocked:
            failed = ", ".join(report.failed)
            raise ConfigError(f"phase '{name}' failed at {failed} (log: "
                              f"{next(iter(report.failed.values()), '-')}); fix it and rerun "
                              f"`motionprior demo --out {root}` (finished jobs are kept), or "
                              f"just that job: `motionprior experiment {args.preset} --out "
                              f"{root} --only '{next(iter(report.failed), '*')}'`")
        if name == "data and labels":
            print("motion words of a few demonstrations:")
            print_label_examples(root)
    page = write_results(cfg, root, f"motionprior demo ({args.preset})")
    print(f"== done in {(time.time() - start) / 60:.1f} min. Report: {page} (and report.md, "
          "results.json)")
    print("suite mean success per arm [95% interval]:")
    for line in headline(cfg, root):
        print(line)
    return 0
