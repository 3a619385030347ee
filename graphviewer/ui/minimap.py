"""The overview in the canvas corner: the whole graph small, the view framed; drag to pan."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from graphviewer.render.scene import GraphScene, ViewState

_MAX_SIDE = 180
_MARGIN = 12


class Minimap(QWidget):
    """A thumbnail of the whole graph, shown when the graph is much larger than the view."""

    pan_requested = Signal(QPointF)  # scene point to centre the main view on

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._scene: GraphScene | None = None
        self._image: QImage | None = None
        self._scale = 1.0
        self._origin = QPointF()
        self._view = QRectF()
        self.hide()

    def set_scene(self, scene: GraphScene | None) -> None:
        """Render the thumbnail of `scene` once (None hides the overview)."""
        self._scene = scene
        self._image = None
        if scene is None:
            self.hide()
            return
        bounds = scene.bounds
        self._scale = _MAX_SIDE / max(bounds.width(), bounds.height(), 1)
        w = max(int(bounds.width() * self._scale), 24)
        h = max(int(bounds.height() * self._scale), 24)
        self._origin = bounds.topLeft()
        image = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(QColor(0, 0, 0, 0))
        painter = QPainter(image)
        painter.scale(self._scale, self._scale)
        painter.translate(-self._origin)
        scene.paint(painter, bounds, self._scale, ViewState(frozenset(), frozenset()))
        painter.end()
        self._image = image
        self.resize(w + 4, h + 4)
        self.place()

    def set_view(self, visible: QRectF, scale: float) -> None:
        """Frame `visible` (scene coordinates); show only when much of the graph is off screen."""
        self._view = visible
        if self._scene is None:
            return
        bounds = self._scene.bounds
        large = bounds.width() > 1.5 * visible.width() or bounds.height() > 1.5 * visible.height()
        self.setVisible(large)
        self.update()

    def place(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.move(
                parent.width() - self.width() - _MARGIN, parent.height() - self.height() - _MARGIN
            )

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(128, 128, 128, 60))
        painter.setPen(QColor(128, 128, 128, 160))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        if self._image is not None:
            painter.drawImage(2, 2, self._image)
        frame = QRectF(
            (self._view.topLeft() - self._origin) * self._scale + QPointF(2, 2),
            self._view.size() * self._scale,
        ).intersected(QRectF(self.rect()))
        painter.setPen(QPen(QColor(220, 60, 60), 1.5))
        painter.setBrush(QColor(220, 60, 60, 30))
        painter.drawRect(frame)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._pan_to(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._pan_to(event.position())

    def _pan_to(self, point: QPointF) -> None:
        self.pan_requested.emit((point - QPointF(2, 2)) / self._scale + self._origin)
