"""A long LSTM (800 steps, hidden 32) whose graph is drawn unrolled: a stress test for layout.

Teaches: what a recurrent net really computes, one cell per time step, and why high fan-out
weights need special drawing (the same 8 LSTM parameters feed all 800 steps). With the fused CPU
kernel the graph would be one node per layer; it unrolls only when MKLDNN is off
(`torch.backends.mkldnn.flags(enabled=False)`), which `GRAPHVIEWER_DISABLE_MKLDNN` asks the
capture to do (it arrives in `ModelSpec.hints`). Expect ~20,800 nodes.
"""

from __future__ import annotations

import torch
from torch import nn

GRAPHVIEWER_DISABLE_MKLDNN = True

SEQ_LEN = 800


class LongSequenceModel(nn.Module):
    """LSTM(8 → 32, 2 layers) and Linear(32 → 1) on the last step."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(8, 32, num_layers=2)
        self.head = nn.Linear(32, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return self.head(out[-1])


def build_model() -> nn.Module:
    torch.manual_seed(0)
    return LongSequenceModel()


def example_input() -> torch.Tensor:
    return torch.randn(SEQ_LEN, 2, 8, generator=torch.Generator().manual_seed(1))
