"""From a captured snapshot to a file in one call: the path `graphviewer export` and
`graphviewer.export()` share, with no window and no display needed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from graphviewer.core.types import GraphSnapshot, Layout
from graphviewer.render.export import BACKGROUNDS, ExportError, ExportOptions, ExportResult
from graphviewer.render.state import ViewState

_app: object = None  # the QGuiApplication this module created, kept alive


def ensure_gui_app() -> None:
    """Make sure a QGuiApplication exists (fonts need one); offscreen when there is no display."""
    global _app
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is not None:
        return
    no_display = not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")
    if no_display and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    _app = QGuiApplication(["graphviewer"])


# A slide: 16:9 at 1920×1080 px, less margins and the title; a label stays readable down to
# this many pixels per layout unit (node labels are ~11 units tall: ≥ 8 px on the slide).
SLIDE_SIZE = (1840.0, 960.0)
SLIDE_MIN_SCALE = 0.75


def layout_for_export(
    snapshot: GraphSnapshot, *, depth: int | None = None, expand_all: bool = False
) -> Layout:
    """The layout to export: fully expanded, folded below `depth`, or, with neither, the
    deepest folding whose picture is readable on one 16:9 slide (the window's first view when
    none is)."""
    from graphviewer.core.layout import default_collapsed, layout_graph
    from graphviewer.render.text import text_measurer

    ensure_gui_app()
    measure = text_measurer()

    def lay_out(collapsed: frozenset[str]) -> Layout:
        return layout_graph(snapshot.graph, snapshot.modules, collapsed=collapsed, measure=measure)

    if expand_all:
        return lay_out(frozenset())
    if depth is not None:
        return lay_out(frozenset(default_collapsed(snapshot.graph, snapshot.modules, depth=depth)))
    first_view = frozenset(default_collapsed(snapshot.graph, snapshot.modules))
    first = lay_out(first_view)
    if _fits_slide(first):
        return first
    # Shallower foldings, deepest first, until one fits: the first view folds everything
    # below its depth, so only the depths above it are new pictures.
    deepest = max((info.depth for info in snapshot.modules.values()), default=0)
    for d in range(_folded_depth(first_view, deepest) - 1, -1, -1):
        candidate = lay_out(frozenset(default_collapsed(snapshot.graph, snapshot.modules, depth=d)))
        if _fits_slide(candidate):
            return candidate
    return first


def _folded_depth(collapsed: frozenset[str], deepest: int) -> int:
    """The depth a `default_collapsed` set folds below (its shallowest module's parent's
    depth), or `deepest` when it folds nothing."""
    return min((p.count(".") for p in collapsed), default=deepest)


def _fits_slide(layout: Layout) -> bool:
    _, _, width, height = layout.bounds
    if width <= 0 or height <= 0:
        return True
    return min(SLIDE_SIZE[0] / width, SLIDE_SIZE[1] / height) >= SLIDE_MIN_SCALE


def export_snapshot(
    snapshot: GraphSnapshot,
    path: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    depth: int | None = None,
    expand_all: bool = False,
    theme: str = "light",
    width: int | None = None,
    scale: float | None = None,
    title: str | None = None,
    legend: bool = True,
    show_title: bool = True,
    marks: Callable[[Layout], ViewState] | None = None,
) -> ExportResult:
    """Lay out `snapshot` and write it to `path` (.png, .svg or .pdf, or as `fmt`); `marks`
    gives what to draw over the laid-out graph (badges, dimming), as the window shows it."""
    from graphviewer.render.export import export_graph, format_of
    from graphviewer.render.scene import GraphScene
    from graphviewer.render.theme import theme_named

    if theme not in BACKGROUNDS:
        raise ExportError(f"unknown theme {theme!r} (light, dark or transparent)")
    fmt = format_of(path, fmt)  # fail on a bad suffix before any work
    if snapshot.num_nodes == 0:
        raise ExportError(
            "the graph is empty: nothing to draw",
            path=Path(path),
            hint="under no_grad there is no autograd graph; use --mode train or eval",
        )
    layout = layout_for_export(snapshot, depth=depth, expand_all=expand_all)
    scene = GraphScene(snapshot, layout, theme_named("light" if theme == "transparent" else theme))
    options = ExportOptions(
        scale=scale,
        width=width,
        background=theme,
        include_legend=legend,
        include_title=show_title,
        title=title,
        state=marks(layout) if marks is not None else ViewState(),
    )
    return export_graph(scene, path, fmt=fmt, options=options)
