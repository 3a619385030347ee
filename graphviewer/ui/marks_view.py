"""Selection and search marks trimmed to the screen before the painter draws them.

`render.marks` draws each selected or highlighted item with its own `drawRoundedRect` call,
≈0.36 ms apiece: clicking the line of the unrolled LSTM that made 20,811 nodes selected all of
them and took 7.5 s a frame. The canvas hands the painter only the marks inside the visible
rectangle, and draws a selection of more than `BATCH_OVER` visible items itself, as one path
with the painter's pen. Selected edges ("a->b") always go to the painter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPen

from graphviewer.render.paths import rects_path
from graphviewer.render.scene import GraphScene, ViewState

BATCH_OVER = 300  # visible selected items beyond which the canvas outlines them in one path
SELECTION_WIDTH = 2.5  # device pixels, as `render.marks.paint_selection` draws it
RADIUS = 4.0


@dataclass(frozen=True)
class Batch:
    """Outlines of a big selection: one path in scene units, or in device pixels."""

    path: QPainterPath
    device: bool


class _Marks:
    """The ids of marked items and their boxes as arrays, for one state and one scene."""

    def __init__(self, scene: GraphScene, ids: frozenset[str]) -> None:
        self.edges = frozenset(i for i in ids if "->" in i)
        items, boxes = [], []
        for item in ids - self.edges:
            for box in scene.item_boxes(item).tolist():  # a module called twice has two
                items.append(item)
                boxes.append(box)
        self.ids = np.array(items, dtype=object)
        self.boxes = np.array(boxes, dtype=np.float64).reshape(-1, 4)
        self.all = ids
        self._whole: tuple[float, QPainterPath] | None = None

    def outline(self, mask: np.ndarray, count: int, radius: float) -> QPainterPath:
        """One path of the masked boxes; the whole set's path is kept (a fitted view pans)."""
        if count < len(self.ids):
            return rects_path(self.boxes[mask], radius)
        if self._whole is None or self._whole[0] != radius:
            self._whole = (radius, rects_path(self.boxes, radius))
        return self._whole[1]

    def pixel_outline(
        self, mask: np.ndarray, origin: tuple[float, float], scale: float
    ) -> QPainterPath:
        """The masked boxes in device pixels, one rectangle per distinct pixel box.

        Zoomed out, thousands of selected boxes land on the same few pixels: stroking each
        took 60 ms a frame for the LSTM's 20,811; the distinct pixel boxes are a few hundred.
        """
        b = self.boxes[mask]
        x0 = np.floor((b[:, 0] - origin[0]) * scale) - 1
        y0 = np.floor((b[:, 1] - origin[1]) * scale) - 1
        x1 = np.ceil((b[:, 0] + b[:, 2] - origin[0]) * scale) + 1
        y1 = np.ceil((b[:, 1] + b[:, 3] - origin[1]) * scale) + 1
        cols = [np.clip(v, -64, 8000).astype(np.int64) + 64 for v in (x0, y0, x1 - x0, y1 - y0)]
        keys = np.unique(((cols[0] << 13 | cols[1]) << 13 | cols[2]) << 13 | cols[3])
        mask13 = (1 << 13) - 1
        px = np.column_stack([(keys >> shift) & mask13 for shift in (39, 26, 13, 0)]) - 64
        return rects_path(px.astype(np.float64))

    def inside(self, area: tuple[float, float, float, float]) -> np.ndarray:
        """Mask of the boxes that touch `area` (x0, y0, x1, y1)."""
        x0, y0, x1, y1 = area
        b = self.boxes
        return (
            (b[:, 0] <= x1)
            & (b[:, 0] + b[:, 2] >= x0)
            & (b[:, 1] <= y1)
            & (b[:, 1] + b[:, 3] >= y0)
        )


class MarkCuller:
    """Per frame: the `ViewState` to hand the painter, and the selection outlines it should skip."""

    def __init__(self) -> None:
        self._key: tuple[object, frozenset[str], frozenset[str]] | None = None
        self._selected: _Marks | None = None
        self._highlighted: _Marks | None = None

    def for_frame(
        self, scene: GraphScene, state: ViewState, visible: QRectF, scale: float
    ) -> tuple[ViewState, Batch | None]:
        """The marks of `state` that show in `visible`; the outlines when there are too many."""
        if not state.selected and not state.highlighted:
            return state, None
        key = self._key
        if key is None or key[0] is not scene or key[1] is not state.selected:
            self._selected = _Marks(scene, state.selected)
        if key is None or key[0] is not scene or key[2] is not state.highlighted:
            self._highlighted = _Marks(scene, state.highlighted)
        self._key = (scene, state.selected, state.highlighted)
        assert self._selected is not None and self._highlighted is not None
        pad = 12.0 / max(scale, 1e-6)  # halos and outlines reach past the box
        area = (visible.left() - pad, visible.top() - pad, visible.right() + pad,
                visible.bottom() + pad)  # fmt: skip
        sel, batch = self._selected, None
        mask = sel.inside(area)
        count = int(mask.sum())
        if count > BATCH_OVER:
            if RADIUS * scale >= 1.0:
                batch = Batch(sel.outline(mask, count, RADIUS), device=False)
            else:  # corners and boxes under a pixel: draw what the pixels show
                origin = (visible.left(), visible.top())
                batch = Batch(sel.pixel_outline(mask, origin, scale), device=True)
            selected = sel.edges
        else:
            selected = self._trim(sel, mask, count)
        high = self._highlighted
        mask = high.inside(area)
        highlighted = self._trim(high, mask, int(mask.sum()))
        return ViewState(selected, highlighted, state.full_detail), batch

    @staticmethod
    def _trim(marks: _Marks, mask: np.ndarray, count: int) -> frozenset[str]:
        if count == len(marks.ids):
            return marks.all
        return marks.edges | frozenset(marks.ids[mask].tolist())


def paint_batched_selection(painter: QPainter, batch: Batch, scene: GraphScene) -> None:
    """Outline a big selection the way `render.marks.paint_selection` outlines one item."""
    # A cosmetic pen (device pixels) strokes 20,000 boxes in milliseconds; a pen 2.5 / scale
    # scene units wide, as the painter uses for one box, took seconds at the fitted zoom.
    pen = QPen(scene.theme.selection, SELECTION_WIDTH)
    pen.setCosmetic(True)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.save()
    if batch.device:
        painter.resetTransform()
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(batch.path)
    painter.restore()
