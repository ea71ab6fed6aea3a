"""Validation shared by every verb: counts, output paths, and the one-line error form.

    count(p, "--top", minimum=0, default=10, help=...)      an integer flag, range-checked
    number(p, "--lr", minimum=0, strict=True, help=...)     a float flag, finite and in range
    output(p, "--out", kind="dir", help=...)                 a path the verb writes

`check_args(args)` runs before a verb does any work (`motionprior.cli.main` calls it): ranges
first, then each path declared with `output` (`motionprior.paths.check_output`); a verb that
declares none but has an `out` argument gets the basic writability check. `OneLineParser`
makes argparse's own errors one line too (`motionprior VERB: error: ...`, exit 2).
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import NoReturn

from motionprior.errors import ConfigError
from motionprior.paths import OutputKind, check_output

OUTPUTS = "_outputs"  # parser default holding the (dest, kind, flag) of each output argument
RANGES = "_ranges"  # parser default holding the (dest, flag, min, max, strict) of each number


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line naming `--help`, exit status 2."""

    def error(self, message: str) -> NoReturn:
        text = " ".join(message.split())
        self.exit(2, f"{self.prog}: error: {text} (see '{self.prog} --help')\n")


def count(p: argparse.ArgumentParser, *names: str, minimum: int = 1,
          maximum: int | None = None, **kwargs) -> None:
    """`p.add_argument(*names, type=int, **kwargs)`, range-checked before the verb runs."""
    _ranged(p, names, int, minimum, maximum, False, kwargs)


def number(p: argparse.ArgumentParser, *names: str, minimum: float = 0.0,
           strict: bool = False, **kwargs) -> None:
    """`p.add_argument(*names, type=float, **kwargs)`: a finite number >= minimum (> when
    `strict`), checked before the verb runs."""
    _ranged(p, names, float, minimum, None, strict, kwargs)


def _ranged(p, names, type_, minimum, maximum, strict, kwargs) -> None:
    action = p.add_argument(*names, type=type_, **kwargs)
    ranges = list(p.get_default(RANGES) or [])
    p.set_defaults(**{RANGES: [*ranges, (action.dest, _flag(action), minimum, maximum, strict)]})


def check_ranges(args: argparse.Namespace) -> None:
    """ConfigError for the first value declared with `count`/`number` that is out of range."""
    for dest, flag, minimum, maximum, strict in getattr(args, RANGES, None) or []:
        value = getattr(args, dest, None)
        if value is None:
            continue
        low_ok = value > minimum if strict else value >= minimum
        if not (low_ok and math.isfinite(value) and (maximum is None or value <= maximum)):
            bound = (f"{'>' if strict else '>='} {minimum:g}" if maximum is None
                     else f"in [{minimum:g}, {maximum:g}]")
            raise ConfigError(f"{flag} must be {bound}, got {value:g}")


def _flag(action: argparse.Action) -> str:
    return action.option_strings[0] if action.option_strings else action.metavar or action.dest


def output(p: argparse.ArgumentParser, *names: str, kind: OutputKind, **kwargs) -> None:
    """`p.add_argument(*names, **kwargs)` for a path the verb writes, checked before it runs."""
    action = p.add_argument(*names, **kwargs)
    flag = _flag(action)
    declared = list(p.get_default(OUTPUTS) or [])
    p.set_defaults(**{OUTPUTS: [*declared, (action.dest, kind, flag)]})


def check_args(args: argparse.Namespace) -> None:
    """Every declared range and output path of the parsed verb (ConfigError on the first bad)."""
    check_ranges(args)
    check_outputs(args)


def check_outputs(args: argparse.Namespace) -> None:
    """Check every output path of the parsed verb (ConfigError naming the first bad one)."""
    declared = getattr(args, OUTPUTS, None)
    if declared is None:
        declared = [("out", "any", "--out")] if isinstance(getattr(args, "out", None), str) else []
    for dest, kind, flag in declared:
        value = getattr(args, dest, None)
        if value is not None:
            check_output(value, kind, flag=flag)


def one_line(verb: str, message: str) -> None:
    """Print `motionprior VERB: error: MESSAGE` as one line on stderr."""
    text = " ".join(str(message).split())
    print(f"motionprior {verb}: error: {text}", file=sys.stderr)
