"""`motionprior label`, `label-plot` and `label-eval`: motion words for every step of a dataset.

    motionprior label DATASET [--method adaptive|baseline]      write the per-frame "motion" column
    motionprior label-plot DATASET --episode N --out FILE.png   look at one episode's labels
    motionprior label-eval --annotations FILE [--method ...]     score labels against annotations
"""

from __future__ import annotations

import argparse
from collections import Counter

from motionprior.cli.checks import count, number, output
from motionprior.errors import ConfigError

_METHOD_HELP = "labeler: the adaptive multi-scale labeler (default) or the fixed-threshold baseline"


def _labeler_flags(p: argparse.ArgumentParser, method_default: str | None = "adaptive") -> None:
    help_text = _METHOD_HELP if method_default else (
        "labeler to compute the labels with (default: the dataset's 'motion' column when "
        "present, else the adaptive labeler)")
    p.add_argument("--method", choices=("adaptive", "baseline"), default=method_default,
                   help=help_text)
    number(p, "--threshold", minimum=0.0, strict=True, default=None,
                   help="baseline only: displacement threshold in raw units (default 0.03)")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="adaptive only: override a labeler parameter (see "
                   "motionprior.motion.LabelerParams), e.g. --param min_duration=0.2; repeatable")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "label", help="write a per-step motion label column ('move forward', ...) into a dataset",
        description="Label every frame of a LeRobot v3 dataset with motion words and store them "
        "as its per-frame 'motion' column (atomically); print the label distribution.")
    p.add_argument("dataset", nargs="+", help="path of the dataset folder (the one holding "
                   "meta/info.json); several are labeled one after the other, each with its "
                   "own fitted labeler")
    _labeler_flags(p)
    count(p, "--workers", minimum=1, default=None,
                   help="processes labeling episodes in parallel (default: all CPU cores)")
    p.add_argument("--embodiment", default=None,
                   help="embodiment name to assume when the dataset does not declare one")
    p.add_argument("--dry-run", action="store_true",
                   help="print the distribution without writing the column")
    p.set_defaults(func=run_label)

    p = subparsers.add_parser(
        "label-plot", help="draw one episode's trajectory with its motion labels as a PNG",
        description="Draw the end-effector trajectory of one episode over time with the label "
        "segments coloured. Uses the dataset's 'motion' column when present, unless --method "
        "is given (then the labels are computed, fitted on the whole dataset).")
    p.add_argument("dataset", help="path of the dataset folder")
    count(p, "--episode", minimum=0, required=True, help="episode index (0-based)")
    output(p, "--out", kind="file", required=True, help="PNG file to write")
    p.add_argument("--force", action="store_true",
                   help="overwrite --out even if it is a file motionprior did not write")
    _labeler_flags(p, method_default=None)
    p.add_argument("--embodiment", default=None,
                   help="embodiment name to assume when the dataset does not declare one")
    p.set_defaults(func=run_plot)

    p = subparsers.add_parser(
        "label-eval", help="score a labeler against per-step annotations",
        description="Label the trajectories of an annotation file (JSON Lines, format in "
        "motionprior.motion.annotations) and print per-step exact-match accuracy, the "
        "segment-level scores (boundary-tolerant accuracy, segmental F1@10/25/50, edit score; "
        "see motionprior.motion.segments), per-part precision/recall and the most frequent "
        "confusions.")
    p.add_argument("--annotations", required=True, help="annotation file (.jsonl or .jsonl.gz)")
    _labeler_flags(p)
    count(p, "--top", minimum=0, default=10,
                   help="how many confusions to list (default 10)")
    number(p, "--tolerance", minimum=0.0, default=0.1, metavar="SECONDS",
                   help="tolerant accuracy counts a step as right when its label is the true "
                   "label of a step at most this far away (default 0.1 s)")
    output(p, "--plots", kind="dir", default=None, metavar="DIR",
           help="also draw the episodes that agree least with their annotation as "
           "PNGs in DIR (trajectory, labeler vs annotation, differences in red)")
    count(p, "--plot-count", minimum=1, default=3,
                   help="how many of the least-agreeing episodes --plots draws (default 3)")
    p.set_defaults(func=run_eval)


def _params(args: argparse.Namespace) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in args.param:
        name, sep, value = item.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not name.strip():
            raise ConfigError(f"--param expects NAME=NUMBER, got {item!r}")
    return out


def _labeler(args: argparse.Namespace, method: str):
    from motionprior.motion.dataset import make_labeler

    return make_labeler(method, threshold=args.threshold, params=_params(args))


