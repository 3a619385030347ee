"""What the panels draw over a scene: boxes coloured by a number, dimmed items, flowing edges,
badges, and the colour bar that reads an overlay.

Drawn by `GraphScene.paint` from the `ViewState`, so the canvas and every export show the same.
Colouring maps each item's value to one of `BINS` colours and fills each bin's boxes as one
batched path: recolouring the 20,824-node LSTM is a few dozen path fills, and no re-layout.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
)

from graphviewer.render.marks import mark_boxes
from graphviewer.render.paths import rects_path
from graphviewer.render.state import Badge, Overlay, ViewState
from graphviewer.render.text import label_font

if TYPE_CHECKING:
    from graphviewer.render.scene import GraphScene
    from graphviewer.render.theme import Theme

BINS = 24
NO_VALUE = -1
DIM_ALPHA = 0.72  # how much of the background covers a dimmed item
FLOW_WIDTH = 3.0
BADGE_PX = 10  # badge text height, in scene units (device pixels at 100 %)
BADGE_DOT_PX = 5.0  # radius of the dot a badge becomes when its text would be unreadable

# Sequential ramps, cool (low) to hot (high): pale enough in light, deep enough in dark, for
# the label text of `Theme.text_on` to stay readable on every step.
_RAMPS = {
    "light": ("#e8f1fa", "#a6cde6", "#fff1b8", "#fdb46c", "#f26c4f", "#c92a2a"),
    "dark": ("#1f3350", "#28658a", "#6e7b3a", "#a8692c", "#c8472f", "#e8413a"),
}
_NO_VALUE_FILL = {"light": "#ececec", "dark": "#3a3d42"}
_BADGE_FILL = {"error": "#d6336c", "warning": "#f08c00", "info": "#1c7ed6"}
_FLOW = {"light": "#e8590c", "dark": "#ffa94d"}


def ramp(theme: Theme) -> list[QColor]:
    """The `BINS` colours of an overlay, low to high, for `theme`."""
    stops = [QColor(c) for c in _RAMPS.get(theme.name, _RAMPS["light"])]
    out = []
    for b in range(BINS):
        t = b / (BINS - 1) * (len(stops) - 1)
        i = min(int(t), len(stops) - 2)
        f = t - i
        a, c = stops[i], stops[i + 1]
        out.append(
            QColor.fromRgbF(
                a.redF() + (c.redF() - a.redF()) * f,
                a.greenF() + (c.greenF() - a.greenF()) * f,
                a.blueF() + (c.blueF() - a.blueF()) * f,
            )
        )
    return out


def no_value_fill(theme: Theme) -> QColor:
    return QColor(_NO_VALUE_FILL.get(theme.name, _NO_VALUE_FILL["light"]))


def overlay_range(overlay: Overlay) -> tuple[float, float] | None:
    """The colour bar's ends (in the overlay's own units, not log), or None with no value."""
    vals = [v for v in overlay.values.values() if math.isfinite(v) and (v > 0 or not overlay.log)]
    if not vals and (overlay.low is None or overlay.high is None):
        return None
    low = overlay.low if overlay.low is not None else min(vals)
    high = overlay.high if overlay.high is not None else max(vals)
    return (low, high)


class OverlayColours:
    """Per layout item: the bin of its value (`NO_VALUE` for none), for one overlay."""

    def __init__(self, scene: GraphScene, overlay: Overlay) -> None:
        self.overlay = overlay
        items = scene.layout.items
        values = overlay.values
        raw = np.array([values.get(i, math.nan) for i in items], dtype=np.float64)
        ok = np.isfinite(raw)
        if overlay.log:
            ok &= raw > 0
            raw = np.where(ok, np.log10(np.where(ok, raw, 1.0)), np.nan)
        self.range = overlay_range(overlay)
        bins = np.full(len(items), NO_VALUE, dtype=np.int32)
        if self.range is not None and ok.any():
            lo, hi = self.range
            if overlay.log:
                lo, hi = math.log10(max(lo, 1e-300)), math.log10(max(hi, 1e-300))
            span = hi - lo
            t = (raw[ok] - lo) / span if span > 0 else np.full(int(ok.sum()), 0.5)
            bins[ok] = np.clip((t * BINS).astype(np.int64), 0, BINS - 1)
        self.bins = bins
        self.bin_list: list[int] = bins.tolist()
        self.fills = ramp(scene.theme)
        self.none = no_value_fill(scene.theme)
        self.text = [scene.theme.text_on(c) for c in self.fills]
        self.none_text = scene.theme.text_on(self.none)
        # bin → the path of all its boxes, kept for full frames while this overlay is shown
        self.paths: dict[tuple[int, float], QPainterPath] = {}

    def fill_of(self, k: int) -> QColor:
        b = self.bin_list[k]
        return self.none if b == NO_VALUE else self.fills[b]

    def text_of(self, k: int) -> QColor:
        b = self.bin_list[k]
        return self.none_text if b == NO_VALUE else self.text[b]


def overlay_colours(scene: GraphScene, overlay: Overlay) -> OverlayColours:
    """The bins of `overlay` on `scene`, kept while the overlay is the same object."""
    cached = scene.overlay_cache
    if cached is None or cached.overlay is not overlay:
        cached = scene.overlay_cache = OverlayColours(scene, overlay)
    return cached


def paint_overlay_boxes(
    painter: QPainter,
    scene: GraphScene,
    colours: OverlayColours,
    visible: np.ndarray,
    border: QPen | Qt.PenStyle,
    radius: float,
    modules: np.ndarray,
    module_pen: QPen,
    everything: bool = False,
) -> None:
    """Every visible box filled with its value's colour; folded modules keep their thick frame.

    A frame that shows every box (`everything`) reuses the bins' paths of the last one."""
    boxes = scene.boxes
    bins = colours.bins
    painter.setPen(border)
    for b in range(NO_VALUE, BINS):
        mask = visible & (bins == b)
        if not mask.any():
            continue
        painter.setBrush(colours.none if b == NO_VALUE else colours.fills[b])
        if everything:
            path = colours.paths.get((b, radius))
            if path is None:
                path = colours.paths[(b, radius)] = rects_path(boxes[mask], radius)
        else:
            path = rects_path(boxes[mask], radius)
        painter.drawPath(path)
    if len(modules):
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(module_pen)
        painter.drawPath(rects_path(boxes[modules], radius))


