"""`motionprior convert SRC OUT`: RLDS/TFRecord datasets to LeRobot v3."""

from __future__ import annotations

import argparse

from motionprior.cli.checks import count, output
from motionprior.errors import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "convert",
        help="convert an RLDS (Open X-Embodiment tfrecord) dataset to LeRobot v3",
        description="Convert an RLDS dataset (a TFDS folder with dataset_info.json and "
        "*.tfrecord-* shards, or one tfrecord file) into a LeRobot v3.0 dataset. No TensorFlow "
        "is needed; record checksums are verified. The output is written atomically: an error "
        "or Ctrl-C leaves no partial dataset.",
    )
    p.add_argument("source", metavar="SRC",
                   help="RLDS folder (with dataset_info.json) or a .tfrecord file")
    output(p, "out", kind="dataset", metavar="OUT", help="output folder of the LeRobot v3 dataset")
    p.add_argument("--format", choices=["rlds"], default="rlds",
                   help="input format (default: rlds)")
    p.add_argument("--dataset", default="bridge",
                   help="standardization entry naming the dataset's keys, cameras, embodiment "
                   "and fps (default: bridge; an unknown name lists the known ones)")
    p.add_argument("--split", default="train", help="split to convert (default: train)")
    count(p, "--limit", minimum=1, default=None, help="convert only the first N episodes")
    p.add_argument("--cameras", default=None,
                   help="comma-separated cameras to keep, by RLDS key or camera name "
                   "(e.g. image_0,image_3; default: the dataset entry's cameras)")
    p.add_argument("--no-images", action="store_true",
                   help="leave camera images out (actions, state and instructions only)")
    p.add_argument("--video", action="store_true",
                   help="store cameras as mp4 video features instead of PNG images "
                   "(if the LeRobot writer supports it)")
    p.add_argument("--append", action="store_true",
                   help="add the episodes to an existing dataset at OUT instead of refusing")
    p.add_argument("--no-progress", action="store_true", help="do not show a progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from motionprior.data.convert import rlds_to_lerobot
    from motionprior.data.lerobot import open_dataset

    cameras = None
    if args.cameras is not None:
        cameras = [c.strip() for c in args.cameras.split(",") if c.strip()]
        if not cameras:
            raise ConfigError("--cameras is empty; use --no-images to leave cameras out")
    out = rlds_to_lerobot(args.source, args.out, dataset=args.dataset, split=args.split,
                          limit=args.limit, append=args.append, images=not args.no_images,
                          cameras=cameras, video=args.video, progress=not args.no_progress)
    reader = open_dataset(out)
    print(f"wrote {out}: {reader.num_episodes} episodes, {reader.num_frames} steps, "
          f"embodiment {reader.embodiment}, cameras {', '.join(reader.cameras) or '(none)'}")
    return 0
