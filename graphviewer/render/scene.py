"""The one painter of a laid-out graph: the canvas, the minimap and every export draw through it.

`GraphScene` turns a `Layout` + `GraphSnapshot` into QPainter calls on any paint device. It keeps
no widgets and no per-node objects: per-item data lives in numpy arrays, what is outside the
visible rectangle is culled with masks, and each style of box, edge and arrowhead is drawn as one
batched `QPainterPath` (built in one C++ call, see `render.paths`). Text is skipped where it would
be too small to read unless the caller asks for full detail (exports).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPaintEngine,
    QPainter,
    QPainterPath,
    QPen,
)

from graphviewer.core.categories import CATEGORY_LABELS, op_category
from graphviewer.core.types import GraphSnapshot, Layout
from graphviewer.render import paths
from graphviewer.render.curves import curved_routes
from graphviewer.render.marks import paint_highlights, paint_selection
from graphviewer.render.modules import module_shares, paint_module_cards
from graphviewer.render.overlay import (
    OverlayColours,
    overlay_colours,
    paint_badges,
    paint_dimmed,
    paint_flow_edges,
    paint_overlay_boxes,
)
from graphviewer.render.state import Hit, ViewState
from graphviewer.render.text import (
    SMALL_FONT_PX,
    edge_text,
    group_font,
    item_text,
    node_font,
    small_font,
    text_measurer,
)
from graphviewer.render.theme import Theme
from graphviewer.render.titles import TitleSlots, paint_group_titles

__all__ = ["GraphScene", "Hit", "ViewState", "node_font", "text_measurer"]

CATEGORIES: tuple[str, ...] = tuple(CATEGORY_LABELS)
MODULE = -1  # category index of a collapsed-module item
MIN_TEXT_PX = 5.0  # no label drawn smaller than this many device pixels
NODE_RADIUS = 4.0
GROUP_RADIUS = 6.0
ARROW = 7.0
EDGE_WIDTH = 1.2
EDGE_LABEL_MAX = 400  # shape labels drawn at most per frame
SMALL_FONT = float(SMALL_FONT_PX)


class GraphScene:
    """Paints a laid-out graph with a QPainter onto any paint device; no widgets."""

    def __init__(self, snapshot: GraphSnapshot, layout: Layout, theme: Theme) -> None:
        self.snapshot, self.layout, self.theme = snapshot, layout, theme
        boxes = layout.boxes.reshape(-1, 4).astype(np.float64)
        self._boxes = boxes
        self._box_rows: list[list[float]] = boxes.tolist()  # per-item loops read Python floats
        self._x1, self._y1 = boxes[:, 0] + boxes[:, 2], boxes[:, 1] + boxes[:, 3]
        self._gboxes = layout.group_boxes.reshape(-1, 4).astype(np.float64)
        self._gbox_rows: list[list[float]] = self._gboxes.tolist()
        self.title_slots = TitleSlots()  # `render.titles`: where each group's title goes
        self._sorted_y: tuple[np.ndarray, np.ndarray] | None = None
        self._stub = np.asarray(layout.is_stub, dtype=bool)
        graph = snapshot.graph
        cat = np.empty(len(layout.items), dtype=np.int32)
        for k, item in enumerate(layout.items):
            cat[k] = (
                CATEGORIES.index(op_category(graph.nodes[item]["node"]))
                if item in graph
                else MODULE
            )
        self._cat = cat
        self._cat_list: list[int] = cat.tolist()
        self._index: dict[str, int] = {}
        for k, item in enumerate(layout.items):
            if item not in self._index or not self._stub[k]:
                self._index.setdefault(item, k)
                if not self._stub[k]:
                    self._index[item] = k
        # A module called several times has one folded item (repeating its id) and one group box
        # per call: an id or a path maps to all of them.
        self._calls: dict[str, list[int]] = {}
        for k in np.nonzero(~self._stub)[0].tolist():
            self._calls.setdefault(layout.items[k], []).append(k)
        self._calls = {i: ks for i, ks in self._calls.items() if len(ks) > 1}
        self._groups: dict[str, list[int]] = {}
        for g, p in enumerate(layout.group_paths):
            self._groups.setdefault(p, []).append(g)
        self._labels: dict[int, str] = {}
        self._edge_labels: dict[int, str] = {}
        self._label_clear: dict[int, bool] = {}  # left to right: no box in the label's way
        self._fonts = (node_font(), small_font(), group_font())
        self._small_metrics = QFontMetricsF(self._fonts[1])
        self._init_edges()
        self._cache: dict[tuple[object, ...], QPainterPath] = {}
        self._min_text = MIN_TEXT_PX
        self._pairs: dict[tuple[str, str], list[int]] | None = None
        self._shares: np.ndarray | None = None
        self.mark_cache: dict[int, object] = {}  # `render.marks`: boxes of the marked ids
        self.overlay_cache: OverlayColours | None = None  # `render.overlay`: bins of an overlay

    def _init_edges(self) -> None:
        lay = self.layout
        pts, off = curved_routes(
            lay.edge_points.reshape(-1, 2).astype(np.float64),
            np.asarray(lay.edge_offsets, dtype=np.int64),
            lay.direction,
        )
        self._pts, self._off = pts, off
        n = len(off) - 1
        self._ebox = np.zeros((max(n, 0), 4))
        self._seg_start = self._seg_edge = self._arrow_edges = np.zeros(0, dtype=np.int64)
        self._arrow_tip = self._arrow_dir = np.zeros((0, 2))
        if n <= 0 or len(pts) == 0:
            return
        counts = np.diff(off)
        nonempty = counts > 0
        starts = off[:-1][nonempty]
        self._ebox[nonempty, 0] = np.minimum.reduceat(pts[:, 0], starts)
        self._ebox[nonempty, 1] = np.minimum.reduceat(pts[:, 1], starts)
        self._ebox[nonempty, 2] = np.maximum.reduceat(pts[:, 0], starts)
        self._ebox[nonempty, 3] = np.maximum.reduceat(pts[:, 1], starts)
        # segment k joins points k and k+1 when both belong to the same edge
        point_edge = np.repeat(np.arange(n), counts)
        same = point_edge[:-1] == point_edge[1:]
        self._seg_start = np.nonzero(same)[0]
        self._seg_edge = point_edge[:-1][same]
        self._arrow_edges = np.nonzero(nonempty & (counts >= 2))[0]
        self._arrow_tip = pts[off[1:][self._arrow_edges] - 1]
        self._arrow_dir = self._arrow_tip - pts[off[1:][self._arrow_edges] - 2]

    # -- geometry ------------------------------------------------------------------------------
    @property
    def boxes(self) -> np.ndarray:
        """Per item: x, y, width, height (read-only)."""
        return self._boxes

    @property
    def categories(self) -> np.ndarray:
        """Per item: its index in `CATEGORIES`, or `MODULE` for a collapsed module (read-only)."""
        return self._cat

    @property
    def bounds(self) -> QRectF:
        """The rectangle holding every box, edge and group, in scene coordinates."""
        x, y, w, h = self.layout.bounds
        rect = QRectF(x, y, w, h)
        if len(self._pts):
            lo, hi = self._pts.min(axis=0), self._pts.max(axis=0)
            rect = rect.united(QRectF(lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1]))
        return rect

    def item_boxes(self, item_id: str) -> np.ndarray:
        """(K, 4) boxes of an item id (every call's, for a module called several times), or of
        every box of a group ("path" or "group:path")."""
        k = self._index.get(item_id)
        if k is not None:
            calls = self._calls.get(item_id)
            return self._boxes[calls] if calls is not None else self._boxes[k : k + 1]
        groups = self._groups.get(item_id.removeprefix("group:"))
        if groups is not None:
            return self._gboxes[groups]
        return np.zeros((0, 4))

    def item_rect(self, item_id: str) -> QRectF:
        """The rectangle around every box of an item id or group; empty when unknown."""
        b = self.item_boxes(item_id)
        if not len(b):
            return QRectF()
        x0, y0 = b[:, 0].min(), b[:, 1].min()
        x1, y1 = (b[:, 0] + b[:, 2]).max(), (b[:, 1] + b[:, 3]).max()
        return QRectF(float(x0), float(y0), float(x1 - x0), float(y1 - y0))

    def hit_test(self, point: QPointF, tolerance: float = 4.0) -> Hit | None:
        """The node, edge or (innermost) group under `point` (scene coordinates), or None."""
        px, py = point.x(), point.y()
        b = self._boxes
        inside = (b[:, 0] <= px) & (px <= self._x1) & (b[:, 1] <= py) & (py <= self._y1)
        found = np.nonzero(inside)[0]
        if len(found):
            k = int(found[-1])
            return Hit("node", self.layout.items[k], k)
        edge = self._edge_at(px, py, tolerance)
        if edge is not None:
            lay = self.layout
            src, dst = lay.items[int(lay.edge_src[edge])], lay.items[int(lay.edge_dst[edge])]
            return Hit("edge", f"{src}->{dst}", edge)
        g = self._gboxes
        inside = (g[:, 0] <= px) & (px <= g[:, 0] + g[:, 2]) & (g[:, 1] <= py)
        inside &= py <= g[:, 1] + g[:, 3]
        found = np.nonzero(inside)[0]
        if len(found):
            k = int(found[np.argmax(self.layout.group_depths[found])])
            return Hit("group", self.layout.group_paths[k], k)
        return None

    def _edge_at(self, px: float, py: float, tol: float) -> int | None:
        if not len(self._seg_edge):
            return None
        a = self._pts[self._seg_start]
        d = self._pts[self._seg_start + 1] - a
        length2 = np.maximum((d * d).sum(axis=1), 1e-12)
        t = np.clip(((px - a[:, 0]) * d[:, 0] + (py - a[:, 1]) * d[:, 1]) / length2, 0, 1)
        dist2 = (a[:, 0] + t * d[:, 0] - px) ** 2 + (a[:, 1] + t * d[:, 1] - py) ** 2
        best = int(np.argmin(dist2))
        return int(self._seg_edge[best]) if dist2[best] <= tol * tol else None

    # -- painting ------------------------------------------------------------------------------
    def paint(self, painter: QPainter, visible: QRectF, scale: float, state: ViewState) -> None:
        """Draw what lies in `visible` (scene coordinates) at `scale` device pixels per unit."""
        scale = max(scale, 1e-6)
        margin = 2 * ARROW
        vx0, vy0 = visible.left() - margin, visible.top() - margin
        vx1, vy1 = visible.right() + margin, visible.bottom() + margin
        b = self._boxes
        items = (self._x1 >= vx0) & (b[:, 0] <= vx1) & (self._y1 >= vy0) & (b[:, 1] <= vy1)
        e = self._ebox
        edges = (e[:, 2] >= vx0) & (e[:, 0] <= vx1) & (e[:, 3] >= vy0) & (e[:, 1] <= vy1)
        g = self._gboxes
        groups = (g[:, 0] + g[:, 2] >= vx0) & (g[:, 0] <= vx1)
        groups &= (g[:, 1] + g[:, 3] >= vy0) & (g[:, 1] <= vy1)
        everything = bool(items.all() and edges.all())
        detail = state.full_detail
        # Exports skip the shortcuts; only text under 2 device pixels (a smudge) is left out.
        self._min_text = 2.0 if detail else MIN_TEXT_PX
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, detail or scale > 0.25)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        self._paint_groups(painter, np.nonzero(groups)[0], scale, state)
        paint_highlights(painter, self, state, scale, NODE_RADIUS, visible)
        raster = painter.paintEngine().type() == QPaintEngine.Type.Raster
        self._paint_edges(painter, np.nonzero(edges)[0], scale, everything, detail, raster)
        if self._fonts[2].pixelSize() * scale >= self._min_text:
            paint_group_titles(painter, self, np.nonzero(groups)[0].tolist(), self._fonts[2])
        colours = overlay_colours(self, state.overlay) if state.overlay is not None else None
        self._paint_boxes(painter, items, scale, everything, detail, raster, colours)
        self._paint_labels(painter, np.nonzero(items)[0], scale, colours)
        paint_dimmed(painter, self, state, visible, NODE_RADIUS)
        paint_flow_edges(painter, self, state, scale)
        shown = np.nonzero(edges)[0]
        if SMALL_FONT * scale >= max(self._min_text, 6.0) and (
            detail or len(shown) <= EDGE_LABEL_MAX
        ):
            self._paint_edge_labels(painter, shown)
        paint_selection(painter, self, state, scale, NODE_RADIUS, visible)
        paint_badges(painter, self, state, visible, scale)
        painter.restore()

    def _pen(self, color: QColor, width: float, scale: float) -> QPen:
        """A pen at least one device pixel wide, whatever the zoom."""
        pen = QPen(color, max(width, 1.0 / scale))
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        return pen

    def _paint_groups(
        self, painter: QPainter, which: np.ndarray, scale: float, state: ViewState
    ) -> None:
        theme, lay = self.theme, self.layout
        painter.setPen(self._pen(theme.group_border, 1.0, scale))
        fills = theme.group_fill
        rows, depths = self._gbox_rows, lay.group_depths
        which_list = which.tolist()
        for g in which_list:  # outermost first: inner boxes paint over their parents
            painter.setBrush(fills[min(int(depths[g]), len(fills) - 1)])
            painter.drawRoundedRect(QRectF(*rows[g]), GROUP_RADIUS, GROUP_RADIUS)

    @property
    def edge_points(self) -> np.ndarray:
        """The drawn edge polylines' points (curves sampled), concatenated (read-only)."""
        return self._pts

    @property
    def group_rows(self) -> list[list[float]]:
        """Per group box: x, y, width, height as Python floats (read-only)."""
        return self._gbox_rows

    @property
    def sorted_edge_y(self) -> tuple[np.ndarray, np.ndarray]:
        """Edge points' y sorted, and the point index of each (for band look-ups)."""
        if self._sorted_y is None:
            order = np.argsort(self._pts[:, 1], kind="stable")
            self._sorted_y = (self._pts[order, 1], order)
        return self._sorted_y

    def _cached(self, key: tuple[object, ...], everything: bool, build) -> QPainterPath:  # type: ignore[no-untyped-def]
        """`build()`, kept for the next full frame when this frame shows everything."""
        if not everything:
            return build()  # type: ignore[no-any-return]
        path = self._cache.get(key)
        if path is None:
            path = self._cache[key] = build()
        return path

    def _paint_edges(
        self,
        painter: QPainter,
        which: np.ndarray,
        scale: float,
        everything: bool,
        detail: bool,
        raster: bool,
    ) -> None:
        # Qt's raster engine strokes one big antialiased path wider than a pixel very slowly
        # (seconds for a few hundred long crossing edges): on raster devices thin edges go out
        # as one path with the 1-pixel cosmetic pen, wider ones segment by segment.
        theme = self.theme
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if raster and EDGE_WIDTH * scale > 1.05:
            painter.setPen(self._pen(theme.edge, EDGE_WIDTH, scale))
            starts = self._seg_start[np.isin(self._seg_edge, which, assume_unique=False)]
            if len(starts):
                seg = np.hstack([self._pts[starts], self._pts[starts + 1]]).tolist()
                painter.drawLines([QLineF(*s) for s in seg])
        else:
            path = self._cached(
                ("edges",), everything, lambda: paths.polylines_path(self._pts, self._off, which)
            )
            pen = self._pen(theme.edge, EDGE_WIDTH, scale)
            if raster:
                pen.setWidthF(1.0)
                pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawPath(path)
        if (ARROW * scale < 2.5 and not detail) or not len(self._arrow_edges):
            return
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.edge)
        keep = np.isin(self._arrow_edges, which, assume_unique=True)
        tips, dirs = self._arrow_tip[keep], self._arrow_dir[keep]
        step = 32 if raster else max(len(tips), 1)  # small paths fill fast when antialiased
        for a in range(0, len(tips), step):
            painter.drawPath(paths.arrows_path(tips[a : a + step], dirs[a : a + step], ARROW))

    def _paint_boxes(
        self,
        painter: QPainter,
        visible: np.ndarray,
        scale: float,
        everything: bool,
        detail: bool,
        raster: bool,
        colours: OverlayColours | None = None,
    ) -> None:
        theme = self.theme
        rounded = detail or NODE_RADIUS * scale >= 1.0
        border = detail or scale >= 0.3
        border_pen = self._pen(theme.node_border, 1.0, scale) if border else Qt.PenStyle.NoPen
        if colours is not None:  # coloured by a number: one batched fill per colour step
            modules = np.nonzero(visible & (self._cat == MODULE))[0]
            module_pen = self._pen(theme.collapsed_border, 2.0, scale)
            radius = NODE_RADIUS if rounded else 0.0
            paint_overlay_boxes(
                painter, self, colours, visible, border_pen, radius, modules, module_pen, everything
            )
            return
        antialiased = painter.testRenderHint(QPainter.RenderHint.Antialiasing)
        # Antialiased raster fills of one path with many boxes are slow: box by box is faster.
        one_by_one = raster and antialiased and int(visible.sum()) <= 6000
        radius = NODE_RADIUS if rounded else 0.0
        for c, category in enumerate(CATEGORIES):
            mask = visible & (self._cat == c)
            if not mask.any():
                continue
            painter.setPen(border_pen)
            painter.setBrush(theme.fill_of(category))
            if one_by_one:
                for box in self._boxes[mask].tolist():
                    painter.drawRoundedRect(QRectF(*box), radius, radius)
                continue
            path = self._cached(
                ("boxes", c, rounded),
                everything,
                lambda mask=mask: paths.rects_path(self._boxes[mask], radius),
            )
            painter.drawPath(path)
        modules = np.nonzero(visible & (self._cat == MODULE))[0]
        if len(modules):
            self._paint_modules(painter, modules, scale)

    def _paint_modules(self, painter: QPainter, which: np.ndarray, scale: float) -> None:
        """Collapsed modules: tinted cards with a thick frame, an inner line and a share bar."""
        theme = self.theme
        rows = [self._box_rows[k] for k in which.tolist()]
        small = scale < 0.4 and not self._min_text < MIN_TEXT_PX
        inner = None if small else self._pen(theme.group_border, 1.0, scale)
        frame = self._pen(theme.collapsed_border, 2.0, scale)
        paint_module_cards(painter, rows, self.module_shares[which], theme, frame, inner)

    @property
    def module_shares(self) -> np.ndarray:
        """Per item: each category's share of the nodes its collapsed module holds."""
        if self._shares is None:
            self._shares = module_shares(self.snapshot, self.layout)
        return self._shares

    def _label(self, k: int) -> str:
        text = self._labels.get(k)
        if text is None:
            item, stub = self.layout.items[k], bool(self._stub[k])
            text = self._labels[k] = item_text(self.snapshot, item, stub=stub)
        return text

    def _paint_labels(
        self,
        painter: QPainter,
        which: np.ndarray,
        scale: float,
        colours: OverlayColours | None = None,
    ) -> None:
        theme = self.theme
        node, small, _ = self._fonts
        center = Qt.AlignmentFlag.AlignCenter
        text_of = {c: theme.text_on(theme.fill_of(cat)) for c, cat in enumerate(CATEGORIES)}
        text_of[MODULE] = theme.text
        boxes, cats = self._box_rows, self._cat_list
        for font, stub in ((node, False), (small, True)):
            if font.pixelSize() * scale < self._min_text:
                continue
            painter.setFont(font)
            current = None
            for k in which[self._stub[which] == stub].tolist():
                cat = cats[k]
                color = text_of[cat] if colours is None else colours.text_of(k)
                if color is not current:
                    painter.setPen(color)
                    current = color
                if cat == MODULE:
                    self._paint_module_label(painter, k, font)
                    continue
                painter.drawText(QRectF(*boxes[k]), center, self._label(k))

    def _paint_module_label(self, painter: QPainter, k: int, font: QFont) -> None:
        """A collapsed module's name in bold over its class and shapes (regular)."""
        lines = self._label(k).split("\n")
        x, y, w, h = self._box_rows[k]
        line_h = QFontMetricsF(font).height()
        top = y + (h - line_h * len(lines)) / 2
        bold = QFont(font)
        bold.setBold(True)
        if QFontMetricsF(bold).horizontalAdvance(lines[0]) > w - 4:
            bold = font
        center = Qt.AlignmentFlag.AlignCenter
        for i, line in enumerate(lines):
            painter.setFont(bold if i == 0 else font)
            painter.drawText(QRectF(x, top + i * line_h, w, line_h), center, line)
        painter.setFont(font)

    def edge_label(self, k: int) -> str:
        """The text written beside edge `k`'s start (its tensor's shape), or ""."""
        text = self._edge_labels.get(k)
        if text is None:
            lay = self.layout
            src, dst = lay.items[int(lay.edge_src[k])], lay.items[int(lay.edge_dst[k])]
            text = self._edge_labels[k] = edge_text(self.snapshot, src, dst)
        return text

    def _paint_edge_labels(self, painter: QPainter, which: np.ndarray) -> None:
        painter.setFont(self._fonts[1])
        painter.setPen(self.theme.muted_text)
        which = which[np.diff(self._off)[which] >= 2]
        if not len(which):
            return
        first = self._pts[self._off[which]].tolist()
        seen: set[tuple[int, int, str]] = set()
        for k, (x, y) in zip(which.tolist(), first, strict=True):
            text = self.edge_label(k)
            if not text:
                continue
            key = (round(x), round(y), text)
            if key in seen:  # fan-out: one label per tensor, not one per consumer
                continue
            seen.add(key)
            # beside the first segment, just under the source: never on top of a box
            if self._label_room(k, x, y, text):
                painter.drawText(QPointF(x + 4, y + SMALL_FONT + 2), text)

    def _label_room(self, k: int, x: float, y: float, text: str) -> bool:
        """Whether edge `k`'s label fits where it is written. Top to bottom it always does
        (under the source, across the flow); left to right it runs along the flow into the gap
        before the next layer, and a box there would cover it: it is left out then (the
        source's own box shows the shape too)."""
        if self.layout.direction != "LR":
            return True
        clear = self._label_clear.get(k)
        if clear is None:
            x0 = x + 4
            x1 = x0 + self._small_metrics.horizontalAdvance(text)
            y0, y1 = y + 2, y + SMALL_FONT + 4
            b = self._boxes
            over = (b[:, 0] < x1) & (self._x1 > x0) & (b[:, 1] < y1) & (self._y1 > y0)
            clear = self._label_clear[k] = not bool(over.any())
        return clear

    def edge_path(self, edges: np.ndarray) -> QPainterPath:
        """One path of the polylines of `edges` (indices), e.g. to outline a selected edge."""
        return paths.polylines_path(self._pts, self._off, edges)

    def edges_between(self, src: str, dst: str) -> list[int]:
        """Indices of the edges drawn from item `src` to item `dst`."""
        if self._pairs is None:
            pairs: dict[tuple[str, str], list[int]] = {}
            items, lay = self.layout.items, self.layout
            for k, (a, b) in enumerate(
                zip(lay.edge_src.tolist(), lay.edge_dst.tolist(), strict=True)
            ):
                pairs.setdefault((items[a], items[b]), []).append(k)
            self._pairs = pairs
        return self._pairs.get((src, dst), [])
