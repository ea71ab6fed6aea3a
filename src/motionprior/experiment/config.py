"""What an experiment compares: arms (policy recipes) x seeds x demonstrations x stage-1 data.

An *arm* is one way to train a policy: a `motionprior train` variant and its flags, optionally
started from an Idea-B motion pretraining (`motion_init`). `ARMS` holds the named ones every
study uses; a config file may add its own. `PRESETS` are the named experiments:

- `first-comparison`: the issue-10 study: tokens, motion+tokens, motion-pretrained
  motion+tokens and flow on xemb13, 10 demonstrations per pair, one seed, `cpu` model, scene
  and wrist cameras, 12,000 steps, closed-loop learning curves every 3,000.
- `prior-comparison`: the issue-11 study, same recipe: flow vs flow+prior and its ablations,
  tokens vs motion+tokens, and motion+flow+prior; 3 seeds. Give both the same `--out` to
  share their common cells.
- `debug`: seconds-sized runs of every kind of job (the tests build a full report from it).
- `quickstart`: what `make demo` runs (minutes).
- `cpu-study`: the full grid on this kind of machine: xemb13, 3 seeds, 5/10/25 demos, stage-1
  data at 1/4, 1/2 and all.
- `paper`: GPU-sized (`paper` presets, 50 episodes per pair); run each cell with
  `accelerate launch` (see the README).

A config file (TOML) names a preset to start from and overrides fields:

    preset = "prior-comparison"
    seeds = [0, 1]
    arms = ["flow", "flow-lr"]
    [custom_arms.flow-lr]     # a new arm
    variant = "flow"
    flags = ["--lr", "1e-3"]
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from motionprior.errors import ConfigError, UnknownNameError


@dataclass(frozen=True)
class Arm:
    """A policy recipe: `train --variant VARIANT FLAGS...` (after `pretrain-motion` when
    `motion_init`)."""

    variant: str
    flags: tuple[str, ...] = ()
    motion_init: bool = False

    @property
    def uses_prior(self) -> bool:
        return self.variant.endswith("+prior")


ARMS: dict[str, Arm] = {
    "tokens": Arm("tokens"),
    "motion+tokens": Arm("motion+tokens"),
    "motion-pre+motion+tokens": Arm("motion+tokens", motion_init=True),
    "flow": Arm("flow"),
    "flow+prior": Arm("flow+prior"),
    "flow+prior-no-distill": Arm("flow+prior", ("--no-distill",)),
    "flow+prior-no-history": Arm("flow+prior", ("--no-history",)),
    "flow+prior-no-reuse": Arm("flow+prior", ("--no-decoder-reuse",)),
    "flow+prior-frozen": Arm("flow+prior", ("--freeze-decoder",)),
    # not in the published method: half of the training samples without history (copycat
    # remedy; benchmarks/RESULTS_vla.md, history reliance)
    "flow+prior-hdrop": Arm("flow+prior", ("--history-dropout", "0.5")),
    "motion+flow+prior": Arm("motion+flow+prior"),
    "motion-pre+motion+flow+prior": Arm("motion+flow+prior", motion_init=True),
}


@dataclass(frozen=True)
class ExperimentConfig:
    """A grid; every cell is (arm, seed, demos[, prior fraction for +prior arms]).

    demos: training demonstrations per pair (the collection adds the held-out ones).
    prior_fractions: share of the stage-1 action data each prior is pretrained on.
    curve_every / curve_episodes: closed-loop success every N training steps on that many
    episodes per pair (learning curves; 0 = off). max_steps: episode length cap of the
    evaluations (None: each suite's). parallel: cells run at once (one thread each).
    eval_workers: processes per evaluation, each with its own simulator and policy copy (1 on
    a 2-core machine, where `parallel` already fills the cores).
    cameras: rendered in collection and evaluation and seen by every policy (e.g. scene,
    wrist); image_size is their rendered size, the policy preset sets its training size.
    prior_data: more stage-1 datasets beside the collected ones: LeRobot folders, or RLDS
    folders / tfrecord files (converted by a `convert` job first), e.g. real robot data.
    distill_steps: the +prior arms' distillation length (`--distill-steps`; None: the
    policy preset's, sized for its own step count: scale it with `steps`, e.g. 10%).
    """

    arms: tuple[str, ...]
    suite: str = "xemb13"
    seeds: tuple[int, ...] = (0,)
    demos: tuple[int, ...] = (10,)
    prior_fractions: tuple[float, ...] = (1.0,)
    preset: str = "cpu"
    steps: int | None = None
    eval_episodes: int = 20
    max_steps: int | None = None
    image_size: int = 128
    cameras: tuple[str, ...] = ("scene",)
    prior_suite: str = "prior"
    prior_demos: int = 50
    prior_preset: str = "quickstart"
    prior_data: tuple[str, ...] = ()
    distill_steps: int | None = None
    curve_every: int = 0
    curve_episodes: int = 3
    parallel: int = 2
    eval_workers: int = 1
    custom_arms: dict[str, Arm] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("arms", "seeds", "demos", "prior_fractions", "prior_data", "cameras"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        for name in self.arms:
            if name not in self.all_arms:
                raise UnknownNameError("arm", name, list(self.all_arms))
        if not (self.arms and self.seeds and self.demos and self.prior_fractions
                and self.cameras):
            raise ConfigError("arms, seeds, demos, prior_fractions and cameras must not be "
                              "empty")
        if min(self.demos) < 1 or min(self.seeds) < 0 or self.eval_episodes < 1:
            raise ConfigError("demos and eval_episodes must be >= 1 and seeds >= 0")
        if not all(0 < f <= 1 for f in self.prior_fractions):
            raise ConfigError(f"prior_fractions must be in (0, 1], got {self.prior_fractions}")
        if self.distill_steps is not None and self.distill_steps < 1:
            raise ConfigError(f"distill_steps must be >= 1 (or absent), got "
                              f"{self.distill_steps}; an arm without distillation says "
                              "--no-distill")
        if (self.parallel < 1 or self.eval_workers < 1 or self.curve_every < 0
                or self.curve_episodes < 1):
            raise ConfigError("parallel, eval_workers and curve_episodes must be >= 1, "
                              "curve_every >= 0")

    @property
    def all_arms(self) -> dict[str, Arm]:
        return {**ARMS, **self.custom_arms}

    def arm(self, name: str) -> Arm:
        return self.all_arms[name]


FIRST_ARMS = ("tokens", "motion+tokens", "motion-pre+motion+tokens", "flow")
PRIOR_ARMS = ("flow", "flow+prior", "flow+prior-no-distill", "flow+prior-no-history", "tokens",
              "motion+tokens", "motion+flow+prior")
# The recipe that met issue 10's 50% floor (benchmarks/RESULTS_vla.md, "A wrist camera"),
# shared by both comparisons so that, run into one folder, their common cells (tokens,
# motion+tokens and flow at seed 0) are trained and evaluated once.
XEMB13_RECIPE = {"cameras": ("scene", "wrist"), "steps": 12_000, "distill_steps": 1_200,
                 "curve_every": 3_000, "curve_episodes": 2}
PRESETS: dict[str, ExperimentConfig] = {
    "first-comparison": ExperimentConfig(arms=FIRST_ARMS, **XEMB13_RECIPE),
    "prior-comparison": ExperimentConfig(arms=PRIOR_ARMS, seeds=(0, 1, 2), **XEMB13_RECIPE),
    "debug": ExperimentConfig(
        arms=("flow", "motion+flow+prior"), suite="metaworld/reach-v3", demos=(2, 3),
        prior_fractions=(0.5, 1.0), preset="debug", eval_episodes=1, max_steps=20,
        image_size=32, prior_suite="metaworld/reach-v3,metaworld/push-v3", prior_demos=3,
        prior_preset="debug"),
    "quickstart": ExperimentConfig(
        arms=("flow", "flow+prior", "motion+flow+prior"),
        suite="metaworld/reach-v3,metaworld/drawer-open-v3,robosuite/Lift/Panda@20hz",
        demos=(5,), preset="quickstart", eval_episodes=5, image_size=64,
        prior_suite="metaworld/reach-v3,metaworld/drawer-open-v3,metaworld/push-v3,"
        "robosuite/Lift/Panda@20hz,robosuite/Lift/UR5e@20hz", prior_demos=20),
    "cpu-study": ExperimentConfig(arms=PRIOR_ARMS, seeds=(0, 1, 2), demos=(5, 10, 25),
                                  prior_fractions=(0.25, 0.5, 1.0), curve_every=1000),
    "paper": ExperimentConfig(arms=PRIOR_ARMS, seeds=(0, 1, 2), demos=(5, 10, 25, 50),
                              prior_fractions=(0.25, 0.5, 1.0), preset="paper",
                              prior_preset="paper", eval_episodes=50, image_size=224,
                              prior_demos=200, curve_every=10_000, parallel=1,
                              eval_workers=8),
}


def load_experiment(name_or_path: str) -> ExperimentConfig:
    """A named preset, or a TOML file (`preset = NAME` to start from, then any field)."""
    if name_or_path in PRESETS:
        return PRESETS[name_or_path]
    path = Path(name_or_path)
    if not path.is_file():
        raise UnknownNameError("experiment (a preset name or a .toml file)", name_or_path,
                               list(PRESETS))
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML ({e})") from None
    preset_name = data.pop("preset", "first-comparison")
    base = PRESETS.get(preset_name)
    if base is None:
        raise UnknownNameError("experiment preset", str(preset_name), list(PRESETS))
    try:
        arms = {name: Arm(**{**spec, "flags": tuple(spec.get("flags", ()))})
                for name, spec in data.pop("custom_arms", {}).items()}
    except TypeError as e:
        raise ConfigError(f"{path}: a custom arm takes variant, flags and motion_init ({e})"
                          ) from None
    fields = {f.name for f in dataclasses.fields(ExperimentConfig)}
    unknown = sorted(set(data) - fields)
    if unknown:
        raise ConfigError(f"{path}: unknown keys {unknown}; known: {sorted(fields)}")
    if arms and "arms" not in data:
        data["arms"] = (*base.arms, *arms)
    return dataclasses.replace(base, **data, custom_arms={**base.custom_arms, **arms})
