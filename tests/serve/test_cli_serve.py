"""`motionprior serve` as a process, and `motionprior eval --policy ws://...` through it on a
real simulator: the episodes equal an in-process evaluation's."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys

import pytest
from serve_cases import PAIR

from motionprior.cli import main

SRC = os.path.join(os.path.dirname(__file__), "..", "..", "src")


def _start(run, *flags: str, preexec_fn=None) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "PYTHONPATH": os.path.abspath(SRC), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "motionprior", "serve", str(run), "--port",
                             "0", "--threads", "1", *flags], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, preexec_fn=preexec_fn)
    line = proc.stdout.readline()
    found = re.search(r"on (ws://127\.0\.0\.1:\d+) \(health: http://127\.0\.0\.1:\d+/healthz; "
                      r"key: (none|required)\)", line)
    if not found:
        proc.kill()
        pytest.fail(f"no listening line: {line!r} {proc.stderr.read()}")
    return proc, found.group(1)


def _interrupt(proc: subprocess.Popen, seconds: float = 60) -> str:
    """Ctrl-C the server and return its stderr; a server still up after `seconds` is killed and
    fails the test with what it printed and its blocked and ignored signals."""
    proc.send_signal(signal.SIGINT)
    try:
        return proc.communicate(timeout=seconds)[1]
    except subprocess.TimeoutExpired:
        with open(f"/proc/{proc.pid}/status") as f:  # blocked or ignored signals, if any
            masks = " ".join(ln.strip() for ln in f if ln.startswith(("SigBlk", "SigIgn")))
        proc.kill()
        printed = proc.communicate()[1]
        pytest.fail(f"the server did not stop {seconds:.0f} s after SIGINT ({masks}): {printed}")


def _episodes(out) -> list[dict]:
    files = sorted((out / "metaworld_reach-v3" / "episodes").glob("*.json"))
    return [{k: v for k, v in json.loads(f.read_text()).items() if k != "seconds"}
            for f in files]


def test_eval_through_the_server_equals_in_process_eval(serve_runs, tmp_path):
    run = serve_runs["motion+tokens"]
    proc, url = _start(run)
    try:
        flags = ["--suite", PAIR, "--episodes", "1", "--max-steps", "12", "--workers", "1",
                 "--videos", "0", "--image-size", "32", "--quiet", "--query-period", "2"]
        assert main(["eval", "--policy", url, "--out", str(tmp_path / "ws"), *flags]) == 0
        assert main(["eval", "--policy", str(run), "--out", str(tmp_path / "local"),
                     *flags]) == 0
    finally:
        err = _interrupt(proc)
    assert proc.returncode == 0 and "motionprior serve: stopped" in err
    remote, local = _episodes(tmp_path / "ws"), _episodes(tmp_path / "local")
    assert remote == local and remote[0]["error"] is None and remote[0]["steps"] == 12
    assert remote[0]["motion"] and all(seg["words"] for seg in remote[0]["motion"])
    summary = json.loads((tmp_path / "ws" / "summary.json").read_text())
    assert summary["pairs"][PAIR]["errors"] == 0


def test_ctrl_c_stops_a_server_started_with_sigint_ignored(serve_runs):
    """A script's background job inherits SIGINT ignored; the server still stops cleanly."""
    proc, _ = _start(serve_runs["flow"],
                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    err = _interrupt(proc, seconds=20)
    assert proc.returncode == 0 and "motionprior serve: stopped" in err


def test_eval_against_no_server_is_one_line(tmp_path, capsys):
    code = main(["eval", "--policy", "ws://127.0.0.1:1", "--suite", PAIR, "--episodes", "1",
                 "--out", str(tmp_path / "ev"), "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert err[0].startswith("motionprior eval: error: cannot reach the policy server at "
                             "ws://127.0.0.1:1:")


@pytest.mark.parametrize("argv, message", [
    (["--port", "70000"], "--port must be in [0, 65535], got 70000"),
    (["--max-message-mb", "0"], "--max-message-mb must be > 0, got 0"),
    (["--max-batch", "0"], "--max-batch must be >= 1, got 0"),
])
def test_serve_flags_are_checked(serve_runs, capsys, argv, message):
    assert main(["serve", str(serve_runs["flow"]), *argv]) == 2
    assert message in capsys.readouterr().err


def test_serve_names_a_missing_checkpoint_and_a_taken_port(serve_runs, tmp_path, capsys):
    assert main(["serve", str(tmp_path / "nope")]) == 2
    assert "nope: no checkpoint found" in capsys.readouterr().err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", str(serve_runs["flow"]), "--port", str(port)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"cannot listen on 127.0.0.1:{port}:" in err[0]
    assert "address already in use" in err[0].lower()
