"""Fixtures for driving the real window: a fresh MainWindow and a helper that opens and waits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from graphviewer.ui.app import create_app
from graphviewer.ui.jobs import OpenedGraph
from graphviewer.ui.main_window import MainWindow

OpenAndWait = Callable[..., OpenedGraph]


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[MainWindow]:
    create_app()
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.session.cancel()
    assert win.session.wait_idle(10.0), "a job thread outlived its test"


@pytest.fixture
def open_and_wait(window: MainWindow, qtbot: QtBot) -> OpenAndWait:
    """Open `path` through the window's own open path and wait for the graph to be shown."""

    def run(path: Path, timeout: int = 60_000, **kwargs: object) -> OpenedGraph:
        with qtbot.waitSignal(window.session.opened, timeout=timeout) as blocker:
            window.open_path(path, **kwargs)
        qtbot.waitUntil(lambda: window.canvas.scene is not None, timeout=2000)
        return blocker.args[0]

    return run
