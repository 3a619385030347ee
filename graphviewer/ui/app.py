"""Starting the window: the QApplication, its names for QSettings, and a crash dialog.

`run_window` is what `graphviewer [FILE]` calls; `show_model` is `graphviewer.show(model, x)`.
Set ``GRAPHVIEWER_QUIT_AFTER_FIRST_FRAME=1`` to quit once the first graph is painted (the
launch benchmark uses it and prints the seconds since start-up on standard output).
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

if TYPE_CHECKING:
    import torch

    from graphviewer.core.types import Mode
    from graphviewer.ui.main_window import MainWindow

_START = time.perf_counter()


def create_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication (made once), named for QSettings, with the crash dialog installed."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName("graphviewer")
    app.setApplicationName("graphviewer")
    app.setApplicationDisplayName("graphviewer")
    from graphviewer import __version__

    app.setApplicationVersion(__version__)
    sys.excepthook = _excepthook
    return app


def _excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """Show an unexpected error in a dialog instead of losing the window."""
    text = "".join(traceback.format_exception(kind, exc, tb))
    sys.stderr.write(text)
    if QApplication.instance() is None or os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        return
    title, message = "graphviewer: internal error", f"{kind.__name__}: {exc}"
    box = QMessageBox(QMessageBox.Icon.Critical, title, message)
    box.setDetailedText(text)
    box.exec()


def make_window() -> MainWindow:
    """A main window, with the first-frame benchmark hook when asked for."""
    from graphviewer.ui.main_window import MainWindow

    window = MainWindow()
    if os.environ.get("GRAPHVIEWER_QUIT_AFTER_FIRST_FRAME"):

        def on_painted(_seconds: float) -> None:
            print(f"first frame {time.perf_counter() - _START:.3f} s", flush=True)
            QTimer.singleShot(0, QApplication.instance().quit)

        window.canvas.painted.connect(on_painted)
    return window


def run_window(
    path: str | None = None,
    *,
    mode: Mode = "train",
    trust: bool = False,
    input_shape: tuple[int, ...] | None = None,
    model: str | None = None,
    run_script: bool = False,
    depth: int | None = None,
    expand_all: bool = False,
    device: str | None = None,
) -> int:
    """Open the window (on `path` if given) and run until it closes; the exit status."""
    from graphviewer.ui.jobs import OpenRequest

    app = create_app()
    window = make_window()
    window.show()
    if path:
        request = OpenRequest(
            Path(path).expanduser().resolve(),
            mode,
            trust,
            input_shape,
            model=model,
            run_script=run_script,
            collapsed=frozenset() if expand_all else None,
            depth=depth,
            device=device,
        )
        window.open_request(request)
    status = app.exec()
    window.session.cancel()
    return int(status)


def show_model(model: torch.nn.Module, inputs: Any, mode: Mode = "train") -> None:
    """Open the window on a live model and block until it is closed."""
    from graphviewer.core.capture import live_spec
    from graphviewer.ui.jobs import OpenRequest

    app = create_app()
    window = make_window()
    window.show()
    window.open_request(OpenRequest(path=None, mode=mode, spec=live_spec(model, inputs)))
    app.exec()
    window.session.cancel()
    window.session.wait_idle()
