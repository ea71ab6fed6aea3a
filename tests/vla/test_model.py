import copy
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))  # tests run with --import-mode=importlib
from vla_cases import make_batch, make_model  # noqa: E402

from motionprior.vla.decoding import generate  # noqa: E402

VARIANTS = ["motion", "tokens", "motion+tokens", "flow", "flow+prior", "motion+flow+prior"]


def loss_of(model, batch, seed=0):
    return model.compute_loss(batch, step=0, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("variant", VARIANTS)
def test_forward_backward_reaches_every_trained_part(variant, batch):
    model = make_model(variant)
    if "flow" in variant:  # adaLN-Zero: D's output and modulation layers start at zero, so
        opt = torch.optim.SGD(model.parameters(), lr=0.1)  # the condition matters from step 3
        for _ in range(3):
            loss_of(model, batch)[0].backward()
            opt.step()
            opt.zero_grad()
    loss, metrics = loss_of(model, batch)
    assert torch.isfinite(loss) and loss > 0
    loss.backward()
    for name in ("vision", "lang_proj", "state_proj", "backbone", "embed_proj"):
        grads = [p.grad for n, p in model.named_parameters() if n.startswith(name)]
        assert any(g is not None and g.abs().sum() > 0 for g in grads), name
    assert ("flow" in metrics) == ("flow" in variant)
    assert ("token_ce" in metrics) == (variant != "flow" and variant != "flow+prior")


@pytest.mark.parametrize("variant", ["tokens", "motion+tokens", "flow"])
def test_tiny_model_overfits_a_fixed_batch(variant, batch):
    model = make_model(variant, augment_shift=0)  # pure memorisation: no augmentation
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    first = float(loss_of(model, batch)[0].detach())
    for step in range(300):
        loss, metrics = loss_of(model, batch, seed=step % 4 if variant == "flow" else 0)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    last, metrics = loss_of(model, batch)
    if variant == "flow":
        assert float(last) < 0.35 * first
    else:
        assert float(metrics["action_token_acc"]) == 1.0
        if variant == "motion+tokens":
            assert float(metrics["motion_acc"]) == 1.0
        dims = batch["action_mask"][:, 0].sum(-1)
        out = generate(model, batch, dims)
        mask = batch["action_mask"][:, : out.actions.shape[1]]
        err = (out.actions - batch["actions"][:, : out.actions.shape[1]]).abs() * mask
        assert float(err.max()) <= 1 / 256 + 1e-5  # exact up to the bin
        if variant == "motion+tokens":
            assert out.motion == batch["motion"]


def test_padded_action_dims_and_steps_carry_no_loss(batch):
    for variant in ("tokens", "flow"):
        model = make_model(variant).eval()
        other = copy.deepcopy(batch)
        other["actions"] = torch.where(batch["action_mask"], batch["actions"],
                                       torch.full_like(batch["actions"], 0.77))
        assert torch.equal(loss_of(model, batch)[0], loss_of(model, other)[0])
        changed = copy.deepcopy(batch)
        changed["actions"][2, 0, 0] += 0.5  # a valid element: the loss must see it
        assert not torch.equal(loss_of(model, batch)[0], loss_of(model, changed)[0])


def test_prompt_tokens_carry_no_loss_only_targets_do(batch):
    model = make_model("motion").eval()
    layout = model.layout(batch)
    # targets exist only in the generated part: the motion words and <end>
    n_targets = int((layout.targets != -100).sum())
    assert n_targets == sum(len(model.motion_ids([m])[0]) + 1 for m in batch["motion"])


@pytest.mark.parametrize("variant", ["motion", "tokens", "motion+tokens"])
def test_constrained_decoding_stays_in_range(variant):
    batch = make_batch(b=4, seed=3)
    for seed in range(3):
        model = make_model(variant, seed=seed).eval()
        v = model.vocab
        dims = torch.tensor([3, 4, 4, 2])
        out = generate(model, batch, dims)
        for i, toks in enumerate(out.tokens):
            if model.cfg.uses_motion:
                k = next(j for j, t in enumerate(toks) if t not in v.motion_ids())
                assert k <= model.cfg.max_motion_tokens
                assert toks[k] == (3 if variant == "motion+tokens" else 2)  # <act> / <end>
                toks = toks[k + 1:]
            if model.cfg.uses_tokens:
                acts = toks[:-1]
                assert all(t in v.action_ids() for t in acts) and toks[-1] == 2
                assert len(acts) == model.cfg.token_chunk * int(dims[i])
                a = out.actions[i]
                assert (a[:, int(dims[i]):] == 0).all() and a.abs().max() < 1


def test_cached_decoding_equals_teacher_forced_argmax():
    """Greedy decoding with the key/value cache must pick, at every action slot, what a full
    forward of the decoded sequence ranks first among the action tokens."""
    batch = make_batch(b=4, seed=5)
    model = make_model("tokens", seed=1).eval()
    dims = torch.full((4,), model.cfg.action_dims)
    out = generate(model, batch, dims)
    batch2 = dict(batch, actions=out.actions, action_mask=torch.ones_like(batch["action_mask"]))
    batch2["action_mask"][:, :, 4:] = False
    layout = model.layout(batch2)
    h, _ = model.forward_sequence(batch2, layout)
    lo = model.vocab.action_start
    pred = model.logits(h[:, model.prefix_len:])[..., lo:].argmax(-1) + lo
    sel = layout.targets >= lo
    assert int(sel.sum()) == 4 * model.num_slots
    assert torch.equal(pred[sel], layout.targets[sel])


def test_flow_decoding_is_deterministic_given_noise():
    batch = make_batch(b=2, seed=1)
    model = make_model("flow").eval()
    dims = torch.tensor([4, 3])
    noise = torch.randn(2, model.cfg.flow.horizon, 32)
    a = generate(model, batch, dims, noise=noise).actions
    b = generate(model, batch, dims, noise=noise).actions
    assert torch.equal(a, b) and (a[1, :, 3:] == 0).all() and (a[0, :, 4:] == 0).all()
    c = generate(model, batch, dims, noise=noise + 1).actions
    assert not torch.equal(a, c)


def test_keypoint_pooling_finds_a_bright_spot():
    from motionprior.vla.vision import KeypointPool

    pool = KeypointPool(channels=1, k=1, width=3)
    with torch.no_grad():
        pool.logits.weight.fill_(50.0)  # attention ~ one-hot on the brightest cell
        pool.logits.bias.zero_()
        pool.proj.weight.zero_()
        pool.proj.weight[0, 1] = 1.0  # token = (x, y, feature) of the keypoint
        pool.proj.weight[1, 2] = 1.0
        pool.proj.weight[2, 0] = 1.0
        pool.proj.bias.zero_()
    h = torch.zeros(2, 1, 5, 9)
    h[0, 0, 1, 6] = 1.0  # row 1 of 5, column 6 of 9
    h[1, 0, 4, 0] = 1.0
    out = pool(h)
    assert out.shape == (2, 1, 3)
    assert torch.allclose(out[0, 0], torch.tensor([0.5, -0.5, 1.0]), atol=1e-4)
    assert torch.allclose(out[1, 0], torch.tensor([-1.0, 1.0, 1.0]), atol=1e-4)
    model = make_model("flow", vision_pool="keypoints")
    tokens = model.vision(make_batch()["images"], augment=False)
    assert tokens.shape == (4, model.cfg.vision_grid ** 2, model.cfg.width)
