"""View ▸ Direction in the window: the open graph is laid out left to right, fitted, the choice
is remembered for the next window, and Ctrl+Shift+D switches back."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from graphviewer.ui.direction_menu import saved_direction
from graphviewer.ui.main_window import MainWindow
from tests.conftest import SAMPLES
from tests.ui.conftest import OpenAndWait


def _menu_action(window: MainWindow, name: str):  # type: ignore[no-untyped-def]
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    direction = next(a.menu() for a in view.actions() if a.text() == "&Direction")
    return next(a for a in direction.actions() if a.objectName() == name)


def test_direction_menu_lays_the_graph_out_left_to_right(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    open_and_wait(SAMPLES / "cnn.py")
    assert window.canvas.scene.layout.direction == "TB"
    _, _, w0, h0 = window.canvas.scene.layout.bounds
    with qtbot.waitSignal(window.session.relaid, timeout=20_000):
        _menu_action(window, "directionLR").trigger()
    layout = window.canvas.scene.layout
    assert layout.direction == "LR"
    _, _, w1, h1 = layout.bounds
    assert h0 > w0 and w1 > h1  # the column became a row
    assert _menu_action(window, "directionLR").isChecked()
    assert saved_direction() == "LR"
    # what is folded stays folded, and a reload keeps the direction
    assert layout.collapsed == window.session.current.layout.collapsed
    with qtbot.waitSignal(window.session.opened, timeout=60_000):
        window.session.reload()
    assert window.canvas.scene.layout.direction == "LR"
    # the shortcut switches back
    with qtbot.waitSignal(window.session.relaid, timeout=20_000):
        ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        qtbot.keyClick(window, Qt.Key.Key_D, ctrl_shift)
    assert window.canvas.scene.layout.direction == "TB"
    assert _menu_action(window, "directionTB").isChecked()


def test_direction_is_remembered_by_the_next_window(window: MainWindow, qtbot: QtBot) -> None:
    _menu_action(window, "directionLR").trigger()  # no graph open: only remembered
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.session.direction == "LR"
    assert _menu_action(again, "directionLR").isChecked()
