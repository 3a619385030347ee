"""Wires the activation views into the main window with one call: the Activations dock follows
the selection, the Problems dock lists the findings and badges them on the canvas, and the
overlay picker colours every node by one statistic."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QComboBox, QDockWidget, QLabel, QMenu, QToolBar

from graphviewer.core.types import ActivationStats, GraphSnapshot, Layout
from graphviewer.render.state import Layer
from graphviewer.ui.activation_overlay import CHOICES, overlay_for
from graphviewer.ui.activation_targets import selected_target
from graphviewer.ui.colour_bar import ColourBar
from graphviewer.ui.graph_items import module_of_item
from graphviewer.ui.jobs import OpenedGraph
from graphviewer.ui.panels.activations import ActivationsPanel, Target
from graphviewer.ui.panels.problems import ProblemsPanel, Where, problem_badges
from graphviewer.ui.scroll_dock import scrolling

LAYER = "activations"

if TYPE_CHECKING:
    from graphviewer.ui.main_window import MainWindow


class ActivationsController(QObject):
    """Keeps the activation panels in step with the window's graph and selection."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.snapshot: GraphSnapshot | None = None
        self.layout: Layout | None = None
        self.panel = ActivationsPanel(window)
        self.problems = ProblemsPanel(window)
        self.dock = self._add_dock("Activations", self.panel)
        source = next((d for d in window.docks if d.widget() is window.source), None)
        if source is not None:  # the histogram takes the source's place; its tab stays a click away
            window.tabifyDockWidget(source, self.dock)
            self.dock.raise_()
        self.problems_dock = self._add_dock("Problems", self.problems)
        window.tabifyDockWidget(self.dock, self.problems_dock)
        self.dock.raise_()
        self.overlay_box = self._add_toolbar()
        # One colour bar for whatever overlay the canvas draws (this panel's, the gradient's).
        self.colour_bar = ColourBar(window.canvas, lambda: window.theme)
        window.canvas.overlay_changed.connect(self.colour_bar.set_overlay)
        self.problems.chosen.connect(self._on_problems_chosen)
        window.inspector.selection_changed.connect(self._on_selection_changed)
        window.session.opened.connect(self._on_session_opened)
        window.session.relaid.connect(self._on_session_relaid)

    def _add_dock(self, title: str, widget: QObject) -> QDockWidget:
        w = self.window
        dock = QDockWidget(title, w)
        dock.setObjectName(f"dock-{title.lower()}")
        dock.setWidget(scrolling(widget))  # type: ignore[arg-type]
        w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        for action in w.menuBar().actions():
            menu = action.menu()
            if isinstance(menu, QMenu) and action.text().replace("&", "") == "View":
                menu.insertAction(menu.actions()[len(w.docks)] if menu.actions() else None,
                                  dock.toggleViewAction())  # fmt: skip
        return dock

    def _add_toolbar(self) -> QComboBox:
        bar = QToolBar("Activations", self.window)
        bar.setObjectName("activations-toolbar")
        bar.setMovable(False)
        bar.addWidget(QLabel(" Colour by ", bar))
        box = QComboBox(bar)
        box.addItems(list(CHOICES))
        box.setToolTip("Colour every node by one statistic of its output (repaints colours only)")
        bar.addWidget(box)
        self.window.addToolBar(bar)
        box.currentTextChanged.connect(self._on_overlay_box_changed)
        return box

    # -- session -------------------------------------------------------------------------------
    def _on_session_opened(self, opened: OpenedGraph) -> None:
        self.snapshot, self.layout = opened.snapshot, opened.layout
        self.panel.show_target(None)
        self.problems.set_problems(opened.snapshot)
        self._show_layer()

    def _on_session_relaid(self, opened: OpenedGraph, _anchor: str) -> None:
        self.snapshot, self.layout = opened.snapshot, opened.layout
        self._show_layer()

    def _show_layer(self) -> None:
        """Badges of the findings and the chosen overlay, over the current layout."""
        snap, layout = self.snapshot, self.layout
        if snap is None or layout is None:
            self.window.canvas.set_layer(LAYER, None)
            return
        overlay = overlay_for(snap, layout, self.overlay_box.currentText())
        self.window.canvas.set_layer(
            LAYER, Layer(overlay=overlay, badges=problem_badges(snap, layout))
        )

    def _on_overlay_box_changed(self, _choice: str) -> None:
        self._show_layer()

    def _on_problems_chosen(self, where: Where) -> None:
        if where.kind == "node":
            self.window.inspector.select_node(where.id)
        else:
            self.window.inspector.select_module(where.id)

    def show_gradient(self, title: str, stats: ActivationStats) -> None:
        """A gradient the Backward panel picked: its histogram, table and units here."""
        outputs = (("gradient", stats),)
        self.panel.show_target(
            Target(title=f"gradient · {title}", name="gradient", outputs=outputs)
        )

    # -- selection -----------------------------------------------------------------------------
    def _on_selection_changed(self, selected: frozenset[str]) -> None:
        snap = self.snapshot
        if snap is None or len(selected) != 1:
            if not selected:
                self.panel.show_target(None)
            return
        (item,) = selected
        module = module_of_item(item)
        chosen = self.window.module_tree.selected_path()
        if module is not None and chosen is not None and chosen.startswith(f"{module}."):
            item = chosen  # a module inside a folded one: the folded box stands for it
        target = selected_target(snap, item)
        if target is not None:
            self.panel.show_target(target)


def install_activations(window: MainWindow) -> ActivationsController:
    """Add the Activations and Problems docks and the overlay picker to `window`."""
    return ActivationsController(window)
