"""Idea A stage 2 inside the VLA: decoder reuse, latent distillation, the history token, the
ablation switches (tiny models, synthetic batches; the CLI chain is in
test_prior_end_to_end.py)."""

import dataclasses
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))  # tests run with --import-mode=importlib
from vla_cases import make_batch, make_model, make_prior, tiny_config  # noqa: E402

from motionprior.errors import ConfigError, UnknownNameError  # noqa: E402
from motionprior.tokens import ModelVocabulary  # noqa: E402
from motionprior.train.config import TrainConfig  # noqa: E402
from motionprior.train.optim import build_optimizer  # noqa: E402
from motionprior.vla.config import TransferConfig  # noqa: E402
from motionprior.vla.decoding import generate  # noqa: E402
from motionprior.vla.prior_transfer import attach_prior, check_prior_shape  # noqa: E402
from motionprior.vla.training import build_model  # noqa: E402


def transfer_model(variant="flow+prior", seed=0, **transfer):
    cfg = tiny_config(variant, augment_shift=0)
    cfg = dataclasses.replace(cfg, transfer=dataclasses.replace(cfg.transfer, **transfer))
    torch.manual_seed(seed)
    model = build_model(cfg)
    loaded = make_prior(cfg.flow)
    attach_prior(model, loaded)
    return model, loaded.model


def loss_at(model, batch, step, seed=0):
    return model.compute_loss(batch, step=step, generator=torch.Generator().manual_seed(seed))


def test_decoder_reuse_is_bit_exact_at_step_zero():
    model, prior = transfer_model()
    batch = make_batch(b=3)
    mask = batch["action_mask"]
    z = torch.randn(3, model.cfg.flow.latent_dim, generator=torch.Generator().manual_seed(3))
    noise = torch.randn(mask.shape, generator=torch.Generator().manual_seed(4))
    with torch.no_grad():  # the backbone's real output tokens, through the new cross-attention
        h, valid = model.forward_sequence(batch, model.layout(batch))
    d = model.action_expert
    ours = d.sample(d.context(z), mask, noise, 10, {"backbone": (h, valid)})
    theirs = prior.decoder.sample(prior.decoder.context(z), mask, noise, 10)
    assert torch.equal(ours, theirs) and ours.abs().sum() > 0
    t = torch.full((3,), 0.6)
    assert torch.equal(d.velocity(noise, t, d.context(z), mask, {"backbone": (h, valid)}),
                       prior.decoder.velocity(noise, t, prior.decoder.context(z), mask))
    assert torch.equal(model.prior_encoder.query, prior.encoder.query)


def test_distillation_weight_follows_its_schedule():
    t = TransferConfig(distill_weight=2.0, distill_steps=100)
    assert [t.distill_lambda(s) for s in (0, 50, 99, 100, 5000)] == pytest.approx(
        [2.0, 1.0, 0.02, 0.0, 0.0])
    cos = dataclasses.replace(t, distill_schedule="cosine")
    assert cos.distill_lambda(0) == 2.0 and cos.distill_lambda(50) == pytest.approx(1.0)
    assert dataclasses.replace(t, distill_schedule="constant").distill_lambda(99) == 2.0
    assert TransferConfig(distill_weight=0.0).distill_lambda(0) == 0.0
    with pytest.raises(UnknownNameError, match="unknown distill schedule 'step'; known: constant"):
        TransferConfig(distill_schedule="step")
    model, _ = transfer_model(distill_weight=2.0, distill_steps=10)
    batch = make_batch()
    for step, weight in ((0, 2.0), (5, 1.0)):
        metrics = loss_at(model, batch, step)[1]
        assert float(metrics["distill_weight"]) == weight and metrics["distill"] > 0
    assert "distill" not in loss_at(model, batch, 10)[1]


def test_distillation_gradient_reaches_the_backbone_but_never_the_encoder():
    model, _ = transfer_model(distill_steps=10)
    model.train()
    batch = make_batch()
    # the same draws at step 0 (lambda 1) and step 10 (lambda 0): the difference is the
    # distillation term alone
    (loss_at(model, batch, 0)[0] - loss_at(model, batch, 10)[0]).backward()
    grads = {n: p.grad for n, p in model.named_parameters()}
    assert any(g is not None and g.abs().sum() > 0 for n, g in grads.items()
               if n.startswith("backbone."))
    assert grads["z_head.weight"].abs().sum() > 0
    assert all(g is None or g.abs().sum() == 0 for n, g in grads.items()
               if n.startswith("action_expert."))  # the target path does not touch D
    assert all(not p.requires_grad and p.grad is None for p in model.prior_encoder.parameters())


