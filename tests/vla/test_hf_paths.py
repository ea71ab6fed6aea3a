"""The Hugging Face vision and causal-LM paths, with tiny randomly initialised configs of the
real classes (SigLIP's vision tower, Qwen2) saved to a local directory."""

import sys
from pathlib import Path

import pytest
import torch

from motionprior.errors import ConfigError
from motionprior.vla.decoding import generate

sys.path.insert(0, str(Path(__file__).parent))  # tests run with --import-mode=importlib
from vla_cases import make_batch, make_model  # noqa: E402


@pytest.fixture(scope="module")
def hf_dirs(tmp_path_factory):
    from transformers import Qwen2Config, Qwen2Model, SiglipVisionConfig, SiglipVisionModel

    root = tmp_path_factory.mktemp("hf")
    torch.manual_seed(0)
    SiglipVisionModel(SiglipVisionConfig(
        hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
        image_size=32, patch_size=8)).save_pretrained(root / "siglip")
    Qwen2Model(Qwen2Config(
        hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, vocab_size=64, max_position_embeddings=256)).save_pretrained(
        root / "qwen")
    return root


@pytest.mark.parametrize("variant", ["motion+tokens", "flow"])
def test_hf_vision_and_backbone_train_and_decode(hf_dirs, variant):
    model = make_model(variant, vision=f"hf:{hf_dirs / 'siglip'}",
                       backbone=f"hf:{hf_dirs / 'qwen'}")
    assert type(model.backbone.model).__name__ == "Qwen2Model"
    vision = type(model.vision.encoder.model).__name__
    assert vision in ("SiglipVisionModel", "SiglipVisionTransformer")
    batch = make_batch(b=4, seed=2)
    loss, _ = model.compute_loss(batch, step=0, generator=torch.Generator().manual_seed(0))
    loss.backward()
    part = model.backbone.model if variant != "flow" else model.action_expert.out
    grads = [p.grad for p in part.parameters()]  # (D's zero-initialised output layer first)
    assert any(g is not None and g.abs().sum() > 0 for g in grads)
    model.eval()
    out = generate(model, batch, torch.tensor([4, 4, 3, 4]))
    assert out.actions.shape[0] == 4 and (out.actions[2, :, 3:] == 0).all()


def test_hf_backbone_keeps_the_prefix_lm_mask(hf_dirs):
    """A generated token never changes a prefix token's state or an earlier generated one's."""
    model = make_model("tokens", backbone=f"hf:{hf_dirs / 'qwen'}").eval()
    batch = make_batch(b=4, seed=2)
    layout = model.layout(batch)
    h1, _ = model.forward_sequence(batch, layout)
    layout.inputs[:, 5] = model.vocab.action_start + 17
    h2, _ = model.forward_sequence(batch, layout)
    p = model.prefix_len
    assert torch.allclose(h1[:, : p + 5], h2[:, : p + 5], atol=1e-5)
    assert not torch.allclose(h1[:, p + 5], h2[:, p + 5])


def test_hf_path_must_be_a_model_directory(tmp_path):
    with pytest.raises(ConfigError, match="not a Hugging Face model directory"):
        make_model("flow", backbone=f"hf:{tmp_path}")
