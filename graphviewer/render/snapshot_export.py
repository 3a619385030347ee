"""From a captured snapshot to a file in one call: the path `graphviewer export` and
`graphviewer.export()` share, with no window and no display needed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from graphviewer.core.layout.direction import Direction
from graphviewer.core.layout.fit import TARGETS, Fit, scale_on
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
SLIDE_SIZE = TARGETS["slide"]
SLIDE_MIN_SCALE = 0.75


def layout_for_export(
    snapshot: GraphSnapshot,
    *,
    depth: int | None = None,
    expand_all: bool = False,
    direction: Direction | None = None,
    fit: Fit = "slide",
) -> Layout:
    """The layout to export: fully expanded, folded below `depth`, or, with neither, the
    deepest folding whose picture is readable on one 16:9 slide (the window's first view when
    none is). Each folding is shaped for `fit`: the direction (`direction`, or the better of
    TB and LR) and the columns or rows that draw it largest there; "none" keeps one column
    top to bottom (or `direction`)."""
    from graphviewer.core.gc_pause import gc_paused

    with gc_paused():  # a few layouts' worth of small arrays and lists, and no cycle among them
        return _layout_for_export(snapshot, depth, expand_all, direction, fit)


def _layout_for_export(
    snapshot: GraphSnapshot,
    depth: int | None,
    expand_all: bool,
    direction: Direction | None,
    fit: Fit,
) -> Layout:
    from graphviewer.core.layout import layout_graph
    from graphviewer.core.layout.collapse import default_collapsed, shallower_foldings
    from graphviewer.core.layout.fit import arrange
    from graphviewer.render.text import text_measurer

    ensure_gui_app()
    measure = text_measurer()
    directions: tuple[Direction, ...] = (direction,) if direction else ("TB", "LR")
    laid: dict[tuple[frozenset[str], Direction], Layout] = {}

    def plain(collapsed: frozenset[str], d: Direction) -> Layout:
        if (collapsed, d) not in laid:
            laid[(collapsed, d)] = layout_graph(
                snapshot.graph, snapshot.modules, collapsed=collapsed, measure=measure, direction=d
            )
        return laid[(collapsed, d)]

    def lay_out(collapsed: frozenset[str], floor: float = 0.0) -> Layout:
        return arrange(lambda d: plain(collapsed, d), fit, directions, floor)

    if expand_all:
        return lay_out(frozenset())
    if depth is not None:
        return lay_out(default_collapsed(snapshot.graph, snapshot.modules, depth=depth))
    # the window's first view, then each shallower folding until one fits (a direction that
    # cannot make a folding fit is not laid out); when none does, the first view at its best
    foldings = shallower_foldings(snapshot.graph, snapshot.modules)
    for folding in foldings:
        candidate = lay_out(folding, SLIDE_MIN_SCALE if fit != "none" else 0.0)
        if _fits(candidate, fit):
            return candidate
    return lay_out(foldings[0])


def _fits(layout: Layout, fit: Fit) -> bool:
    return scale_on(layout, TARGETS.get(fit, SLIDE_SIZE)) >= SLIDE_MIN_SCALE


def export_snapshot(
    snapshot: GraphSnapshot,
    path: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    depth: int | None = None,
    expand_all: bool = False,
    direction: Direction | None = None,
    fit: Fit = "slide",
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
    layout = layout_for_export(
        snapshot, depth=depth, expand_all=expand_all, direction=direction, fit=fit
    )
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
    result = export_graph(scene, path, fmt=fmt, options=options)
    from dataclasses import replace

    from graphviewer.render.advice import size_advice

    return replace(result, advice=size_advice(result, folded=bool(layout.collapsed)))
