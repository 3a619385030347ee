"""The Activations dock: the selected module's or op's output as a histogram, its statistics in
a table, its units as bars; pick the output or call, log counts, pin one to compare, save."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from graphviewer.core.types import ActivationStats
from graphviewer.ui.panels import stats_text
from graphviewer.ui.panels.histogram import HistogramPlot, Series, save_plot
from graphviewer.ui.panels.units_plot import UnitsPlot


@dataclass(frozen=True)
class Target:
    """What was selected, as the panel shows it: its outputs by label ("call 2 · output 1")."""

    title: str  # "relu · ReLU (module act)"
    name: str  # short, for sentences: "act"
    outputs: tuple[tuple[str, ActivationStats], ...]
    empty: str = stats_text.NO_STATS  # said when `outputs` is empty
    norm: bool = False  # a norm layer: units as mean/std against 0 and 1


class ActivationsPanel(QWidget):
    """Histogram, table and units of one selection, and of a pinned one beside it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.target: Target | None = None
        self.pinned: tuple[str, ActivationStats] | None = None
        self.title = QLabel("Select a module or an op to see its output.", self)
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.output_box = QComboBox(self)
        self.output_box.setToolTip("Which output (and which call) of the selection to show")
        self.log_box = QCheckBox("Log counts", self)
        self.pin_button = QPushButton("Pin", self)
        self.pin_button.setCheckable(True)
        self.pin_button.setToolTip("Keep this histogram and compare the next selection with it")
        self.save_button = QPushButton("Save plot…", self)
        row = QHBoxLayout()
        row.addWidget(self.output_box, 1)
        row.addWidget(self.log_box)
        row.addWidget(self.pin_button)
        row.addWidget(self.save_button)
        self.note = QLabel("", self)
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.histogram = HistogramPlot(self)
        self.hover = QLabel("", self)
        self.hover.setTextFormat(Qt.TextFormat.PlainText)
        self.table = QTableWidget(len(stats_text.ROWS), 1, self)
        self.table.setVerticalHeaderLabels(list(stats_text.ROWS))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.table.verticalHeader().setDefaultSectionSize(19)
        self.table.setMinimumHeight(19 * len(stats_text.ROWS) + 28)  # every row, no scrolling
        self.units = UnitsPlot(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addLayout(row)
        layout.addWidget(self.note)
        layout.addWidget(self.histogram, 3)
        layout.addWidget(self.hover)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.units, 2)
        layout.addStretch(0)  # takes the room only while the plots are hidden
        self.output_box.currentIndexChanged.connect(self._on_output_box_changed)
        self.log_box.toggled.connect(self.histogram.set_log)
        self.pin_button.toggled.connect(self._on_pin_button_toggled)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.histogram.hovered.connect(self.hover.setText)
        self.show_target(None)

    # -- public --------------------------------------------------------------------------------
    def show_target(self, target: Target | None) -> None:
        """Show a selection's outputs (None: nothing selected)."""
        self.target = target
        self.output_box.blockSignals(True)
        self.output_box.clear()
        if target is not None:
            self.output_box.addItems([label for label, _ in target.outputs])
        self.output_box.blockSignals(False)
        self.output_box.setVisible(target is not None and len(target.outputs) > 1)
        if target is None:
            self.title.setText("Select a module or an op to see its output.")
        else:
            self.title.setText(target.title)
        self._show_current()

    @property
    def current(self) -> ActivationStats | None:
        """The statistics on show (the chosen output of the selection), if any."""
        t = self.target
        k = self.output_box.currentIndex()
        if t is None or not t.outputs:
            return None
        return t.outputs[max(k, 0)][1]

    def current_label(self) -> str:
        t = self.target
        if t is None or not t.outputs:
            return ""
        label = t.outputs[max(self.output_box.currentIndex(), 0)][0]
        return t.name if len(t.outputs) == 1 else f"{t.name} {label}"

    def save_plots(self, path: Path) -> list[Path]:
        """Save the histogram to `path` and, when units are shown, the units view beside it
        ("<stem>-units<suffix>"); the files written."""
        save_plot(self.histogram, path)
        written = [path]
        if self.units.view:
            units = path.with_name(f"{path.stem}-units{path.suffix}")
            save_plot(self.units, units)
            written.append(units)
        return written

    # -- drawing -------------------------------------------------------------------------------
    def _show_current(self) -> None:
        st, t = self.current, self.target
        lines: list[str] = []
        series: list[Series] = []
        if t is not None and st is None:
            lines.append(t.empty)
        elif st is not None and t is not None:
            why = stats_text.unusable(st)
            if why:
                lines.append(why)
            else:
                series.append(Series(self.current_label(), st))
            lines += stats_text.notes(st, t.name)
            if t.norm:
                lines.append(stats_text.norm_note(st))
        if self.pinned is not None:
            series.append(Series(f"pinned: {self.pinned[0]}", self.pinned[1]))
        self.note.setText("\n".join(s for s in lines if s))
        self.histogram.set_series(series)
        self._fill_table(st)
        self.units.set_stats(
            st if st is not None and not stats_text.unusable(st) else None,
            norm=t is not None and t.norm,
        )
        self.units.setVisible(bool(self.units.view))
        self.histogram.setVisible(t is not None)
        self.table.setVisible(st is not None)
        self.save_button.setEnabled(bool(self.histogram.series))
        self.pin_button.setEnabled(self.pinned is not None or bool(series))

    def _fill_table(self, st: ActivationStats | None) -> None:
        columns: list[tuple[str, list[str]]] = []
        if st is not None:
            columns.append((self.current_label() or "selection", stats_text.table_column(st)))
        if self.pinned is not None:
            columns.append((f"pinned: {self.pinned[0]}", stats_text.table_column(self.pinned[1])))
        self.table.setColumnCount(max(len(columns), 1))
        self.table.setHorizontalHeaderLabels([c[0] for c in columns] or [""])
        for col in range(self.table.columnCount()):
            values = columns[col][1] if col < len(columns) else [""] * len(stats_text.ROWS)
            for row, text in enumerate(values):
                self.table.setItem(row, col, QTableWidgetItem(text))

    def cell(self, row: str, column: int = 0) -> str:
        """The table's text at row `row` (a name from `stats_text.ROWS`)."""
        item = self.table.item(stats_text.ROWS.index(row), column)
        return item.text() if item is not None else ""

    # -- handlers ------------------------------------------------------------------------------
    def _on_output_box_changed(self, _index: int) -> None:
        self._show_current()

    def _on_pin_button_toggled(self, on: bool) -> None:
        st = self.current
        self.pinned = (self.current_label(), st) if on and st is not None else None
        if on and st is None:
            self.pin_button.setChecked(False)
        self.pin_button.setText("Unpin" if self.pinned else "Pin")
        self._show_current()

    def _on_save_button_clicked(self) -> None:
        name = (self.current_label() or "histogram").replace(" ", "-").replace("/", "-")
        path, _ = QFileDialog.getSaveFileName(
            self, "Save plot", f"{name}.png", "PNG image (*.png);;SVG drawing (*.svg)"
        )
        if path:
            self.save_plots(Path(path))
