"""The serve package imports only `policy` (DESIGN.md's arrows) and never pickle."""

from __future__ import annotations

import ast
from pathlib import Path

import motionprior.serve

SERVE = Path(motionprior.serve.__file__).parent


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_serve_imports_policy_only_and_no_pickle():
    found = {f.name: _imports(f) for f in SERVE.glob("*.py")}
    assert set(found) >= {"wire.py", "engine.py", "server.py", "client_policy.py"}
    allowed = ("motionprior.serve", "motionprior.policy", "motionprior.errors")
    inner = {(f, m) for f, mods in found.items() for m in mods
             if m.startswith("motionprior") and m != "motionprior" and not m.startswith(allowed)}
    assert inner == set()
    risky = {(f, m) for f, mods in found.items() for m in mods
             if m.split(".")[0] in ("pickle", "dill", "cloudpickle", "marshal", "shelve")}
    assert risky == set()
