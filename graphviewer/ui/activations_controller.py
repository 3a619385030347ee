"""Wires the activation views into the main window with one call: the Activations dock follows
the selection, the Problems dock lists the findings and badges them on the canvas, and the
overlay picker colours every node by one statistic."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QDockWidget, QMenu

from graphviewer.core.types import GraphSnapshot
from graphviewer.ui.activation_targets import selected_target
from graphviewer.ui.jobs import OpenedGraph
from graphviewer.ui.panels.activations import ActivationsPanel

if TYPE_CHECKING:
    from graphviewer.ui.main_window import MainWindow


class ActivationsController(QObject):
    """Keeps the activation panels in step with the window's graph and selection."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.snapshot: GraphSnapshot | None = None
        self.panel = ActivationsPanel(window)
        self.dock = self._add_dock("Activations", self.panel)
        window.inspector.selection_changed.connect(self._on_selection_changed)
        window.session.opened.connect(self._on_session_opened)
        window.session.relaid.connect(self._on_session_relaid)

    def _add_dock(self, title: str, widget: QObject) -> QDockWidget:
        w = self.window
        dock = QDockWidget(title, w)
        dock.setObjectName(f"dock-{title.lower()}")
        dock.setWidget(widget)  # type: ignore[arg-type]
        w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        for action in w.menuBar().actions():
            menu = action.menu()
            if isinstance(menu, QMenu) and action.text().replace("&", "") == "View":
                menu.insertAction(menu.actions()[len(w.docks)] if menu.actions() else None,
                                  dock.toggleViewAction())  # fmt: skip
        return dock

    # -- session -------------------------------------------------------------------------------
    def _on_session_opened(self, opened: OpenedGraph) -> None:
        self.snapshot = opened.snapshot
        self.panel.show_target(None)

    def _on_session_relaid(self, opened: OpenedGraph, _anchor: str) -> None:
        self.snapshot = opened.snapshot

    # -- selection -----------------------------------------------------------------------------
    def _on_selection_changed(self, selected: frozenset[str]) -> None:
        snap = self.snapshot
        if snap is None or len(selected) != 1:
            if not selected:
                self.panel.show_target(None)
            return
        (item,) = selected
        target = selected_target(snap, item)
        if target is not None:
            self.panel.show_target(target)


def install_activations(window: MainWindow) -> ActivationsController:
    """Add the Activations and Problems docks and the overlay picker to `window`."""
    return ActivationsController(window)
