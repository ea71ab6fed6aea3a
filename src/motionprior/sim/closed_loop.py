"""Closed-loop success as a training validator (learning curves in success, not only loss).

`closed_loop_validator(pairs, out, episodes, make_factory)` returns a `Validator` for the
training loop: at each validation it turns the model being trained (EMA weights applied) into a
policy factory and evaluates it on `pairs` for `episodes` episodes each, into
`out/step_XXXXXXXX/`; it logs `success` (the mean over pairs) and `success/<pair>`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from torch import nn

from motionprior.policy.protocol import PolicyFactory
from motionprior.sim.evaluate import EvalConfig, evaluate
from motionprior.sim.suites import PairSpec


def closed_loop_validator(pairs: list[PairSpec], out: str | Path, episodes: int,
                          make_factory: Callable[[nn.Module, int], PolicyFactory],
                          cameras: tuple[str, ...] = ("scene",)):
    def validate(model: nn.Module, step: int) -> dict[str, float]:
        cfg = EvalConfig(episodes=episodes, cameras=cameras, videos=0, progress=False)
        summary = evaluate(make_factory(model, step), pairs, Path(out) / f"step_{step:08d}",
                           cfg, log=lambda _: None)
        metrics = {"success": summary["mean_success"]}
        metrics.update({f"success/{name}": s["success_rate"]
                        for name, s in summary["pairs"].items()})
        return metrics
    return validate
