"""Tokens: the action tokenizer (256 uniform bins) and the model vocabulary (language tokens,
motion words, action tokens and the special markers) shared by every VLA variant."""

from motionprior.tokens.action_tokenizer import NUM_BINS, ActionTokenizer
from motionprior.tokens.vocabulary import SPECIALS, ModelVocabulary

__all__ = ["NUM_BINS", "ActionTokenizer", "ModelVocabulary", "SPECIALS"]
