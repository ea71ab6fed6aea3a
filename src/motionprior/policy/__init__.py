"""Policies: the stateful wrapper around a model that a simulator or robot queries each step.

`motionprior.policy.protocol` defines the small `Policy` protocol every policy follows and the
registry that turns a `--policy` argument (a built-in name or a checkpoint path) into policies.
"""

from motionprior.policy import vla_policy as _vla_policy  # noqa: F401  (registers the loader)
from motionprior.policy.protocol import (
    Policy,
    PolicyContext,
    PolicyFactory,
    known_policies,
    register_checkpoint_loader,
    register_policy,
    register_policy_resolver,
    required_cameras,
    resolve_policy,
)

__all__ = [
    "Policy",
    "PolicyContext",
    "PolicyFactory",
    "known_policies",
    "register_checkpoint_loader",
    "register_policy",
    "register_policy_resolver",
    "required_cameras",
    "resolve_policy",
]
