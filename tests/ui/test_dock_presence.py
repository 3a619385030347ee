"""Docks appear when they have something to show: none on the start page, the user's own once a
graph is open, and closing from the start page keeps the user's layout."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from graphviewer.ui.app import create_app
from graphviewer.ui.main_window import MainWindow
from tests.ui.conftest import OpenAndWait

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def _shown(window: MainWindow) -> set[str]:
    return {d.windowTitle() for d in window.docks if d.isVisible()}


def test_the_start_page_shows_no_empty_docks(
    window: MainWindow, open_and_wait: OpenAndWait
) -> None:
    assert window.stack.currentWidget() is window.start_page
    assert _shown(window) == set()
    open_and_wait(SAMPLES / "mlp.py")
    assert _shown(window) == {"Modules", "Legend", "Details", "Source"}


def test_a_dock_the_user_closed_stays_closed_and_the_layout_survives_a_start_page_close(
    qtbot: QtBot, tmp_path: Path
) -> None:
    create_app()
    first = MainWindow()
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    with qtbot.waitSignal(first.session.opened, timeout=60_000):
        first.open_path(SAMPLES / "mlp.py")
    legend = next(d for d in first.docks if d.windowTitle() == "Legend")
    legend.close()  # the user closes the legend
    first.close()

    second = MainWindow()  # starts on the start page: nothing shown, then closed again
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    assert _shown(second) == set()
    second.close()

    third = MainWindow()
    qtbot.addWidget(third)
    third.show()
    qtbot.waitExposed(third)
    with qtbot.waitSignal(third.session.opened, timeout=60_000):
        third.open_path(SAMPLES / "mlp.py")
    assert _shown(third) == {"Modules", "Details", "Source"}  # the legend stays closed
    for win in (first, second, third):
        win.session.cancel()
        assert win.session.wait_idle(10.0)


def test_a_layout_saved_by_an_older_window_is_not_reused(qtbot: QtBot) -> None:
    from graphviewer.ui.main_window import DOCK_LAYOUT_VERSION
    from graphviewer.ui.settings import AppSettings

    create_app()
    old = MainWindow()
    qtbot.addWidget(old)
    for dock in old.docks:
        old.removeDockWidget(dock)  # every dock stacked on the left, as no default would be
        old.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        dock.show()
    AppSettings().save_window(old.saveGeometry(), old.saveState(DOCK_LAYOUT_VERSION - 1))
    new = MainWindow()
    qtbot.addWidget(new)
    details = next(d for d in new.docks if d.windowTitle() == "Details")
    assert new.dockWidgetArea(details) == Qt.DockWidgetArea.RightDockWidgetArea  # the default
    AppSettings().save_window(old.saveGeometry(), old.saveState(DOCK_LAYOUT_VERSION))
    same = MainWindow()
    qtbot.addWidget(same)
    details = next(d for d in same.docks if d.windowTitle() == "Details")
    assert same.dockWidgetArea(details) == Qt.DockWidgetArea.LeftDockWidgetArea  # the user's
