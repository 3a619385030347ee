"""Edge labels out of a folded module tell the truth about shapes, or say nothing."""

from __future__ import annotations

import torch
from torch import nn

from graphviewer.core.capture import capture_model
from graphviewer.render.text import edge_text


class _Shared(nn.Module):
    """One ReLU called after a 64-channel and after a 32-channel convolution."""

    def __init__(self) -> None:
        super().__init__()
        self.a, self.b, self.c = nn.Conv2d(1, 8, 3), nn.Conv2d(8, 4, 3), nn.Conv2d(4, 2, 3)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.c(self.relu(self.b(self.relu(self.a(x)))))


def test_edge_text_of_a_module_called_with_other_shapes_is_empty() -> None:
    snap = capture_model(_Shared(), torch.randn(1, 1, 12, 12))
    assert snap.modules["relu"].shapes_vary
    assert edge_text(snap, "module:relu", "module:c") == ""
    assert edge_text(snap, "module:a", "module:relu") == "1×8×10×10"
