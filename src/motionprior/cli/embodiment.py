"""`motionprior embodiment`: declare which robot a LeRobot dataset recorded elsewhere is."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from motionprior.errors import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "embodiment",
        help="declare the embodiment (robot, action/state meaning, fps) of your own dataset",
        description="Declare which robot a LeRobot v3 dataset recorded elsewhere is, so every "
        "verb reads it: writes meta/motionprior.json (the spec, fps and success flags; LeRobot "
        "ignores it) after checking the spec against the dataset's action and state widths "
        "and frequency. Start from a built-in spec: `motionprior embodiment --template "
        "widowx_bridge > my_robot.json`, edit names, axes, signs, gripper and fps, then "
        "`motionprior embodiment DATASET --spec my_robot.json`.",
    )
    p.add_argument("dataset", nargs="?", help="the dataset folder (the one holding meta/)")
    p.add_argument("--spec", help="a spec JSON file, or the name of a built-in embodiment")
    p.add_argument("--force", action="store_true",
                   help="replace an existing meta/motionprior.json")
    p.add_argument("--template", metavar="NAME",
                   help="print built-in embodiment NAME as JSON (a spec to edit) and exit")
    p.add_argument("--list", action="store_true", help="list the built-in embodiments and exit")
    p.set_defaults(func=run)


def load_spec(text: str):
    """A spec from a JSON file, or a registered embodiment by name."""
    from motionprior.data.embodiment import EmbodimentSpec
    from motionprior.data.embodiments import get_embodiment

    path = Path(text)
    if not path.is_file():
        if text.endswith(".json"):
            raise ConfigError(f"{path}: no such spec file")
        return get_embodiment(text)
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise ConfigError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a spec is a JSON object (see --template)")
    return EmbodimentSpec.from_dict(data)


def run(args: argparse.Namespace) -> int:
    from motionprior.data.embodiments import get_embodiment, known_embodiments
    from motionprior.data.lerobot.declare import declare_embodiment

    if args.list:
        print("\n".join(known_embodiments()))
        return 0
    if args.template:
        print(json.dumps(get_embodiment(args.template).to_dict(), indent=2))
        return 0
    if not (args.dataset and args.spec):
        raise ConfigError("give DATASET and --spec FILE|NAME (or --template NAME / --list)")
    reader = declare_embodiment(args.dataset, load_spec(args.spec), force=args.force)
    print(f"{reader.root}: embodiment {reader.embodiment!r} ({reader.spec.action_dim} action, "
          f"{reader.spec.state_dim} state dims, {reader.fps:g} Hz), {reader.num_episodes} "
          "episodes; every verb now reads it as this robot")
    return 0
