"""`motionprior demo`: the quickstart (what `make demo` runs)."""

from __future__ import annotations

import argparse

from motionprior.cli.checks import count, output


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "demo",
        help="run the quickstart: collect, inspect, label, pretrain the prior, evaluate",
        description="Run the whole chain on a small scale, printing each motionprior command "
        "as it runs: collect scripted demonstrations (Meta-World and robosuite), summarize and "
        "label them, pretrain the action prior, and evaluate the expert in closed loop. "
        "Re-running resumes where it stopped.",
    )
    output(p, "--out", kind="dir", default="runs/demo", help="output folder (default: runs/demo)")
    count(p, "--demos", minimum=1, default=6, help="demonstrations per pair (default: 6)")
    count(p, "--prior-steps", minimum=1, default=300,
                   help="training steps of the action prior (default: 300)")
    count(p, "--eval-episodes", minimum=1, default=3,
                   help="closed-loop episodes per pair (default: 3)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from motionprior.quickstart import QuickstartConfig, run_quickstart

    cfg = QuickstartConfig(demos=args.demos, prior_steps=args.prior_steps,
                           eval_episodes=args.eval_episodes)
    run_quickstart(args.out, cfg)
    return 0
