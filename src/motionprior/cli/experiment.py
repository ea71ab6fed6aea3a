"""`motionprior experiment CONFIG --out DIR`: a grid of policies, trained and evaluated.

    motionprior experiment first-comparison --out runs/first --dry-run     the jobs it would run
    motionprior experiment prior-comparison --out runs/prior               run (resumes)
    motionprior experiment my_study.toml --out runs/mine --only 'eval:*'   a subset of the jobs
    motionprior experiment paper --out runs/paper --parallel 2 \
        --launcher 'accelerate launch --multi_gpu --num_processes 8'     trainings on 8 GPUs
"""

from __future__ import annotations

import argparse
import fnmatch
import json

from motionprior.cli.checks import count, output
from motionprior.errors import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    from motionprior.experiment.config import PRESETS

    p = subparsers.add_parser(
        "experiment", help="run a grid of policies (arms x seeds x demos x stage-1 data) and "
        "collect their results",
        description="Collect the data, pretrain the priors, train every cell of the grid and "
        "evaluate it closed loop, each step a resumable `motionprior` job in its own process "
        "(a killed experiment continues where it stopped), then write results.json and "
        f"results.md into --out. CONFIG is a preset ({', '.join(PRESETS)}) or a TOML file "
        "(see motionprior.experiment.config).")
    p.add_argument("config", help="experiment preset name or TOML file")
    output(p, "--out", kind="dir", required=True, help="experiment folder (data, runs, "
           "evaluations, logs, results)")
    count(p, "--parallel", minimum=1, help="jobs at once, one thread each (default: the "
          "config's, 2 for the CPU presets)")
    p.add_argument("--only", action="append", default=[], metavar="PATTERN",
                   help="run only jobs whose name matches this glob, e.g. 'train:flow/*' "
                   "(their unfinished dependencies too); repeatable")
    p.add_argument("--launcher", metavar="COMMAND",
                   help="start every training (pretrain-prior, pretrain-motion, train) as "
                   "`COMMAND -m motionprior ...`, e.g. 'accelerate launch --multi_gpu "
                   "--num_processes 8' for data-parallel training on 8 GPUs; such trainings "
                   "run one at a time, while collections and evaluations fill the other "
                   "--parallel slots as plain processes")
    p.add_argument("--dry-run", action="store_true",
                   help="print the jobs and their commands, run nothing")
    p.add_argument("--report-only", action="store_true",
                   help="rebuild report.html / report.md from what has finished, run nothing")
    p.set_defaults(func=run)


def select(jobs, patterns):
    """The jobs matching any pattern, with every dependency they need."""
    if not patterns:
        return jobs
    by_name = {j.name: j for j in jobs}
    wanted = {j.name for j in jobs if any(fnmatch.fnmatch(j.name, p) for p in patterns)}
    if not wanted:
        raise ConfigError(f"no job matches {patterns}; see --dry-run for the names")
    stack = list(wanted)
    while stack:
        for dep in by_name[stack.pop()].deps:
            if dep not in wanted:
                wanted.add(dep)
                stack.append(dep)
    return [j for j in jobs if j.name in wanted]


def write_results(cfg, root, title: str):
    """results.json, results.md and the report of what has finished; the report's path."""
    from motionprior import atomic
    from motionprior.experiment.results import group_results, markdown_table
    from motionprior.report.build import build_report

    groups = group_results(cfg, root)
    atomic.write_json(root / "results.json", {"groups": groups})
    atomic.write_text(root / "results.md", markdown_table(groups) + "\n")
    return build_report(cfg, root, title=title)[0]


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from motionprior.experiment.config import load_experiment
    from motionprior.experiment.plan import build_plan
    from motionprior.experiment.runner import (
        RunReport,
        finished,
        launched,
        launcher_argv,
        run_plan,
    )

    cfg = load_experiment(args.config)
    root = Path(args.out)
    launcher = launcher_argv(args.launcher) if args.launcher is not None else ()
    jobs = select(build_plan(cfg, root), args.only)
    if args.dry_run:
        for job in jobs:
            state = "done" if finished(root, job) else "todo"
            after = f"  (after {', '.join(job.deps)})" if job.deps else ""
            start = (f"{args.launcher} -m motionprior" if launched(job, launcher)
                     else "motionprior")
            print(f"[{state}] {job.name}{after}\n    {start} {' '.join(job.argv)}")
        print(f"{len(jobs)} jobs")
        return 0
    report = RunReport() if args.report_only else run_plan(
        jobs, root, parallel=args.parallel or cfg.parallel, launcher=launcher)
    page = write_results(cfg, root, f"motionprior experiment {args.config}")
    print((root / "results.md").read_text().rstrip())
    print(f"report: {page} (and report.md, results.json)")
    if report.failed or report.blocked:
        for name, where in report.failed.items():
            print(f"failed: {name} (log: {where})")
        raise ConfigError(f"{len(report.failed)} jobs failed and {len(report.blocked)} wait "
                          f"for them; fix the cause, then rerun the same command (finished "
                          f"jobs are kept), or one job with --only NAME")
    print(json.dumps({"jobs": len(jobs), "done": len(report.done)}))
    return 0