def paint_dimmed(
    painter: QPainter, scene: GraphScene, state: ViewState, visible: QRectF, radius: float
) -> None:
    """A veil of the background over each dimmed item: still there, plainly not yet."""
    if not state.dimmed:
        return
    marks = mark_boxes(scene, state.dimmed)  # kept while the same items stay dimmed
    boxes = marks.boxes[marks.inside(visible, 0.0)]
    if not len(boxes):
        return
    veil = QColor(scene.theme.background)
    veil.setAlphaF(DIM_ALPHA)
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(veil)
    painter.drawPath(rects_path(boxes + np.array([-1.0, -1.0, 2.0, 2.0]), radius + 1))
    painter.restore()


def paint_flow_edges(painter: QPainter, scene: GraphScene, state: ViewState, scale: float) -> None:
    """The edges in `flow_edges` ("src->dst") retraced, thick, in the flow colour."""
    if not state.flow_edges:
        return
    edges: list[int] = []
    for item in state.flow_edges:
        src, _, dst = item.partition("->")
        edges += scene.edges_between(src, dst)
    if not edges:
        return
    painter.save()
    pen = QPen(QColor(_FLOW.get(scene.theme.name, _FLOW["light"])), max(FLOW_WIDTH, 1.5 / scale))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(scene.edge_path(np.array(sorted(set(edges)))))
    painter.restore()


