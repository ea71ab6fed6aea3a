"""Every verb's output path is checked before any work: one line, exit 2, nothing written.

The verbs and their output flags are found in the parser, so a new verb is walked too: its
required arguments get placeholder values (the output check runs before they are used).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest

from motionprior.cli import build_parser
from motionprior.cli.checks import OUTPUTS

OUTPUT_DESTS = ("out", "plots")


def _verbs() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in build_parser()._actions
                  if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _outputs() -> list[tuple[str, str, str]]:
    """(verb, dest, kind) of every output argument; undeclared `out` arguments count as 'any'."""
    found = []
    for verb, parser in _verbs().items():
        declared = parser.get_default(OUTPUTS)
        if declared:
            found += [(verb, dest, kind) for dest, kind, _ in declared]
        elif any(a.dest in OUTPUT_DESTS for a in parser._actions):
            found += [(verb, a.dest, "any") for a in parser._actions if a.dest in OUTPUT_DESTS]
    return found


def _argv(verb: str, dest: str, value: str, datasets) -> list[str]:
    """A command line of `verb` with `value` for `dest` and placeholders for the rest."""
    parser = _verbs()[verb]
    argv: list[str] = [verb]
    for a in parser._actions:
        if isinstance(a, argparse._HelpAction):
            continue
        if a.dest == dest:
            argv += ([a.option_strings[0]] if a.option_strings else []) + [value]
        elif a.required or not a.option_strings:
            filler = a.choices[0] if a.choices else (
                "1" if a.type in (int, float) else str(datasets["ok"]))
            argv += ([a.option_strings[0]] if a.option_strings else []) + [str(filler)]
    return argv


CASES = _outputs()


def test_every_verb_writing_files_declares_its_outputs():
    verbs = {v for v, _, _ in CASES}
    assert {"convert", "label-plot", "label-eval", "pretrain-prior", "eval-prior", "collect",
            "eval", "demo"} <= verbs
    assert all(kind != "any" for verb, _, kind in CASES), CASES


@pytest.mark.parametrize("verb, dest, kind", CASES, ids=[f"{v}-{d}" for v, d, _ in CASES])
def test_output_under_a_regular_file(verb, dest, kind, tmp_path, datasets, expect_error):
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    target = blocker / "sub" / ("plot.png" if kind == "file" else "out")
    expect_error(_argv(verb, dest, str(target), datasets), str(target),
                 f"cannot be created: {blocker} is a regular file")


@pytest.mark.parametrize("verb, dest, kind", CASES, ids=[f"{v}-{d}" for v, d, _ in CASES])
def test_output_of_the_wrong_type(verb, dest, kind, tmp_path, datasets, expect_error):
    if kind == "file":  # a folder where a file is needed
        target = tmp_path / "folder"
        target.mkdir()
        expect_error(_argv(verb, dest, str(target), datasets), f"{target}",
                     "is a folder, but a file is needed")
    else:  # a regular file where a folder is needed
        target = tmp_path / "afile"
        target.write_text("x")
        expect_error(_argv(verb, dest, str(target), datasets), f"{target}",
                     "is a regular file, but a folder is needed")


@pytest.mark.parametrize("verb, dest, kind", CASES, ids=[f"{v}-{d}" for v, d, _ in CASES])
def test_output_in_a_read_only_folder(verb, dest, kind, tmp_path, datasets, expect_error):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as root: a read-only folder is still writable (the "
                        "regular-file cases cover root)")
        target = folder / ("plot.png" if kind == "file" else "out")
        expect_error(_argv(verb, dest, str(target), datasets), str(target),
                     f"folder {folder} is not writable")
    finally:
        folder.chmod(0o755)


def test_output_inside_a_dataset_is_refused(tmp_path, datasets, expect_error):
    import shutil

    ds = Path(shutil.copytree(datasets["ok"], tmp_path / "ds"))
    expect_error(["pretrain-prior", "--data", str(ds), "--out", str(ds / "run")],
                 f"is inside the dataset {ds}; write outside dataset folders")
    expect_error(["collect", "--suite", "smoke", "--out", str(ds)], f"is the dataset {ds}")
