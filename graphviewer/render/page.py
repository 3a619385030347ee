"""One exported picture as a page: margins, a title, a legend and the graph, painted by one painter.

Everything here is in scene units (pixels at 100 %); the export device applies its own scale.
The same `paint_page` draws the PNG tiles, the SVG, the PDF and the export dialog's preview.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen

from graphviewer.core.categories import CATEGORY_LABELS
from graphviewer.render.modules import tint_categories
from graphviewer.render.overlay import COLOUR_BAR_SIZE, paint_colour_bar
from graphviewer.render.scene import (
    CATEGORIES,
    MODULE,
    NODE_RADIUS,
    SMALL_FONT,
    GraphScene,
    ViewState,
)
from graphviewer.render.state import Overlay
from graphviewer.render.text import label_font, small_font

MARGIN = 32.0
TITLE_PX, SUBTITLE_PX, LEGEND_PX = 22, 13, 13
SWATCH = 14.0
LEGEND_GAP = 28.0  # between the graph and a legend column, or the title and a legend row
# How far paint reaches past the boxes and routes: a highlight halo (4 units), a selection or
# folded-module frame stroked on the box outline, antialiasing. A page clipped to the bare
# bounds cut the frames at its edges.
OVERHANG = 6.0
LABEL_REACH = 400.0  # edge labels start this near the right edge, or they cannot pass it
MODE_WORDS = {"train": "train mode", "eval": "eval mode", "no_grad": "eval mode, no_grad"}


def default_title(scene: GraphScene) -> str:
    """The model's name and the mode it ran in: "MLP — train mode"."""
    snap = scene.snapshot
    return f"{snap.name} — {MODE_WORDS.get(snap.mode, snap.mode)}"


def subtitle(scene: GraphScene) -> str:
    """A quiet second line: what the picture counts."""
    snap = scene.snapshot
    folded = len(scene.layout.collapsed)
    parts = [f"{snap.num_nodes:,} autograd nodes", f"{len(snap.modules):,} modules"]
    if folded:
        parts.append(f"{folded:,} shown collapsed")
    return " · ".join(parts)


def painted_bounds(scene: GraphScene) -> QRectF:
    """The rectangle everything the scene paints lies in: its bounds, the strokes and halos
    around them, and the edge labels written right of an edge's first segment."""
    rect = scene.bounds.adjusted(-OVERHANG, -OVERHANG, OVERHANG, OVERHANG)
    layout = scene.layout
    off = layout.edge_offsets
    if len(off) < 2 or not len(layout.edge_points):
        return rect
    first = layout.edge_points[off[:-1][np.diff(off) >= 2]]
    edges = np.nonzero(np.diff(off) >= 2)[0]
    near = np.nonzero(first[:, 0] + LABEL_REACH > rect.right())[0]
    metrics = QFontMetricsF(small_font())
    for k, (x, y) in zip(edges[near].tolist(), first[near].tolist(), strict=True):
        text = scene.edge_label(k)  # kept by the scene for its paint
        if text:
            # as `GraphScene` writes it: baseline SMALL_FONT + 2 under the point, 4 to its right
            width = metrics.horizontalAdvance(text)
            top = y + SMALL_FONT + 2 - metrics.ascent()
            rect = rect.united(QRectF(x + 4, top, width + OVERHANG, metrics.height() + OVERHANG))
    return rect


def legend_entries(scene: GraphScene, rect: QRectF | None = None) -> list[tuple[str, QColor, bool]]:
    """(label, fill, is_module) for each kind of box drawn (inside `rect` when given)."""
    cats = scene.categories
    inside = np.ones(len(cats), dtype=bool)
    if rect is not None:
        b = scene.layout.boxes.reshape(-1, 4)
        inside = (b[:, 0] + b[:, 2] >= rect.left()) & (b[:, 0] <= rect.right())
        inside &= (b[:, 1] + b[:, 3] >= rect.top()) & (b[:, 1] <= rect.bottom())
        cats = cats[inside]
    present = set(np.unique(cats).tolist())
    if MODULE in present:  # the kinds folded cards show in their tint and share bar
        present |= tint_categories(scene.module_shares, np.nonzero(inside)[0])
    theme = scene.theme
    entries = [
        (CATEGORY_LABELS[cat], theme.fill_of(cat), False)  # type: ignore[index]
        for c, cat in enumerate(CATEGORIES)
        if c in present
    ]
    if MODULE in present:
        entries.append(("collapsed module (tint: its main kind)", theme.background, True))
    return entries


@dataclass(frozen=True)
class Page:
    """Where each part of an exported picture goes, in scene units from the page's top-left."""

    width: float
    height: float
    source: QRectF  # the part of the scene shown
    graph_at: QPointF  # where `source`'s top-left lands on the page
    title: str | None
    subtitle: str | None
    legend: tuple[tuple[str, QColor, bool], ...]
    legend_at: QPointF
    legend_columns: int  # 1: a column right of the graph; more: rows under the title


