"""The model vocabulary of every VLA variant.

Output ids are laid out as: the special markers, then the motion-word tokens, then the 256 action
tokens (`<act_0>` ... `<act_255>`, new tokens appended to the language vocabulary, not reused
rare ones). Motion words are written with the language model's own word pieces (`move`,
`forward`, `counter`, `##cl`, `##ock`, `##wise`, `,` ...), so their embeddings can start from the
pretrained embeddings of those pieces; `lm_ids` maps each motion token to its language-model id.

Specials: `<pad>` (no token; inputs of padded action slots), `<bos>` (the first generated
input), `<end>` (ends every generated sequence), `<act>` (ends the motion words and starts the
action tokens) and `<flow>` (ends the motion words where a flow action expert follows; its
hidden state is the expert's query).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

from motionprior.errors import DataError
from motionprior.motion.vocabulary import code_table, parse_label
from motionprior.tokens.action_tokenizer import NUM_BINS

SPECIALS = ("<pad>", "<bos>", "<end>", "<act>", "<flow>")
PAD, BOS, END, ACT, FLOW = range(len(SPECIALS))

Tokenize = Callable[[str], list[int]]


def motion_lm_ids(tokenize: Tokenize) -> tuple[int, ...]:
    """The sorted language-model ids of every word piece any motion label uses."""
    ids: set[int] = set()
    for label in code_table().tolist():
        ids.update(tokenize(label))
    return tuple(sorted(ids))


@dataclass(frozen=True)
class ModelVocabulary:
    """Ids of the specials, motion words and action tokens; built from the LM's tokenizer.

    `pieces[i]` is the word piece of motion token i (for decoding to text without the LM).
    """

    lm_ids: tuple[int, ...]
    pieces: tuple[str, ...]
    bins: int = NUM_BINS

    def __post_init__(self) -> None:
        if len(self.lm_ids) != len(self.pieces) or not self.lm_ids:
            raise DataError("vocabulary: lm_ids and pieces must be non-empty and equally long")

    @classmethod
    def build(cls, tokenize: Tokenize, id_to_piece: Callable[[int], str]) -> ModelVocabulary:
        ids = motion_lm_ids(tokenize)
        return cls(ids, tuple(id_to_piece(i) for i in ids))

    # -- id ranges ---------------------------------------------------------------------------
    @property
    def num_specials(self) -> int:
        return len(SPECIALS)

    @property
    def motion_start(self) -> int:
        return len(SPECIALS)

    @property
    def action_start(self) -> int:
        return len(SPECIALS) + len(self.lm_ids)

    @property
    def size(self) -> int:
        return self.action_start + self.bins

    def motion_ids(self) -> range:
        return range(self.motion_start, self.action_start)

    def action_ids(self) -> range:
        return range(self.action_start, self.size)

    # -- motion words ------------------------------------------------------------------------
    @cached_property
    def _model_id_of_lm(self) -> dict[int, int]:
        return {lm: self.motion_start + k for k, lm in enumerate(self.lm_ids)}

    def encode_motion(self, label: str, tokenize: Tokenize) -> list[int]:
        """Model ids of a motion label (validated against the grammar first)."""
        parse_label(label)
        try:
            return [self._model_id_of_lm[i] for i in tokenize(label)]
        except KeyError:
            raise DataError(f"motion label {label!r} uses a word piece outside this "
                            "vocabulary") from None

    def decode_motion(self, ids: Sequence[int]) -> str:
        """Text of motion-token ids (word pieces joined; `,` and `##` pieces attach)."""
        out = ""
        for i in ids:
            if not self.motion_start <= i < self.action_start:
                raise DataError(f"id {i} is not a motion-word token")
            piece = self.pieces[i - self.motion_start]
            if piece.startswith("##"):
                out += piece[2:]
            elif piece == "," or not out:
                out += piece
            else:
                out += " " + piece
        return out.replace(",", ", ").replace("  ", " ").strip()

    def to_dict(self) -> dict:
        return {"lm_ids": list(self.lm_ids), "pieces": list(self.pieces), "bins": self.bins}

    @classmethod
    def from_dict(cls, d: dict) -> ModelVocabulary:
        return cls(tuple(d["lm_ids"]), tuple(d["pieces"]), int(d["bins"]))
