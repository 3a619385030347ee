"""The log: a file in the state folder, Help ▸ Show Log, slot exceptions, native crash dumps."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from graphviewer.core.log_file import setup_logging
from graphviewer.ui.main_window import MainWindow
from tests.conftest import SAMPLES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def log_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Logging set up as the program does it, into a private state folder."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    logger = logging.getLogger("graphviewer")
    before = list(logger.handlers)
    path = setup_logging()
    assert path == tmp_path / "graphviewer" / "graphviewer.log"
    yield path
    for handler in logger.handlers[:]:
        if handler not in before:
            logger.removeHandler(handler)
            handler.close()


def _text(path: Path) -> str:
    for handler in logging.getLogger("graphviewer").handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_opening_a_model_is_logged(window: MainWindow, qtbot: QtBot, log_file: Path) -> None:
    with qtbot.waitSignal(window.session.opened, timeout=60_000):
        window.open_path(SAMPLES / "mlp.py")
    text = _text(log_file)
    assert "graphviewer.core.model_file: loading" in text and "mlp.py" in text
    assert "graphviewer.ui.jobs: opened mlp.py" in text, f"{log_file}: {text}"


def test_help_show_log_shows_the_log(window: MainWindow, qtbot: QtBot, log_file: Path) -> None:
    logging.getLogger("graphviewer.test").info("a line the user should see")
    help_menu = next(
        a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Help"
    )
    action = next(a for a in help_menu.actions() if a.text().replace("&", "") == "Show Log")
    action.trigger()
    dialog = window.log_dialog
    qtbot.waitExposed(dialog)
    assert "a line the user should see" in dialog.text.toPlainText()
    assert str(log_file) in dialog.where.text()
    logging.getLogger("graphviewer.test").info("written while it is open")
    dialog.refresh_button.click()
    assert "written while it is open" in dialog.text.toPlainText()
    dialog.close()


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_is_logged_and_shown(qtbot: QtBot, log_file: Path) -> None:
    from graphviewer.ui.app import create_app

    create_app()

    def broken_slot() -> None:
        raise ValueError("a bug in a slot")

    QTimer.singleShot(0, broken_slot)

    def shown() -> QMessageBox | None:
        boxes = [w for w in QApplication.topLevelWidgets() if w.objectName() == "internalError"]
        return boxes[0] if boxes and boxes[0].isVisible() else None

    qtbot.waitUntil(lambda: shown() is not None, timeout=5000)
    box = shown()
    assert box is not None and "ValueError: a bug in a slot" in box.text()
    text = _text(log_file)
    assert "uncaught ValueError: a bug in a slot" in text, f"{log_file}: {text}"
    assert "Traceback (most recent call last)" in text and "broken_slot" in text
    box.close()


def test_a_native_crash_leaves_its_stacks_in_crash_log(tmp_path: Path) -> None:
    code = (
        "import faulthandler\n"
        "from graphviewer.core.log_file import setup_logging\n"
        "setup_logging()\n"
        "faulthandler._sigsegv()\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT), XDG_STATE_HOME=str(tmp_path))
    env.pop("PYTHONFAULTHANDLER", None)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    crash = (tmp_path / "graphviewer" / "crash.log").read_text()
    assert "Segmentation fault" in crash and "<string>" in crash, f"crash.log: {crash}"
    assert "Segmentation fault" not in done.stderr  # in the file, not on the terminal
