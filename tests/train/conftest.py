"""A toy model and dataset for the training-loop tests (the loop is model-agnostic)."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.data import Dataset


class ToyData(Dataset):
    """y = x @ w + 0.5, with an "index" field so tests can see the data order."""

    def __init__(self, n: int = 64, seed: int = 0) -> None:
        g = torch.Generator().manual_seed(seed)
        self.x = torch.randn(n, 4, generator=g)
        self.y = self.x @ torch.tensor([1.0, -2.0, 0.5, 3.0]) + 0.5

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int) -> dict:
        return {"x": self.x[i], "y": self.y[i], "index": i}


class ToyModel(nn.Module):
    """A linear model with dropout (global RNG) and input noise (the loop's generator), so
    that both sources of randomness matter for exact resume."""

    model_type = "toy"

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 16), nn.Dropout(0.1), nn.Linear(16, 1))

    def compute_loss(self, batch, *, step, generator):
        noise = 0.01 * torch.randn(batch["x"].shape, generator=generator)
        pred = self.net(batch["x"] + noise).squeeze(-1)
        loss = (pred - batch["y"]).pow(2).mean()
        return loss, {"mse": loss.detach()}


@pytest.fixture(autouse=True)
def _single_thread(one_torch_thread):
    """One torch thread for every test here (the fixture of tests/conftest.py)."""
    yield


@pytest.fixture
def toy():
    return ToyModel, ToyData
