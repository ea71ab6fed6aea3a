"""Task-embodiment pairs, their command-line grammar, and the named suites.

Pair grammar (case-insensitive on input, canonical spelling on output):

    metaworld/<task>                    metaworld/pick-place-v3   (the "-v3" may be omitted)
    robosuite/<Task>/<Robot>[@<R>hz]    robosuite/Lift/UR5e@10hz  (default rate 20 Hz)

A suite is a named, plain list of pair names; wherever a suite is expected, a comma-separated
list of suite names and pair names works too (`xemb13,robosuite/Lift/XArm7@20hz`), so a new
suite needs no code.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import Literal

from motionprior.data.embodiments.sim import ROBOSUITE_ROBOTS, robosuite_embodiment_name
from motionprior.errors import ConfigError, UnknownNameError
from motionprior.sim.instructions import METAWORLD, ROBOSUITE

Simulator = Literal["metaworld", "robosuite"]
METAWORLD_TASKS = tuple(f"{t}-v3" for t in METAWORLD)
ROBOSUITE_TASKS = tuple(ROBOSUITE)
DEFAULT_ROBOSUITE_HZ = 20.0
_RATE = re.compile(r"^(?P<robot>[^@]+)(@(?P<hz>[0-9]+(\.[0-9]+)?)hz)?$", re.IGNORECASE)


@dataclass(frozen=True)
class PairSpec:
    """One task on one embodiment at one control rate."""

    simulator: Simulator
    task: str
    robot: str
    hz: float

    @property
    def name(self) -> str:
        if self.simulator == "metaworld":
            return f"metaworld/{self.task}"
        return f"robosuite/{self.task}/{self.robot}@{self.hz:g}hz"

    @property
    def slug(self) -> str:
        """A directory name: `metaworld_pick-place-v3`, `robosuite_Lift_UR5e_10hz`."""
        return self.name.replace("/", "_").replace("@", "_").replace(".", "p")

    @property
    def embodiment(self) -> str:
        if self.simulator == "metaworld":
            return "metaworld_sawyer"
        return robosuite_embodiment_name(self.robot, self.hz)

    @property
    def key(self) -> int:
        """A stable 32-bit number of the pair (mixes the pair into per-episode seeds)."""
        return zlib.crc32(self.name.encode())

    def __str__(self) -> str:
        return self.name


def _match(kind: str, name: str, known: tuple[str, ...]) -> str:
    for k in known:
        if k.lower() == name.lower():
            return k
    raise UnknownNameError(kind, name, list(known))


def parse_pair(text: str) -> PairSpec:
    """Parse a pair name (grammar in the module docstring); unknown parts list the known ones."""
    parts = text.strip().split("/")
    sim = parts[0].lower()
    if sim == "metaworld" and len(parts) == 2:
        task = parts[1].lower()
        task = task if task.endswith("-v3") else f"{task}-v3"
        if task not in METAWORLD_TASKS:
            raise UnknownNameError("metaworld task", parts[1], list(METAWORLD_TASKS))
        return PairSpec("metaworld", task, "Sawyer", 80.0)
    if sim == "robosuite" and len(parts) == 3:
        task = _match("robosuite task", parts[1], ROBOSUITE_TASKS)
        m = _RATE.match(parts[2])
        if m is None:
            raise ConfigError(f"bad robot/rate {parts[2]!r} in {text!r}; write e.g. 'UR5e@10hz'")
        robot = _match("robosuite robot", m.group("robot"), tuple(ROBOSUITE_ROBOTS))
        hz = float(m.group("hz")) if m.group("hz") else DEFAULT_ROBOSUITE_HZ
        if not 1.0 <= hz <= 500.0:
            raise ConfigError(f"control rate {hz:g} Hz in {text!r} must be within 1..500 Hz")
        return PairSpec("robosuite", task, robot, hz)
    raise ConfigError(
        f"bad pair name {text!r}; write 'metaworld/<task>' (e.g. metaworld/pick-place-v3) or "
        "'robosuite/<Task>/<Robot>@<rate>hz' (e.g. robosuite/Lift/UR5e@10hz), or a suite name: "
        f"{', '.join(sorted(SUITES))}"
    )


EXPERT_ROBOTS = tuple(ROBOSUITE_ROBOTS)  # every known robot has a measured waypoint expert

SUITES: dict[str, tuple[str, ...]] = {
    "xemb13": (
        "metaworld/reach-v3",
        "metaworld/push-v3",
        "metaworld/pick-place-v3",
        "metaworld/drawer-open-v3",
        "metaworld/drawer-close-v3",
        "metaworld/button-press-topdown-v3",
        "metaworld/door-open-v3",
        "metaworld/window-open-v3",
        "robosuite/Lift/Panda@20hz",
        "robosuite/Lift/UR5e@10hz",
        "robosuite/Lift/Kinova3@20hz",
        "robosuite/Stack/Panda@20hz",
        "robosuite/Stack/IIWA@20hz",
    ),
    "metaworld50": tuple(f"metaworld/{t}" for t in METAWORLD_TASKS),
    "robosuite-all": tuple(
        f"robosuite/{task}/{robot}@{hz}hz"
        for task in ROBOSUITE_TASKS
        for robot in EXPERT_ROBOTS
        for hz in (20, 10)
    ),
    "smoke": ("metaworld/reach-v3", "robosuite/Lift/Panda@20hz"),
}
SUITES["prior"] = SUITES["metaworld50"] + SUITES["robosuite-all"]


def resolve_suite(text: str) -> list[PairSpec]:
    """Pairs of a comma-separated list of suite names and pair names, duplicates dropped."""
    pairs: list[PairSpec] = []
    for token in (t.strip() for t in text.split(",")):
        if not token:
            continue
        names = SUITES.get(token.lower()) or ((token,) if "/" in token else None)
        if names is None:
            raise UnknownNameError("suite", token, list(SUITES))
        for name in names:
            pair = parse_pair(name)
            if pair not in pairs:
                pairs.append(pair)
    if not pairs:
        raise ConfigError(f"suite {text!r} names no pairs; known suites: {', '.join(SUITES)}")
    return pairs
