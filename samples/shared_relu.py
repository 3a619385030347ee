"""A super-resolution network that calls one ReLU module after each of three convolutions.

Teaches: a module instance is a function you can call many times. pytorch/examples'
`super_resolution/model.py` is written this way: `self.relu` is defined once and used three
times; each call is its own box, folded or not. The last step, `pixel_shuffle`, rearranges
channels into a 3× larger image (1×1×24×24 → 1×1×72×72).
"""

from __future__ import annotations

import torch
from torch import nn


class SuperResolutionNet(nn.Module):
    """conv1 → relu → conv2 → relu → conv3 → relu → conv4 → pixel_shuffle."""

    def __init__(self, upscale_factor: int = 3) -> None:
        super().__init__()
        self.relu = nn.ReLU()
        self.conv1 = nn.Conv2d(1, 16, 5, padding=2)
        self.conv2 = nn.Conv2d(16, 16, 3, padding=1)
        self.conv3 = nn.Conv2d(16, 8, 3, padding=1)
        self.conv4 = nn.Conv2d(8, upscale_factor**2, 3, padding=1)
        self.pixel_shuffle = nn.PixelShuffle(upscale_factor)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        x = self.relu(self.conv3(x))
        return self.pixel_shuffle(self.conv4(x))


def build_model() -> nn.Module:
    torch.manual_seed(0)
    return SuperResolutionNet()


def example_input() -> torch.Tensor:
    return torch.randn(1, 1, 24, 24, generator=torch.Generator().manual_seed(1))


def loss_fn(output: torch.Tensor) -> torch.Tensor:
    return output.pow(2).mean()
