"""`motionprior info DATASET`: what a LeRobot v3 dataset holds."""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "info",
        help="summarize a LeRobot v3 dataset (episodes, steps, embodiment, fps, tasks, stats)",
        description="Summarize a LeRobot v3 dataset: episodes, steps, embodiment, control "
        "frequency, tasks, cameras (and missing video files) and per-dimension statistics.",
    )
    p.add_argument("dataset", help="path of the dataset folder (the one holding meta/info.json)")
    p.add_argument("--embodiment", default=None,
                   help="embodiment name to assume when the dataset does not declare one "
                   "(see the error message for known names)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from motionprior.data.lerobot import open_dataset
    from motionprior.data.summary import describe, format_summary

    info = describe(open_dataset(args.dataset, embodiment=args.embodiment))
    print(json.dumps(info, indent=2) if args.json else format_summary(info))
    return 0
