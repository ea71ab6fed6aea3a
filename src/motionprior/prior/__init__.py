"""Stage 1 of the action-prior idea: a flow-matching action encoder-decoder on actions alone."""

from motionprior.prior.config import PriorConfig, PriorDataConfig, PriorRunConfig, preset
from motionprior.prior.model import MODEL_TYPE, ActionPrior

__all__ = ["ActionPrior", "MODEL_TYPE", "PriorConfig", "PriorDataConfig", "PriorRunConfig",
           "preset"]
