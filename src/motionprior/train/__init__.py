"""The one training loop of every stage, with its optimizer, EMA, checkpoints and logs."""

from motionprior.train.config import TrainConfig
from motionprior.train.loop import StepInfo, TrainableModel, TrainResult, seed_everything, train

__all__ = ["TrainConfig", "TrainableModel", "StepInfo", "TrainResult", "train", "seed_everything"]
