"""A forward with data-dependent control flow: the graph shows only the path actually taken.

Teaches: autograd records what ran, not the code. The loop applies `step` while the norm is
above a threshold (twice for the example input), and the branch on the sign of the sum
picks one of two heads; change the input and the graph changes.
"""

from __future__ import annotations

import torch
from torch import nn


class Shrinker(nn.Module):
    """Repeats a contracting layer until the activation is small, then branches on its sign."""

    def __init__(self, dim: int = 8, threshold: float = 2.0, max_steps: int = 10) -> None:
        super().__init__()
        self.step = nn.Linear(dim, dim)
        self.pos_head = nn.Linear(dim, 2)
        self.neg_head = nn.Linear(dim, 2)
        self.threshold = threshold
        self.max_steps = max_steps
        with torch.no_grad():  # a contraction: each step roughly halves the norm
            self.step.weight.copy_(0.5 * torch.eye(dim))
            self.step.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        steps = 0
        while x.norm() > self.threshold and steps < self.max_steps:
            x = torch.tanh(self.step(x))
            steps += 1
        if x.sum() > 0:
            return self.pos_head(x)
        return self.neg_head(x)


def build_model() -> nn.Module:
    torch.manual_seed(0)
    return Shrinker()


def example_input() -> torch.Tensor:
    return torch.full((1, 8), 3.0)
