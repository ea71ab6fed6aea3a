"""Error types for expected failures.

Every error a user can cause (bad file, bad flag, bad value) is a `MotionpriorError` with a
one-line message that names the file or value and says how to fix it. The CLI prints these as a
single line without a traceback; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class MotionpriorError(Exception):
    """Base class of expected, user-facing errors (one-line message, no traceback at the CLI)."""


class DataError(MotionpriorError, ValueError):
    """Invalid data: bad arrays, corrupt files, schema mismatch."""


class ConfigError(MotionpriorError, ValueError):
    """Invalid configuration, preset or command-line value."""


class UnknownNameError(MotionpriorError, KeyError):
    """A name (embodiment, statistics key, task, robot) that is not registered."""

    def __init__(self, kind: str, name: str, known: list[str] | tuple[str, ...]) -> None:
        self.kind, self.name, self.known = kind, name, sorted(known)
        super().__init__(f"unknown {kind} {name!r}; known: {', '.join(self.known) or '(none)'}")

    def __str__(self) -> str:  # KeyError would add quotes around the message
        return str(self.args[0])
