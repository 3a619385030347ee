"""Run the real window on a slow model and close it mid-job: `python -m tests.ui.close_driver
PHASE` with PHASE one of capture, layout, export. Prints "closing" just before the close."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QTimer

from graphviewer.core.jobs import Progress
from graphviewer.core.log_file import setup_logging
from graphviewer.ui.app import create_app, exit_program, make_window

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def main(phase: str) -> None:
    setup_logging()  # as `graphviewer FILE` does: nothing may reach the terminal
    app = create_app()
    window = make_window()
    window.show()

    closing: list[bool] = []

    def close() -> None:
        if not closing:
            closing.append(True)
            print("closing", flush=True)
            app.closeAllWindows()

    def on_progress(progress: Progress) -> None:
        if phase == "capture" and progress.stage == "running forward":
            QTimer.singleShot(300, close)
        elif phase == "layout" and progress.stage == "laying out":
            QTimer.singleShot(0, close)

    def on_opened(_opened: object) -> None:
        if phase == "export":
            QTimer.singleShot(0, start_export)

    def start_export() -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        from graphviewer.render.scene import GraphScene
        from graphviewer.ui.export_dialog import ExportDialog

        current = window.session.current
        assert current is not None
        snap, layout = current.snapshot, current.layout
        dialog = ExportDialog(
            window, lambda theme: GraphScene(snap, layout, theme), None, "graph.svg"
        )
        dialog.format_box.setCurrentIndex(dialog.format_box.findData("svg"))
        dialog.path_edit.setText(str(Path(tempfile.mkdtemp()) / "graph.svg"))
        dialog.show()
        QTest.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
        QTimer.singleShot(200, close)

    window.session.progress.connect(on_progress)
    window.session.opened.connect(on_opened)
    window.open_path(SAMPLES / "lstm_unrolled.py")
    exit_program(window, int(app.exec()))


if __name__ == "__main__":
    main(sys.argv[1])
