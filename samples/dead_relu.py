"""A net with dead ReLUs: a large negative bias makes most units zero for every sample.

Teaches: how to spot dead units in the activation statistics (a unit that is 0 for the whole
batch passes no gradient, so it never learns). In `hidden`, units 0–47 of 64 have bias -10
and are dead for this input; the other 16 live.
"""

from __future__ import annotations

import torch
from torch import nn


class DeadReluNet(nn.Module):
    """Linear(16 → 64) with a crippling bias, ReLU, Linear(64 → 4)."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = nn.Linear(16, 64)
        self.relu = nn.ReLU()
        self.out = nn.Linear(64, 4)
        with torch.no_grad():
            self.hidden.weight.mul_(0.1)
            self.hidden.bias[:48] = -10.0
            self.hidden.bias[48:] = 1.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.relu(self.hidden(x)))


def build_model() -> nn.Module:
    torch.manual_seed(0)
    return DeadReluNet()


def example_input() -> torch.Tensor:
    return torch.randn(32, 16, generator=torch.Generator().manual_seed(1))
