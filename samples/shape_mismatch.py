"""A small CNN whose classifier expects the wrong number of features: the classic mistake.

Teaches: the Linear head was sized for 32×32 images pooled twice (16 × 8 × 8 = 1024 features),
but the input is 28×28, so Flatten hands it 16 × 7 × 7 = 784 and the forward raises
`mat1 and mat2 shapes cannot be multiplied (4x784 and 1024x10)`. graphviewer still shows the
graph built up to the failure, with the `head.fc` module that raised selected and the shapes
that flowed into it.
"""

from __future__ import annotations

import torch
from torch import nn


class Head(nn.Module):
    """Flatten the feature maps and classify them."""

    def __init__(self, in_features: int, n_classes: int) -> None:
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(in_features, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.flatten(x))  # RAISES: 784 features arrive, 1024 expected


class MismatchedCNN(nn.Module):
    """Two conv blocks sized for 32×32 inputs, fed 28×28 ones."""

    def __init__(self, n_classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.head = Head(16 * 8 * 8, n_classes)  # the mistake: 16 * 7 * 7 for 28×28 inputs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def build_model() -> nn.Module:
    torch.manual_seed(0)
    return MismatchedCNN()


def example_input() -> torch.Tensor:
    return torch.randn(4, 1, 28, 28, generator=torch.Generator().manual_seed(1))
