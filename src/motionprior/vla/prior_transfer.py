"""Idea A stage 2: a stage-1 action prior (E, D) inside a VLA of a `+prior` variant.

    prior = read_prior("runs/prior")            # the checkpoint, checked
    cfg = with_prior(cfg, prior)                # embodiment fields of D from the prior
    data = load_vla_data(paths, cfg, normalizer=prior.normalizer)  # the prior's action space
    attach_prior(model, prior)                  # E always; D unless --no-decoder-reuse

The VLA's action space must be the prior's: actions are normalized with the prior's statistics
(the ones D was trained in), and D's shape (horizon, D_max, latent size, widths, depths) must
equal the policy config's `flow`; anything else is an error naming both values, never a silent
re-initialisation.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch

from motionprior.errors import ConfigError, UnknownNameError
from motionprior.prior.config import PriorConfig
from motionprior.vla.config import VLARunConfig

SHAPE_FIELDS = ("horizon", "d_max", "latent_dim", "width", "heads", "encoder_layers",
                "decoder_layers", "mlp_ratio", "patch", "use_state", "history_len")


def read_prior(path: str | Path):  # -> motionprior.prior.pretrain.LoadedPrior
    """The stage-1 prior of a run directory or checkpoint (its type checked on reading)."""
    from motionprior.prior.pretrain import load_prior

    loaded = load_prior(path)
    if loaded.normalizer is None:
        raise ConfigError(f"{loaded.checkpoint}: the prior has no normalization statistics "
                          "(stats.json), so its action space is unknown")
    return loaded


def check_prior_shape(flow: PriorConfig, prior: PriorConfig, source: str) -> None:
    """Every shape field of the policy's flow expert equals the prior's."""
    for name in SHAPE_FIELDS:
        mine, theirs = getattr(flow, name), getattr(prior, name)
        if mine != theirs:
            raise ConfigError(f"prior {source} has {name}={theirs} but the policy's flow expert "
                              f"has {name}={mine}; pretrain the prior with the preset of the "
                              "same name (or give the policy that shape)")


def with_prior(cfg: VLARunConfig, loaded) -> VLARunConfig:
    """`cfg` checked against the prior, with D's embodiment fields taken from it."""
    if not cfg.model.uses_prior:
        raise ConfigError(f"variant {cfg.model.variant!r} has no action prior; --prior needs "
                          "--variant flow+prior or motion+flow+prior")
    prior = loaded.config.model
    check_prior_shape(cfg.model.flow, prior, str(loaded.checkpoint))
    flow = dataclasses.replace(cfg.model.flow, use_embodiment=prior.use_embodiment,
                               embodiments=prior.embodiments)
    return dataclasses.replace(cfg, model=dataclasses.replace(cfg.model, flow=flow))


def embodiment_map(cfg, source: str = "of the prior") -> list[int] | None:
    """D's embodiment id of each of the policy's embodiments (None: D has no embodiment
    embeddings); every data embodiment must have one."""
    flow = cfg.flow
    if not flow.use_embodiment:
        return None
    for emb in cfg.embodiments:
        if emb not in flow.embodiments:
            raise UnknownNameError(f"embodiment {source} (its decoder has embodiment "
                                   "embeddings)", emb, list(flow.embodiments))
    return [flow.embodiments.index(e) for e in cfg.embodiments]


@torch.no_grad()
def attach_prior(model: torch.nn.Module, loaded) -> dict[str, int]:
    """Copy E into `model.prior_encoder` and, when `reuse_decoder`, D into
    `model.action_expert` (its stage-2 conditioning paths keep their zero initialisation).
    Returns how many tensors each received (the model checked the embodiments when built)."""
    cfg = model.cfg
    source = loaded.model
    counts = {"encoder": 0, "decoder": 0}
    if getattr(model, "prior_encoder", None) is not None:
        model.prior_encoder.load_state_dict(source.encoder.state_dict())
        counts["encoder"] = len(source.encoder.state_dict())
    if cfg.transfer.reuse_decoder:
        result = model.action_expert.load_state_dict(source.decoder.state_dict(), strict=False)
        stage2 = [k for k in result.missing_keys if not is_stage2_path(k)]
        if stage2 or result.unexpected_keys:
            raise ConfigError(f"prior {loaded.checkpoint}: decoder weights do not fit "
                              f"(missing {stage2[:3]}, unexpected {result.unexpected_keys[:3]})")
        counts["decoder"] = len(source.decoder.state_dict())
    return counts


def is_stage2_path(name: str) -> bool:
    """A parameter of D added in stage 2 (zero-initialised cross-attention or conditions)."""
    return ".cross." in f".{name}" or name.startswith("conditions.")
