"""The words drawn on a graph and the one font they are drawn in, for screen and export alike.

Box sizes come from the layout engine, which measures label texts with `text_measurer`; the
scene draws the very same texts (from `core.labels`) so they fit their boxes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from PySide6.QtGui import QFont, QFontMetricsF

from graphviewer.core import labels
from graphviewer.core.labels import shape_text
from graphviewer.core.types import GraphSnapshot, ModuleInfo, collapsed_id

FONT_FAMILY = "DejaVu Sans"  # on every Linux; SVG viewers fall back to any sans-serif
NODE_FONT_PX = 12  # scene units (pixels at zoom 1)
SMALL_FONT_PX = 10  # stubs, edge shapes
GROUP_FONT_PX = 11


def label_font(pixel_size: int, *, bold: bool = False) -> QFont:
    """The one font recipe for every text drawn (labels, titles, legend), at `pixel_size`."""
    font = QFont(FONT_FAMILY)
    font.setStyleHint(QFont.StyleHint.SansSerif)
    font.setPixelSize(pixel_size)
    font.setBold(bold)
    # Unhinted metrics scale linearly: a label measured at zoom 1 fits its box at any zoom,
    # in an SVG and in a PDF.
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return font


def node_font() -> QFont:
    """The font of node labels (screen and export); sizes are in scene units."""
    return label_font(NODE_FONT_PX)


def small_font() -> QFont:
    """The font of stub labels and edge shape labels."""
    return label_font(SMALL_FONT_PX)


def group_font() -> QFont:
    """The font of module group titles."""
    return label_font(GROUP_FONT_PX, bold=True)


def text_measurer(font: QFont | None = None) -> Callable[[str], tuple[float, float]]:
    """(width, height) of a possibly multi-line text in `font`: for `layout_graph(measure=)`."""
    metrics = QFontMetricsF(font if font is not None else node_font())
    line_height = metrics.height()

    @lru_cache(maxsize=65536)
    def measure(text: str) -> tuple[float, float]:
        lines = text.split("\n")
        width = max(metrics.horizontalAdvance(line) for line in lines)
        return (float(width), float(line_height * len(lines)))

    return measure


def group_text(info: ModuleInfo | None, path: str) -> str:
    """The title of an expanded module's group box: "name · Class"."""
    return labels.group_label(info, path)


def item_text(snapshot: GraphSnapshot, item_id: str, *, stub: bool = False) -> str:
    """The text of any layout item, exactly as the layout sized its box (`labels.item_label`)."""
    node = snapshot.node(item_id) if item_id in snapshot.graph else None
    module = snapshot.modules.get(item_id.removeprefix(collapsed_id(""))) if node is None else None
    return labels.item_label(item_id, stub=stub, node=node, module=module)


def edge_text(snapshot: GraphSnapshot, src: str, dst: str) -> str:
    """The shape of the tensor flowing from item `src` to item `dst`, as text ("" if unknown)."""
    shape = None
    if snapshot.graph.has_edge(src, dst):
        shape = snapshot.graph.edges[src, dst].get("shape")
    if shape is None and src in snapshot.graph:
        shape = snapshot.node(src).shape
    if shape is None and src.startswith("module:"):
        info = snapshot.modules.get(src[len("module:") :])
        # A module called with other shapes each time knows only its first call's: no label.
        if info is not None and len(info.output_shapes) == 1 and not info.shapes_vary:
            shape = info.output_shapes[0]
    return shape_text(tuple(shape) if shape is not None else None)
