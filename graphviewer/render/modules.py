"""Folded module cards that say what they hold: a fill tinted by the dominant kind of op
inside, and a thin bar of the kinds' shares along the card's foot (the legend lists each kind
a tint or bar uses)."""

from __future__ import annotations

import weakref
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from graphviewer.core.categories import CATEGORY_LABELS, op_category
from graphviewer.core.types import GraphSnapshot, Layout
from graphviewer.render.theme import Theme

CATEGORIES: tuple[str, ...] = tuple(CATEGORY_LABELS)
# what a module does is its compute: these say little and count only when nothing else is inside
QUIET = frozenset({"parameter", "input", "output", "view", "other"})
TINT = 0.30  # share of the category's fill in a card's fill (the rest is the background)
BAR = 2.5  # height of the share bar, on the inner frame's foot (under the label's last line)
NODE_RADIUS = 5.0


def module_shares(snapshot: GraphSnapshot, layout: Layout) -> np.ndarray:
    """(N, len(CATEGORIES)) per layout item: the share of each category among the nodes of
    the collapsed module it stands for (a row of zeros for anything else); quiet kinds
    (parameters, views) count only in a module holding nothing else."""
    folded = {
        item.removeprefix("module:"): k
        for k, item in enumerate(layout.items)
        if item.startswith("module:") and item.removeprefix("module:") in layout.collapsed
    }
    counts = np.zeros((len(layout.items), len(CATEGORIES)))
    if not folded:
        return counts
    rows: dict[str, list[int]] = {}
    for k, item in enumerate(layout.items):
        path = item.removeprefix("module:")
        if path in folded:
            rows.setdefault(path, []).append(k)
    tally: Counter[tuple[str, int]] = Counter()
    for (module, category), count in module_categories(snapshot.graph).items():
        path = _outermost(module, folded)
        if path is not None:
            tally[(path, category)] += count
    for (path, category), count in tally.items():
        counts[rows[path], category] += count
    quiet = np.array([c in QUIET for c in CATEGORIES])
    loud = counts[:, ~quiet].sum(axis=1) > 0
    counts[np.ix_(loud, quiet)] = 0
    total = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, total, out=np.zeros_like(counts), where=total > 0)


_by_module: weakref.WeakKeyDictionary[Any, tuple[int, Counter[tuple[str, int]]]] = (
    weakref.WeakKeyDictionary()
)


def module_categories(graph: Any) -> Counter[tuple[str, int]]:
    """How many of `graph`'s nodes each module holds of each category (an index into
    CATEGORIES), kept per graph while it has as many nodes (every picture of it asks)."""
    kept = _by_module.get(graph)
    if kept is not None and kept[0] == graph.number_of_nodes():
        return kept[1]
    index = {c: i for i, c in enumerate(CATEGORIES)}
    tally: Counter[tuple[str, int]] = Counter()
    for _, data in graph.nodes(data=True):
        node = data["node"]
        if node.kind == "output":  # the graph's output: what op it is counts here
            node = node._replace(kind="op")
        tally[(node.module, index[op_category(node)])] += 1
    _by_module[graph] = (graph.number_of_nodes(), tally)
    return tally


def _outermost(module: str, folded: Mapping[str, int]) -> str | None:
    parts = module.split(".") if module else []
    for depth in range(1, len(parts) + 1):
        path = ".".join(parts[:depth])
        if path in folded:
            return path
    return None


def dominant(shares: np.ndarray) -> np.ndarray:
    """Per item: the index of its largest share, or -1 when it has none."""
    best = shares.argmax(axis=1) if shares.size else np.zeros(len(shares), dtype=np.int64)
    return np.where(shares.max(axis=1, initial=0) > 0, best, -1)


def tint(theme: Theme, category: int) -> QColor:
    """A card's fill: the background with a little of the category's colour."""
    base = theme.background
    if category < 0:
        return QColor(base)
    fill = theme.fill_of(CATEGORIES[category])
    pairs = zip(fill.getRgb()[:3], base.getRgb()[:3], strict=True)
    return QColor(*(round(b + (f - b) * TINT) for f, b in pairs))


def legend_card(theme: Theme) -> tuple[QColor, QColor, tuple[QColor, QColor]]:
    """A sample folded card for a legend: (fill, frame, two share-bar colours), as a module
    holding mostly matmuls with some activations is drawn."""
    main = CATEGORIES.index("matmul")
    return (
        tint(theme, main),
        QColor(theme.collapsed_border),
        (theme.fill_of("matmul"), theme.fill_of("activation")),
    )


def paint_module_cards(
    painter: QPainter,
    rows: Sequence[Sequence[float]],
    shares: np.ndarray,
    theme: Theme,
    frame: QPen,
    inner: QPen | None,
) -> None:
    """Collapsed modules `rows` (x, y, w, h): tinted card, thick `frame`, thin `inner` line
    (None when too small to see) and the share bar along the foot."""
    top = dominant(shares)
    painter.setPen(frame)
    for box, cat in zip(rows, top.tolist(), strict=True):
        painter.setBrush(tint(theme, cat))
        painter.drawRoundedRect(QRectF(*box), NODE_RADIUS, NODE_RADIUS)
    if inner is None:
        return
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(inner)
    for box in rows:
        rect = QRectF(*box).adjusted(3, 3, -3, -3)
        painter.drawRoundedRect(rect, NODE_RADIUS - 1, NODE_RADIUS - 1)
    painter.setPen(Qt.PenStyle.NoPen)
    for box, share in zip(rows, shares.tolist(), strict=True):
        x, y, w, h = box
        if h < 24 or w < 24:
            continue
        left, width = x + 8, w - 16
        for c, part in enumerate(share):
            if part <= 0:
                continue
            painter.setBrush(theme.fill_of(CATEGORIES[c]))
            painter.drawRect(QRectF(left, y + h - 3 - BAR, width * part, BAR))
            left += width * part


def tint_categories(shares: np.ndarray, which: np.ndarray | None = None) -> set[int]:
    """Category indices a card among `which` (all when None) shows in its tint or bar."""
    rows = shares if which is None else shares[which]
    return set(np.nonzero(rows.sum(axis=0) > 0)[0].tolist())


def forget_categories(graph: Any) -> None:
    """Drop `module_categories`' tally for `graph` (benchmarks time a first picture so)."""
    _by_module.pop(graph, None)
