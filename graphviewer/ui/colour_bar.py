"""The overlay's colour bar over the canvas's bottom-left corner (the minimap keeps its own)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QRectF, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from graphviewer.render.overlay import COLOUR_BAR_SIZE, paint_colour_bar
from graphviewer.render.state import Overlay
from graphviewer.render.theme import Theme

_MARGIN = 12


class ColourBar(QWidget):
    """Shown while an overlay is; passes the mouse through to the canvas under it."""

    def __init__(self, canvas: QWidget, theme: Callable[[], Theme]) -> None:
        super().__init__(canvas)
        self._theme = theme
        self.overlay: Overlay | None = None
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.resize(int(COLOUR_BAR_SIZE[0]), int(COLOUR_BAR_SIZE[1]))
        canvas.installEventFilter(self)
        self.hide()

    def set_overlay(self, overlay: Overlay | None) -> None:
        self.overlay = overlay
        self.setVisible(overlay is not None)
        self._place()
        self.update()

    def _place(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.move(_MARGIN, parent.height() - self.height() - _MARGIN)
            self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.overlay is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        paint_colour_bar(painter, QRectF(0.5, 0.5, self.width() - 1, self.height() - 1),
                         self.overlay, self._theme())  # fmt: skip
        painter.end()
