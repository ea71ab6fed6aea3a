"""`motionprior <verb>`: one argparse CLI; each verb lives in its own module of this package.

A verb module defines `register(subparsers)`, which adds its parser and sets `func` to a function
taking the parsed arguments and returning an exit code. Verbs are thin: they parse flags and call
one function of a library package. Expected errors (`MotionpriorError`, and `OSError` such as
an unwritable or full disk) print one line, no traceback, and exit with status 2; anything else
is a bug and keeps its traceback. Output paths declared with `checks.output` (or an `--out`
argument) and ranges declared with `checks.count`/`checks.number` are checked before the verb
runs (`checks.check_args`).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings

from motionprior.cli.checks import OneLineParser, check_args, one_line
from motionprior.errors import MotionpriorError
from motionprior.paths import describe_os_error

# Small CPU models on shared machines: OpenMP threads that spin while waiting for a descheduled
# partner made a training step 30x slower (benchmarks/RESULTS_prior.md). Must precede torch.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# One line per verb module; the order is the order of `motionprior --help`.
VERB_MODULES = (
    "motionprior.cli.demo",
    "motionprior.cli.info",
    "motionprior.cli.convert",
    "motionprior.cli.embodiment",
    "motionprior.cli.label",
    "motionprior.cli.pretrain_prior",
    "motionprior.cli.eval_prior",
    "motionprior.cli.pretrain_motion",
    "motionprior.cli.train",
    "motionprior.cli.collect",
    "motionprior.cli.evaluate",
    "motionprior.cli.serve",
    "motionprior.cli.experiment",
)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="motionprior",
        description="Train vision-language-action robot policies that learn motion before action.",
    )
    subparsers = parser.add_subparsers(dest="verb", metavar="VERB")
    subparsers.required = True
    for name in VERB_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    shown = warnings.formatwarning
    warnings.formatwarning = _warning_format(args.verb, shown)
    try:
        check_args(args)
        return int(args.func(args) or 0)
    except MotionpriorError as e:
        one_line(args.verb, str(e))
        return 2
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stderr.close()
        return 0
    except OSError as e:  # unwritable, missing or full: the user's to fix, not a bug
        one_line(args.verb, describe_os_error(e))
        return 2
    except KeyboardInterrupt:
        msg = "interrupted; nothing half-written was kept"
        print(f"motionprior {args.verb}: {msg}", file=sys.stderr)
        return 130
    finally:
        warnings.formatwarning = shown


def _warning_format(verb: str, default):
    """Our warnings (UserWarning) as one line `motionprior VERB: warning: ...`."""
    def format_warning(message, category, filename, lineno, line=None) -> str:
        if issubclass(category, UserWarning):
            return f"motionprior {verb}: warning: {' '.join(str(message).split())}\n"
        return default(message, category, filename, lineno, line)
    return format_warning


if __name__ == "__main__":
    sys.exit(main())
