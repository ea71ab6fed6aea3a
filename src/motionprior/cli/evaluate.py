"""`motionprior eval`: closed-loop success of a policy on a simulation suite.

    motionprior eval --policy expert --suite xemb13 --episodes 50 --out runs/eval
    motionprior eval --policy ws://127.0.0.1:8000 --suite smoke --out runs/eval_ws
"""

from __future__ import annotations

import argparse
import os

from motionprior.cli.checks import count, number, output
from motionprior.cli.collect import SUITE_HELP, add_camera_flags, parse_cameras, parse_size


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "eval", help="closed-loop evaluation of a policy in Meta-World and robosuite",
        description="Roll the policy out on every pair of the suite, with evaluation seeds that "
        "no collection run uses. Writes one JSON per episode, a few GIFs per pair and "
        "summary.json (success rate per pair with a Wilson 95% interval, suite mean). "
        "Re-running with the same flags resumes.")
    p.add_argument("--policy", required=True,
                   help="a named policy (expert = the scripted experts), a checkpoint path, or "
                   "ws://HOST:PORT of a running `motionprior serve` (its API key, if any, from "
                   "$MOTIONPRIOR_API_KEY)")
    p.add_argument("--suite", required=True, help=SUITE_HELP)
    count(p, "--episodes", minimum=1, default=50, help="episodes per pair (default 50)")
    output(p, "--out", kind="dir", required=True, help="output folder")
    add_camera_flags(p, policy_cameras=True)
    count(p, "--videos", minimum=0, default=2,
                   help="episodes per pair saved as GIF (the first ones; default 2)")
    count(p, "--seed-offset", minimum=0, default=0,
                   help="shift the evaluation seeds (still disjoint from collection seeds)")
    p.add_argument("--collection-scenes", action="store_true",
                   help="diagnostic: run episode i in collection seed i's scene (+ --seed-offset), "
                   "i.e. the scenes the demonstrations were recorded in, to tell memorisation "
                   "from generalisation; not a success rate to report")
    count(p, "--max-steps", minimum=1, default=None,
                   help="steps per episode (default: the pair's horizon: Meta-World 300, "
                   "400-500 for four slow tasks; robosuite Lift 10 s, Stack 20 s of control "
                   "steps)")
    count(p, "--workers", minimum=1, default=os.cpu_count() or 1,
                   help="parallel worker processes, each with its own simulator and policy "
                   f"and one thread (default: every core, here {os.cpu_count() or 1}); the "
                   "results equal a --workers 1 run's")
    p.add_argument("--execution", choices=("receding", "ensemble"), default=None,
                   help="learned chunk policies: receding horizon (execute --query-period "
                   "actions of each chunk, then re-plan; the default) or temporal ensembling "
                   "(query every step, average overlapping chunks as ACT does)")
    count(p, "--query-period", minimum=1, default=None,
          help="actions executed per chunk with receding horizon (default: half the chunk "
          "for flow policies, the whole chunk for token policies)")
    number(p, "--ensemble-decay", minimum=0.0, default=None,
           help="temporal ensembling weight exp(-m i), i = 0 the oldest chunk (default 0.01)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from motionprior.serve import client_policy  # noqa: F401  (registers ws:// policies)
    from motionprior.sim.evaluate import EvalConfig, evaluate
    from motionprior.sim.suites import resolve_suite

    pairs = resolve_suite(args.suite)
    cfg = EvalConfig(
        episodes=args.episodes,
        cameras=None if args.cameras is None else parse_cameras(args.cameras),
        image_size=parse_size(args.image_size),
        seed_offset=args.seed_offset,
        videos=args.videos,
        max_steps=args.max_steps,
        progress=not args.quiet,
        show_goal=args.show_goal,
        workers=args.workers,
        collection_scenes=args.collection_scenes,
        policy_options=tuple((k, v) for k, v in (
            ("execution", args.execution), ("query_period", args.query_period),
            ("ensemble_decay", args.ensemble_decay)) if v is not None),
    )
    summary = evaluate(args.policy, pairs, args.out, cfg)
    print(f"summary: {os.path.join(args.out, 'summary.json')} "
          f"(mean success {summary['mean_success']:.1%})")
    return 0
