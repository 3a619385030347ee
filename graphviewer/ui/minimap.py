"""The overview in the canvas corner: the whole graph small, the view framed; click or drag to pan.

A graph of ordinary proportions is shrunk evenly. A very tall one (the unrolled LSTM is
390 × 870,000 scene units) would shrink to a sliver a fraction of a pixel wide, so the overview
then uses the canvas's height and stretches the narrow side to a readable width: boxes become
coloured stripes, which still show where the repeated blocks and the parameters are, and the
frame shows where the view is. It draws the layout's boxes itself (fills, one path per colour):
at this size the painter's level of detail would draw nothing but hairlines.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from graphviewer.render.paths import polylines_path, rects_path
from graphviewer.render.scene import CATEGORIES, MODULE, GraphScene
from graphviewer.render.theme import Theme

MAX_WIDTH = 180  # longest side of an evenly shrunk overview
MIN_SIDE = 48  # a narrower overview is stretched to this width (or height)
MIN_FRAME = 6  # the view's frame is never drawn smaller than this many pixels
_MARGIN = 12
_BORDER = 2


def overview_scales(bounds: QRectF, max_w: float, max_h: float) -> tuple[float, float]:
    """Pixels per scene unit across and down for an overview of `bounds` within max_w × max_h.

    Even scaling when it leaves both sides at least `MIN_SIDE` pixels; otherwise the short side
    is stretched to `MIN_SIDE` (or the space there is) while the long side fills its room.
    """
    w, h = max(bounds.width(), 1.0), max(bounds.height(), 1.0)
    even = min(max_w / w, max_h / h)
    sx = sy = even
    if w * even < MIN_SIDE:
        sx = min(MIN_SIDE, max_w) / w
    if h * even < MIN_SIDE:
        sy = min(MIN_SIDE, max_h) / h
    return sx, sy


class Minimap(QWidget):
    """A thumbnail of the whole graph, shown when the graph is much larger than the view."""

    pan_requested = Signal(QPointF)  # scene point to centre the main view on

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Overview: click or drag to move the view")
        self._scene: GraphScene | None = None
        self._theme: Theme | None = None
        self._image: QImage | None = None
        self._sx = self._sy = 1.0
        self._origin = QPointF()
        self._view = QRectF()
        self._clear = QRectF()  # parent pixels the overview must not cover
        self.hide()

    # -- content -------------------------------------------------------------------------------
    def set_scene(self, scene: GraphScene | None) -> None:
        """Draw the overview of `scene` (None hides it)."""
        self._scene = scene
        self._image = None
        self._render()

    def set_view(self, visible: QRectF, scale: float) -> None:
        """Frame `visible` (scene coordinates); show only when much of the graph is off screen."""
        self._view = visible
        if self._scene is None:
            return
        bounds = self._scene.bounds
        large = bounds.width() > 1.5 * visible.width() or bounds.height() > 1.5 * visible.height()
        self.setVisible(large)
        self.update()

    def frame_rect(self) -> QRectF:
        """Where the view's frame is drawn, in this widget's pixels."""
        top_left = self.to_widget(self._view.topLeft())
        w = max(self._view.width() * self._sx, MIN_FRAME)
        h = max(self._view.height() * self._sy, MIN_FRAME)
        centre = (
            top_left + QPointF(self._view.width() * self._sx, self._view.height() * self._sy) / 2
        )
        return QRectF(centre.x() - w / 2, centre.y() - h / 2, w, h)

    def to_widget(self, point: QPointF) -> QPointF:
        """A scene point in this widget's pixels."""
        d = point - self._origin
        return QPointF(d.x() * self._sx + _BORDER, d.y() * self._sy + _BORDER)

    def to_scene(self, point: QPointF) -> QPointF:
        """A pixel of this widget in scene coordinates."""
        return QPointF(
            (point.x() - _BORDER) / self._sx + self._origin.x(),
            (point.y() - _BORDER) / self._sy + self._origin.y(),
        )

    def place(self) -> None:
        """Re-fit to the parent's size (a tall graph uses its height) and sit in its corner."""
        self._render()

    # -- drawing -------------------------------------------------------------------------------
    def _render(self) -> None:
        scene, parent = self._scene, self.parentWidget()
        if scene is None or parent is None:
            self._image = None
            self.hide()
            return
        bounds = scene.bounds
        max_h = max(parent.height() - 2 * _MARGIN - 2 * _BORDER, MIN_SIDE)
        sx, sy = overview_scales(bounds, MAX_WIDTH, min(max(MAX_WIDTH, max_h * 0.8), max_h))
        w = max(round(bounds.width() * sx), 8)
        h = max(round(bounds.height() * sy), 8)
        self._sx, self._sy, self._origin = sx, sy, bounds.topLeft()
        if self._image is not None and self._image.size() == QSize(w, h):
            self._move_to_corner(parent)  # a resize that leaves the overview as it was
            return
        image = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(QColor(0, 0, 0, 0))
        painter = QPainter(image)
        _draw_overview(painter, scene, (bounds.x(), bounds.y(), sx, sy))
        painter.end()
        self._image = image
        self.resize(w + 2 * _BORDER, h + 2 * _BORDER)
        self._move_to_corner(parent)
        self.update()

    def keep_clear(self, rect: QRectF) -> None:
        """Never cover `rect` (the parent's pixels: what the user is looking at, the selection):
        the overview moves to the first corner clear of it."""
        self._clear = rect
        parent = self.parentWidget()
        if parent is not None:
            self._move_to_corner(parent)

    def _move_to_corner(self, parent: QWidget) -> None:
        right = parent.width() - self.width() - _MARGIN
        bottom = parent.height() - self.height() - _MARGIN
        corners = [(right, bottom), (_MARGIN, bottom), (right, _MARGIN), (_MARGIN, _MARGIN)]
        for x, y in corners:  # bottom right first: where it has always been
            if not QRectF(x, y, self.width(), self.height()).intersects(self._clear):
                break
        else:
            x, y = corners[0]
        if (self.x(), self.y()) != (x, y):
            self.move(x, y)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(128, 128, 128, 60))
        painter.setPen(QColor(128, 128, 128, 160))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        if self._image is not None:
            painter.drawImage(_BORDER, _BORDER, self._image)
        painter.setPen(QPen(QColor(220, 60, 60), 1.5))
        painter.setBrush(QColor(220, 60, 60, 40))
        painter.drawRect(self.frame_rect())
        painter.end()

    # -- panning -------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.pan_requested.emit(self.to_scene(event.position()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.pan_requested.emit(self.to_scene(event.position()))