def compose(
    scene: GraphScene, source: QRectF, *, title: str | None, legend: bool, margin: float = MARGIN
) -> Page:
    """Arrange title, legend and graph: a legend column beside tall graphs, rows above wide ones."""
    entries = tuple(legend_entries(scene, source)) if legend else ()
    top = margin
    title_h = 0.0
    sub = subtitle(scene) if title else None
    if title:
        title_h = TITLE_PX * 1.3 + SUBTITLE_PX * 1.5
    metrics = QFontMetricsF(label_font(LEGEND_PX))
    entry_w = max((metrics.horizontalAdvance(e[0]) for e in entries), default=0.0) + SWATCH + 20
    row_h = max(SWATCH, metrics.height()) + 8
    gw, gh = source.width(), source.height()
    tall = gh > gw * 0.8
    if entries and tall:
        columns = 1
        graph_at = QPointF(margin, top + title_h + (12 if title else 0))
        legend_at = QPointF(margin + gw + LEGEND_GAP, graph_at.y())
        width = legend_at.x() + entry_w + margin
        height = max(graph_at.y() + gh, legend_at.y() + row_h * len(entries)) + margin
    else:
        columns = max(1, int(max(gw, 4 * entry_w) // entry_w)) if entries else 1
        rows = -(-len(entries) // columns) if entries else 0
        legend_at = QPointF(margin, top + title_h + (8 if title else 0))
        legend_h = rows * row_h + (LEGEND_GAP / 2 if rows else 0)
        graph_at = QPointF(margin, legend_at.y() + legend_h + (12 if title and not rows else 0))
        width = max(gw, columns * entry_w if entries else 0.0) + 2 * margin
        height = graph_at.y() + gh + margin
    if title:
        tw = QFontMetricsF(label_font(TITLE_PX, bold=True)).horizontalAdvance(title)
        width = max(width, tw + 2 * margin)
    return Page(width, height, source, graph_at, title, sub, entries, legend_at, columns)


def paint_page(
    painter: QPainter,
    page: Page,
    scene: GraphScene,
    state: ViewState,
    *,
    device_scale: float,
    background: QColor | None,
    clip: QRectF | None = None,
) -> None:
    """Paint `page` in page units; `device_scale` is device pixels per unit (for level of detail).

    `clip` (page units) limits the graph's work to one tile of a big PNG.
    """
    theme = scene.theme
    if background is not None:
        painter.fillRect(QRectF(0, 0, page.width, page.height), background)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    if page.title:
        painter.setPen(theme.text)
        painter.setFont(label_font(TITLE_PX, bold=True))
        painter.drawText(QPointF(MARGIN, MARGIN + TITLE_PX), page.title)
        if page.subtitle:
            painter.setPen(theme.muted_text)
            painter.setFont(label_font(SUBTITLE_PX))
            painter.drawText(
                QPointF(MARGIN, MARGIN + TITLE_PX * 1.3 + SUBTITLE_PX * 1.2), page.subtitle
            )
    if state.overlay is not None and page.legend:  # the colours mean the overlay's numbers now
        _paint_overlay_legend(painter, page, scene, state.overlay)
    else:
        _paint_legend(painter, page, scene)
    src = page.source
    painter.save()
    painter.translate(page.graph_at.x() - src.left(), page.graph_at.y() - src.top())
    visible = src
    if clip is not None:
        visible = src.intersected(
            clip.translated(src.left() - page.graph_at.x(), src.top() - page.graph_at.y())
        )
    painter.setClipRect(src)
    if not visible.isEmpty():
        scene.paint(painter, visible, device_scale, replace(state, full_detail=True))
    painter.restore()


def _paint_overlay_legend(
    painter: QPainter, page: Page, scene: GraphScene, overlay: Overlay
) -> None:
    """The overlay's colour bar where the category legend goes."""
    width = min(COLOUR_BAR_SIZE[0], max(page.width - page.legend_at.x() - MARGIN / 2, 120.0))
    rect = QRectF(page.legend_at.x(), page.legend_at.y(), width, COLOUR_BAR_SIZE[1])
    paint_colour_bar(painter, rect, overlay, scene.theme)


def _paint_legend(painter: QPainter, page: Page, scene: GraphScene) -> None:
    if not page.legend:
        return
    theme = scene.theme
    font = label_font(LEGEND_PX)
    metrics = QFontMetricsF(font)
    entry_w = max(metrics.horizontalAdvance(e[0]) for e in page.legend) + SWATCH + 20
    row_h = max(SWATCH, metrics.height()) + 8
    painter.setFont(font)
    for i, (label, fill, is_module) in enumerate(page.legend):
        col, row = i % page.legend_columns, i // page.legend_columns
        x = page.legend_at.x() + col * entry_w
        y = page.legend_at.y() + row * row_h
        swatch = QRectF(x, y + (row_h - 8 - SWATCH) / 2, SWATCH, SWATCH)
        pen = QPen(
            theme.collapsed_border if is_module else theme.node_border, 2.0 if is_module else 1.0
        )
        painter.setPen(pen)
        painter.setBrush(fill)
        painter.drawRoundedRect(swatch, NODE_RADIUS / 2, NODE_RADIUS / 2)
        painter.setPen(theme.text)
        text_rect = QRectF(x + SWATCH + 6, y, entry_w - SWATCH - 6, row_h - 8)
        painter.drawText(
            text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label
        )
