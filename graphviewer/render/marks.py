"""What the user picked, drawn over a scene: search highlights under boxes, selection outlines."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QPainter, QPen

from graphviewer.render.state import ViewState

if TYPE_CHECKING:
    from graphviewer.render.scene import GraphScene


def paint_highlights(
    painter: QPainter, scene: GraphScene, state: ViewState, scale: float, radius: float = 4.0
) -> None:
    """A halo in the highlight colour behind each highlighted item (drawn before the boxes)."""
    if not state.highlighted:
        return
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(scene.theme.highlight))
    pad = max(4.0, 4.0 / scale)
    for item in state.highlighted:
        for box in scene.item_boxes(item).tolist():
            r = QRectF(*box).adjusted(-pad, -pad, pad, pad)
            painter.drawRoundedRect(r, radius + pad, radius + pad)


def paint_selection(
    painter: QPainter, scene: GraphScene, state: ViewState, scale: float, radius: float = 4.0
) -> None:
    """A thick outline around selected items and groups; selected edges ("a->b") retraced."""
    if not state.selected:
        return
    pen = QPen(scene.theme.selection, max(2.5, 2.5 / scale))
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for item in state.selected:
        if "->" in item:
            src, dst = item.split("->", 1)
            edges = scene.edges_between(src, dst)
            if edges:
                painter.drawPath(scene.edge_path(np.array(edges)))
            continue
        for box in scene.item_boxes(item).tolist():
            painter.drawRoundedRect(QRectF(*box), radius, radius)
