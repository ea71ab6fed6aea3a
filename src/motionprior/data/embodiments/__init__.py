"""The registry of known embodiments.

Built-in specs (real datasets in `real.py`, simulator robots in `sim.py`) are registered at
import. A dataset on disk carries its own spec in `meta/motionprior.json`; readers register it, so
a dataset written elsewhere needs no code change here.
"""

from __future__ import annotations

from motionprior.data.embodiment import EmbodimentSpec
from motionprior.errors import ConfigError, UnknownNameError

_REGISTRY: dict[str, EmbodimentSpec] = {}


def register_embodiment(spec: EmbodimentSpec, *, overwrite: bool = False) -> EmbodimentSpec:
    """Add `spec` to the registry. Re-registering an identical spec is a no-op; a different
    spec under a known name is an error unless `overwrite`."""
    old = _REGISTRY.get(spec.name)
    if old is not None and old != spec and not overwrite:
        raise ConfigError(
            f"embodiment {spec.name!r} is already registered with a different spec; "
            "pick another name or pass overwrite=True"
        )
    _REGISTRY[spec.name] = spec
    return spec


def get_embodiment(name: str) -> EmbodimentSpec:
    """The registered spec called `name`; an unknown name is an error listing known names."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownNameError("embodiment", name, list(_REGISTRY)) from None


def known_embodiments() -> list[str]:
    return sorted(_REGISTRY)


def _register_builtins() -> None:
    from motionprior.data.embodiments import real, sim

    for module in (real, sim):
        for spec in module.SPECS:
            register_embodiment(spec)


_register_builtins()

__all__ = ["register_embodiment", "get_embodiment", "known_embodiments", "EmbodimentSpec"]
