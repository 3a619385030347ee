"""The train / eval / no_grad comparison in the window: actions, the Modes dock, the marks.

Installed by one call from the main window (`install_modes`). It adds View ▸ Compare modes
(Ctrl+M, also on the toolbar) and Ctrl+1/2/3 for train / eval / no_grad, runs the compare job
(one load, every mode on the same input) on its own worker, fills the session's per-mode cache
with what it captured (so every switch after it is instant), and draws the comparison over the
graph as the canvas layer "modes": the drawn mode's own nodes and the changed modules badged,
the rest dimmed. Under no_grad the canvas says what was not kept.
"""

from __future__ import annotations

import html
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QComboBox, QDockWidget, QMenu, QToolBar

from graphviewer.core.mode_diff import ModeDiff
from graphviewer.core.report import format_bytes
from graphviewer.core.types import MODES, Mode
from graphviewer.render.mode_layer import compare_layer
from graphviewer.ui.actions import _action
from graphviewer.ui.compare_job import ComparedModes, compare_modes_job
from graphviewer.ui.graph_items import module_of_item
from graphviewer.ui.jobs import OpenedGraph
from graphviewer.ui.mode_cache import model_key
from graphviewer.ui.panels.modes import ChangeRef, ModesPanel, module_mode_lines
from graphviewer.ui.scroll_dock import scrolling
from graphviewer.ui.worker import JobWorker

if TYPE_CHECKING:
    from graphviewer.ui.main_window import MainWindow

log = logging.getLogger(__name__)
LAYER = "modes"


def install_modes(window: MainWindow) -> ModesController:
    """Add the mode comparison to `window` (its actions, menu entries, toolbar button, dock)."""
    return ModesController(window)


