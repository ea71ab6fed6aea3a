"""The `Policy` protocol and the registry that resolves `--policy NAME_OR_CHECKPOINT`.

A policy is queried once per control step:

    policy.reset()                      # start of an episode
    action = policy.act(observation)    # -> np.ndarray [A], raw robot units

`observation` is a mapping with these keys (the simulation suite fills all of them; a real
robot fills what it has):

- ``"images"``: ``{camera: uint8 [H, W, 3]}``, upright, the cameras of the dataset;
- ``"state"``: ``float32 [S]``, the embodiment's state vector (canonical end-effector pose plus
  gripper opening, the dataset's ``observation.state``);
- ``"instruction"``: the language instruction of the episode;
- ``"embodiment"``: the embodiment name (the key of the normalization statistics);
- ``"step"``: the index of the control step in the episode;
- ``"privileged"``: simulator ground truth (object poses). Only scripted experts may read it.
- ``"history/state"``, ``"history/action"`` (optional): the episode's past executed steps,
  ``[K', S]`` and ``[K', A]`` raw, oldest first; a policy whose model reads a history token
  uses them instead of the steps it kept itself (what a policy server's clients send).

The action is in the embodiment's raw units (what the dataset's ``action`` column holds), so
the policy un-normalizes with its own statistics before returning.

Optionally, a policy says what it is doing: after each ``act()`` it may expose
``policy.last_info``, a ``Mapping[str, Any]`` such as ``{"motion": "move forward down, close
gripper"}`` (set it on every call; ``None`` or a mapping without ``"motion"`` = no words this
step). The evaluation harness records the ``"motion"`` words per step: in each episode's JSON as
run-length segments ``"motion": [{"start": t0, "end": t1, "words": "..."}]`` (steps t0..t1-1)
and as a caption strip under each frame of the rollout GIFs. Policies without the attribute are
recorded with ``"motion": []``.

Before ``reset()`` the harness seeds Python's, NumPy's and (if imported) torch's global random
generators with the episode seed, so a policy that samples from them gives the same episode
however many evaluation workers run. A factory must therefore build a policy whose behaviour
depends on its observations and those generators only, not on which episodes ran before.

Policies are made per task-embodiment pair by a `PolicyFactory` (`PolicyContext -> Policy`).
A factory that knows which cameras its policies need (a checkpoint's training cameras) says so
in a ``cameras`` attribute, a tuple of names; `required_cameras` reads it, and the evaluation
renders those cameras unless told otherwise.
Named factories (the simulation suite registers ``expert``) are looked up first; any other
argument must be a path that one of the registered checkpoint loaders recognises (the training
code registers its loader). This module imports nothing from the simulators.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from motionprior.errors import ConfigError, UnknownNameError


@runtime_checkable
class Policy(Protocol):
    """A closed-loop controller: `reset()` per episode, `act(observation) -> action [A]`."""

    def reset(self) -> None: ...

    def act(self, observation: Mapping[str, Any]) -> np.ndarray: ...


INFO_ATTRIBUTE = "last_info"  # optional: Mapping[str, Any] after act(), e.g. {"motion": "..."}


@dataclass(frozen=True)
class PolicyContext:
    """What a factory may know about the pair it makes a policy for.

    `env` is the simulator adapter; only scripted experts use it (learned policies must work
    from observations alone). `options` are the user's execution settings for learned policies
    (e.g. `execution`, `query_period`, `ensemble_decay`), passed on by `motionprior eval`.
    """

    pair: str
    embodiment: str
    action_dim: int
    fps: float
    cameras: tuple[str, ...] = ()
    instructions: tuple[str, ...] = ()
    env: Any = field(default=None, compare=False, repr=False)
    options: Mapping[str, Any] = field(default_factory=dict, compare=False)


PolicyFactory = Callable[[PolicyContext], Policy]
CheckpointLoader = Callable[[Path], PolicyFactory | None]
PolicyResolver = Callable[[str], PolicyFactory | None]

_NAMED: dict[str, PolicyFactory] = {}
_LOADERS: list[CheckpointLoader] = []
_RESOLVERS: list[PolicyResolver] = []


def register_policy(name: str, factory: PolicyFactory, *, overwrite: bool = False) -> None:
    """Make `--policy name` resolve to `factory`."""
    if name in _NAMED and _NAMED[name] is not factory and not overwrite:
        raise ConfigError(f"policy {name!r} is already registered; pass overwrite=True")
    _NAMED[name] = factory


def register_checkpoint_loader(loader: CheckpointLoader) -> None:
    """Add a loader: `loader(path)` returns a factory, or None if it does not know the path."""
    if loader not in _LOADERS:
        _LOADERS.append(loader)


def register_policy_resolver(resolver: PolicyResolver) -> None:
    """Add a resolver of arguments that are not paths (e.g. ``ws://`` URLs): `resolver(arg)`
    returns a factory, or None if the argument is not its kind."""
    if resolver not in _RESOLVERS:
        _RESOLVERS.append(resolver)


def required_cameras(factory: PolicyFactory) -> tuple[str, ...] | None:
    """The cameras `factory`'s policies need, or None when it does not say."""
    cameras = getattr(factory, "cameras", None)
    return None if cameras is None else tuple(cameras)


def known_policies() -> list[str]:
    return sorted(_NAMED)


def registered_modules() -> list[str]:
    """The modules defining the registered factories and loaders; a worker process imports
    them so that their import-time registrations resolve there too."""
    mods = {getattr(f, "__module__", None)
            for f in [*_NAMED.values(), *_LOADERS, *_RESOLVERS]}
    return sorted(m for m in mods if m)


def resolve_policy(name_or_path: str | Path) -> PolicyFactory:
    """The factory of a registered name, else of a checkpoint path a loader recognises."""
    key = str(name_or_path)
    if key in _NAMED:
        return _NAMED[key]
    for resolver in _RESOLVERS:
        resolved = resolver(key)
        if resolved is not None:
            return resolved
    path = Path(key)
    if path.exists():
        for loader in _LOADERS:
            factory = loader(path)
            if factory is not None:
                return factory
        raise ConfigError(
            f"{path}: no checkpoint loader recognises this path "
            f"({len(_LOADERS)} loader(s) registered); pass a training checkpoint or one of "
            f"the named policies: {', '.join(known_policies()) or '(none)'}"
        )
    if any(c in key for c in "/\\") or key.startswith((".", "~")) or path.suffix:
        raise ConfigError(f"{path}: no such checkpoint (file or folder not found); pass an "
                          "existing checkpoint path or one of the named policies: "
                          f"{', '.join(known_policies()) or '(none)'}")
    raise UnknownNameError("policy", key, known_policies() + ["<path of a checkpoint>"])
