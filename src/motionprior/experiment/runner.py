"""Run a plan's jobs as `motionprior` subprocesses, several at once, resumably.

A finished job leaves `root/state/<job>.json` (its command and wall time) and is skipped on the
next run; a job whose recorded command differs is refused (a different experiment: use another
root). An unfinished training or pretraining restarts with `--resume` from its newest
checkpoint; collection and evaluation resume by themselves. Each job logs to
`root/logs/<job>.log`. A failing job stops its dependents only; the rest go on, and the end
says which failed and how to rerun them. Ctrl-C stops every child; the state stays resumable.

Several runners may share one folder (say a second experiment whose grid overlaps the first):
a runner holds an exclusive lock (`state/<job>.lock`) on every job it runs, and a job locked by
another runner is waited for, never started twice. The job's process shares the lock, so it
lasts until that process ends; if it ends without finishing the job (its runner was killed),
the waiting runner takes the job over and resumes it.

A launcher (`launcher_argv("accelerate launch --multi_gpu --num_processes 8")`) starts the
trainings (`TRAINING_KINDS`) through it, as `<launcher> -m motionprior ...`, so each cell of a
GPU-sized grid trains with distributed data parallel, one training at a time; the other jobs
stay plain processes and run beside it.
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from motionprior import atomic
from motionprior.errors import ConfigError
from motionprior.experiment.plan import Job


@dataclass
class RunReport:
    done: list[str] = field(default_factory=list)  # finished now or before
    failed: dict[str, str] = field(default_factory=dict)  # job -> log file
    blocked: list[str] = field(default_factory=list)  # a dependency failed
    seconds: dict[str, float] = field(default_factory=dict)


def safe_name(job: str) -> str:
    return job.replace("/", "__").replace(":", "-")


def state_file(root: Path, job: Job) -> Path:
    return root / "state" / f"{safe_name(job.name)}.json"


def finished(root: Path, job: Job) -> bool:
    """True if `job` finished with this command before (ConfigError if with another)."""
    path = state_file(root, job)
    if not path.exists():
        return False
    record = json.loads(path.read_text())
    if record.get("argv") != list(job.argv):
        raise ConfigError(f"job {job.name} finished before with another command "
                          f"({' '.join(record.get('argv', []))}); use a new experiment folder")
    return True


def try_lock(root: Path, job: Job) -> int | None:
    """The descriptor of an exclusive lock on `job`, or None when another runner holds it."""
    path = root / "state" / f"{safe_name(job.name)}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def expand(argv: Sequence[str]) -> list[str]:
    """Glob-expand every argument holding `*` (sorted; an empty match is an error)."""
    out: list[str] = []
    for arg in argv:
        if "*" in arg:
            matches = sorted(glob.glob(arg))
            if not matches:
                raise ConfigError(f"nothing matches {arg}")
            out += matches
        else:
            out.append(arg)
    return out


TRAINING_KINDS = frozenset({"pretrain-prior", "pretrain-motion", "train"})


def launcher_argv(text: str) -> tuple[str, ...]:
    """The words of a launcher command line; its program is looked up next to this Python
    first (the environment's own `accelerate`), then on PATH."""
    words = shlex.split(text)
    if not words:
        raise ConfigError("--launcher is empty; give a command such as "
                          "'accelerate launch --multi_gpu --num_processes 8'")
    local = Path(sys.executable).parent / words[0]
    if "/" not in words[0] and local.is_file():
        words[0] = str(local)
    elif shutil.which(words[0]) is None:
        raise ConfigError(f"--launcher: {words[0]!r} is not an executable on PATH nor next to "
                          f"{sys.executable}; install it or give its full path")
    return tuple(words)


def launched(job: Job, launcher: Sequence[str]) -> bool:
    """Whether `job` starts through `launcher` (the trainings, when there is one)."""
    return bool(launcher) and job.kind in TRAINING_KINDS


def command(job: Job, launcher: Sequence[str] = ()) -> list[str]:
    """The process to start for `job`: `python -m motionprior ARGS`, or for a training with a
    `launcher`, `LAUNCHER -m motionprior ARGS`."""
    argv = expand(job.argv)
    if job.resumable and (Path(job.out) / "checkpoints").is_dir():
        argv.append("--resume")
    start = list(launcher) if launched(job, launcher) else [sys.executable]
    return [*start, "-m", "motionprior", *argv]


def run_plan(jobs: Sequence[Job], root: str | Path, *, parallel: int = 2,
             log: Callable[[str], None] = print, poll: float = 1.0,
             launcher: Sequence[str] = ()) -> RunReport:
    """Run every unfinished job whose dependencies finished, `parallel` at a time, in plan
    order; with a `launcher`, trainings start through it, one at a time (each takes every
    device it launches on), while the other jobs fill the remaining `parallel` slots."""
    root = Path(root)
    (root / "logs").mkdir(parents=True, exist_ok=True)
    report = RunReport()
    pending: list[Job] = []
    for job in jobs:
        if finished(root, job):
            report.done.append(job.name)
        else:
            pending.append(job)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE",
           "MUJOCO_GL": os.environ.get("MUJOCO_GL", "egl")}
    running: dict[str, tuple[subprocess.Popen, float, Job, Path, int]] = {}
    elsewhere: list[Job] = []  # locked by another runner: waited for
    total = len(jobs)
    try:
        while pending or running or elsewhere:
            for job in list(elsewhere):
                if finished(root, job):
                    elsewhere.remove(job)
                    report.done.append(job.name)
                    log(f"[{len(report.done)}/{total}] {job.name} finished by another runner")
                elif (fd := try_lock(root, job)) is not None:  # that runner stopped
                    os.close(fd)
                    elsewhere.remove(job)
                    pending.insert(0, job)
            for name, (proc, start, job, log_path, lock) in list(running.items()):
                if proc.poll() is None:
                    continue
                del running[name]
                took = time.time() - start
                if proc.returncode == 0:
                    atomic.write_json(state_file(root, job), {
                        "argv": list(job.argv), "seconds": round(took, 1),
                        "finished": time.strftime("%Y-%m-%d %H:%M:%S")})
                    report.done.append(name)
                    report.seconds[name] = took
                    log(f"[{len(report.done)}/{total}] done {name} in {took / 60:.1f} min")
                else:
                    report.failed[name] = str(log_path)
                    log(f"FAILED {name} (exit {proc.returncode}); see {log_path}")
                os.close(lock)
            for job in list(pending):
                if any(d in report.failed or d in report.blocked for d in job.deps):
                    pending.remove(job)
                    report.blocked.append(job.name)
            while len(running) < parallel:
                # a launched training takes the whole machine: one at a time
                training = any(launched(r[2], launcher) for r in running.values())
                ready = next((j for j in pending if all(d in report.done for d in j.deps)
                              and not (training and launched(j, launcher))), None)
                if ready is None:
                    break
                pending.remove(ready)
                lock = try_lock(root, ready)
                if lock is None:
                    log(f"{ready.name} is running in another runner; waiting for it")
                    elsewhere.append(ready)
                    continue
                if finished(root, ready):  # finished elsewhere since this runner started
                    os.close(lock)
                    report.done.append(ready.name)
                    continue
                log_path = root / "logs" / f"{safe_name(ready.name)}.log"
                try:
                    argv = command(ready, launcher)
                except ConfigError as e:
                    os.close(lock)
                    report.failed[ready.name] = str(e)
                    log(f"FAILED {ready.name}: {e}")
                    continue
                log(f"start {ready.name}")
                with open(log_path, "a") as fh:
                    fh.write(f"\n$ {' '.join(argv)}\n")
                    fh.flush()
                    # the child holds the lock too: if this runner dies, the job stays locked
                    # until the child ends
                    proc = subprocess.Popen(argv, stdout=fh, stderr=subprocess.STDOUT, env=env,
                                            pass_fds=(lock,))
                running[ready.name] = (proc, time.time(), ready, log_path, lock)
            if not running and not elsewhere and pending and not any(
                    all(d in report.done for d in j.deps) for j in pending):
                report.blocked += [j.name for j in pending]
                break
            time.sleep(poll)
    except KeyboardInterrupt:
        for proc, *_ in running.values():
            proc.terminate()
        for proc, *_ in running.values():
            proc.wait()
        raise
    return report
