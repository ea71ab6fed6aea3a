"""`motionprior eval-prior --prior RUN --data DATASET... --out DIR`: evaluate an action prior."""

from __future__ import annotations

import argparse
import json

from motionprior.cli.checks import count, output


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "eval-prior",
        help="evaluate an action prior: reconstruction, smoothness, latent-space picture",
        description="Evaluate a trained action prior on LeRobot datasets, normalized with the "
        "prior's own statistics: normalized reconstruction MSE of D(E(chunk)) per embodiment, "
        "mean squared jerk of decoded chunks vs the data, and a PCA picture of the latents "
        "coloured by embodiment and by task. Writes OUT/metrics.json and OUT/latents.png.",
    )
    p.add_argument("--prior", required=True,
                   help="run directory of pretrain-prior, or one of its checkpoint folders")
    p.add_argument("--data", nargs="+", required=True, metavar="DATASET",
                   help="LeRobot v3 dataset folders")
    output(p, "--out", kind="dir", required=True, help="folder for metrics.json and latents.png")
    p.add_argument("--all-windows", action="store_true",
                   help="evaluate every window, not only the held-out episodes")
    count(p, "--max-windows", minimum=1, default=4096,
                   help="at most this many windows, spread evenly (default 4096)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from motionprior.prior.pretrain import evaluate_run

    metrics = evaluate_run(args.prior, args.data, args.out, max_windows=args.max_windows,
                           held_out_only=not args.all_windows)
    print(json.dumps(metrics, indent=2))
    return 0