def run_label(args: argparse.Namespace) -> int:
    from motionprior.motion.dataset import MOTION_COLUMN, label_dataset

    for dataset in args.dataset:
        result = label_dataset(dataset, args.method, threshold=args.threshold,
                               params=_params(args), workers=args.workers,
                               write=not args.dry_run, embodiment=args.embodiment)
        where = "(dry run, nothing written)" if args.dry_run else (
            f"wrote column {MOTION_COLUMN!r} to {dataset}")
        print(f"labeled {len(result.labels)} frames in {result.episodes} episodes with the "
              f"{args.method} labeler; {where}")
        print(format_distribution(result.counts))
    return 0


def format_distribution(counts: Counter, top: int = 40) -> str:
    total = sum(counts.values())
    lines = [f"label distribution ({len(counts)} distinct labels):"]
    for label, n in counts.most_common(top):
        lines.append(f"  {n:>9}  {n / total:6.1%}  {label}")
    if len(counts) > top:
        rest = sum(n for _, n in counts.most_common()[top:])
        lines.append(f"  {rest:>9}  {rest / total:6.1%}  ({len(counts) - top} other labels)")
    return "\n".join(lines)


def run_plot(args: argparse.Namespace) -> int:
    from motionprior.data.lerobot import open_dataset
    from motionprior.motion.adapters import trajectory_from_arrays
    from motionprior.motion.dataset import dataset_trajectories
    from motionprior.motion.plot import plot_labels
    from motionprior.paths import check_overwrite

    check_overwrite(args.out, args.force, flag="--out")
    if args.method is None and (args.threshold is not None or args.param):
        raise ConfigError("--threshold and --param configure a labeler: add --method baseline "
                          "or --method adaptive to compute the labels with it")
    reader = open_dataset(args.dataset, embodiment=args.embodiment)
    ep = reader.episode(args.episode, images=False)
    trajectory = trajectory_from_arrays(ep.state, ep.actions, reader.spec, ep.fps)
    if args.method is None and ep.motion is not None and all(ep.motion):
        labels, source = list(ep.motion), "the dataset's motion column"
    else:
        method = args.method or "adaptive"
        labeler = _labeler(args, method).fit(dataset_trajectories(reader))
        labels, source = labeler.label(trajectory), f"the {method} labeler"
    plot_labels(trajectory, labels, args.out, force=args.force,
                title=f"{reader.root.name} episode {args.episode}: {ep.instruction} "
                f"({reader.embodiment}, {ep.fps:g} Hz; labels from {source})")
    print(f"wrote {args.out} (episode {args.episode}, {len(labels)} steps, labels from {source})")
    return 0


def run_eval(args: argparse.Namespace) -> int:
    from motionprior.motion.annotations import load_annotations
    from motionprior.motion.evaluate import format_score, score

    items = load_annotations(args.annotations)
    by_group: dict[str, list[int]] = {}
    for i, it in enumerate(items):
        by_group.setdefault(it.group, []).append(i)
    predicted: list[list[str]] = [[] for _ in items]
    for idx in by_group.values():
        trajectories = [items[i].trajectory for i in idx]
        labeler = _labeler(args, args.method).fit(trajectories)
        for i, labels in zip(idx, labeler.label_many(trajectories), strict=True):
            predicted[i] = labels
    result = score(predicted, [it.labels for it in items],
                   fps=[it.trajectory.fps for it in items], tolerance=args.tolerance)
    print(format_score(result, top=args.top,
                       title=f"{args.method} labeler on {args.annotations}: {len(items)} "
                       f"episodes in {len(by_group)} group(s)"))
    if args.plots:
        _plot_worst(items, predicted, args)
    return 0


def _plot_worst(items, predicted: list[list[str]], args: argparse.Namespace) -> None:
    """PNGs of the `--plot-count` episodes whose labels agree least with their annotation."""
    from pathlib import Path

    from motionprior.motion.plot import plot_labels

    agree = [sum(a == b for a, b in zip(p, it.labels, strict=True)) / max(len(p), 1)
             for p, it in zip(predicted, items, strict=True)]
    worst = sorted(range(len(items)), key=lambda i: agree[i])[: args.plot_count]
    for rank, i in enumerate(worst):
        slug = "".join(c if c.isalnum() or c in "-_" else "_" for c in items[i].group)
        out = Path(args.plots) / f"worst{rank + 1}_episode{i}_{slug}.png"
        plot_labels(items[i].trajectory, predicted[i], out, reference=items[i].labels,
                    title=f"{args.annotations}: episode {i} ({items[i].group}), "
                    f"{args.method} labeler agrees on {agree[i]:.0%} of steps")
        print(f"wrote {out}")
