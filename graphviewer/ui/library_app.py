"""Qt for `graphviewer` used as a library (a script, a notebook kernel): one QApplication that
both export and the window can use, and a clear error instead of Qt's abort when `show()` has
no display to open a window on."""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QThread
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from graphviewer.core.errors import GraphviewerError

_state: dict[str, object] = {}  # "app": the QApplication made here; "offscreen": we chose it


class NoDisplayError(GraphviewerError):
    """`graphviewer.show()` was called where no window can be opened."""


def _no_display() -> bool:
    return (
        sys.platform.startswith("linux")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    )


def library_app() -> QApplication:
    """The QApplication to draw and show with, made once (offscreen when there is no display,
    so that exports work on a server); a QGuiApplication made by someone else is refused by
    name, since the window cannot run in it."""
    app = QGuiApplication.instance()
    if isinstance(app, QApplication):
        return app
    if app is not None:
        raise GraphviewerError(
            "a QGuiApplication already runs in this process, and the graphviewer window needs "
            "a QApplication",
            hint="create a QApplication instead (PySide6.QtWidgets), or only export",
        )
    if _no_display() and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        _state["offscreen"] = True
    made = QApplication(["graphviewer"])
    _state["app"] = made
    return made


def require_display() -> None:
    """NoDisplayError when a window cannot be shown here (checked before Qt would abort)."""
    app = QGuiApplication.instance()
    chosen = bool(_state.get("offscreen"))
    if app is not None:
        headless = app.platformName() in ("offscreen", "minimal")
        if not (headless and chosen):
            return
    elif not _no_display() or os.environ.get("QT_QPA_PLATFORM"):
        return
    raise NoDisplayError(
        "graphviewer.show() needs a display, and this process has none (DISPLAY and "
        "WAYLAND_DISPLAY are not set)",
        hint="write a picture with graphviewer.export(model, x, 'graph.svg'), or in a notebook "
        "show graphviewer.graph(model, x) inline",
    )


def event_loop_running() -> bool:
    """Whether the GUI thread is inside a Qt event loop already (an app of the user's, or
    IPython's `%gui qt`): then a window is opened without a loop of our own."""
    return QThread.currentThread().loopLevel() > 0
