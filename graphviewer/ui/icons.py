"""Icons for menus and toolbars, drawn from the SVG files in `resources/icons/`.

The SVGs live in the repository's top-level `resources/` folder. A source checkout (or an
editable install) reads them there; a wheel ships them as data files under
`<prefix>/share/graphviewer/icons` (pyproject's `[tool.setuptools.data-files]`). When neither
has an icon, the action shows its text alone: a missing icon is never an error.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from graphviewer.core.resources import data_dirs

_SIZES = (16, 24, 32, 48)


@cache
def icon_path(name: str) -> Path | None:
    """The SVG file of icon `name`, wherever it was installed; None if there is none."""
    for folder in data_dirs("icons"):
        path = folder / f"{name}.svg"
        if path.is_file():
            return path
    return None


@cache
def icon(name: str) -> QIcon:
    """The icon `<name>.svg` rendered at the usual sizes; an empty icon if it cannot be found."""
    result = QIcon()
    path = icon_path(name)
    if path is None:
        return result
    renderer = QSvgRenderer(str(path))
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
