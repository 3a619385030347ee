"""File ▸ Export: choose format, size, background and decorations, see a preview, write the file.

The dialog computes nothing itself: it builds `ExportOptions`, asks `render.export` for the page
(preview) and the file. Options and the last folder are remembered in `QSettings` ("export/...").
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRectF, QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QGuiApplication, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from graphviewer.core.errors import GraphviewerError
from graphviewer.core.jobs import CancelToken, Job, Progress
from graphviewer.render.export import (
    ExportOptions,
    ExportResult,
    export_graph,
    output_scale,
    page_for,
    themed_scene,
)
from graphviewer.render.page import paint_page
from graphviewer.render.scene import GraphScene, ViewState
from graphviewer.render.theme import Theme, theme_named
from graphviewer.ui.export_shape import Shaper, ShapeRow
from graphviewer.ui.worker import JobWorker

if TYPE_CHECKING:
    from graphviewer.ui.canvas import GraphCanvas
    from graphviewer.ui.jobs import OpenedGraph

FORMATS = (("PNG image", "png"), ("SVG vector", "svg"), ("PDF document", "pdf"))
BACKGROUNDS = (("Light", "light"), ("Dark", "dark"), ("Transparent", "transparent"))
PREVIEW = 340  # px, the preview's longer side


class ExportDialog(QDialog):
    """Export the graph (whole or the visible area) to PNG, SVG or PDF, with a live preview."""

    def __init__(
        self,
        parent: QWidget | None,
        scene_factory: Callable[[Theme], GraphScene],
        visible_rect: QRectF | None,
        default_name: str,
        state: ViewState | None = None,
        shaper: Shaper | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export Graph")
        self._window_factory = self._factory = scene_factory
        self._shaper = shaper
        self._scenes: dict[str, GraphScene] = {}
        self._visible = visible_rect
        self._state = state or ViewState()
        self.result_: ExportResult | None = None
        self._pending_path = Path()
        self._worker = JobWorker(self)
        self._worker.finished.connect(self._on_worker_finished)
        self._worker.failed.connect(self._on_worker_failed)
        self._worker.cancelled.connect(self._on_worker_cancelled)
        self._worker.ended.connect(self._on_worker_ended)
        self._cancelled_job: int | None = None
        self._build(default_name)
        self._restore()
        self._preview_timer = QTimer(self, singleShot=True, interval=120)
        self._preview_timer.timeout.connect(self._update_preview)
        for signal in (
            self.format_box.currentIndexChanged,
            self.background_box.currentIndexChanged,
            self.scale_spin.valueChanged,
            self.width_spin.valueChanged,
            self.by_width.toggled,
            self.legend_check.toggled,
            self.title_check.toggled,
            self.title_edit.textChanged,
            self.visible_radio.toggled,
            self.shape_row.fit_box.currentIndexChanged,
            self.shape_row.direction_box.currentIndexChanged,
        ):
            signal.connect(self._on_options_changed)
        self._on_options_changed()
        self._update_preview()

    # -- building ------------------------------------------------------------------------------
    def _build(self, default_name: str) -> None:
        self.format_box = QComboBox()
        for label, fmt in FORMATS:
            self.format_box.addItem(label, fmt)
        self.scale_spin = QDoubleSpinBox(minimum=0.25, maximum=8.0, singleStep=0.5, value=2.0)
        self.scale_spin.setSuffix(" ×")
        self.width_spin = QSpinBox(minimum=64, maximum=100_000, singleStep=100, value=1920)
        self.width_spin.setSuffix(" px")
        self.by_scale, self.by_width = QRadioButton("Scale"), QRadioButton("Width")
        self.by_scale.setChecked(True)
        size_group = QButtonGroup(self)
        size_group.addButton(self.by_scale)
        size_group.addButton(self.by_width)
        size_row = QHBoxLayout()
        for w in (self.by_scale, self.scale_spin, self.by_width, self.width_spin):
            size_row.addWidget(w)
        self.size_label = QLabel()
        self.size_label.setObjectName("exportSize")
        self.background_box = QComboBox()
        for label, name in BACKGROUNDS:
            self.background_box.addItem(label, name)
        self.legend_check = QCheckBox("Legend of op colours", checked=True)
        self.title_check = QCheckBox("Title", checked=True)
        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText("model name and mode")
        title_row = QHBoxLayout()
        title_row.addWidget(self.title_check)
        title_row.addWidget(self.title_edit, 1)
        self.whole_radio = QRadioButton("Whole graph", checked=True)
        self.visible_radio = QRadioButton("Visible area")
        self.visible_radio.setEnabled(self._visible is not None)
        area_row = QHBoxLayout()
        area_row.addWidget(self.whole_radio)
        area_row.addWidget(self.visible_radio)
        area_group = QButtonGroup(self)
        area_group.addButton(self.whole_radio)
        area_group.addButton(self.visible_radio)
        self.path_edit = QLineEdit(default_name)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._on_browse_clicked)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)

        form = QFormLayout()
        form.addRow("Format", self.format_box)
        form.addRow("Size", size_row)
        form.addRow("", self.size_label)
        form.addRow("Background", self.background_box)
        form.addRow("Include", self.legend_check)
        form.addRow("", title_row)
        form.addRow("Area", area_row)
        self.shape_row = ShapeRow()
        if self._shaper is not None:
            form.addRow("Shape", self.shape_row)
        form.addRow("File", path_row)

        self.preview = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(PREVIEW, PREVIEW)
        self.preview.setObjectName("exportPreview")
        self.error_label = QLabel(wordWrap=True)
        self.error_label.setObjectName("exportError")
        self.error_label.setStyleSheet("color: #c0392b;")
        self.error_label.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.export_button.setDefault(True)
        self.buttons.accepted.connect(self._on_export_clicked)
        self.buttons.rejected.connect(self.reject)

        top = QHBoxLayout()
        top.addLayout(form, 1)
        top.addWidget(self.preview)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: one file, no steps to count
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.options_panel = QWidget()
        self.options_panel.setLayout(top)
        layout = QVBoxLayout(self)
        layout.addWidget(self.options_panel)
        layout.addWidget(self.error_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)

    # -- options -------------------------------------------------------------------------------
    @property
    def fmt(self) -> str:
        return str(self.format_box.currentData())

    def options(self) -> ExportOptions:
        """The options the controls describe."""
        return ExportOptions(
            scale=None if self.by_width.isChecked() else self.scale_spin.value(),
            width=self.width_spin.value() if self.by_width.isChecked() else None,
            background=str(self.background_box.currentData()),
            include_legend=self.legend_check.isChecked(),
            include_title=self.title_check.isChecked(),
            title=self.title_edit.text().strip() or None,
            visible_rect=self._visible if self.visible_radio.isChecked() else None,
            state=self._state,
        )

    def scene(self, background: str) -> GraphScene:
        """The scene in the theme a background asks for (built once per theme)."""
        name = "light" if background == "transparent" else background
        if name not in self._scenes:
            self._scenes[name] = self._factory(theme_named(name))
        return self._scenes[name]

    def _apply_shape(self) -> None:
        """Use the window's layout, or one laid out again for the chosen fit and direction."""
        row = self.shape_row
        row.sync()
        reshaped = self._shaper is not None and row.fit != "window"
        factory = (
            self._shaper(row.direction, row.fit)  # type: ignore[arg-type, misc]
            if reshaped
            else self._window_factory
        )
        if factory is not self._factory:
            self._factory, self._scenes = factory, {}
        # the visible area is the window's: a picture laid out again is exported whole
        self.visible_radio.setEnabled(self._visible is not None and not reshaped)
        if reshaped and self.visible_radio.isChecked():
            self.whole_radio.setChecked(True)

    def _on_options_changed(self, *_args: Any) -> None:
        self._apply_shape()
        self.scale_spin.setEnabled(not self.by_width.isChecked())
        self.width_spin.setEnabled(self.by_width.isChecked())
        self.title_edit.setEnabled(self.title_check.isChecked())
        path = Path(self.path_edit.text() or "graph")
        self.path_edit.setText(str(path.with_suffix(f".{self.fmt}")))
        options = self.options()
        scene = self.scene(options.background)
        page = page_for(themed_scene(scene, options.background), options)
        try:
            scale = output_scale(page, self.fmt, options)
        except GraphviewerError as exc:
            self.size_label.setText(str(exc))
        else:
            unit = "px" if self.fmt == "png" else "px (vector)"
            w, h = round(page.width * scale), round(page.height * scale)
            self.size_label.setText(f"{w:,} × {h:,} {unit}")
        self._preview_timer.start()

    def _update_preview(self) -> None:
        options = self.options()
        scene = themed_scene(self.scene(options.background), options.background)
        page = page_for(scene, options)
        fit = min(PREVIEW / page.width, PREVIEW / page.height)
        image = QImage(
            max(1, round(page.width * fit)),
            max(1, round(page.height * fit)),
            QImage.Format.Format_ARGB32_Premultiplied,
        )
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.scale(fit, fit)
        background = None if options.background == "transparent" else scene.theme.background
        paint_page(painter, page, scene, self._state, device_scale=fit, background=background)
        painter.end()
        self.preview.setPixmap(QPixmap.fromImage(image))

    # -- actions -------------------------------------------------------------------------------
    def _on_browse_clicked(self) -> None:
        filters = ";;".join(f"{label} (*.{fmt})" for label, fmt in FORMATS)
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Export Graph", self.path_edit.text(), filters
        )
        if chosen:
            suffix = Path(chosen).suffix.lstrip(".").lower()
            index = self.format_box.findData(suffix)
            if index >= 0:
                self.format_box.setCurrentIndex(index)
            self.path_edit.setText(chosen)

    def _on_export_clicked(self) -> None:
        """Write the file on a worker thread: the window stays responsive, Cancel stops it."""
        if self._worker.busy:
            return
        path = Path(self.path_edit.text()).expanduser()
        options, fmt = self.options(), self.fmt
        theme = theme_named("light" if options.background == "transparent" else options.background)
        factory = self._factory
        self.error_label.hide()

        def job(cancel: CancelToken, report: Callable[[Progress], None]) -> Job[ExportResult]:
            yield Progress(f"writing {path.name}")
            # A scene of its own, made on this thread: the preview's scene fills its caches
            # while painting on the GUI thread.
            scene = factory(theme)
            return export_graph(scene, path, fmt=fmt, options=options, cancel=cancel)

        self._pending_path = path
        self._set_busy(True)
        self._worker.submit(job, "graphviewer-export")

    def _on_worker_finished(self, _job_id: int, result: object) -> None:
        self._set_busy(False)
        self.result_ = result  # type: ignore[assignment]
        self._remember(self._pending_path)
        self.accept()

    def _on_worker_failed(self, _job_id: int, exc: object) -> None:
        self._set_busy(False)
        if isinstance(exc, GraphviewerError):
            self._show_error(str(exc))
        else:  # a bug must not lose the user's window
            self._show_error(f"Export failed: {type(exc).__name__}: {exc}")

    def _on_worker_cancelled(self, job_id: int) -> None:
        # The thread may still be painting: what was written is told once it has ended.
        self._cancelled_job = job_id
        self._set_busy(False)
        self._show_error("Export cancelled: waiting for the writer to stop…")

    def _on_worker_ended(self, job_id: int, outcome: str) -> None:
        if job_id != self._cancelled_job:
            return
        self._cancelled_job = None
        if outcome == "finished":  # the cancel came after the file was in place
            self._show_error(f"Cancelled too late: {self._pending_path.name} was written.")
        else:
            self._show_error(
                "Export cancelled: nothing was written, any earlier file is as it was."
            )

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.export_button.setEnabled(not busy)
        self.options_panel.setEnabled(not busy)
        if busy:
            QGuiApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        else:
            QGuiApplication.restoreOverrideCursor()

    def done(self, result: int) -> None:
        """Closing cancels the export and waits a moment for its thread; a cancelled export
        never replaces the file, even if its thread outlives the dialog."""
        self._worker.cancel()
        self._worker.wait_idle(0.3)
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing the window (or the application) closes it, a running export cancelled:
        only Cancel and Esc stop an export first and close on the second press."""
        self.done(QDialog.DialogCode.Rejected)
        event.accept()

    def reject(self) -> None:
        """Cancel (or Esc) stops a running export first; a second press closes the dialog."""
        if self._worker.busy:
            self._worker.cancel()
            return
        super().reject()

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()

    # -- settings ------------------------------------------------------------------------------
    def _restore(self) -> None:
        s = QSettings()
        fmt_index = self.format_box.findData(s.value("export/format", "png"))
        self.format_box.setCurrentIndex(max(fmt_index, 0))
        self.scale_spin.setValue(float(s.value("export/scale", 2.0)))
        self.width_spin.setValue(int(s.value("export/width", 1920)))
        self.by_width.setChecked(_flag(s.value("export/use_width", False)))
        bg_index = self.background_box.findData(s.value("export/background", "light"))
        self.background_box.setCurrentIndex(max(bg_index, 0))
        self.legend_check.setChecked(_flag(s.value("export/legend", True)))
        self.title_check.setChecked(_flag(s.value("export/title", True)))
        if self._visible is not None and s.value("export/area", "whole") == "visible":
            self.visible_radio.setChecked(True)
        row = self.shape_row
        row.fit_box.setCurrentIndex(max(row.fit_box.findData(s.value("export/fit", "window")), 0))
        direction = s.value("export/direction", "")
        row.direction_box.setCurrentIndex(max(row.direction_box.findData(direction), 0))
        folder = s.value("export/folder", "")
        name = Path(self.path_edit.text()).name
        if folder and Path(str(folder)).is_dir():
            self.path_edit.setText(str(Path(str(folder)) / name))

    def _remember(self, path: Path) -> None:
        s = QSettings()
        s.setValue("export/format", self.fmt)
        s.setValue("export/scale", self.scale_spin.value())
        s.setValue("export/width", self.width_spin.value())
        s.setValue("export/use_width", self.by_width.isChecked())
        s.setValue("export/background", self.background_box.currentData())
        s.setValue("export/legend", self.legend_check.isChecked())
        s.setValue("export/title", self.title_check.isChecked())
        s.setValue("export/area", "visible" if self.visible_radio.isChecked() else "whole")
        s.setValue("export/fit", self.shape_row.fit)
        s.setValue("export/direction", self.shape_row.direction or "")
        s.setValue("export/folder", str(path.resolve().parent))


def _flag(value: object) -> bool:
    """A QSettings boolean (INI files give back the strings "true"/"false")."""
    return value in (True, "true", "1", 1)


def open_export_dialog(parent: QWidget, current: OpenedGraph, canvas: GraphCanvas) -> bool:
    """File ▸ Export for the window: the graph as laid out and highlighted now. True if written."""
    snapshot, layout = current.snapshot, current.layout

    def factory(theme: Theme) -> GraphScene:
        return GraphScene(snapshot, layout, theme)

    name = Path(snapshot.name or "graph").stem or "graph"
    dialog = ExportDialog(
        parent, factory, canvas.visible_rect(), f"{name}-{snapshot.mode}.png", canvas.state
    )
    return dialog.exec() == QDialog.DialogCode.Accepted
