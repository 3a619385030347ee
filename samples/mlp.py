"""A small MLP: Linear → BatchNorm → ReLU → Dropout → Linear, the first model to look at.

Teaches: how named submodules (`layer1`, `bn1`, ...) group the autograd ops, and how train and
eval differ (BatchNorm batch statistics vs running statistics, Dropout masks).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class MLP(nn.Module):
    """Two linear layers with BatchNorm, ReLU and Dropout between them."""

    def __init__(self, n_in: int = 20, hidden: int = 64, n_out: int = 10) -> None:
        super().__init__()
        self.layer1 = nn.Linear(n_in, hidden)
        self.bn1 = nn.BatchNorm1d(hidden)
        self.act1 = nn.ReLU()
        self.drop1 = nn.Dropout(0.2)
        self.layer2 = nn.Linear(hidden, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.layer1(x)
        h = self.bn1(h)
        h = self.act1(h)
        h = self.drop1(h)
        return self.layer2(h)


def build_model() -> nn.Module:
    torch.manual_seed(0)
    return MLP()


def example_input() -> torch.Tensor:
    return torch.randn(16, 20, generator=torch.Generator().manual_seed(1))


TARGETS = torch.arange(16) % 10


def loss_fn(output: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(output, TARGETS)
