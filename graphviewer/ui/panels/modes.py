"""The Modes dock: what changes between two modes, as a list of changes that jump to each.

Shows the pair compared (the mode drawn, and the one it is compared with), a summary (the
output's max |Δ|, eval against no_grad, the saved tensors no_grad does not keep), the Changes
list (nodes made in one mode only, modules whose output moved), and for the selected module
its Dropout or BatchNorm story: per channel, the batch statistics train normalises with next
to the running ones eval uses, plotted.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from graphviewer.core.mode_diff import ModeDiff
from graphviewer.core.mode_report import (
    batchnorm_lines,
    change_label,
    dropout_line,
    node_label,
    summary_lines,
)
from graphviewer.core.modes import BatchNormProbe
from graphviewer.core.types import MODES, Mode

# What a Changes row stands for: ("node", mode, node id) or ("module", "", path).
ChangeRef = tuple[str, str, str]
_REF = Qt.ItemDataRole.UserRole


def module_mode_lines(diff: ModeDiff, path: str) -> list[str]:
    """Everything the comparison knows about one module, as lines of text."""
    lines: list[str] = []
    for change in diff.modules:
        if change.path == path:
            if change.note:
                lines.append(change.note)
            elif change.changed:
                lines.append(f"output {diff.a} against {diff.b}: {change_label(change)}")
            else:
                lines.append(f"output: the same in {diff.a} and {diff.b}")
    for mode, probes in diff.dropouts.items():
        if path in probes:
            lines.append(dropout_line(mode, probes[path]))
    for mode, bns in diff.batchnorms.items():
        if path in bns:
            lines += batchnorm_lines(mode, bns[path])
    return lines


class ModesPanel(QWidget):
    """The comparison's text, Changes list and per-module detail; it computes nothing."""

    change_activated = Signal(object)  # ChangeRef
    other_chosen = Signal(str)  # the mode to compare the drawn one with

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("", self)
        self.title.setWordWrap(True)
        self.other = QComboBox(self)
        self.other.setToolTip("The mode the drawn graph is compared with")
        row = QHBoxLayout()
        row.addWidget(self.title, 1)
        row.addWidget(QLabel("against", self))
        row.addWidget(self.other)
        self.summary = QLabel("", self)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.changes = QListWidget(self)
        self.changes.setObjectName("mode-changes")
        self.changes.setWordWrap(True)
        self.module_text = QTextBrowser(self)
        self.module_text.setMinimumHeight(90)
        self._plot: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(QLabel("Changes (click to go there):", self))
        layout.addWidget(self.changes, 2)
        layout.addWidget(self.module_text, 1)
        self._layout = layout
        self.changes.itemActivated.connect(self._on_changes_activated)
        self.changes.itemClicked.connect(self._on_changes_activated)
        self.other.activated.connect(lambda _i: self.other_chosen.emit(self.other.currentText()))
        self.clear("Compare modes (View ▸ Compare modes, Ctrl+M) to see what changes.")

    def clear(self, text: str = "") -> None:
        self.title.setText(text)
        self.summary.clear()
        self.changes.clear()
        self.module_text.clear()
        self._show_plot(None)

    def busy(self) -> None:
        self.clear("Running train, eval and no_grad on the same input…")

    def show_diff(self, diff: ModeDiff, shown: Mode) -> None:
        """The comparison of drawn mode `shown` with the other mode of `diff`."""
        other: Mode = diff.b if shown == diff.a else diff.a
        self.title.setText(f"<b>{shown}</b> drawn")
        self.other.blockSignals(True)
        self.other.clear()
        self.other.addItems([m for m in MODES if m != shown])
        self.other.setCurrentText(other)
        self.other.blockSignals(False)
        self.summary.setText("<br>".join(html.escape(line) for line in summary_lines(diff)))
        self.changes.clear()
        for mode in (shown, other):
            for c in diff.only_in(mode):
                here = "" if mode == shown else f" (switches to {mode})"
                self._add(f"{mode} only: {node_label(c)}{here}", ("node", mode, c.node_id))
        for m in diff.changed_modules:
            name = f"{m.path or '(root)'} ({m.class_name})"
            self._add(f"{name}: {change_label(m)}", ("module", "", m.path))
        if not self.changes.count():
            self._add(f"nothing changes between {shown} and {other}", ("none", "", ""))

    def show_module(self, diff: ModeDiff | None, path: str | None) -> None:
        """The selected module's Dropout / BatchNorm detail (nothing for other selections)."""
        lines = module_mode_lines(diff, path) if diff is not None and path is not None else []
        name = "(root)" if path == "" else path
        self.module_text.setPlainText(f"{name}\n" + "\n".join(lines) if lines else "")
        probe = None
        if lines and diff is not None and path is not None:
            # train's: the batch statistics it normalises with are the ones to show
            found = [bns[path] for bns in diff.batchnorms.values() if path in bns]
            found.sort(key=lambda bn: not bn.training)
            probe = found[0] if found else None
        self._show_plot(probe)

    def rows(self) -> list[str]:
        """The Changes list as text (for tests and copying)."""
        return [self.changes.item(k).text() for k in range(self.changes.count())]

    def _add(self, text: str, ref: ChangeRef) -> None:
        item = QListWidgetItem(text)
        item.setData(_REF, ref)
        self.changes.addItem(item)

    def _on_changes_activated(self, item: QListWidgetItem) -> None:
        ref = item.data(_REF)
        if ref and ref[0] != "none":
            self.change_activated.emit(tuple(ref))

    def _show_plot(self, probe: BatchNormProbe | None) -> None:
        """Per channel: the batch mean and the running mean (train uses the first, eval the
        second), and the running mean after this one step."""
        if probe is None or probe.running_mean is None:
            if self._plot is not None:
                self._plot.hide()
            return
        import pyqtgraph as pg

        if self._plot is None:
            plot = pg.PlotWidget(self, background=self.palette().base().color())
            plot.setMinimumHeight(170)
            plot.addLegend(offset=(4, 2), labelTextSize="8pt", colCount=3)
            plot.getViewBox().setDefaultPadding(0.12)
            plot.setLabel("bottom", "channel")
            self._plot = plot
            self._layout.addWidget(plot, 1)
        plot = self._plot
        assert isinstance(plot, pg.PlotWidget)
        plot.clear()
        x = list(range(len(probe.batch_mean)))
        plot.setTitle(f"{probe.path}: mean per channel", size="9pt")
        plot.plot(x, probe.batch_mean, pen=pg.mkPen("#e8590c", width=2), name="batch (train)")
        plot.plot(x, probe.running_mean, pen=pg.mkPen("#1c7ed6", width=2), name="running (eval)")
        if probe.running_mean_after is not None:
            dashed = pg.mkPen("#1c7ed6", width=1, style=Qt.PenStyle.DashLine)
            plot.plot(x, probe.running_mean_after, pen=dashed, name="running after one step")
        plot.show()
