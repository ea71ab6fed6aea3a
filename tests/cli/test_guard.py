"""The CLI-wide guard: expected errors are one line and exit 2, bugs keep their traceback."""

from __future__ import annotations

import errno
import sys
import warnings

import pytest

import motionprior.cli as cli
from motionprior.cli.checks import OneLineParser
from motionprior.errors import DataError


def _parser_with(func):
    parser = OneLineParser(prog="motionprior")
    sub = parser.add_subparsers(dest="verb")
    p = sub.add_parser("boom", help="raises")
    p.set_defaults(func=func)
    return parser


def _run_fake(monkeypatch, func) -> int:
    monkeypatch.setattr(cli, "build_parser", lambda: _parser_with(func))
    return cli.main(["boom"])


def _raise(exc):
    def func(args):
        raise exc
    return func


@pytest.mark.parametrize("exc, expected", [
    (DataError("x.json: bad\nsecond line"), "motionprior boom: error: x.json: bad second line\n"),
    (PermissionError(errno.EACCES, "Permission denied", "/ro/out"),
     "motionprior boom: error: /ro/out: Permission denied (choose a writable location)\n"),
    (OSError(errno.ENOSPC, "No space left on device", "/full/f"),
     "motionprior boom: error: /full/f: No space left on device (free some space and rerun)\n"),
    (IsADirectoryError(errno.EISDIR, "Is a directory", "plots"),
     "motionprior boom: error: plots: Is a directory (a file is needed here, not a folder)\n"),
])
def test_expected_errors_become_one_line_with_exit_2(monkeypatch, capsys, exc, expected):
    assert _run_fake(monkeypatch, _raise(exc)) == 2
    captured = capsys.readouterr()
    assert captured.err == expected and captured.out == ""


@pytest.mark.parametrize("exc", [ZeroDivisionError("bug"), KeyError("bug"), TypeError("bug")])
def test_programming_errors_keep_their_traceback(monkeypatch, exc):
    with pytest.raises(type(exc)):
        _run_fake(monkeypatch, _raise(exc))


def test_argparse_errors_are_one_line_too(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["label-eval", "--annotations", "a.jsonl", "--top", "many"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("motionprior label-eval: error: argument --top")
    assert "see 'motionprior label-eval --help'" in err


def test_our_warnings_print_as_one_line(monkeypatch, capsys):
    def func(args):
        warnings.warn("data.parquet: something odd\nin two lines", UserWarning, stacklevel=1)
        return 0

    def show(message, category, filename, lineno, file=None, line=None):  # as Python's own
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

    monkeypatch.setattr(warnings, "showwarning", show)  # pytest records warnings otherwise
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        assert _run_fake(monkeypatch, func) == 0
    assert capsys.readouterr().err == "motionprior boom: warning: data.parquet: something odd " \
        "in two lines\n"