def test_encoder_and_history_encoder_stay_frozen_through_training():
    model, _ = transfer_model()
    before = {k: v.clone() for k, v in model.prior_encoder.state_dict().items()}
    opt = build_optimizer(model, TrainConfig(lr=1e-2))
    model.train()
    assert not model.prior_encoder.training
    for step in range(3):
        loss = loss_at(model, make_batch(seed=step), step)[0]
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = model.prior_encoder.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    in_optimizer = {id(p) for g in opt.param_groups for p in g["params"]}
    assert not in_optimizer & {id(p) for p in model.prior_encoder.parameters()}


def test_history_token_changes_the_output_when_the_history_changes():
    model, _ = transfer_model()
    model.eval()
    batch = make_batch(b=2)
    other = dict(batch, history_actions=batch["history_actions"].flip(1))
    with torch.no_grad():
        p1, _ = model.encode_prefix(batch)
        p2, _ = model.encode_prefix(other)
        a1 = generate(model, batch, torch.tensor([4, 4]), noise=torch.zeros(2, 16, 32))
        a2 = generate(model, other, torch.tensor([4, 4]), noise=torch.zeros(2, 16, 32))
    assert torch.equal(p1[:, :-1], p2[:, :-1]) and not torch.equal(p1[:, -1], p2[:, -1])
    assert not torch.equal(a1.actions, a2.actions)
    missing = {k: v for k, v in batch.items() if k != "history_mask"}
    with pytest.raises(ConfigError, match=r"needs \['history_mask'\]"):
        model.encode_prefix(missing)


def test_history_dropout_hides_whole_histories_in_training_only():
    model, _ = transfer_model(history_dropout=0.5)
    batch = make_batch(b=8)
    hidden = dict(batch, history_mask=torch.zeros_like(batch["history_mask"]))
    with torch.no_grad():
        true, none = model.history_token(batch), model.history_token(hidden)
        assert not torch.equal(true, none)
        dropped = model.history_token(batch, augment=True,
                                      generator=torch.Generator().manual_seed(1))
        again = model.history_token(batch, augment=True,
                                    generator=torch.Generator().manual_seed(1))
    gone = torch.rand(8, generator=torch.Generator().manual_seed(1)) < 0.5
    assert 0 < gone.sum() < 8 and torch.equal(dropped, again)  # one seeded draw per sample
    assert torch.equal(dropped[gone], none[gone]) and torch.equal(dropped[~gone], true[~gone])
    with torch.no_grad():  # inference never drops
        assert torch.equal(model.history_token(batch, generator=torch.Generator()), true)
    # at rate 0 nothing is drawn, so the runs without dropout keep their random stream
    plain, _ = transfer_model()
    g = torch.Generator().manual_seed(5)
    with torch.no_grad():
        plain.history_token(batch, augment=True, generator=g)
    assert torch.equal(g.get_state(), torch.Generator().manual_seed(5).get_state())
    # the training loss goes through it: train and eval differ only by the dropout
    for m, differs in ((model, True), (plain, False)):
        m.train()
        trained = loss_at(m, batch, 5000)[0]
        m.eval()
        assert torch.equal(trained, loss_at(m, batch, 5000)[0]) is not differs
    with pytest.raises(ConfigError, match=r"history_dropout must be in \[0, 1\), got 1"):
        TransferConfig(history_dropout=1.0)
    with pytest.raises(ConfigError, match="contradicts history=False"):
        TransferConfig(history=False, history_dropout=0.1)


@pytest.mark.parametrize("variant", ["flow+prior", "motion+flow+prior"])
def test_new_variants_overfit_a_fixed_batch(variant):
    model, _ = transfer_model(variant, distill_steps=150)
    batch = make_batch()
    opt = build_optimizer(model, TrainConfig(lr=3e-3, weight_decay=0.0))
    model.train()
    first = float(loss_at(model, batch, 400)[0])  # past distillation: flow (+ words) only
    for step in range(300):
        loss, metrics = loss_at(model, batch, step, seed=step % 4)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    last, metrics = loss_at(model, batch, 400)
    assert float(last) < 0.35 * first
    if variant == "motion+flow+prior":
        assert float(metrics["motion_acc"]) == 1.0
        out = generate(model, batch, torch.tensor([3, 4, 4, 4]))
        assert out.motion == batch["motion"]  # valid words first, then D's chunk
        assert out.actions.shape == (4, 16, 32) and (out.actions[0, :, 3:] == 0).all()


