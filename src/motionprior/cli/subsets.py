"""`--train-episodes` and `--train-fraction`: train on a prefix of each dataset's episodes.

Shared by `train`, `pretrain-motion` and `pretrain-prior` (the data-scarce regime and the
stage-1 data-scaling study; `motionprior.data.split` says which episodes are taken).
"""

from __future__ import annotations

import argparse
import dataclasses

from motionprior.cli.checks import count, number


def add_subset_flags(p: argparse.ArgumentParser) -> None:
    count(p, "--train-episodes", minimum=1, help="train on the first N episodes of each "
          "dataset (after its last 10%% are held out for validation; default: all)")
    number(p, "--train-fraction", minimum=0.0, strict=True, help="then on the first share "
           "(0-1] of those (default 1: all)")


def with_subset(cfg, args: argparse.Namespace):
    """`cfg` (a run config with a `data` field) with the flags' episode subset."""
    changes = {k: v for k, v in (("train_episodes", args.train_episodes),
                                 ("train_fraction", args.train_fraction)) if v is not None}
    if not changes:
        return cfg
    return dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, **changes))
