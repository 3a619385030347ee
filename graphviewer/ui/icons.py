"""Icons for menus and toolbars, drawn from the SVG files in `resources/icons/`."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

ICON_DIR = Path(__file__).resolve().parents[2] / "resources" / "icons"
_SIZES = (16, 24, 32, 48)


@cache
def icon(name: str) -> QIcon:
    """The icon `resources/icons/<name>.svg` rendered at the usual sizes; empty if missing."""
    path = ICON_DIR / f"{name}.svg"
    renderer = QSvgRenderer(str(path))
    result = QIcon()
    if not renderer.isValid():
        return result
    for size in _SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        renderer.render(painter)
        painter.end()
        result.addPixmap(pixmap)
    return result
