"""The export dialog driven as a user would: set options, click Export, find the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QRectF, QSettings, Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from graphviewer.core.jobs import CancelToken
from graphviewer.core.types import GraphSnapshot, Layout
from graphviewer.render.scene import GraphScene
from graphviewer.render.theme import Theme
from graphviewer.ui.export_dialog import ExportDialog
from tests.conftest import SAMPLES
from tests.render.conftest import grid_layout


@pytest.fixture(scope="module")
def mlp(qapp: object) -> tuple[GraphSnapshot, Layout]:
    """The MLP sample captured in train mode, laid out simply."""
    from graphviewer.core.capture import capture_graph
    from graphviewer.core.jobs import run_job
    from graphviewer.core.model_file import load_model_file

    snapshot = run_job(capture_graph(load_model_file(SAMPLES / "mlp.py"), "train"))
    return snapshot, grid_layout(snapshot)


def _dialog(qtbot: QtBot, snapshot: GraphSnapshot, layout: Layout, name: str) -> ExportDialog:
    def factory(theme: Theme) -> GraphScene:
        return GraphScene(snapshot, layout, theme)

    dialog = ExportDialog(None, factory, QRectF(0, 0, 300, 200), name)
    qtbot.addWidget(dialog)
    return dialog


def test_export_dialog_writes_png_and_remembers(
    qtbot: QtBot, mlp: tuple[GraphSnapshot, Layout], tmp_path: Path
) -> None:
    dialog = _dialog(qtbot, *mlp, "mlp-train.png")
    assert dialog.preview.pixmap() is not None and not dialog.preview.pixmap().isNull()
    dialog.by_width.click()
    dialog.width_spin.setValue(1000)
    dialog.background_box.setCurrentIndex(dialog.background_box.findData("dark"))
    dialog.legend_check.click()  # off
    dialog.path_edit.setText(str(tmp_path / "slide.png"))
    assert "1,000 ×" in dialog.size_label.text()
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=20_000)
    image = QImage(str(tmp_path / "slide.png"))
    assert image.width() == 1000
    assert image.pixelColor(2, 2).name() == "#1c1e22"  # the dark background
    assert QSettings().value("export/folder") == str(tmp_path)

    again = _dialog(qtbot, *mlp, "mlp-train.png")
    assert again.by_width.isChecked() and again.width_spin.value() == 1000
    assert not again.legend_check.isChecked()
    assert again.background_box.currentData() == "dark"
    assert Path(again.path_edit.text()).parent == tmp_path


def test_export_dialog_svg_of_visible_area(
    qtbot: QtBot, mlp: tuple[GraphSnapshot, Layout], tmp_path: Path
) -> None:
    dialog = _dialog(qtbot, *mlp, str(tmp_path / "part.png"))
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("svg"))
    assert dialog.path_edit.text().endswith("part.svg")
    dialog.visible_radio.click()
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=20_000)
    text = (tmp_path / "part.svg").read_text()
    assert "<text" in text and "mlp — train mode" in text


def test_export_dialog_shows_errors_and_stays_open(
    qtbot: QtBot, mlp: tuple[GraphSnapshot, Layout], tmp_path: Path
) -> None:
    dialog = _dialog(qtbot, *mlp, "g.png")
    dialog.show()
    dialog.path_edit.setText(str(tmp_path / "missing" / "g.png"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.error_label.isVisible, timeout=20_000)
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error_label.isVisible() and "folder does not exist" in dialog.error_label.text()


def test_export_dialog_cancel_stops_a_slow_export_and_keeps_the_old_file(
    qtbot: QtBot,
    mlp: tuple[GraphSnapshot, Layout],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The file is written off the GUI thread: the dialog stays responsive, Cancel stops it."""
    import threading
    import time

    from graphviewer.ui import export_dialog

    started = threading.Event()

    def slow_export(*_args: object, cancel: CancelToken, **_kwargs: object) -> None:
        started.set()
        while True:
            cancel.raise_if_cancelled()
            time.sleep(0.01)

    monkeypatch.setattr(export_dialog, "export_graph", slow_export)
    target = tmp_path / "old.png"
    target.write_bytes(b"the previous export")
    dialog = _dialog(qtbot, *mlp, str(target))
    dialog.show()
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert started.wait(10)
    assert dialog.progress.isVisible() and not dialog.export_button.isEnabled()
    ticks: list[int] = []
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    qtbot.wait(200)
    assert len(ticks) >= 5  # the event loop runs while the export does
    dialog.reject()  # the Cancel button / Esc
    qtbot.waitUntil(dialog.error_label.isVisible, timeout=10_000)
    assert "cancelled" in dialog.error_label.text()
    assert dialog.isVisible() and dialog.export_button.isEnabled()
    assert target.read_bytes() == b"the previous export"
    assert dialog._worker.wait_idle(10)
