"""A two-layer LSTM over a sequence, with a linear head on the last time step.

Teaches: on CPU an `nn.LSTM` runs as one fused kernel per layer, so the graph shows one
node per layer (see `lstm_unrolled.py` for the step-by-step graph). Input: 12 steps, batch 4,
8 features (sequence first).
"""

from __future__ import annotations

import torch
from torch import nn


class SequenceModel(nn.Module):
    """LSTM(8 → 16, 2 layers) and Linear(16 → 3) on the last step's output."""

    def __init__(self, n_in: int = 8, hidden: int = 16, n_out: int = 3) -> None:
        super().__init__()
        self.lstm = nn.LSTM(n_in, hidden, num_layers=2)
        self.head = nn.Linear(hidden, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return self.head(out[-1])


def build_model() -> nn.Module:
    torch.manual_seed(0)
    return SequenceModel()


def example_input() -> torch.Tensor:
    return torch.randn(12, 4, 8, generator=torch.Generator().manual_seed(1))


def loss_fn(output: torch.Tensor) -> torch.Tensor:
    return output.pow(2).mean()