def test_motion_flow_prior_emits_words_then_a_chunk_untrained():
    model, _ = transfer_model("motion+flow+prior")
    model.eval()
    vocab: ModelVocabulary = model.vocab
    out = generate(model, make_batch(b=2), torch.tensor([4, 3]))
    for tokens, words in zip(out.tokens, out.motion, strict=True):
        assert tokens[-1] == 4  # <flow> closes the words
        assert all(vocab.motion_start <= t < vocab.action_start for t in tokens[:-1])
        assert len(tokens) - 1 <= model.cfg.max_motion_tokens and isinstance(words, str)
    assert out.actions.shape == (2, 16, 32) and (out.actions[1, :, 3:] == 0).all()


def test_ablation_switches_change_exactly_what_they_name():
    base, prior = transfer_model()
    names = lambda m: {n for n, _ in m.named_parameters()}  # noqa: E731
    no_hist, _ = transfer_model(history=False)
    assert names(base) - names(no_hist) == {"history_proj.weight", "history_proj.bias"}
    assert no_hist.prefix_len == base.prefix_len - 1
    random_d, _ = transfer_model(reuse_decoder=False)
    assert torch.equal(random_d.prior_encoder.query, prior.encoder.query)
    assert not torch.equal(random_d.action_expert.out.weight, prior.decoder.out.weight)
    frozen, _ = transfer_model(freeze_decoder=True)
    trainable = {n for n, p in frozen.action_expert.named_parameters() if p.requires_grad}
    assert trainable and all(".cross." in n for n in trainable)
    assert {n for n, p in frozen.named_parameters() if p.requires_grad} == (
        {n for n, p in base.named_parameters() if p.requires_grad}
        - {f"action_expert.{n}" for n, p in frozen.action_expert.named_parameters()
           if ".cross." not in n})
    no_distill, _ = transfer_model(distill_weight=0.0)
    assert "distill" not in loss_at(no_distill, make_batch(), 0)[1]
    # learning rates: the reused D's own weights at the multiplier, its new paths at 1
    opt = build_optimizer(base, TrainConfig(lr=1e-3))
    lr_of = {id(p): g["lr"] for g in opt.param_groups for p in g["params"]}
    d = dict(base.named_parameters())
    assert lr_of[id(d["action_expert.out.weight"])] == pytest.approx(1e-4)
    cross = next(n for n in d if ".cross." in n and n.startswith("action_expert."))
    assert lr_of[id(d[cross])] == 1e-3 and lr_of[id(d["z_head.weight"])] == 1e-3
    opt = build_optimizer(random_d, TrainConfig(lr=1e-3))
    assert {g["lr"] for g in opt.param_groups} == {1e-3}


def test_prior_of_another_shape_is_refused_naming_both_values():
    cfg = tiny_config("flow+prior")
    other = dataclasses.replace(cfg.flow, latent_dim=8)
    with pytest.raises(ConfigError, match=r"prior p has latent_dim=8 but the policy's flow "
                                          r"expert has latent_dim=16"):
        check_prior_shape(cfg.flow, other, "p")
    with pytest.raises(ConfigError, match="horizon=8 but the policy's flow expert has "
                                          "horizon=16"):
        check_prior_shape(cfg.flow, dataclasses.replace(cfg.flow, horizon=8), "p")


def test_decoder_with_embodiment_embeddings_needs_every_data_embodiment():
    cfg = tiny_config("flow+prior")
    flow = dataclasses.replace(cfg.flow, use_embodiment=True, embodiments=("arm_b", "arm_z"))
    with pytest.raises(UnknownNameError, match="unknown embodiment of the prior .*'arm_a'; known: "
                                          "arm_b, arm_z"):
        build_model(dataclasses.replace(cfg, flow=flow))
    flow = dataclasses.replace(flow, embodiments=("arm_z", "arm_b", "arm_a"))
    model = build_model(dataclasses.replace(cfg, flow=flow))
    assert model.expert_embodiment.tolist() == [2, 1]  # the policy's ids in D's table
    assert make_model("flow").expert_embodiment_ids(make_batch()) is None
