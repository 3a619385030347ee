"""A model whose forward fails: a matmul with the wrong shapes, on a known line.

Teaches: when the forward raises, graphviewer reports the exception and the line of your code
that raised it (the `x @ self.weight` line in `forward`), instead of a traceback.
"""

from __future__ import annotations

import torch
from torch import nn


class Broken(nn.Module):
    """Its weight is (5, 3) but the input has 4 features: `x @ self.weight` cannot work."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(5, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x * 2
        return h @ self.weight  # RAISES: (2x4) @ (5x3)


def build_model() -> nn.Module:
    torch.manual_seed(0)
    return Broken()


def example_input() -> torch.Tensor:
    return torch.randn(2, 4)
