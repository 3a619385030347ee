"""The legend dock: what each node colour means, and what a folded module's card says."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QVBoxLayout, QWidget

CARD_LABEL = "folded module: tinted by its main kind"
CARD_TIP = (
    "A folded module is one card. Its fill is tinted with the colour of the kind of op it "
    "holds most of, and the bar along its foot shows the share of each kind inside it."
)


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


def _card_swatch(fill: QColor, frame: QColor, shares: tuple[QColor, QColor]) -> QIcon:
    """A folded module's card: tinted fill, its thick frame, and a share bar along its foot."""
    pixmap = QPixmap(QSize(22, 14))
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(frame)
    pen.setWidthF(2.0)
    painter.setPen(pen)
    painter.setBrush(fill)
    painter.drawRoundedRect(QRectF(1.5, 1.5, 19, 11), 3, 3)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.fillRect(QRectF(4, 9, 9, 2), shares[0])
    painter.fillRect(QRectF(13, 9, 5, 2), shares[1])
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

    def set_entries(
        self,
        entries: Iterable[tuple[str, QColor]],
        edge: QColor,
        card: tuple[QColor, QColor, tuple[QColor, QColor]] | None = None,
    ) -> None:
        """Show (label, fill colour) pairs in order, then, with `card` (fill, frame and two
        share colours), what a folded module's card says."""
        self._list.clear()
        for label, fill in entries:
            self._list.addItem(QListWidgetItem(_swatch(fill, edge), label))
        if card is not None:
            fill, frame, shares = card
            item = QListWidgetItem(_card_swatch(fill, frame, shares), CARD_LABEL)
            item.setToolTip(CARD_TIP)
            self._list.addItem(item)

    def labels(self) -> list[str]:
        return [self._list.item(i).text() for i in range(self._list.count())]
