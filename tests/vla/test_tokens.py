import numpy as np
import pytest
import torch

from motionprior.errors import DataError
from motionprior.motion.vocabulary import code_table
from motionprior.tokens import ActionTokenizer, ModelVocabulary
from motionprior.tokens.vocabulary import SPECIALS
from motionprior.vla.language import load_language


def test_action_tokenizer_edges_and_outside_range():
    tok = ActionTokenizer(256)
    ids = tok.encode(torch.tensor([-1.0, 1.0, -1.5, 7.0, 0.0, -1.0 + 2 / 256, 1 - 1e-9]))
    assert ids.tolist() == [0, 255, 0, 255, 128, 1, 255]
    centres = tok.decode(torch.tensor([0, 255, 128]))
    assert torch.allclose(centres, torch.tensor([-1 + 1 / 256, 1 - 1 / 256, 1 / 256]))


def test_action_tokenizer_round_trip_error_is_at_most_half_a_bin():
    tok = ActionTokenizer(256)
    x = torch.linspace(-1, 1, 100_001)
    err = (tok.decode(tok.encode(x)) - x).abs().max()
    assert err <= 1 / 256 + 1e-6
    assert err > 1 / 256 - 1e-4  # the bound is tight: the edges of a bin reach it


def test_action_tokenizer_bad_input():
    tok = ActionTokenizer()
    with pytest.raises(DataError, match="NaN"):
        tok.encode(np.array([0.0, np.nan]))
    with pytest.raises(DataError, match="out of range 0..255"):
        tok.decode(torch.tensor([256]))
    with pytest.raises(DataError, match="out of range"):
        tok.decode(torch.tensor([-1]))


@pytest.fixture(scope="module")
def vocab():
    lm = load_language()
    return ModelVocabulary.build(lm.tokenize, lm.piece), lm


def test_vocabulary_layout(vocab):
    v, _ = vocab
    assert v.motion_start == len(SPECIALS)
    assert len(v.motion_ids()) == 20  # the word pieces of the whole motion grammar
    assert v.action_ids() == range(v.action_start, v.action_start + 256)
    assert v.size == len(SPECIALS) + 20 + 256


def test_every_motion_label_round_trips_through_word_pieces(vocab):
    v, lm = vocab
    for label in code_table().tolist():
        ids = v.encode_motion(label, lm.tokenize)
        assert all(i in v.motion_ids() for i in ids)
        assert v.decode_motion(ids) == label


def test_motion_encoding_rejects_bad_labels(vocab):
    v, lm = vocab
    with pytest.raises(DataError):
        v.encode_motion("move sideways", lm.tokenize)
    with pytest.raises(DataError, match="not a motion-word token"):
        v.decode_motion([v.action_start])
    assert ModelVocabulary.from_dict(v.to_dict()) == v
