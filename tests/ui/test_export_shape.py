"""The export dialog's Shape row: a graph laid out again for a slide or a page, previewed and
written whole, from the window's File ▸ Export."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from graphviewer.ui.export_dialog import ExportDialog
from graphviewer.ui.main_window import MainWindow
from tests.conftest import SAMPLES
from tests.ui.conftest import OpenAndWait


def _size(dialog: ExportDialog) -> tuple[int, int]:
    text = dialog.size_label.text().split(" px")[0]
    w, h = (int(v.replace(",", "")) for v in text.split(" × "))
    return w, h


def test_export_dialog_shapes_the_graph_for_a_slide(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot, tmp_path: Path
) -> None:
    open_and_wait(SAMPLES / "cnn.py")
    target = tmp_path / "cnn-slide.png"
    done: list[bool] = []

    def drive() -> None:
        dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, ExportDialog))
        row = dialog.shape_row
        assert not row.direction_box.isEnabled()  # as in the window: nothing to choose
        w0, h0 = _size(dialog)
        dialog.visible_radio.setChecked(True)
        row.fit_box.setCurrentIndex(row.fit_box.findData("slide"))
        assert row.direction_box.isEnabled()
        assert dialog.whole_radio.isChecked() and not dialog.visible_radio.isEnabled()
        w1, h1 = _size(dialog)
        assert h0 > w0 and w1 > 1.2 * h1  # the tall column became slide-shaped
        row.direction_box.setCurrentIndex(row.direction_box.findData("LR"))
        dialog.path_edit.setText(str(target))
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=20_000)
        done.append(True)

    from PySide6.QtCore import QTimer

    QTimer.singleShot(200, drive)
    window.actions_.export.trigger()
    assert done
    image = QImage(str(target))
    assert image.width() > 1.2 * image.height()
