"""`motionprior pretrain-prior --data DATASET... --out runs/prior`: stage 1 of the action prior."""

from __future__ import annotations

import argparse
import dataclasses
import json

from motionprior.cli.checks import count, number, output
from motionprior.cli.subsets import add_subset_flags, with_subset


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "pretrain-prior",
        help="train the flow-matching action prior on actions (and states) alone",
        description="Train the action encoder E and flow decoder D of the action prior on the "
        "actions and states of one or more LeRobot datasets (any embodiments; images are never "
        "loaded). The last episodes of each dataset are held out; at the end the prior is "
        "evaluated on them (OUT/eval/metrics.json, OUT/eval/latents.png). Under "
        "`accelerate launch --num_processes N` it trains with DDP.",
    )
    p.add_argument("--data", nargs="+", required=True, metavar="DATASET",
                   help="LeRobot v3 dataset folders (each holding meta/info.json)")
    output(p, "--out", kind="dir", required=True,
           help="run directory (checkpoints, logs, evaluation)")
    p.add_argument("--preset", default="quickstart", choices=("debug", "quickstart", "paper"),
                   help="model and training size (default: quickstart, sized for a CPU)")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --out from its newest checkpoint (the "
                   "configuration must be the saved one)")
    count(p, "--steps", minimum=1, help="override the preset's number of training steps")
    count(p, "--batch-size", minimum=1, help="override the per-process batch size")
    number(p, "--lr", minimum=0.0, strict=True, help="override the peak learning rate")
    count(p, "--seed", minimum=0, help="override the random seed")
    p.add_argument("--use-embodiment", action="store_true",
                   help="add a learned embodiment embedding to E and D")
    count(p, "--eval-windows", minimum=1, default=2048,
                   help="held-out windows used by the final evaluation (default 2048)")
    add_subset_flags(p)
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=run)


def build_config(args: argparse.Namespace):
    from motionprior.prior.config import preset

    cfg = preset(args.preset)
    train = {k: v for k, v in (("steps", args.steps), ("batch_size", args.batch_size),
                               ("lr", args.lr), ("seed", args.seed)) if v is not None}
    if train:
        cfg = dataclasses.replace(cfg, train=dataclasses.replace(cfg.train, **train))
    if args.use_embodiment:
        cfg = dataclasses.replace(cfg, model=dataclasses.replace(cfg.model, use_embodiment=True))
    return with_subset(cfg, args)


def run(args: argparse.Namespace) -> int:
    from accelerate.state import PartialState

    from motionprior.prior.pretrain import pretrain_prior

    result = pretrain_prior(args.data, args.out, build_config(args), resume=args.resume,
                            progress=not args.no_progress, eval_windows=args.eval_windows)
    if PartialState().is_main_process:  # one summary under `accelerate launch`
        print(json.dumps({"step": result.step, "checkpoint": str(result.checkpoint),
                          "train": result.train_metrics, "val": result.val_metrics}, indent=2))
    return 0
