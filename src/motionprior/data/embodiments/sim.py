"""Specs of simulated robots (Meta-World, robosuite). Filled in by the simulation suite."""

from __future__ import annotations

from motionprior.data.embodiment import EmbodimentSpec

SPECS: tuple[EmbodimentSpec, ...] = ()
