"""Colours for drawing a graph, light and dark, chosen to survive a projector.

Fills are mid-saturation tints that stay distinct when a projector washes colours out; text on
them keeps a contrast ratio of at least 4.5 (see `text_on`). The categories are those of
`core.categories`: the canvas, the legend and every export use the same table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from PySide6.QtGui import QColor

from graphviewer.core.categories import CATEGORY_LABELS, Category

THEME_NAMES = ("light", "dark")


@dataclass(frozen=True)
class Theme:
    """The colours of one look: background, text, edges, selection, groups and op categories."""

    name: str
    background: QColor
    text: QColor
    muted_text: QColor
    edge: QColor
    node_border: QColor
    selection: QColor
    highlight: QColor
    group_fill: tuple[QColor, ...]  # by nesting depth (cycled when deeper)
    group_border: QColor
    category_fill: Mapping[str, QColor]  # keys: core.categories.Category values
    collapsed_border: QColor  # the frame of a collapsed module

    def fill_of(self, category: str) -> QColor:
        """The fill of a category, falling back to "other"."""
        return self.category_fill.get(category, self.category_fill["other"])

    def text_on(self, fill: QColor) -> QColor:
        """The readable text colour on `fill`: the theme's text, or its opposite on strong fills."""
        dark, light = QColor("#111418"), QColor("#f5f6f8")
        return dark if _contrast(fill, dark) >= _contrast(fill, light) else light


def _luminance(c: QColor) -> float:
    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF())


def _contrast(a: QColor, b: QColor) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _fills(table: Mapping[Category, str]) -> Mapping[str, QColor]:
    missing = set(CATEGORY_LABELS) - set(table)
    assert not missing, f"theme misses categories {missing}"
    return MappingProxyType({k: QColor(v) for k, v in table.items()})


_LIGHT_FILLS: dict[Category, str] = {
    "matmul": "#8ec1ee",  # blue
    "conv": "#6fcfc2",  # teal
    "activation": "#ffb86b",  # orange
    "normalization": "#c9aaeb",  # purple
    "elementwise": "#f3df72",  # yellow
    "view": "#dcdfe3",  # grey: the least important ops are the quietest
    "reduction": "#f3a3cc",  # pink
    "parameter": "#a9dc8e",  # green
    "input": "#2f6f9f",  # strong blue, white text
    "output": "#b8403a",  # strong red, white text
    "other": "#d3c2a8",  # tan
}

_DARK_FILLS: dict[Category, str] = {
    "matmul": "#2e6497",
    "conv": "#1f7d72",
    "activation": "#9a5415",
    "normalization": "#6c4a98",
    "elementwise": "#6e6116",
    "view": "#4a4f57",
    "reduction": "#8a3a66",
    "parameter": "#3f7a2c",
    "input": "#2f78b5",
    "output": "#b8403a",
    "other": "#7a6a52",
}

LIGHT = Theme(
    name="light",
    background=QColor("#ffffff"),
    text=QColor("#15191e"),
    muted_text=QColor("#4f5966"),
    edge=QColor("#5d6673"),
    node_border=QColor("#3d4550"),
    selection=QColor("#26004f"),  # deep violet: ≥ 3:1 on every fill, strong blue and red too
    highlight=QColor("#f5c400"),
    group_fill=(QColor("#f3f5f9"), QColor("#e9edf4"), QColor("#dfe5ee"), QColor("#d6dde9")),
    group_border=QColor("#8b97a8"),
    category_fill=_fills(_LIGHT_FILLS),
    collapsed_border=QColor("#1d2733"),
)

DARK = Theme(
    name="dark",
    background=QColor("#1c1e22"),
    text=QColor("#eceef1"),
    muted_text=QColor("#a9b1bc"),
    edge=QColor("#9aa3ae"),
    node_border=QColor("#c0c7d0"),
    selection=QColor("#4dffea"),  # aqua: ≥ 3:1 on every fill (orange: 2.5 on activations)
    highlight=QColor("#ffd43b"),
    group_fill=(QColor("#24272c"), QColor("#2b2f35"), QColor("#32373e"), QColor("#393f47")),
    group_border=QColor("#69727e"),
    category_fill=_fills(_DARK_FILLS),
    collapsed_border=QColor("#e6e9ee"),
)


def theme_named(name: str) -> Theme:
    """The theme called `name` ("light" or "dark"); ValueError for anything else."""
    if name == "light":
        return LIGHT
    if name == "dark":
        return DARK
    raise ValueError(f"unknown theme {name!r} (expected one of {', '.join(THEME_NAMES)})")
