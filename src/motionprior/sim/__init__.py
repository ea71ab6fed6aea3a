"""Simulation suite: Meta-World and robosuite pairs, scripted experts, collection, evaluation.

    from motionprior.sim.suites import resolve_suite        # "xemb13" -> [PairSpec, ...]
    from motionprior.sim.env import make_env                # one pair's simulator adapter
    from motionprior.sim.collect import collect_suite       # expert demos -> LeRobot datasets
    from motionprior.sim.evaluate import evaluate           # closed-loop success + Wilson CI

Importing this package sets `MUJOCO_GL=egl` (unless already set) so rendering works headless;
the simulators themselves are imported only when an environment is built.
"""

import os

os.environ.setdefault("MUJOCO_GL", "egl")
os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

from motionprior.sim.suites import SUITES, PairSpec, parse_pair, resolve_suite  # noqa: E402

__all__ = ["SUITES", "PairSpec", "parse_pair", "resolve_suite"]
