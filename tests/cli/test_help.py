"""Every verb and every flag explains itself in --help."""

import argparse

import pytest

from motionprior.cli import VERB_MODULES, build_parser, main


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_verb_and_flag_has_help_text():
    verbs = _subparsers(build_parser())
    assert len(verbs) >= len(VERB_MODULES)
    missing = [f"{name} {a.option_strings or a.dest}"
               for name, sub in verbs.items() for a in sub._actions
               if not isinstance(a, argparse._HelpAction) and not (a.help or "").strip()]
    assert missing == []


def test_unknown_verb_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["teleport"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'teleport'" in capsys.readouterr().err
