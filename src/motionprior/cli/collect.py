"""`motionprior collect`: scripted expert demonstrations as LeRobot v3 datasets, one per pair.

    motionprior collect --suite xemb13 --demos 50 --out data/xemb13
    motionprior collect --suite prior --demos 200 --out data/prior --no-images   (action-only)
    motionprior collect --suite xemb13 --demos 50 --out data/xemb13v --video     (mp4 cameras)
"""

from __future__ import annotations

import argparse

from motionprior.cli.checks import count, output
from motionprior.errors import ConfigError

SUITE_HELP = (
    "suite name (xemb13, metaworld50, robosuite-all, prior, smoke) or a comma-separated list "
    "of suite and pair names; pairs are 'metaworld/<task>' (e.g. metaworld/pick-place-v3) or "
    "'robosuite/<Task>/<Robot>@<rate>hz' (e.g. robosuite/Lift/UR5e@10hz, default 20hz)"
)


def add_camera_flags(p: argparse.ArgumentParser, policy_cameras: bool = False) -> None:
    """--cameras, --image-size, --hide-goal; `policy_cameras`: --cameras defaults to the ones
    the evaluated policy needs."""
    default = "the policy's own (a checkpoint's training cameras), else scene" if \
        policy_cameras else "scene"
    p.add_argument("--cameras", default=None if policy_cameras else "scene",
                   help="comma-separated cameras: scene (third person), wrist (gripper "
                   f"mounted), or 'none' (default: {default})")
    p.add_argument("--image-size", default="128",
                   help="rendered image size: N for NxN or HxW, e.g. 96x128 (default 128)")
    p.add_argument("--hide-goal", dest="show_goal", action="store_false",
                   help="no goal marker in the images (default: Meta-World reach, push and "
                   "pick-place draw a yellow marker at their otherwise invisible goal; other "
                   "tasks' goals are their objects). Collect and evaluate with the same setting")


def parse_cameras(text: str) -> tuple[str, ...]:
    if text.strip().lower() in ("", "none"):
        return ()
    return tuple(c.strip() for c in text.split(",") if c.strip())


def parse_size(text: str) -> tuple[int, int]:
    parts = text.lower().split("x")
    try:
        size = [int(v) for v in parts]
    except ValueError:
        size = []
    if len(size) == 1:
        size = size * 2
    if len(size) != 2 or min(size) < 8 or max(size) > 1024:
        raise ConfigError(f"--image-size {text!r}: write N or HxW with 8 <= N <= 1024")
    return size[0], size[1]


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "collect", help="collect scripted expert demonstrations in Meta-World and robosuite",
        description="Run each pair's scripted expert and keep the successful episodes as a "
        "LeRobot v3 dataset <out>/<pair>. Seeded (demo i of a pair is always the same) and "
        "resumable (re-running skips what is done); failed attempts are counted and reported.")
    p.add_argument("--suite", required=True, help=SUITE_HELP)
    count(p, "--demos", minimum=1, default=50,
                   help="successful demos per pair (default 50)")
    output(p, "--out", kind="dir", required=True,
           help="output folder (one dataset per pair inside)")
    p.add_argument("--no-images", action="store_true",
                   help="action-only: no rendering (fast; for the stage-1 action prior)")
    add_camera_flags(p)
    p.add_argument("--video", action="store_true",
                   help="store cameras as LeRobot mp4 video features (AV1 yuv420p, as LeRobot "
                   "records them) instead of lossless PNG images; each append adds a new mp4")
    p.add_argument("--video-codec", default="libsvtav1", choices=["libsvtav1", "h264", "hevc"],
                   help="codec with --video (default libsvtav1 = AV1, LeRobot's default)")
    count(p, "--seed-offset", minimum=0, default=0,
                   help="first collection seed (attempt k uses seed offset + k; default 0)")
    count(p, "--chunk", minimum=1, default=10,
                   help="demos written per dataset append (default 10)")
    count(p, "--max-attempts", minimum=1, default=None,
                   help="attempts per pair before giving up (default 2 * demos + 10)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from motionprior.sim.collect import CollectConfig, collect_suite
    from motionprior.sim.suites import resolve_suite

    pairs = resolve_suite(args.suite)
    cfg = CollectConfig(
        demos=args.demos,
        cameras=() if args.no_images else parse_cameras(args.cameras),
        image_size=parse_size(args.image_size),
        seed_offset=args.seed_offset,
        chunk=args.chunk,
        max_attempts=args.max_attempts,
        progress=not args.quiet,
        video=args.video_codec if args.video else None,
        show_goal=args.show_goal,
    )
    reports = collect_suite(pairs, args.out, cfg)
    short = [r.pair for r in reports if r.demos < cfg.demos]
    total = sum(r.demos for r in reports)
    failures = sum(r.failures for r in reports)
    print(f"{total} demos in {len(reports)} datasets under {args.out}; {failures} failed "
          f"attempts discarded")
    if short:
        print(f"warning: fewer than {cfg.demos} demos for {', '.join(short)}")
        return 1
    return 0
