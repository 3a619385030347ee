"""The legend dock: what each node colour means."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QVBoxLayout, QWidget


def _swatch(fill: QColor, edge: QColor) -> QIcon:
    pixmap = QPixmap(QSize(22, 14))
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(edge)
    painter.setBrush(fill)
    painter.drawRoundedRect(1, 1, 20, 12, 3, 3)
    painter.end()
    return QIcon(pixmap)


class Legend(QWidget):
    """A list of colour swatches with the category names a person reads."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._list = QListWidget(self)
        self._list.setIconSize(QSize(22, 14))
        self._list.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._list)

    def set_entries(self, entries: Iterable[tuple[str, QColor]], edge: QColor) -> None:
        """Show (label, fill colour) pairs in order."""
        self._list.clear()
        for label, fill in entries:
            self._list.addItem(QListWidgetItem(_swatch(fill, edge), label))

    def labels(self) -> list[str]:
        return [self._list.item(i).text() for i in range(self._list.count())]
