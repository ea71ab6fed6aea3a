"""Fixtures of the VLA tests (helpers in vla_cases.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests run with --import-mode=importlib
from vla_cases import make_batch  # noqa: E402


@pytest.fixture
def batch() -> dict:
    return make_batch()
