"""`motionprior train --variant V --data DATASET... --out DIR`: train a VLA policy (stage 2).

    motionprior train --variant flow --data data/xemb13/* --out runs/vla_flow --preset cpu
    motionprior train --variant motion+tokens --init runs/motion_pre --data ... --out ...
    motionprior train --variant flow+prior --prior runs/prior --data ... --out ... [--no-distill]
"""

from __future__ import annotations

import argparse
import dataclasses
import json

from motionprior.cli.checks import count, number, output
from motionprior.cli.subsets import add_subset_flags, with_subset
from motionprior.errors import ConfigError

STAGE2_VARIANTS = ("tokens", "motion+tokens", "flow", "flow+prior", "motion+flow+prior")
ABLATIONS = (("no_distill", "--no-distill"), ("no_history", "--no-history"),
             ("history_dropout", "--history-dropout"),
             ("no_decoder_reuse", "--no-decoder-reuse"), ("freeze_decoder", "--freeze-decoder"),
             ("distill_weight", "--distill-weight"), ("distill_steps", "--distill-steps"),
             ("decoder_lr_mult", "--decoder-lr-mult"))


def add_vla_flags(p: argparse.ArgumentParser) -> None:
    """Flags shared by `train` and `pretrain-motion`."""
    from motionprior.vla.config import PRESETS

    p.add_argument("--data", nargs="+", required=True, metavar="DATASET",
                   help="LeRobot v3 dataset folders with camera images (motion variants also "
                   "need the 'motion' column: run `motionprior label DATASET` first)")
    output(p, "--out", kind="dir", required=True, help="run directory (checkpoints, logs)")
    p.add_argument("--preset", default="cpu", choices=PRESETS,
                   help="model and training size: debug (seconds, tests), quickstart "
                   "(minutes), cpu (the measured comparison, default), paper (GPU-sized)")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --out from its newest checkpoint")
    count(p, "--steps", minimum=1, help="override the preset's training steps")
    count(p, "--batch-size", minimum=1, help="override the per-process batch size")
    number(p, "--lr", minimum=0.0, strict=True, help="override the peak learning rate")
    count(p, "--seed", minimum=0, help="override the random seed")
    count(p, "--keep-every", minimum=1, help="also keep the checkpoints at multiples of N steps "
          "(training otherwise keeps only the newest few), e.g. to evaluate a learning curve "
          "later on more episodes")
    count(p, "--image-size", minimum=16, help="training resolution in pixels (the model "
                   "resizes stored images; default: the preset's, 64 for cpu)")
    p.add_argument("--cameras", help="comma-separated cameras to use (default: scene)")
    p.add_argument("--vision", help="image encoder: conv (default) or hf:/dir of a Hugging "
                   "Face vision model (e.g. SigLIP) saved locally")
    p.add_argument("--vision-pool", choices=("grid", "keypoints"),
                   help="conv encoder's tokens: grid (average-pooled cells, default) or "
                   "keypoints (spatial softmax: exact positions of small objects)")
    p.add_argument("--backbone", help="backbone: builtin (default) or hf:/dir of a Hugging "
                   "Face causal LM saved locally (e.g. Qwen2.5-0.5B)")
    count(p, "--workers", minimum=0, help="DataLoader worker processes (default 0)")
    add_subset_flags(p)
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def build_config(args: argparse.Namespace, variant: str):
    from motionprior.vla.config import preset

    cfg = preset(args.preset, variant)
    train = {k: v for k, v in (("steps", args.steps), ("batch_size", args.batch_size),
                               ("lr", args.lr), ("seed", args.seed),
                               ("keep_every", args.keep_every),
                               ("num_workers", args.workers)) if v is not None}
    model = {k: v for k, v in (("image_size", args.image_size), ("vision", args.vision),
                               ("vision_pool", args.vision_pool),
                               ("backbone", args.backbone)) if v is not None}
    if args.cameras:
        model["cameras"] = tuple(c.strip() for c in args.cameras.split(",") if c.strip())
    return with_subset(dataclasses.replace(cfg, train=dataclasses.replace(cfg.train, **train),
                                           model=dataclasses.replace(cfg.model, **model)), args)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "train", help="train a vision-language-action policy (tokens, motion+tokens, flow, "
        "flow+prior, motion+flow+prior)",
        description="Train one multi-task, multi-embodiment VLA policy on all the datasets "
        "given (actions in the padded D_max space, statistics per embodiment). Variants: "
        "tokens (action tokens, OpenVLA style), motion+tokens (motion words, then action "
        "tokens; Idea B), flow (a flow-matching action expert), flow+prior (the expert is a "
        "stage-1 action prior's decoder, with early latent distillation and a history token; "
        "Idea A), motion+flow+prior (motion words, then the prior's decoder; both ideas). "
        "Checkpoints load as policies: `motionprior eval --policy OUT`.")
    add_vla_flags(p)
    p.add_argument("--variant", required=True, choices=STAGE2_VARIANTS,
                   help="what the policy generates (see the description)")
    p.add_argument("--init", help="start from a checkpoint (e.g. a pretrain-motion run): every "
                   "tensor whose name and shape match is loaded")
    p.add_argument("--prior", help="+prior variants: a `motionprior pretrain-prior` run or "
                   "checkpoint; its encoder E (frozen) and decoder D enter the policy and its "
                   "statistics normalize the actions (the action space D was trained in)")
    p.add_argument("--no-distill", action="store_true",
                   help="+prior: no early latent distillation of z-hat into E's latent")
    p.add_argument("--no-history", action="store_true",
                   help="+prior: no history token (E's summary of the past steps)")
    number(p, "--history-dropout", minimum=0.0, help="+prior: in training, hide the history "
           "of this share of samples (0 to <1; default 0, as published), against a policy "
           "that copies its past actions instead of reading the image")
    p.add_argument("--no-decoder-reuse", action="store_true",
                   help="+prior: a randomly initialised decoder of the prior's shape instead "
                   "of its trained D (E still gives distillation and history)")
    p.add_argument("--freeze-decoder", action="store_true",
                   help="+prior: keep D's stage-1 weights fixed (its new zero-initialised "
                   "paths to the backbone still train)")
    number(p, "--distill-weight", minimum=0.0, help="+prior: initial distillation weight "
           "lambda (default 1.0)")
    count(p, "--distill-steps", minimum=0, help="+prior: steps over which lambda decays "
          "linearly to 0 (default 400, a tenth of the cpu preset)")
    number(p, "--decoder-lr-mult", minimum=0.0, strict=True, help="+prior: learning-rate "
           "multiplier of the reused decoder D (default 0.1)")
    count(p, "--eval-every", minimum=0, default=0,
                   help="closed-loop success every N steps (0 = off, default), logged as "
                   "val/success: learning curves in success")
    p.add_argument("--eval-suite", help="pairs for --eval-every (suite or pair names)")
    count(p, "--eval-episodes", minimum=1, default=5,
                   help="episodes per pair for --eval-every (default 5)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from motionprior.vla.training import train_vla

    if args.eval_every and not args.eval_suite:
        raise ConfigError("--eval-every needs --eval-suite (the pairs to roll out)")
    cfg = with_transfer(build_config(args, args.variant), args)
    validators = []
    if args.eval_every:
        cfg = dataclasses.replace(cfg, train=dataclasses.replace(cfg.train,
                                                                 val_every=args.eval_every))
        validators.append(_closed_loop(args))
    result = train_vla(args.data, args.out, cfg, init=args.init, prior=args.prior,
                       resume=args.resume,
                       progress=not args.no_progress, validators=validators)
    print(json.dumps({"step": result.step, "checkpoint": str(result.checkpoint),
                      "train": result.train_metrics, "val": result.val_metrics}, indent=2))
    return 0


def with_transfer(cfg, args: argparse.Namespace):
    """`cfg` with the `+prior` switches of the command line (refused for other variants)."""
    given = [flag for name, flag in ABLATIONS
             if getattr(args, name, None) not in (None, False)]
    if args.prior is None and not given:
        return cfg
    if not cfg.model.uses_prior:
        flag = "--prior" if args.prior is not None else given[0]
        raise ConfigError(f"{flag} is for the +prior variants (flow+prior, motion+flow+prior), "
                          f"not {cfg.model.variant!r}")
    t = cfg.model.transfer
    changes = {"distill_weight": 0.0 if args.no_distill else args.distill_weight,
               "distill_steps": args.distill_steps, "decoder_lr_mult": args.decoder_lr_mult,
               "history": False if args.no_history else None,
               "history_dropout": args.history_dropout,
               "reuse_decoder": False if args.no_decoder_reuse else None,
               "freeze_decoder": True if args.freeze_decoder else None}
    if args.no_distill and (args.distill_weight or args.distill_steps):
        raise ConfigError("--no-distill contradicts --distill-weight/--distill-steps")
    if args.no_decoder_reuse and args.freeze_decoder:
        raise ConfigError("--freeze-decoder freezes the reused D; it contradicts "
                          "--no-decoder-reuse")
    t = dataclasses.replace(t, **{k: v for k, v in changes.items() if v is not None})
    return dataclasses.replace(cfg, model=dataclasses.replace(cfg.model, transfer=t))


def _closed_loop(args: argparse.Namespace):
    """A validator factory: closed-loop success of the model being trained."""
    from pathlib import Path

    from motionprior.policy.vla_policy import VLAPolicy
    from motionprior.sim.closed_loop import closed_loop_validator
    from motionprior.sim.suites import resolve_suite
    from motionprior.vla.training import LoadedVLA

    pairs, out = resolve_suite(args.eval_suite), Path(args.out)

    def build(data, cfg):
        def make_factory(model, step):
            loaded = LoadedVLA(model, cfg, data.normalizer, out, step)
            return lambda ctx: VLAPolicy(loaded, ctx.embodiment)

        return closed_loop_validator(pairs, out / "closed_loop", args.eval_episodes,
                                     make_factory, cfg.model.cameras)
    return build
