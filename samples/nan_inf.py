"""A net whose activations go bad: a log of negative numbers (NaN) and a division by zero (Inf).

Teaches: how NaN and Inf appear in the activation statistics and where they start. `log_layer`
takes the log of values that are partly negative, giving NaN; `ratio` divides by a feature that
is exactly zero, giving Inf; both spread into `head`.
"""

from __future__ import annotations

import torch
from torch import nn


class LogLayer(nn.Module):
    """`log(x)`: NaN wherever x < 0."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.log(x)


class Ratio(nn.Module):
    """`x / x[:, :1]`, and the first feature is zero: Inf."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x / x[:, :1]


class NanInfNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(6, 6)
        self.log_layer = LogLayer()
        self.ratio = Ratio()
        self.head = nn.Linear(12, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.log_layer(self.fc(x))
        b = self.ratio(x)
        return self.head(torch.cat([a, b], dim=1))


def build_model() -> nn.Module:
    torch.manual_seed(0)
    return NanInfNet()


def example_input() -> torch.Tensor:
    x = torch.randn(8, 6, generator=torch.Generator().manual_seed(1))
    x[:, 0] = 0.0
    return x
