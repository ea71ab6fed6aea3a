"""Train a VLA on the shared loop (`motionprior.train.train`), and load it back.

    train_vla(["data/xemb13/metaworld_reach-v3", ...], "runs/vla_flow", preset("cpu", "flow"))

Stage 1 of Idea B (`pretrain-motion`) is the `motion` variant of the same model; `init=DIR`
starts a stage-2 run from its weights (every tensor whose name and shape match: vision,
language projection, backbone, token embeddings), and says how many it took. `+prior`
variants take `prior=DIR`, a `pretrain-prior` run (Idea A stage 1): its encoder E and decoder D
go into the model and its normalization statistics define the action space
(`motionprior.vla.prior_transfer`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Subset

from motionprior.data.stats import Normalizer
from motionprior.errors import ConfigError
from motionprior.prior.pretrain import collate
from motionprior.tokens import ModelVocabulary
from motionprior.train import checkpoint as ckpt_io
from motionprior.train.config import config_from_dict, config_to_dict
from motionprior.train.loop import StepInfo, TrainResult, seed_everything, train
from motionprior.train.validation import Validator, to_device
from motionprior.vla.config import MODEL_TYPE, VLAConfig, VLARunConfig
from motionprior.vla.data import VLAData, load_vla_data, with_data
from motionprior.vla.decoding import generate
from motionprior.vla.language import load_language
from motionprior.vla.model import VLAModel
from motionprior.vla.prior_transfer import attach_prior, read_prior, with_prior


def build_model(cfg: VLAConfig, vocab: ModelVocabulary | None = None) -> VLAModel:
    """A fresh model (the language model is shared per process, never copied)."""
    language = load_language(cfg.language, cfg.max_instruction_tokens)
    vocab = vocab or ModelVocabulary.build(language.tokenize, language.piece)
    return VLAModel(cfg, vocab, language)


def run_config_dict(cfg: VLARunConfig, paths: Sequence[str], vocab: ModelVocabulary,
                    init: str | None, prior: str | None = None) -> dict[str, Any]:
    return {**config_to_dict(cfg), "datasets": list(paths), "vocabulary": vocab.to_dict(),
            "init": init, "prior": prior}


def train_vla(paths: Sequence[str | Path], out: str | Path, cfg: VLARunConfig, *,
              init: str | Path | None = None, prior: str | Path | None = None,
              resume: bool = False, progress: bool = True,
              validators: Sequence[Callable[[VLAData, VLARunConfig], Validator]] = (),
              hooks: Sequence[Callable[[StepInfo], None]] = ()) -> TrainResult:
    """Train the configured variant on `paths` into run directory `out`. `validators` are
    built from the loaded data and the final configuration (e.g. closed-loop success)."""
    loaded_prior = None
    if prior is not None:
        loaded_prior = read_prior(prior)
        cfg = with_prior(cfg, loaded_prior)
    elif cfg.model.uses_prior:
        raise ConfigError(f"variant {cfg.model.variant!r} needs --prior DIR: a stage-1 action "
                          "prior (motionprior pretrain-prior); use --variant flow without one")
    data = load_vla_data(paths, cfg, normalizer=loaded_prior and loaded_prior.normalizer,
                         normalizer_source=loaded_prior and f"prior {loaded_prior.checkpoint}")
    cfg = with_data(cfg, data)
    seed_everything(cfg.train.seed)
    model = build_model(cfg.model)
    if loaded_prior is not None and not resume:
        counts = attach_prior(model, loaded_prior)
        print(f"action prior from {loaded_prior.checkpoint}: encoder ({counts['encoder']} "
              f"tensors, frozen), decoder "
              + (f"({counts['decoder']} tensors, lr x{cfg.model.transfer.decoder_lr_mult})"
                 if counts["decoder"] else "random (--no-decoder-reuse)"))
    init_path = None
    if init is not None and not resume:
        init_path = str(ckpt_io.resolve_checkpoint(init))
        load_init(model, init_path)
    elif init is not None:
        init_path = str(ckpt_io.resolve_checkpoint(init))
    train_set = Subset(data.windows, data.train_indices.tolist())
    val_set = Subset(data.windows, data.val_indices.tolist()) if len(data.val_indices) else None
    checks = ([generation_validator(val_set, reference=data.reference)]
              if val_set is not None else [])
    return train(model, train_set, cfg.train, out,
                 run_config=run_config_dict(cfg, data.paths, model.vocab, init_path,
                                            loaded_prior and str(loaded_prior.checkpoint)),
                 val_data=val_set,
                 validators=[*checks, *(v(data, cfg) for v in validators)], collate_fn=collate,
                 stats=data.normalizer.to_dict(), resume=resume, progress=progress,
                 hooks=hooks, find_unused_parameters=True)


def load_init(model: VLAModel, path: str | Path) -> dict[str, int]:
    """Copy every tensor of a VLA checkpoint whose name and shape match into `model`."""
    ckpt = ckpt_io.resolve_checkpoint(path)
    ckpt_io.read_meta(ckpt, expected_model_type=MODEL_TYPE)
    use_ema = (ckpt / "ema.safetensors").exists()
    source = ckpt_io.load_weights(ckpt, ema=use_ema)
    own = model.state_dict()
    taken = {k: v for k, v in source.items() if k in own and own[k].shape == v.shape}
    if not any(k.startswith("backbone.") for k in taken):
        raise ConfigError(f"{ckpt}: no backbone weights fit this model (different width, "
                          "layers or backbone); pretrain with the same preset")
    model.load_state_dict(taken, strict=False)
    report = {"loaded": len(taken), "skipped": len(source) - len(taken),
              "new": len(own) - len(taken)}
    print(f"initialised from {ckpt}: {report['loaded']} tensors loaded, "
          f"{report['skipped']} skipped (shape or name differs), {report['new']} new")
    return report


def generation_validator(val_set: Any, batch_size: int = 64, seed: int = 0,
                         reference: Normalizer | None = None) -> Validator:
    """Decode one fixed validation batch: action MSE (valid dims of the chunk) and
    exact-match accuracy of the emitted motion label. The MSE is in the normalized units of
    `reference` when given (the data's own statistics, for a model trained in a prior's
    units), so that every variant's curve is in the same units; else in the model's."""
    idx = np.linspace(0, len(val_set) - 1, min(batch_size, len(val_set))).astype(int)
    samples = [val_set.indices[i] for i in idx.tolist()]
    reference_truth = None
    if reference is not None:  # the fixed batch's chunks in reference units, gathered once
        from motionprior.data.windows import WindowDataset

        ds = val_set.dataset
        view = WindowDataset(ds.tables, dataclasses.replace(ds.config, images=False),
                             normalizer=reference)
        reference_truth = view.__getitems__(samples)["actions"]

    def validate(model: torch.nn.Module, step: int) -> dict[str, float]:
        batch = collate(val_set.dataset.__getitems__(samples))
        device = next(model.parameters()).device
        batch = to_device(batch, device)
        gen, err, mask = decoded_chunk_error(model, batch, seed, reference=reference,
                                             windows=val_set.dataset, samples=samples,
                                             reference_truth=reference_truth)
        out: dict[str, float] = {}
        if err is not None:
            out["action_mse"] = float(err.sum() / mask.sum().clamp_min(1))
            out["action_mse_first"] = float(err[:, 0].sum() / mask[:, 0].sum().clamp_min(1))
        if model.cfg.uses_motion:
            hits = [g == t for g, t in zip(gen.motion, batch["motion"], strict=True)]
            out["motion_exact"] = float(np.mean(hits))
        return out
    return validate


def decoded_chunk_error(model: Any, batch: Mapping[str, Any], seed: int, *,
                        reference: Normalizer | None = None, windows: Any = None,
                        samples: Sequence[int] = (), reference_truth: torch.Tensor | None = None
                        ) -> tuple[Any, torch.Tensor | None, torch.Tensor | None]:
    """Decode `batch` (noise seeded by `seed`) and take the squared error of its chunk
    `[B, H, D_max]` (zero outside the action mask) and that mask. With `reference`, both
    chunks are first put in its units (`samples` are the batch's indices into `windows`; the
    truth may come ready as `reference_truth`). A variant without a chunk: (gen, None, None)."""
    dims = batch["action_mask"][:, 0].sum(-1)
    gen = generate(model, batch, dims, generator=torch.Generator().manual_seed(seed))
    if gen.actions is None:
        return gen, None, None
    h = gen.actions.shape[1]
    mask = batch["action_mask"][:, :h].float()
    pred, truth = gen.actions, batch["actions"][:, :h]
    if reference is not None:
        pred = in_units_of(reference, pred, windows, samples).to(pred)
        truth = (in_units_of(reference, truth, windows, samples) if reference_truth is None
                 else reference_truth[:, :h]).to(pred)
    return gen, (pred - truth) ** 2 * mask, mask


def in_units_of(reference: Normalizer, actions: torch.Tensor, windows: Any,
                samples: Sequence[int]) -> torch.Tensor:
    """Chunks `[B, H, D_max]` normalized by `windows`' statistics, re-normalized with
    `reference`'s for each sample's embodiment (padded dims stay 0)."""
    out = torch.zeros_like(actions)
    for row, index in enumerate(samples):
        table = windows.tables[windows.locate(int(index))[0]]
        width = table.actions.shape[1]
        raw = windows.normalizer.unnormalize(table.key, "action",
                                             actions[row, :, :width].detach().cpu().numpy())
        out[row, :, :width] = torch.from_numpy(reference.normalize(table.key, "action", raw))
    return out


@dataclass
class LoadedVLA:
    model: VLAModel
    config: VLARunConfig
    normalizer: Normalizer
    checkpoint: Path
    step: int


def load_vla(path: str | Path, *, ema: bool = True) -> LoadedVLA:
    """A trained VLA from a run directory or checkpoint (EMA weights when saved and `ema`)."""
    ckpt = ckpt_io.resolve_checkpoint(path)
    meta = ckpt_io.read_meta(ckpt, expected_model_type=MODEL_TYPE)
    saved = dict(ckpt_io.read_json(ckpt, "config.json") or {})
    for key in ("datasets", "init", "prior"):
        saved.pop(key, None)
    vocab = ModelVocabulary.from_dict(saved.pop("vocabulary"))
    cfg = config_from_dict(VLARunConfig, saved, f"{ckpt}/config.json")
    language = load_language(cfg.model.language, cfg.model.max_instruction_tokens)
    if ModelVocabulary.build(language.tokenize, language.piece) != vocab:
        raise ConfigError(f"{ckpt}: its motion vocabulary differs from the installed language "
                          f"model {cfg.model.language!r}'s word pieces")
    model = VLAModel(cfg.model, vocab, language, init_embeddings=False)
    use_ema = ema and (ckpt / "ema.safetensors").exists()
    model.load_state_dict(ckpt_io.load_weights(ckpt, ema=use_ema))
    stats = ckpt_io.read_json(ckpt, "stats.json")
    if stats is None:
        raise ConfigError(f"{ckpt}: no normalization statistics (stats.json)")
    return LoadedVLA(model.eval(), cfg, Normalizer.from_dict(stats), ckpt, int(meta["step"]))
