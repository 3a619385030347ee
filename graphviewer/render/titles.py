"""Group titles placed clear of the edges that enter their box: at the top-left, else at the
top-right, else (a narrow box with edges on both sides) over a patch of the box's fill so no
edge strikes the words through."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QPainter

from graphviewer.render.text import group_text

if TYPE_CHECKING:
    from graphviewer.render.scene import GraphScene

INSET = 6.0  # from the box's side to its title
CLEAR = 3.0  # room kept between a title and an edge passing it
BAND = 1.5  # the title band's height, in font heights


class TitleSlots:
    """Per group box: its (elided) title text and where it goes, computed once per scene."""

    def __init__(self) -> None:
        self.texts: dict[int, tuple[str, float, bool]] = {}  # g -> text, x, over a patch


def _crossings(scene: GraphScene, g: int, band: float) -> np.ndarray:
    """x of every edge point inside group `g`'s title band."""
    pts = scene.edge_points
    ys = scene.sorted_edge_y
    x, y, w, _ = scene.group_rows[g]
    lo, hi = np.searchsorted(ys[0], [y - 0.5, y + band])
    near = pts[ys[1][lo:hi]]
    return near[(near[:, 0] >= x) & (near[:, 0] <= x + w), 0]


def place(
    scene: GraphScene, g: int, metrics: QFontMetricsF, font_px: float
) -> tuple[str, float, bool]:
    """The title of group `g`: its text, its left x, and whether it needs a patch behind it."""
    slots: TitleSlots = scene.title_slots
    known = slots.texts.get(g)
    if known is not None:
        return known
    x, _y, w, _h = scene.group_rows[g]
    path = scene.layout.group_paths[g]
    text = group_text(scene.snapshot.modules.get(path), path)
    text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(w - 2 * INSET, 1))
    tw = metrics.horizontalAdvance(text)
    xs = _crossings(scene, g, font_px * BAND)
    left, right = x + INSET, x + w - INSET - tw
    placed = (text, left, False)
    if len(xs):

        def clear(at: float) -> bool:
            return not ((xs > at - CLEAR) & (xs < at + tw + CLEAR)).any()

        if clear(left):
            placed = (text, left, False)
        elif right > left and clear(right):
            placed = (text, right, False)
        else:
            placed = (text, left, True)
    slots.texts[g] = placed
    return placed


def paint_group_titles(painter: QPainter, scene: GraphScene, which: list[int], font) -> None:  # type: ignore[no-untyped-def]
    """Write the titles of groups `which` (painted after the edges, so a patch covers them)."""
    theme, depths = scene.theme, scene.layout.group_depths
    metrics = QFontMetricsF(font)
    painter.setFont(font)
    height = font.pixelSize() * BAND
    fills = theme.group_fill
    align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    for g in which:
        text, tx, patch = place(scene, g, metrics, font.pixelSize())
        _x, y, _w, _h = scene.group_rows[g]
        rect = QRectF(tx, y + 2, metrics.horizontalAdvance(text) + 1, height)
        if patch:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fills[min(int(depths[g]), len(fills) - 1)])
            painter.drawRoundedRect(rect.adjusted(-2, 0, 2, 0), 3, 3)
        painter.setPen(theme.muted_text)
        painter.drawText(rect, align, text)
