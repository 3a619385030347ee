"""From a captured snapshot to a file in one call: the path `graphviewer export` and
`graphviewer.export()` share, with no window and no display needed.
"""

from __future__ import annotations

import os
from pathlib import Path

from graphviewer.core.types import GraphSnapshot, Layout
from graphviewer.render.export import BACKGROUNDS, ExportError, ExportOptions, ExportResult

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


def layout_for_export(
    snapshot: GraphSnapshot, *, depth: int | None = None, expand_all: bool = False
) -> Layout:
    """The layout the window would open with (folded below `depth`), or fully expanded."""
    from graphviewer.core.layout import default_collapsed, layout_graph
    from graphviewer.render.text import text_measurer

    ensure_gui_app()
    if expand_all:
        collapsed: frozenset[str] = frozenset()
    else:
        collapsed = frozenset(default_collapsed(snapshot.graph, snapshot.modules, depth=depth))
    return layout_graph(
        snapshot.graph, snapshot.modules, collapsed=collapsed, measure=text_measurer()
    )


def export_snapshot(
    snapshot: GraphSnapshot,
    path: str | os.PathLike[str],
    *,
    depth: int | None = None,
    expand_all: bool = False,
    theme: str = "light",
    width: int | None = None,
    scale: float | None = None,
    title: str | None = None,
    legend: bool = True,
    show_title: bool = True,
) -> ExportResult:
    """Lay out `snapshot` and write it to `path` (.png, .svg or .pdf)."""
    from graphviewer.render.export import export_graph, format_of
    from graphviewer.render.scene import GraphScene
    from graphviewer.render.theme import theme_named

    if theme not in BACKGROUNDS:
        raise ExportError(f"unknown theme {theme!r} (light, dark or transparent)")
    format_of(path)  # fail on a bad suffix before any work
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
    )
    return export_graph(scene, path, options=options)
