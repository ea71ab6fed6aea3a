"""METHOD.md's action tokenizer: each normalized action dimension in [-1, 1] is one of 256
uniform bins; decoding returns the bin centre (round-trip error at most half a bin, 1/256).

Bin `i` covers `[-1 + i w, -1 + (i + 1) w)` with `w = 2 / 256`; +1 belongs to the last bin and
values outside [-1, 1] are clipped first, so every finite input has a bin. NaN is an error.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from motionprior.errors import DataError

NUM_BINS = 256


class ActionTokenizer:
    """Map normalized actions to bin indices `0..bins-1` and back (numpy or torch)."""

    def __init__(self, bins: int = NUM_BINS) -> None:
        if bins < 2:
            raise ValueError(f"bins must be >= 2, got {bins}")
        self.bins = bins
        self.width = 2.0 / bins

    def encode(self, x: Tensor | np.ndarray) -> Tensor:
        """Bin indices (int64) of normalized values, same shape as `x`."""
        x = torch.as_tensor(x, dtype=torch.float64)
        if torch.isnan(x).any():
            raise DataError("action tokenizer: NaN in the actions to tokenize")
        idx = torch.floor((x.clamp(-1.0, 1.0) + 1.0) / self.width).long()
        return idx.clamp_(0, self.bins - 1)

    def decode(self, idx: Tensor | np.ndarray) -> Tensor:
        """Bin centres (float32) of bin indices; an index outside `0..bins-1` is an error."""
        idx = torch.as_tensor(idx).long()
        if idx.numel() and (idx.min() < 0 or idx.max() >= self.bins):
            raise DataError(f"action token index out of range 0..{self.bins - 1}: "
                            f"{int(idx.min())}..{int(idx.max())}")
        return (-1.0 + (idx.double() + 0.5) * self.width).float()
