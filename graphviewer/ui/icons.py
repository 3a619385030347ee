"""Icons for menus and toolbars, drawn from the SVG files in `resources/icons/`.

The SVGs live in the repository's top-level `resources/` folder. A source checkout (or an
editable install) reads them there; a wheel ships them as data files under
`<prefix>/share/graphviewer/icons` (pyproject's `[tool.setuptools.data-files]`). When neither
has an icon, the action shows its text alone: a missing icon is never an error.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from contextlib import suppress
from functools import cache
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

CHECKOUT_DIR = Path(__file__).resolve().parents[2] / "resources"
_SIZES = (16, 24, 32, 48)


def data_dirs(kind: str) -> list[Path]:
    """Where the `kind` folder of resources may be ("icons"): checkout first, then installs.

    `GRAPHVIEWER_RESOURCES` (a folder holding `icons/`) comes before both.
    """
    roots = [Path(p) for p in [os.environ.get("GRAPHVIEWER_RESOURCES", "")] if p]
    roots.append(CHECKOUT_DIR)
    prefixes = [sysconfig.get_path("data"), sys.prefix, sys.base_prefix]
    with suppress(KeyError):  # `pip install --user` puts data files under the user base
        prefixes.append(sysconfig.get_path("data", f"{os.name}_user"))
    roots += [Path(p) / "share" / "graphviewer" for p in dict.fromkeys(prefixes) if p]
    return [root / kind for root in roots]


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
