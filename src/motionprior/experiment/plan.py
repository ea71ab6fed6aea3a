"""The jobs of an experiment: `motionprior` commands with their dependencies, in a folder.

    root/data/demos/<pair>        demonstrations with images (collect, then label)
    root/data/prior/<pair>        action-only trajectories for stage 1 (collect --no-images)
    root/data/real/<name>         `prior_data` RLDS datasets converted to LeRobot (convert)
    root/prior/f<fraction>        stage-1 action priors (pretrain-prior --train-fraction)
    root/motion/d<D>_s<S>         Idea-B motion pretraining (pretrain-motion)
    root/runs/<arm>/<cell>        policies (train), cell = d<D>_s<S>[_f<fraction>]
    root/eval/<arm>/<cell>        closed-loop evaluations (eval)

Each job's command is a list of arguments of `motionprior`; an argument holding `*` is a glob
expanded when the job starts (datasets exist only after their collection ran).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from motionprior.data.split import episodes_needed
from motionprior.experiment.config import ExperimentConfig

VAL_FRACTION = 0.1  # the presets' held-out share of each dataset's episodes


@dataclass(frozen=True)
class Job:
    """One command. `out` is the folder it fills; `resumable` commands take `--resume` when
    their folder already holds checkpoints."""

    name: str
    argv: tuple[str, ...]
    deps: tuple[str, ...] = ()
    out: str = ""
    resumable: bool = False
    kind: str = ""  # collect | convert | label | pretrain-prior | pretrain-motion | train | eval


@dataclass(frozen=True)
class Cell:
    """One policy of the grid."""

    arm: str
    seed: int
    demos: int
    fraction: float | None  # stage-1 data share (+prior arms only)

    @property
    def key(self) -> str:
        frac = "" if self.fraction is None else f"_f{self.fraction:g}"
        return f"d{self.demos}_s{self.seed}{frac}"


def cells(cfg: ExperimentConfig) -> list[Cell]:
    out = []
    for demos in cfg.demos:
        for seed in cfg.seeds:
            for arm in cfg.arms:
                fracs = cfg.prior_fractions if cfg.arm(arm).uses_prior else (None,)
                out += [Cell(arm, seed, demos, f) for f in fracs]
    return out


def is_rlds(source: str) -> bool:
    """An RLDS dataset (a TFDS folder with dataset_info.json, or a tfrecord file), which
    stage 1 reads after `convert`; anything else is taken for a LeRobot dataset."""
    path = Path(source)
    return (path / "dataset_info.json").is_file() or ".tfrecord" in path.name


def build_plan(cfg: ExperimentConfig, root: str | Path) -> list[Job]:
    """Every job in the order it should run when nothing else holds it back: data, then per
    cell its training followed by its evaluation, so finished results arrive early."""
    r = Path(root)
    demos_dir, prior_dir = r / "data" / "demos", r / "data" / "prior"
    cameras = ("--cameras", ",".join(cfg.cameras))
    common = ["--preset", cfg.preset, "--no-progress", *cameras] + (
        ["--steps", str(cfg.steps)] if cfg.steps else [])
    collect_n = episodes_needed(max(cfg.demos), VAL_FRACTION)
    jobs = [Job("collect-demos", ("collect", "--suite", cfg.suite, "--demos", str(collect_n),
                                  "--image-size", str(cfg.image_size), *cameras, "--out",
                                  str(demos_dir), "--quiet"), out=str(demos_dir), kind="collect"),
            Job("label-demos", ("label", f"{demos_dir}/*/"), ("collect-demos",),
                kind="label")]
    demo_data = ("--data", f"{demos_dir}/*/")
    grid = cells(cfg)
    if any(cfg.arm(c.arm).uses_prior for c in grid):
        jobs.append(Job("collect-prior", ("collect", "--suite", cfg.prior_suite, "--demos",
                                          str(cfg.prior_demos), "--no-images", "--out",
                                          str(prior_dir), "--quiet"),
                        out=str(prior_dir), kind="collect"))
        extra_data, extra_deps = [], ["collect-prior"]
        for source in cfg.prior_data:
            if not is_rlds(source):
                extra_data.append(source)
                continue
            name = Path(source.rstrip("/")).name.split(".tfrecord")[0]
            out = r / "data" / "real" / name
            jobs.append(Job(f"convert-{name}", ("convert", source, str(out), "--no-images",
                                                "--no-progress"), out=str(out), kind="convert"))
            extra_data.append(str(out))
            extra_deps.append(f"convert-{name}")
        for frac in cfg.prior_fractions:
            out = r / "prior" / f"f{frac:g}"
            jobs.append(Job(f"prior-f{frac:g}", (
                "pretrain-prior", "--data", f"{prior_dir}/*/", *extra_data, "--out",
                str(out), "--preset", cfg.prior_preset, "--train-fraction", f"{frac:g}",
                "--no-progress"), tuple(extra_deps), str(out), True, "pretrain-prior"))
    motion_done: set[str] = set()
    for cell in grid:
        arm = cfg.arm(cell.arm)
        deps, extra = ["label-demos"], list(arm.flags)
        subset = ["--train-episodes", str(cell.demos), "--seed", str(cell.seed)]
        if arm.motion_init:
            key = f"d{cell.demos}_s{cell.seed}"
            out = r / "motion" / key
            if key not in motion_done:
                motion_done.add(key)
                jobs.append(Job(f"motion-{key}", ("pretrain-motion", *demo_data, "--out",
                                                  str(out), *common, *subset),
                                ("label-demos",), str(out), True, "pretrain-motion"))
            deps.append(f"motion-{key}")
            extra += ["--init", str(out)]
        if cell.fraction is not None:
            deps.append(f"prior-f{cell.fraction:g}")
            extra += ["--prior", str(r / "prior" / f"f{cell.fraction:g}")]
            if cfg.distill_steps and "--no-distill" not in arm.flags:
                extra += ["--distill-steps", str(cfg.distill_steps)]
        if cfg.curve_every:
            extra += ["--eval-every", str(cfg.curve_every), "--eval-suite", cfg.suite,
                      "--eval-episodes", str(cfg.curve_episodes)]
        run = r / "runs" / cell.arm / cell.key
        name = f"{cell.arm}/{cell.key}"
        jobs.append(Job(f"train:{name}", ("train", "--variant", arm.variant, *demo_data,
                                          "--out", str(run), *common, *subset, *extra),
                        tuple(deps), str(run), True, "train"))
        ev = r / "eval" / cell.arm / cell.key
        jobs.append(Job(f"eval:{name}", ("eval", "--policy", str(run), "--suite", cfg.suite,
                                         "--episodes", str(cfg.eval_episodes), "--image-size",
                                         str(cfg.image_size), *cameras, "--workers",
                                         str(cfg.eval_workers), "--videos", "1", "--quiet",
                                         "--out", str(ev),
                                         *(["--max-steps", str(cfg.max_steps)]
                                           if cfg.max_steps else [])),
                        (f"train:{name}",), str(ev), False, "eval"))
    return jobs
