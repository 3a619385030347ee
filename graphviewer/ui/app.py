"""Starting the window: the QApplication, its names for QSettings, and a crash dialog.

`run_window` is what `graphviewer [FILE]` calls; `show_model` is `graphviewer.show(model, x)`.
Set ``GRAPHVIEWER_QUIT_AFTER_FIRST_FRAME=1`` to quit once the first graph is painted (the
launch benchmark uses it and prints the seconds since start-up on standard output).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
import traceback
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, NoReturn

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

if TYPE_CHECKING:
    import torch

    from graphviewer.core.types import Mode
    from graphviewer.ui.main_window import MainWindow

_START = time.perf_counter()
log = logging.getLogger(__name__)


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


_error_boxes: list[QMessageBox] = []  # shown, not yet closed


def _excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """Log an unexpected error (an exception in any Qt slot lands here) with its traceback and
    show it in a dialog instead of losing the window."""
    text = "".join(traceback.format_exception(kind, exc, tb))
    log.error("uncaught %s: %s", kind.__name__, exc, exc_info=(kind, exc, tb))
    if not any(
        isinstance(h, logging.FileHandler) for h in logging.getLogger("graphviewer").handlers
    ):
        sys.stderr.write(text)  # no log file to find it in
    if QApplication.instance() is None:
        return
    title, message = "graphviewer: internal error", f"{kind.__name__}: {exc}"
    box = QMessageBox(QMessageBox.Icon.Critical, title, message)
    box.setInformativeText("The details are in Help ▸ Show Log. The window keeps working.")
    box.setDetailedText(text)
    box.setObjectName("internalError")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    # Non-modal: a nested event loop inside an exception hook could re-enter the failing slot.
    _error_boxes.append(box)
    box.finished.connect(lambda _r, b=box: _error_boxes.remove(b) if b in _error_boxes else None)
    box.show()


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
    lesson: str | None = None,
) -> int:
    """Open the window (on `path` if given; with `lesson`, a lesson's number or file, started),
    run until it closes, then end the process with the exit status (`exit_program`)."""
    from graphviewer.core.log_file import setup_logging
    from graphviewer.ui.jobs import OpenRequest

    setup_logging()
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
    if lesson:
        window.lessons.start_named(lesson)
    exit_program(window, int(app.exec()))


def exit_program(window: MainWindow, status: int, timeout_s: float = 0.3) -> NoReturn:
    """End the `graphviewer` program once its window has closed: cancel every job, give them a
    moment, flush the log and settings, and leave without tearing anything down.

    Nothing is left to do, and an ordinary exit would free a big graph object by object and
    destroy Qt under job threads still painting or inside torch (3 s measured after the
    20,800-node LSTM, and a crash risk). Never used by `graphviewer.show`: that process is the
    user's.
    """
    from graphviewer.ui.worker import JobWorker

    workers = window.findChildren(JobWorker)
    for worker in workers:
        worker.cancel()
    deadline = time.monotonic() + timeout_s
    if not all(w.wait_idle(max(0.0, deadline - time.monotonic())) for w in workers):
        log.info("a job was still running %.1f s after the window closed", timeout_s)
    log.info("graphviewer exits with status %d", status)
    QSettings().sync()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(status)


_open_windows: list[MainWindow] = []  # shown by a non-blocking `show_model`, not yet closed


def show_model(model: torch.nn.Module, inputs: Any, mode: Mode = "train") -> None:
    """Open the window on a live model and block until it is closed; when a Qt event loop
    already runs (the user's app, IPython's `%gui qt`) open it and return at once. With no
    display, `NoDisplayError` (Qt would abort the process)."""
    from graphviewer.core.capture import live_spec
    from graphviewer.ui.jobs import OpenRequest
    from graphviewer.ui.library_app import event_loop_running, library_app, require_display

    require_display()
    library_app()
    app = create_app()
    window = make_window()
    window.show()
    window.open_request(OpenRequest(path=None, mode=mode, spec=live_spec(model, inputs)))
    if event_loop_running() or _ipython_gui_qt():
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        _open_windows.append(window)
        window.destroyed.connect(lambda *_: _open_windows.remove(window))
        return
    app.exec()
    window.session.cancel()
    window.session.wait_idle()


def _ipython_gui_qt() -> bool:
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    return str(getattr(shell, "active_eventloop", None) or "").startswith("qt")
