"""The Backward dock: step through a recorded backward pass, node by node, in the engine's order.

Controls: first / back / play / forward / last, a speed, a slider and the list of steps; below,
the gradients flowing into the current node (w.r.t. its outputs) and out of it (w.r.t. its
inputs) with their statistics, and their values when a tensor has at most 16 elements. With the
panel focused, ← → step, Home / End go to the first / last step and Space plays or pauses.
The panel shows a record; the controller (`ui/backward_controller.py`) makes it and draws it.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QSlider,
    QSplitter,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from graphviewer.core.backward_record import BackwardRecord, BackwardStep, GradStats
from graphviewer.core.backward_report import format_number
from graphviewer.core.report import format_shapes

SPEEDS = (
    ("½ step/s", 0.5),
    ("1 step/s", 1.0),
    ("2 steps/s", 2.0),
    ("5 steps/s", 5.0),
    ("20 steps/s", 20.0),
)
GRAD_COLUMNS = ("gradient", "shape", "values", "norm", "mean", "max |g|", "zeros", "NaN/Inf")
KEYS = (
    ("Show / hide the Backward panel", "Ctrl+B"),
    ("Backward: previous / next step", "←, → (Backward panel focused)"),
    ("Backward: first / last step", "Home, End (Backward panel focused)"),
    ("Backward: play / pause", "Space (Backward panel focused)"),
)


def fmt_number(v: float) -> str:
    """A gradient statistic in the panel: the report's format, one more exponent decimal."""
    return format_number(v, exponent_digits=3)


def step_title(step: BackwardStep, label: str = "") -> str:
    """`3  SumBackward0  sum (n3)`; an AccumulateGrad reads `→ layer1.weight`."""
    if step.is_leaf:
        what = f"AccumulateGrad → {step.param}"
    elif not step.node_id:
        what = f"{step.backward_class}  (the loss)"
    else:
        what = f"{step.backward_class}  {label}".rstrip()
    return f"{step.index + 1:>3}  {what}"


def _values(g: GradStats) -> str:
    if g.values is None:
        return ""
    return "[" + ", ".join(fmt_number(v) for v in g.values) + "]"


