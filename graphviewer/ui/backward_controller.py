"""The Backward dock's wiring: records the backward of the graph on screen and draws its steps.

`install_backward(window)` is the one call from the main window. The dock starts closed, in a tab
behind Details when opened (View ▸ Backward, Ctrl+B), so it never shrinks the canvas; the
backward is recorded in a worker when the dock is shown with a graph open, or on "Record
backward". Each step becomes the canvas's "backward"
layer (`render/backward_layer.py`) and selects the node; a click on a node jumps to its step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QDockWidget

from graphviewer.core.backward import NO_GRAD_REASON, record_backward
from graphviewer.core.backward_record import BackwardRecord
from graphviewer.core.jobs import CancelToken, Job, Progress
from graphviewer.render.backward_layer import step_layer
from graphviewer.render.scene import Hit
from graphviewer.ui.graph_items import drawn_item
from graphviewer.ui.jobs import OpenedGraph, load_spec
from graphviewer.ui.panels.backward import BackwardPanel
from graphviewer.ui.scroll_dock import scrolling
from graphviewer.ui.worker import JobWorker

if TYPE_CHECKING:
    from graphviewer.ui.main_window import MainWindow

LAYER = "backward"


class BackwardController(QObject):
    """Owns the Backward dock, its worker and the record of the graph on screen."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.panel = BackwardPanel(window)
        self.dock = QDockWidget("Backward", window)
        self.dock.setObjectName("dock-backward")
        self.dock.setWidget(scrolling(self.panel))
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        details = next(d for d in window.docks if d.widget() is window.details)
        window.tabifyDockWidget(details, self.dock)
        self.dock.hide()  # closed until asked for: the canvas keeps its room
        window.docks.append(self.dock)
        toggle = self.dock.toggleViewAction()
        toggle.setShortcut("Ctrl+B")
        toggle.toggled.connect(self._on_toggle_toggled)
        window.addAction(toggle)
        self.worker = JobWorker(self)
        self.record: BackwardRecord | None = None
        self._opened: OpenedGraph | None = None
        self._stale = True  # the graph on screen has no record yet
        self._connect()

    def _connect(self) -> None:
        w, p = self.window, self.panel
        w.session.opened.connect(self._on_session_opened)
        w.session.relaid.connect(self._on_session_relaid)
        w.canvas.clicked.connect(self._on_canvas_clicked)
        self.dock.visibilityChanged.connect(self._on_dock_visibility_changed)
        w.actions_.cancel.triggered.connect(self._on_cancel_triggered)  # Esc
        p.record_requested.connect(self.start)
        p.step_changed.connect(self._on_panel_step_changed)
        p.overlay_toggled.connect(lambda _on: self._draw())
        self.worker.progress.connect(self._on_worker_progress)
        self.worker.finished.connect(self._on_worker_finished)
        self.worker.failed.connect(self._on_worker_failed)
        self.worker.cancelled.connect(lambda _id: self.panel.set_message("Recording cancelled."))

    # -- recording -----------------------------------------------------------------------------
    def start(self) -> None:
        """Record the backward of the graph on screen (in its mode) in the worker."""
        opened = self._opened
        if opened is None:
            return
        snap = opened.snapshot
        if snap.mode == "no_grad":
            self.panel.set_message(NO_GRAD_REASON[0].upper() + NO_GRAD_REASON[1:] + ".",
                                   can_record=False)  # fmt: skip
            return
        if opened.request.device == "meta" or any(x.kind == "values" for x in snap.warnings):
            self.panel.set_message(
                "The model was built without weights: there are no gradient values to record.",
                can_record=False,
            )
            return
        self._stale = False
        self.panel.set_busy("Recording the backward pass…")
        request = opened.request

        def job(cancel: CancelToken, report: Any) -> Job[BackwardRecord]:
            spec = yield from load_spec(request, cancel, report, {})  # as the open loaded it
            return (
                yield from record_backward(
                    spec, snap.mode, snapshot=snap, cancel=cancel, report=report
                )
            )

        self.worker.submit(job, "graphviewer-backward")

    def _on_cancel_triggered(self) -> None:
        if self.worker.busy:
            self.worker.cancel()

    def _on_worker_progress(self, _job: int, progress: Progress) -> None:
        done = f" {progress.done}/{progress.total}" if progress.total else ""
        self.panel.set_busy(f"Recording the backward pass: {progress.stage}{done}…")

    def _on_worker_finished(self, _job: int, record: BackwardRecord) -> None:
        if self._opened is None:
            return
        self.record = record
        snap = self._opened.snapshot
        labels = {}
        for step in record.steps:
            if step.node_id in snap.graph:
                node = snap.node(step.node_id)
                labels[step.node_id] = f"{node.op} in {node.module}" if node.module else node.op
        self.panel.set_record(record, labels)

    def _on_worker_failed(self, _job: int, error: BaseException) -> None:
        self.record = None
        self.window.canvas.set_layer(LAYER, None)
        self.panel.set_message(f"Could not record the backward: {error}")

    # -- the graph -----------------------------------------------------------------------------
    def _on_session_opened(self, opened: OpenedGraph) -> None:
        self._opened = opened
        self.record = None
        self.worker.cancel()
        self.window.canvas.set_layer(LAYER, None)
        self._stale = True
        self.panel.set_message("Record the backward pass to step through it.")
        if self._dock_showing():
            self.start()

    def _on_session_relaid(self, opened: OpenedGraph, _anchor: str) -> None:
        self._opened = opened
        self._draw()

    def _dock_showing(self) -> bool:
        return self.dock.isVisible() and not self.dock.visibleRegion().isEmpty()

    def _on_toggle_toggled(self, on: bool) -> None:
        if on:  # opened: its tab comes to the front (else it would stay behind Details)
            QTimer.singleShot(0, self.dock.raise_)
            self._on_dock_visibility_changed(True)

    def _on_dock_visibility_changed(self, visible: bool) -> None:
        if visible and self._stale and self._opened is not None and not self.worker.busy:
            self.start()

    def _item_of(self, node_id: str) -> str | None:
        assert self._opened is not None
        return drawn_item(self._opened.snapshot, self._opened.layout, node_id)

    def _draw(self) -> None:
        if self.record is None or self._opened is None:
            return
        layer = step_layer(
            self.record,
            self._opened.snapshot,
            self._item_of,
            self.panel.step if self.panel.step >= 0 else None,
            overlay=self.panel.overlay_box.isChecked(),
        )
        self.window.canvas.set_layer(LAYER, layer)

    def _on_panel_step_changed(self, k: int) -> None:
        self._draw()
        if self.record is None or self._opened is None:
            return
        node_id = self.record.steps[k].node_id
        item = self._item_of(node_id) if node_id else None
        if item is None:
            return
        self.window.inspector.select_node(node_id, zoom=False)
        canvas = self.window.canvas
        rect = canvas.box_rect(item)
        if rect is not None and not canvas.visible_rect().contains(rect):
            canvas.center_at(rect.center())

    def _on_canvas_clicked(self, hit: Hit | None) -> None:
        """A click on a node jumps to the step that ran it (a folded module: its first step)."""
        if hit is None or hit.kind != "node" or self.record is None or self._opened is None:
            return
        for step in self.record.steps:
            if step.node_id and (step.node_id == hit.id or self._item_of(step.node_id) == hit.id):
                self.panel.set_step(step.index)
                return


def install_backward(window: MainWindow) -> BackwardController:
    """Add the Backward dock to `window` (tabbed behind Details, listed in `window.docks` for
    the View menu) and wire it up; call it after the window's docks are built."""
    return BackwardController(window)