class ModesController(QObject):
    """Keeps the Modes dock, the canvas layer and the mode selector in step."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.compared: ComparedModes | None = None
        self.other: Mode = "eval"  # the mode the drawn one is compared with
        self.worker = JobWorker(self)
        self._prefetch = False  # the running job only fills the cache (for no_grad's text)
        self._previous_shown: Mode | None = None
        self.compare = _action(window, "&Compare modes", ("Ctrl+M",), "compare")
        self.compare.setCheckable(True)
        self.compare.setToolTip(
            "Compare modes (Ctrl+M): what changes between train, eval and no_grad"
        )
        self.mode_actions = [
            _action(window, f"Show &{mode}", (f"Ctrl+{k}",)) for k, mode in enumerate(MODES, 1)
        ]
        self.panel = ModesPanel(window)
        self.dock = QDockWidget("Modes", window)
        self.dock.setObjectName("dock-modes")
        self.dock.setWidget(scrolling(self.panel))
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self._add_to_menus()
        self.compare.toggled.connect(self._on_compare_toggled)
        for action, mode in zip(self.mode_actions, MODES, strict=True):
            action.triggered.connect(lambda _=False, m=mode: self.show_mode(m))
        self.panel.change_activated.connect(self._on_panel_change_activated)
        self.panel.other_chosen.connect(self._on_panel_other_chosen)
        self.worker.finished.connect(self._on_worker_finished)
        self.worker.failed.connect(self._on_worker_failed)
        self.worker.progress.connect(lambda _j, p: window.status.set_progress(p))
        self.worker.cancelled.connect(self._on_worker_cancelled)
        window.status.cancel_requested.connect(self.worker.cancel)  # Esc and the bar's Cancel
        window.actions_.cancel.triggered.connect(self.worker.cancel)
        window.installEventFilter(self)  # closing the window cancels a comparison running
        self.session.opened.connect(self._on_session_opened)
        self.session.relaid.connect(self._on_session_relaid)
        window.inspector.selection_changed.connect(self._on_selection_changed)
        self._update_enabled()

    def _add_to_menus(self) -> None:
        window = self.window
        for top in window.menuBar().actions():
            menu = top.menu()
            if isinstance(menu, QMenu) and top.text().replace("&", "") == "View":
                menu.addAction(self.compare)
                modes = menu.addMenu("&Mode")
                for action in self.mode_actions:
                    modes.addAction(action)
                break
        bar = window.mode_box.parent()
        if isinstance(bar, QToolBar):
            after = next(
                (a for a in bar.actions() if bar.widgetForAction(a) is window.mode_box), None
            )
            index = bar.actions().index(after) if after is not None else -1
            following = bar.actions()[index + 1] if 0 <= index < len(bar.actions()) - 1 else None
            bar.insertAction(following, self.compare) if following else bar.addAction(self.compare)

    # -- public --------------------------------------------------------------------------------
    @property
    def mode_box(self) -> QComboBox:
        return self.window.mode_box

    @property
    def active(self) -> bool:
        return self.compare.isChecked()

    def show_mode(self, mode: Mode) -> None:
        """Show the open model in `mode` (instant when it was captured already)."""
        if self.session.current is not None:
            self.mode_box.setCurrentText(mode)

    def diff(self) -> ModeDiff | None:
        """The comparison drawn now (a `ModeDiff`), or None."""
        current = self.session.current
        if self.compared is None or current is None:
            return None
        return self.compared.diff(current.snapshot.mode, self.other)

    # -- running the comparison ----------------------------------------------------------------
    def _start(self, *, prefetch: bool = False) -> None:
        current = self.session.current
        if current is None:
            return
        self._prefetch = prefetch
        request = current.request
        measure = self.window.session._make_measure
        collapsed = current.layout.collapsed
        if not prefetch:
            self.panel.busy()
            self.window.status.set_busy(True, "comparing modes…")
        self.worker.submit(
            lambda cancel, report: compare_modes_job(request, measure, cancel, report, collapsed),
            name="graphviewer-modes",
        )

    def _on_worker_finished(self, _job: int, compared: ComparedModes) -> None:
        current = self.session.current
        if current is None or model_key(current.request) != model_key(compared.request):
            return  # another model was opened meanwhile
        self.compared = compared
        for opened in compared.opened.values():
            self.session.modes.put(opened)
        if self._prefetch and not self.active:
            self._say_no_grad(current)
            return
        self.window.status.set_busy(False)
        shown = current.snapshot.mode
        if self.other == shown:
            self.other = "eval" if shown != "eval" else "train"
        # The compare run's own capture of the drawn mode: the diff's node ids are its.
        self.session.show_cached(compared.opened[shown], current.layout.collapsed)

    def _on_worker_cancelled(self, _job: int) -> None:
        if self.worker.busy:  # superseded by a newer comparison
            return
        self.window.status.set_busy(False)
        if self.active:
            self.panel.clear("Comparison cancelled. Compare modes again (Ctrl+M twice) to rerun.")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.worker.cancel()
        return False

    def wait_idle(self, timeout_s: float = 5.0) -> bool:
        return self.worker.wait_idle(timeout_s)

    def _on_worker_failed(self, _job: int, error: BaseException) -> None:
        log.info("compare failed: %s", error)
        if self._prefetch and not self.active:
            return
        self.window.status.set_busy(False)
        self.panel.clear(f"Could not compare the modes: {error}")
        self.window.message_bar.show_message(
            "error", f"<b>Compare modes failed.</b> {html.escape(str(error))}"
        )

    # -- drawing it ----------------------------------------------------------------------------
    def _valid_for(self, opened: OpenedGraph) -> bool:
        compared = self.compared
        if compared is None or model_key(compared.request) != model_key(opened.request):
            return False
        mine = compared.opened.get(opened.snapshot.mode)
        return mine is not None and mine.snapshot is opened.snapshot

    def _apply(self) -> None:
        current = self.session.current
        if current is None or not self.active:
            self.window.canvas.set_layer(LAYER, None)
            return
        shown = current.snapshot.mode
        diff = self.compared.diff(shown, self.other) if self.compared else None
        if diff is None:
            self.window.canvas.set_layer(LAYER, None)
            return
        self.window.canvas.set_layer(LAYER, compare_layer(diff, current.snapshot, current.layout))
        self.panel.show_diff(diff, shown)
        self.window.setWindowTitle(
            f"{current.request.title} — {shown} compared with {self.other} — graphviewer"
        )

    def _say_no_grad(self, opened: OpenedGraph) -> None:
        """Under no_grad: 0 nodes, and what the eval graph would have kept for backward."""
        if opened.snapshot.mode != "no_grad":
            return
        evaluated = self.session.modes.get(opened.request, "eval")
        head = "Under no_grad no autograd graph is built: 0 nodes, nothing to draw."
        if evaluated is None:
            self.window.canvas.set_empty_text(f"{head}\n(measuring what eval would keep…)")
            return
        saved = sum(n.saved_bytes for n in evaluated.snapshot.nodes.values())
        self.window.canvas.set_empty_text(
            f"{head}\nThe eval graph keeps {format_bytes(saved)} of saved tensors for backward; "
            "no_grad keeps none of them.\nThe module tree, shapes and activation statistics "
            "are still there, from the forward hooks."
        )

    # -- signals -------------------------------------------------------------------------------
    def _on_compare_toggled(self, on: bool) -> None:
        if on:
            self.dock.show()
            self.dock.raise_()
            self.window.resizeDocks([self.dock], [440], Qt.Orientation.Horizontal)
            current = self.session.current
            if current is not None and self._valid_for(current):
                self._apply()
            elif current is not None:
                self._start()
        else:
            self.window.canvas.set_layer(LAYER, None)
            self.dock.hide()
            current = self.session.current
            if current is not None:
                title = f"{current.request.title} — {current.snapshot.mode} — graphviewer"
                self.window.setWindowTitle(title)

    def _on_session_opened(self, opened: OpenedGraph) -> None:
        self._update_enabled()
        same_model = self.compared is not None and model_key(self.compared.request) == model_key(
            opened.request
        )
        if not same_model:
            self.compared = None
        shown = opened.snapshot.mode
        if self.active:
            if self._valid_for(opened):
                if self.other == shown:  # switched to the other side: compare with the first
                    self.other = self._previous_shown or ("eval" if shown != "eval" else "train")
                self._apply()
            elif not self.worker.busy and opened.error is None:
                self.window.canvas.set_layer(LAYER, None)
                self._start()
        if shown == "no_grad":
            self._say_no_grad(opened)
            if self.session.modes.get(opened.request, "eval") is None and not self.worker.busy:
                self._start(prefetch=True)
        self._previous_shown = shown

    def _on_session_relaid(self, opened: OpenedGraph, _anchor: str) -> None:
        if self.active:
            self._apply()

    def _on_panel_other_chosen(self, mode: str) -> None:
        if mode in MODES:
            self.other = mode  # type: ignore[assignment]
            self._apply()

    def _on_panel_change_activated(self, ref: ChangeRef) -> None:
        kind, mode, ident = ref
        inspector = self.window.inspector
        current = self.session.current
        if current is None:
            return
        if kind == "node":
            if mode != current.snapshot.mode:
                self.show_mode(mode)  # type: ignore[arg-type]
            inspector.select_node(ident)
        elif kind == "module":
            inspector.select_module(ident)

    def _on_selection_changed(self, selected: frozenset[str]) -> None:
        diff = self.diff() if self.active else None
        current = self.session.current
        path = None
        if current is not None and len(selected) == 1:
            (item,) = selected
            path = module_of_item(item)
            if path is None and item in current.snapshot.graph:
                path = current.snapshot.node(item).module
            elif path is None and item.removeprefix("group:") in current.snapshot.modules:
                path = item.removeprefix("group:")
        self.panel.show_module(diff, path)
        if diff is not None and path is not None:
            lines = module_mode_lines(diff, path)
            if lines:
                body = "<br>".join(html.escape(line) for line in lines)
                self.window.details.add_section(f"{diff.a} against {diff.b}", body)

    def _update_enabled(self) -> None:
        has_graph = self.session.current is not None
        self.compare.setEnabled(has_graph)
        for action in self.mode_actions:
            action.setEnabled(has_graph)