def paint_badges(
    painter: QPainter, scene: GraphScene, state: ViewState, visible: QRectF, scale: float
) -> None:
    """Each badge as a pill on its item's top-right corner; a dot where text would not read."""
    if not state.badges:
        return
    font = label_font(BADGE_PX, bold=True)
    metrics = QFontMetricsF(font)
    readable = BADGE_PX * scale >= 6.0
    painter.save()
    painter.setFont(font)
    for item, badge in state.badges.items():
        for box in scene.item_boxes(item).tolist():
            x, y, w, _h = box
            if not visible.intersects(QRectF(x - 40, y - 20, w + 80, 40)):
                continue
            _paint_badge(painter, badge, QPointF(x + w, y), font, metrics, readable, scale)
    painter.restore()


def _paint_badge(
    painter: QPainter,
    badge: Badge,
    corner: QPointF,
    font: QFont,
    metrics: QFontMetricsF,
    readable: bool,
    scale: float,
) -> None:
    fill = QColor(_BADGE_FILL.get(badge.level, _BADGE_FILL["warning"]))
    painter.setBrush(fill)
    painter.setPen(QPen(QColor("#ffffff"), max(1.0, 1.0 / scale)))
    if not readable:
        r = BADGE_DOT_PX / scale
        painter.drawEllipse(corner, r, r)
        return
    h = BADGE_PX * 1.5
    w = metrics.horizontalAdvance(badge.text) + BADGE_PX
    rect = QRectF(corner.x() - w + 6, corner.y() - h / 2 - 2, w, h)
    painter.drawRoundedRect(rect, h / 2, h / 2)
    painter.setPen(QColor("#ffffff"))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, badge.text)


def paint_colour_bar(painter: QPainter, rect: QRectF, overlay: Overlay, theme: Theme) -> None:
    """The overlay's colour bar in `rect` (device or page units): title, ramp, its two ends."""
    font = label_font(11)
    metrics = QFontMetricsF(font)
    painter.save()
    painter.setFont(font)
    back = QColor(theme.background)
    back.setAlphaF(0.92)
    painter.setPen(QPen(theme.group_border, 1.0))
    painter.setBrush(back)
    painter.drawRoundedRect(rect, 6, 6)
    inner = rect.adjusted(10, 6, -10, -6)
    painter.setPen(theme.text)
    line = metrics.height()
    painter.drawText(QRectF(inner.left(), inner.top(), inner.width(), line), overlay.label)
    bar = QRectF(
        inner.left(), inner.top() + line + 4, inner.width(), max(inner.height() - 2 * line - 8, 6)
    )
    gradient = QLinearGradient(bar.topLeft(), bar.topRight())
    fills = ramp(theme)
    for b, colour in enumerate(fills):
        gradient.setColorAt(b / (len(fills) - 1), colour)
    painter.setPen(QPen(theme.node_border, 1.0))
    painter.setBrush(QBrush(gradient))
    painter.drawRect(bar)
    ends = overlay_range(overlay)
    painter.setPen(theme.muted_text)
    below = QRectF(inner.left(), bar.bottom() + 2, inner.width(), line)
    if ends is None:
        painter.drawText(below, Qt.AlignmentFlag.AlignLeft, "no values")
    else:
        painter.drawText(below, Qt.AlignmentFlag.AlignLeft, format_value(ends[0]))
        painter.drawText(below, Qt.AlignmentFlag.AlignRight, format_value(ends[1]))
    painter.restore()


COLOUR_BAR_SIZE = (220.0, 58.0)  # width, height of the colour bar, device pixels


def format_value(v: float) -> str:
    """A colour bar end: 3 significant digits, scientific beyond 1e4 or under 1e-3."""
    if v == 0 or 1e-3 <= abs(v) < 1e4:
        return f"{v:.3g}"
    return f"{v:.2e}"