class BackwardPanel(QWidget):
    """Steps, controls and the gradient table of one `BackwardRecord`."""

    record_requested = Signal()
    step_changed = Signal(int)  # the step shown now (0-based)
    overlay_toggled = Signal(bool)  # colour the graph by gradient norm
    # a gradient row was picked: its title and its statistics (an `ActivationStats`)
    gradient_selected = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.record: BackwardRecord | None = None
        self.step = -1
        self._labels: dict[str, str] = {}
        self._rows: list[tuple[str, GradStats | None]] = []
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._build()
        self._set_enabled(False)

    def _build(self) -> None:
        self.header = QLabel("Open a model to record its backward pass.", self)
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.record_button = QPushButton("Record backward", self)
        self.record_button.clicked.connect(self.record_requested)
        sp = QStyle.StandardPixmap
        self.first_button = self._tool(sp.SP_MediaSkipBackward, "First step (Home)", self.go_first)
        self.back_button = self._tool(sp.SP_MediaSeekBackward, "Previous step (←)", self.go_back)
        self.play_button = self._tool(sp.SP_MediaPlay, "Play (Space)", self.toggle_play)
        self.play_button.setCheckable(True)
        self.next_button = self._tool(sp.SP_MediaSeekForward, "Next step (→)", self.go_next)
        self.last_button = self._tool(sp.SP_MediaSkipForward, "Last step (End)", self.go_last)
        self.speed = QComboBox(self)
        for text, rate in SPEEDS:
            self.speed.addItem(text, rate)
        self.speed.setCurrentIndex(2)
        self.speed.setToolTip("How fast Play steps")
        self.speed.currentIndexChanged.connect(self._on_speed_changed)
        self.position = QLabel("", self)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.valueChanged.connect(self.set_step)
        self.overlay_box = QCheckBox("Colour by ‖grad‖", self)
        self.overlay_box.setToolTip("Colour every node by the norm of its gradient (log scale)")
        self.overlay_box.toggled.connect(self.overlay_toggled)
        self.problems = QLabel("", self)
        self.problems.setWordWrap(True)
        self.problems.hide()
        self.steps_list = QListWidget(self)
        self.steps_list.currentRowChanged.connect(self.set_step)
        self.grads = QTableWidget(0, len(GRAD_COLUMNS), self)
        self.grads.setHorizontalHeaderLabels(GRAD_COLUMNS)
        self.grads.verticalHeader().hide()
        self.grads.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grads.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.grads.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.grads.currentCellChanged.connect(self._on_grads_current_changed)

        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        for w in (self.first_button, self.back_button, self.play_button, self.next_button):
            controls.addWidget(w)
        controls.addWidget(self.last_button)
        controls.addWidget(self.speed)
        controls.addWidget(self.position, 1)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.record_button)
        top.addWidget(self.overlay_box)
        top.addStretch(1)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.steps_list)
        split.addWidget(self.grads)
        split.setSizes([200, 260])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.header)
        layout.addLayout(top)
        layout.addLayout(controls)
        layout.addWidget(self.slider)
        layout.addWidget(self.problems)
        layout.addWidget(split, 1)
        for key, slot in (
            (Qt.Key.Key_Left, self.go_back),
            (Qt.Key.Key_Right, self.go_next),
            (Qt.Key.Key_Home, self.go_first),
            (Qt.Key.Key_End, self.go_last),
            (Qt.Key.Key_Space, self.toggle_play),
        ):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

    def _tool(self, pixmap: QStyle.StandardPixmap, tip: str, slot: object) -> QToolButton:
        button = QToolButton(self)
        button.setIcon(self.style().standardIcon(pixmap))
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    # -- content -------------------------------------------------------------------------------
    def set_message(self, text: str, *, can_record: bool = True) -> None:
        """No record to show: say why (no graph yet, no_grad, the error) in one sentence."""
        self.stop()
        self.record, self.step = None, -1
        self.header.setText(html.escape(text))
        self.record_button.setEnabled(can_record)
        self.steps_list.clear()
        self.grads.setRowCount(0)
        self.problems.setText("")
        self.problems.hide()
        self.position.setText("")
        self._set_enabled(False)

    def set_busy(self, text: str) -> None:
        self.header.setText(html.escape(text))
        self.record_button.setEnabled(False)

    def set_record(self, record: BackwardRecord, labels: dict[str, str] | None = None) -> None:
        """Show `record` at its first step; `labels` names nodes ("addmm in layer1")."""
        self.stop()
        self.record, self.step = record, -1
        self._labels = labels or {}
        self.header.setText(
            f"Loss = <b>{fmt_number(record.loss_value)}</b>: {html.escape(record.loss_source)}"
            f" · {len(record.steps)} steps · {record.mode} · {record.seconds * 1000:.0f} ms"
        )
        self.record_button.setEnabled(True)
        self.record_button.setText("Record again")
        problems = record.problems
        self.problems.setText(
            "Gradient problems: " + ", ".join(f"{name} ({kind})" for name, kind in problems.items())
            if problems
            else ""
        )
        self.steps_list.blockSignals(True)
        self.steps_list.clear()
        self.steps_list.addItems(
            [step_title(s, self._labels.get(s.node_id, "")) for s in record.steps]
        )
        self.steps_list.blockSignals(False)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, len(record.steps) - 1))
        self.slider.blockSignals(False)
        self._set_enabled(bool(record.steps))
        if record.steps:
            self.set_step(0)

    def set_step(self, k: int) -> None:
        """Show step `k` (clamped to the record) and announce it."""
        if self.record is None or not self.record.steps:
            return
        k = max(0, min(k, len(self.record.steps) - 1))
        if k == self.step:
            return
        self.step = k
        for widget, setter in (
            (self.slider, self.slider.setValue),
            (self.steps_list, self.steps_list.setCurrentRow),
        ):
            widget.blockSignals(True)
            setter(k)
            widget.blockSignals(False)
        self.position.setText(f"step {k + 1} / {len(self.record.steps)}")
        self._show_grads(self.record.steps[k])
        self.step_changed.emit(k)
        self._emit_gradient(self.grads.currentRow() if self.grads.currentRow() >= 0 else 0)

    def _show_grads(self, step: BackwardStep) -> None:
        rows: list[tuple[str, GradStats | None]] = []
        outs = "received" if step.is_leaf else "in"
        rows += [(f"{outs} (w.r.t. output {i})", g) for i, g in enumerate(step.grads_in)]
        rows += [(f"out (w.r.t. input {i})", g) for i, g in enumerate(step.grads_out)]
        self._rows = rows
        self.grads.setRowCount(len(rows) + len(step.saved))
        for r, (title, g) in enumerate(rows):
            cells = [title] + (["(none)"] + [""] * 6 if g is None else self._cells(g))
            for c, text in enumerate(cells):
                self.grads.setItem(r, c, QTableWidgetItem(text))
        for r, (name, values) in enumerate(step.saved, start=len(rows)):
            text = "[" + ", ".join(fmt_number(v) for v in values) + "]"
            for c, cell in enumerate((f"saved {name} (forward value)", "", text)):
                self.grads.setItem(r, c, QTableWidgetItem(cell))

    @staticmethod
    def _cells(g: GradStats) -> list[str]:
        s = g.stats
        bad = s.nan_count + s.inf_count
        return [
            format_shapes((g.shape,)),
            _values(g),
            fmt_number(g.norm),
            fmt_number(s.mean),
            fmt_number(g.max_abs),
            f"{s.zeros_fraction:.0%}",
            f"{s.nan_count}/{s.inf_count}" if bad else "0",
        ]

    def _on_grads_current_changed(self, row: int, *_: int) -> None:
        self._emit_gradient(row)

    def _emit_gradient(self, row: int) -> None:
        """Announce gradient `row` of the table (for the histogram dock)."""
        if self.record is None or not 0 <= row < len(self._rows):
            return
        title, g = self._rows[row]
        if g is not None:
            step = self.record.steps[self.step]
            self.gradient_selected.emit(
                f"step {step.index + 1} {step.backward_class}: {title}", g.stats
            )

    def _set_enabled(self, on: bool) -> None:
        for w in (
            self.first_button,
            self.back_button,
            self.play_button,
            self.next_button,
            self.last_button,
            self.slider,
            self.speed,
            self.overlay_box,
        ):
            w.setEnabled(on)

    # -- stepping ------------------------------------------------------------------------------
    def go_first(self) -> None:
        self.set_step(0)

    def go_last(self) -> None:
        if self.record is not None:
            self.set_step(len(self.record.steps) - 1)

    def go_back(self) -> None:
        self.set_step(self.step - 1)

    def go_next(self) -> None:
        self.set_step(self.step + 1)

    def toggle_play(self) -> None:
        if self._timer.isActive():
            self.stop()
        elif self.record is not None and self.record.steps:
            if self.step >= len(self.record.steps) - 1:
                self.set_step(0)
            self._timer.start(self._interval_ms())
            self.play_button.setChecked(True)
            self.play_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPause))

    def stop(self) -> None:
        self._timer.stop()
        self.play_button.setChecked(False)
        self.play_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def _interval_ms(self) -> int:
        return max(10, int(1000 / float(self.speed.currentData())))

    def _on_speed_changed(self, _index: int) -> None:
        if self._timer.isActive():
            self._timer.setInterval(self._interval_ms())

    def _on_timer_timeout(self) -> None:
        if self.record is None or self.step >= len(self.record.steps) - 1:
            self.stop()
            return
        self.set_step(self.step + 1)
