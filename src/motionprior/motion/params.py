"""Every constant of the adaptive labeler, as one frozen dataclass with documented defaults.

Units. Durations are seconds (converted to steps with the episode's fps, at least one step).
Displacements are *normalized*: a group's positions are divided by its typical speed (see
`scale_quantile`), so a normalized displacement of 0.1 means "what this dataset's arm covers in
0.1 s when it moves briskly". This makes one set of defaults serve every unit, speed and rate.

The defaults were chosen by coordinate search on tuning data only: the tuning split of the
synthetic benchmark and the tuning episodes of three simulated robots (Panda, UR5e, Kinova3;
`benchmarks/bench_labeler_accuracy.py --tune --sim-cache ...`), skipping values that fail a
check of `motionprior.motion.reference` (exact labels of a hand-made motion, rate invariance, a
slow steady move detected); the reported accuracy is on other data
(benchmarks/RESULTS_labeler.md).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from motionprior.errors import ConfigError


@dataclass(frozen=True)
class LabelerParams:
    """Parameters of `MotionLabeler` (all have defaults that need no per-dataset tuning)."""

    # --- normalization (fit) ---
    scale_quantile: float = 0.8
    """Quantile of a group's windowed speed over all steps of the dataset that defines its
    typical speed (the normalization scale). Speeds are measured over `scale_window`, not over
    single steps, so sensor noise at high control rates does not inflate them."""
    scale_window: float = 0.2
    """Seconds over which speeds are measured for the normalization scale."""
    rotation_scale_floor: float = 0.25
    """rad/s: lower bound of the tilt and yaw scales, so a dataset whose wrist never turns does
    not blow its sensor noise up to "typical rotation speed"."""
    gripper_scale_floor: float = 2.0
    """Opening fraction per second: lower bound of the gripper scale (same reason)."""

    # --- windows (seconds) ---
    unit: float = 0.1
    """A "unit step" for the per-step checks of the mid and slow detectors (one step at <= 10 Hz;
    several at higher rates, so sensor noise of single samples does not break steadiness)."""
    fast: float = 0.2
    """Window of the fast detector: |displacement| > fast_factor * threshold."""
    mid: float = 0.3
    """Window of the mid detector: |displacement| > threshold and the arm moves at every unit."""
    slow: float = 1.2
    """Window of the slow detector: |displacement| > threshold and every unit moves the same way."""
    tau: float = 0.2
    """Window (forward from t) of the mean speed that raises the adaptive threshold."""

    # --- thresholds (normalized displacement) ---
    base_translation: float = 0.08
    """T_base for each translation axis."""
    base_tilt: float = 0.2
    """T_base for roll and pitch."""
    base_rotate: float = 0.15
    """T_base for yaw."""
    base_gripper: float = 0.02
    """T_base for the gripper opening."""
    beta: float = 0.08
    """Seconds: the threshold rises by beta times the recent mean speed of the axis
    (T = T_base + beta * mean |speed|), because fast motion brings jitter."""
    fast_factor: float = 2.0
    """The fast detector needs a displacement of fast_factor * T."""
    mid_step_fraction: float = 0.25
    """Mid: each unit step moves the group by more than this fraction of T_base per unit."""
    slow_step_fraction: float = 0.75
    """Slow: each unit step moves the axis the same way by more than this fraction of the
    threshold per unit (METHOD.md's T / (2 * slow))."""
    dominance: float = 0.4
    """A translation axis is named only if its displacement is at least this fraction of the
    largest axis's (so a small sideways drift during a forward move is not named)."""
    dominance_window: float = 0.6
    """Seconds: the displacements compared by the dominance test are taken over a window of
    this length centred on t (longer averages out noise, shorter keeps transitions sharp)."""

    # --- jitter suppression (seconds) ---
    min_duration: float = 0.2
    """Runs of one value of a part (x, y, z, tilt, rotate) shorter than this join the nearest
    long run of that part (split at their middle between the runs before and after)."""
    gripper_min_duration: float = 0.15
    """The same for the gripper part (grippers open and close quickly)."""
    label_min_duration: float = 0.3
    """Then runs of one whole label shorter than this are merged the same way (the parts of
    one transition rarely switch on the same step, which leaves short mixed labels between
    two motions); 0 turns it off."""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v == v:
                raise ConfigError(f"labeler parameter {f.name} must be a number, got {v!r}")
            if v < 0 or v == float("inf"):
                raise ConfigError(f"labeler parameter {f.name} must be finite and >= 0, got {v}")
        for name in ("scale_window", "unit", "fast", "mid", "slow", "tau", "fast_factor",
                     "dominance_window"):
            if getattr(self, name) <= 0:
                value = getattr(self, name)
                raise ConfigError(f"labeler parameter {name} must be > 0, got {value}")
        if not 0 < self.scale_quantile <= 1:
            raise ConfigError(f"scale_quantile must be in (0, 1], got {self.scale_quantile}")
        if self.dominance > 1:
            raise ConfigError(f"dominance must be in [0, 1], got {self.dominance}")

    @classmethod
    def from_kwargs(cls, **kwargs: float) -> LabelerParams:
        """Build from keyword arguments; an unknown name is a `ConfigError` listing the known."""
        known = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(kwargs) - set(known))
        if unknown:
            raise ConfigError(
                f"unknown labeler parameter(s) {', '.join(unknown)}; known: {', '.join(known)}"
            )
        return cls(**kwargs)

    def steps(self, seconds: float, fps: float) -> int:
        """A duration in seconds as a whole number of steps at `fps` (at least 1)."""
        return max(1, int(round(seconds * fps)))
