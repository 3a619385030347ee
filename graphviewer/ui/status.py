"""The status bar: job progress with Cancel, then node/edge counts, mode, timings and zoom."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QToolButton, QWidget

from graphviewer.core.jobs import Progress
from graphviewer.ui.icons import icon
from graphviewer.ui.jobs import OpenedGraph


def describe_timings(timings: dict[str, float]) -> str:
    """`{"forward": 0.012, "layout": 0.3}` → `forward 12 ms · layout 300 ms`."""
    return " · ".join(f"{k} {v * 1000:.0f} ms" for k, v in timings.items() if v >= 0)


class StatusBar(QStatusBar):
    """Shows what the worker is doing and what is on screen."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stage = QLabel("", self)
        self.bar = QProgressBar(self)
        self.bar.setMaximumWidth(180)
        self.bar.setMaximumHeight(16)
        self.cancel = QToolButton(self)
        self.cancel.setIcon(icon("cancel"))
        self.cancel.setText("Cancel")
        self.cancel.setToolTip("Cancel (Esc)")
        self.cancel.setAutoRaise(True)
        self.cancel.clicked.connect(self.cancel_requested)
        self.counts = QLabel("", self)
        self.mode = QLabel("", self)
        self.times = QLabel("", self)
        self.zoom = QLabel("", self)
        for widget in (self.stage, self.bar, self.cancel):
            self.addWidget(widget)
        for widget in (self.counts, self.mode, self.times, self.zoom):
            self.addPermanentWidget(widget)
        self.set_busy(False)

    def set_busy(self, busy: bool, stage: str = "") -> None:
        self.stage.setText(stage)
        self.bar.setVisible(busy)
        self.cancel.setVisible(busy)
        if busy:
            self.bar.setRange(0, 0)

    def set_progress(self, progress: Progress) -> None:
        text = progress.stage
        if progress.total:
            text += f" ({progress.done}/{progress.total} modules)"
            self.bar.setRange(0, progress.total)
            self.bar.setValue(progress.done)
        else:
            self.bar.setRange(0, 0)
        self.stage.setText(text + "…")

    def set_graph(self, opened: OpenedGraph) -> None:
        snap = opened.snapshot
        layout = opened.layout
        boxes = len(layout.items)
        shown = f" · {boxes:,} boxes drawn" if boxes != snap.num_nodes else ""
        self.counts.setText(f"{snap.num_nodes:,} nodes · {snap.num_edges:,} edges{shown}")
        self.counts.setToolTip("boxes drawn: nodes shown one by one, folded modules, stubs")
        self.mode.setText(f"mode: {snap.mode}")
        # The sum fits in the bar; the stages would push the counts out of it on a laptop.
        total = sum(v for v in opened.timings.values() if v >= 0)
        took = f"{total:.1f} s" if total >= 1 else f"{total * 1000:.0f} ms"
        self.times.setText(f"opened in {took}")
        self.times.setToolTip(describe_timings(opened.timings))

    def set_zoom(self, scale: float) -> None:
        self.zoom.setText(zoom_text(scale))


def zoom_text(scale: float) -> str:
    """`1.0` → `100 %`; below 10 % two significant digits, so a fitted huge graph is not `0 %`."""
    percent = scale * 100
    return f"{percent:.0f} %" if percent >= 10 else f"{percent:.2g} %"
