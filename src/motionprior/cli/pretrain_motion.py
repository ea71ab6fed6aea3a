"""`motionprior pretrain-motion --data DATASET... --out DIR`: Idea B stage 1 (motion words)."""

from __future__ import annotations

import argparse
import json

from motionprior.cli.train import add_vla_flags, build_config


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "pretrain-motion",
        help="pretrain a VLA to emit the motion words of each step (Idea B, stage 1)",
        description="Train the VLA model to read (images, instruction, state) and emit the "
        "motion label of the step, then <end>; the loss covers only those tokens. Any number "
        "of labeled datasets (`motionprior label DATASET` writes the 'motion' column). Start "
        "a policy from it with `motionprior train --variant motion+tokens --init OUT`.")
    add_vla_flags(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from motionprior.vla.training import train_vla

    result = train_vla(args.data, args.out, build_config(args, "motion"), resume=args.resume,
                       progress=not args.no_progress)
    print(json.dumps({"step": result.step, "checkpoint": str(result.checkpoint),
                      "train": result.train_metrics, "val": result.val_metrics}, indent=2))
    return 0
