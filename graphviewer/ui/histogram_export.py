"""`graphviewer export FILE --histogram MODULE -o out.svg`: the Activations panel's plots of one
module's (or op's) output, written headless — the histogram to OUT and, where the output has
units, the units view beside it (OUT-units.svg)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from graphviewer.core.errors import GraphviewerError
from graphviewer.core.types import GraphSnapshot

_SUFFIXES = (".png", ".svg")


def add_histogram_option(export: argparse.ArgumentParser) -> None:
    """The export command's `--histogram MODULE` option."""
    export.add_argument(
        "--histogram",
        metavar="MODULE",
        help="write the histogram of MODULE's output (a module path, or an op's node id such "
        "as n12) instead of the graph: OUT.png or OUT.svg, and OUT-units.* for its units",
    )


def check_histogram_target(args: Any) -> None:
    """Fail before the model runs when OUT cannot hold a plot."""
    if Path(args.out).suffix.lower() not in _SUFFIXES or args.out == "-":
        raise GraphviewerError(f"{args.out}: --histogram writes a .png or .svg file")


def export_histogram(snapshot: GraphSnapshot, what: str, out: Path) -> list[Path]:
    """Draw the Activations panel for `what` offscreen and save its plots; the files written."""
    from graphviewer.ui.activation_targets import selected_target

    item = what if what in snapshot.graph else f"module:{what}"
    target = selected_target(snapshot, item)
    if target is None:
        near = ", ".join(p or "(root)" for p in list(snapshot.modules)[:8])
        raise GraphviewerError(
            f"{snapshot.source_path or snapshot.name}: no module or node {what!r} "
            f"(modules: {near}{', …' if len(snapshot.modules) > 8 else ''})"
        )
    if not target.outputs:
        raise GraphviewerError(f"{what}: {target.empty}")
    _ensure_app()
    from graphviewer.ui.panels.activations import ActivationsPanel

    panel = ActivationsPanel()
    panel.resize(640, 900)
    panel.show_target(target)
    panel.show()  # laid out offscreen: the plots get their sizes
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    if not panel.histogram.series:
        raise GraphviewerError(f"{what}: {panel.note.text() or 'no histogram to draw'}")
    panel.histogram.setTitle(f"{target.title} — {snapshot.mode}")  # a slide says what it shows
    panel.units.setTitle(f"{target.name}: units")
    try:
        return panel.save_plots(out)
    finally:
        panel.close()


def _ensure_app() -> None:
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        no_display = not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")
        if no_display and not os.environ.get("QT_QPA_PLATFORM"):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        global _app
        _app = QApplication(["graphviewer"])


_app: Any = None
