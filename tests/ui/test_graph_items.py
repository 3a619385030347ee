"""Lookups of drawn items and groups in a layout (Qt-free)."""

from __future__ import annotations

import numpy as np

from graphviewer.core.types import Layout
from graphviewer.ui.graph_items import anchor_box, item_box, item_boxes


def _layout() -> Layout:
    """Two calls of module "act" (one group box each) and one of "fc"."""
    return Layout(
        items=("n0", "n1", "n2"),
        boxes=np.array([[0, 0, 50, 20], [0, 100, 50, 20], [0, 300, 50, 20]], dtype=np.float64),
        is_stub=np.zeros(3, dtype=bool),
        layers=np.arange(3, dtype=np.int32),
        edge_src=np.zeros(0, np.int32),
        edge_dst=np.zeros(0, np.int32),
        edge_points=np.zeros((0, 2)),
        edge_offsets=np.zeros(1, np.int64),
        group_paths=("act", "fc", "act"),
        group_boxes=np.array([[-8, -20, 66, 48], [-8, 80, 66, 48], [-8, 280, 66, 48]], float),
        group_depths=np.ones(3, dtype=np.int32),
        collapsed=frozenset(),
    )


def test_graph_items_module_called_twice_covers_every_box() -> None:
    layout = _layout()
    assert item_boxes(layout, "act") == [(-8.0, -20.0, 66.0, 48.0), (-8.0, 280.0, 66.0, 48.0)]
    assert item_box(layout, "act") == (-8.0, -20.0, 66.0, 348.0)  # zooming to it shows both
    assert anchor_box(layout, "act") == item_box(layout, "act")
    assert item_box(layout, "fc") == (-8.0, 80.0, 66.0, 48.0)
    assert item_boxes(layout, "n1") == [(0.0, 100.0, 50.0, 20.0)]
    assert item_box(layout, "nothing") is None and item_boxes(layout, "nothing") == []