def _draw_overview(
    painter: QPainter, scene: GraphScene, transform: tuple[float, float, float, float]
) -> None:
    """Groups, edges and boxes of `scene` in pixel coordinates, at least one pixel each."""
    ox, oy, sx, sy = transform
    theme, lay = scene.theme, scene.layout

    def to_px(boxes: np.ndarray) -> np.ndarray:
        out = np.empty_like(boxes, dtype=np.float64)
        out[:, 0] = (boxes[:, 0] - ox) * sx
        out[:, 1] = (boxes[:, 1] - oy) * sy
        out[:, 2] = np.maximum(boxes[:, 2] * sx, 1.0)
        out[:, 3] = np.maximum(boxes[:, 3] * sy, 1.0)
        return out

    painter.setPen(Qt.PenStyle.NoPen)
    gboxes = to_px(lay.group_boxes.reshape(-1, 4).astype(np.float64))
    depths = np.asarray(lay.group_depths)
    fills = theme.group_fill
    for depth in np.unique(depths) if len(depths) else ():
        painter.setBrush(fills[min(int(depth), len(fills) - 1)])
        painter.drawPath(rects_path(gboxes[depths == depth]))
    pts = lay.edge_points.reshape(-1, 2).astype(np.float64)
    if len(pts):
        px = np.column_stack(((pts[:, 0] - ox) * sx, (pts[:, 1] - oy) * sy))
        offsets = np.asarray(lay.edge_offsets, dtype=np.int64)
        edge = QColor(theme.edge)
        edge.setAlpha(110)
        painter.setPen(QPen(edge, 0.6))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(polylines_path(px, offsets, np.arange(len(offsets) - 1)))
        painter.setPen(Qt.PenStyle.NoPen)
    boxes = to_px(lay.boxes.reshape(-1, 4).astype(np.float64))
    cats = scene.categories
    for index in np.unique(cats) if len(cats) else ():
        name = "other" if index == MODULE else CATEGORIES[int(index)]
        painter.setBrush(theme.collapsed_border if index == MODULE else theme.fill_of(name))
        painter.drawPath(rects_path(boxes[cats == index]))
