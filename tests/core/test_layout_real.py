"""Layout invariants on graphs captured from real (small) models."""

from __future__ import annotations

import torch
from torch import nn

from graphviewer.core.capture import capture_model
from graphviewer.core.layout import default_collapsed, layout_graph
from tests.core.test_layout import check_invariants


class _Net(nn.Module):
    """Conv, norm, residual and a head: nested modules with skip edges."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU())
        self.block = nn.Sequential(nn.Conv2d(4, 4, 3, padding=1), nn.ReLU())
        self.head = nn.Linear(4 * 8 * 8, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.stem(x)
        h = h + self.block(h)
        return self.head(h.flatten(1))


def test_layout_real_convnet_invariants() -> None:
    torch.manual_seed(0)
    snap = capture_model(_Net(), torch.randn(2, 3, 8, 8), stats=False)
    check_invariants(snap.graph, layout_graph(snap.graph, snap.modules))
    folded = default_collapsed(snap.graph, snap.modules, depth=1)
    check_invariants(snap.graph, layout_graph(snap.graph, snap.modules, collapsed=folded))


def test_layout_real_unrolled_lstm_uses_stubs() -> None:
    torch.manual_seed(0)
    with torch.backends.mkldnn.flags(enabled=False):
        snap = capture_model(nn.LSTM(4, 8, num_layers=2), torch.randn(30, 1, 4), stats=False)
    layout = layout_graph(snap.graph, snap.modules)
    check_invariants(snap.graph, layout, routes_avoid_boxes=False)
    assert layout.is_stub.sum() > 100
    assert layout.dummies < 2 * snap.num_nodes  # stubs keep long edges few
